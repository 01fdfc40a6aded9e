import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { mnemonicGenerate } from '@polkadot/util-crypto';
import { txOf } from '../cess/chain/metadata.js';
import { signAndWait } from '../cess/chain/tx.js';
import { TCESS } from './chain/dev-storage.js';
import type { Devnet } from './network.js';

export interface SyncAccountOptions {
  /** Funds sent from //Alice, in TCESS (default 10,000). */
  funds?: bigint;
  territory: string;
  /** Territory size; every pass that uploads locks 96 MiB per pack, so tests want room. */
  gib: number;
  days?: number;
}

export interface PreparedAccount {
  mnemonic: string;
  pair: KeyringPair;
}

/**
 * A new account on the local network, ready to sync: funded from //Alice, a territory minted,
 * the network's gateway authorized — what a user does once on a real chain.
 */
export async function prepareSyncAccount(
  net: Devnet,
  o: SyncAccountOptions,
): Promise<PreparedAccount> {
  const mnemonic = mnemonicGenerate(24);
  const pair = new Keyring({ type: 'sr25519', ss58Format: net.ss58Format }).addFromMnemonic(
    mnemonic,
  );
  const { api } = net;
  await signAndWait(
    api,
    api.tx.balances.transferKeepAlive(pair.address, (o.funds ?? 10_000n) * TCESS),
    net.keys.users.Alice,
  );
  await signAndWait(
    api,
    txOf(api, 'storageHandler', 'mintTerritory')(o.gib, o.territory, o.days ?? 30),
    pair,
  );
  await signAndWait(api, txOf(api, 'oss', 'authorize')(net.keys.gateway.address), pair);
  return { mnemonic, pair };
}
