import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { queryOf, txOf } from '../../cess/chain/metadata.js';
import { signAndWait } from '../../cess/chain/tx.js';
import { balancePairs, setStorage, TCESS, type DevRpc } from './dev-storage.js';
import { minerItemPair } from './miner-sim.js';
import { encodeStorageValue, storageKey } from './storage-codec.js';

/** The dev accounts the local network funds (well-known //Name derivations: never use on a real chain). */
export const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'] as const;

export interface DevKeys {
  gateway: KeyringPair;
  miner: KeyringPair;
  users: Record<(typeof DEV_ACCOUNTS)[number], KeyringPair>;
}

export function devKeys(ss58Format: number): DevKeys {
  const kr = new Keyring({ type: 'sr25519', ss58Format });
  const users = Object.fromEntries(
    DEV_ACCOUNTS.map((n) => [n, kr.addFromUri(`//${n}`)]),
  ) as DevKeys['users'];
  return {
    gateway: kr.addFromUri('//CessSyncGateway'),
    miner: kr.addFromUri('//CessSyncMiner'),
    users,
  };
}

export const DEV_FUNDS = 1_000_000n * TCESS;
/** Idle space the network claims to have, so territories can be minted (1 PiB). */
export const DEV_IDLE_SPACE = 2n ** 50n;

/**
 * After a saved state is written into a fresh chain, System.BlockHash holds the previous
 * run's hashes, not the ones chopsticks reports over RPC, so every signature (it commits to
 * the genesis hash and a recent block for mortality) is refused as badProof. Writing the
 * reported hashes back makes the two agree.
 */
export async function alignBlockHashes(api: ApiPromise, rpc: DevRpc): Promise<void> {
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  const numbers = [0];
  for (let n = Math.max(1, head - 256); n <= head; n++) numbers.push(n);
  const pairs = await Promise.all(
    numbers.map(async (n): Promise<[string, string]> => [
      api.query.system.blockHash.key(n),
      (await api.rpc.chain.getBlockHash(n)).toHex(),
    ]),
  );
  await setStorage(rpc, pairs);
}

/**
 * Puts a fresh genesis into a usable state, idempotently: dev accounts funded, idle space
 * declared, a storage miner to hold fragments, and the gateway registered as an OSS.
 */
export async function prepareChain(
  api: ApiPromise,
  rpc: DevRpc,
  keys: DevKeys,
  gatewayUrl: string,
): Promise<void> {
  const funded = [keys.gateway, keys.miner, ...Object.values(keys.users)].map((k) => k.address);
  const free = await Promise.all(
    funded.map(async (a) => (await api.query.system.account(a)).data.free.toBigInt()),
  );
  const poor = funded.filter((_, i) => (free[i] ?? 0n) < DEV_FUNDS / 2n);
  await setStorage(rpc, [
    ...balancePairs(api, poor, DEV_FUNDS),
    [
      storageKey(api, 'storageHandler', 'totalIdleSpace'),
      encodeStorageValue(api, 'storageHandler', 'totalIdleSpace', DEV_IDLE_SPACE),
    ],
    minerItemPair(api, keys.miner.address, DEV_IDLE_SPACE),
  ]);
  const oss = await queryOf(api, 'oss', 'oss')(keys.gateway.address);
  if (oss.isEmpty) {
    await signAndWait(
      api,
      txOf(api, 'oss', 'register')(new Uint8Array(38), gatewayUrl),
      keys.gateway,
    );
  } else if ((oss.toHuman() as { domain?: string } | null)?.domain !== gatewayUrl) {
    // A resumed network whose gateway came up on another port: keep discovery truthful.
    await signAndWait(
      api,
      txOf(api, 'oss', 'update')(new Uint8Array(38), gatewayUrl),
      keys.gateway,
    );
  }
}
