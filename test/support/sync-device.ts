/**
 * A sync device against the local CESS network, shared by the sync integration tests and the
 * sync child process: a funded account with a territory and the gateway authorized, then per
 * device a folder root, a SQLite manifest, a CessChain, a CD²N client, a CessObjectStore, a
 * Repository and the account's keys.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CessChain } from '../../src/cess/chain/client.js';
import { Cd2nClient, keyringSigner, type Cd2nClientOptions } from '../../src/cess/gateway/index.js';
import { secretScalarFromKeyringPair } from '../../src/cess/pret/index.js';
import { initFolderRoot, type FolderSyncContext } from '../../src/sync/engine/folder-sync.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { CessObjectStore } from '../../src/sync/remote/cess-object-store.js';
import { Repository } from '../../src/sync/remote/repository.js';
import type { TestDevnet } from './devnet.js';
import { prepareSyncAccount } from '../../src/devnet/accounts.js';

export const TERRITORY = 'sync';

export interface SyncAccount {
  mnemonic: string;
  pair: KeyringPair;
}

/** Where a device connects: what a child process needs besides its own paths. */
export interface NetworkAddress {
  chainUrl: string;
  gatewayUrl: string;
  ss58Format: number;
}

export interface DeviceOptions {
  name: string;
  folderId: string;
  /** The folder root (created, with its marker, if missing). */
  root: string;
  manifestPath: string;
  /** CessChain reconnect interval (default: the client's). */
  reconnectMs?: number;
  /** CD²N client retry policy (default: the client's). */
  retry?: Cd2nClientOptions['retry'];
}

export interface SyncDevice {
  name: string;
  root: string;
  manifest: Manifest;
  ctx: FolderSyncContext;
  chain: CessChain;
  gateway: Cd2nClient;
  store: CessObjectStore;
  repo: Repository;
  close(): Promise<void>;
}

export function pairOf(mnemonic: string, ss58Format: number): KeyringPair {
  return new Keyring({ type: 'sr25519', ss58Format }).addFromMnemonic(mnemonic);
}

/**
 * A fresh account: funded by Alice, a territory of `gib` GiB (every pass that changes something
 * uploads at least one pack, and each locks 96 MiB), the devnet gateway authorized.
 */
export async function fundSyncAccount(net: TestDevnet, gib = 20): Promise<SyncAccount> {
  await cryptoWaitReady();
  return prepareSyncAccount(net, { territory: TERRITORY, gib, funds: 100_000n });
}

export async function makeSyncDevice(
  addr: NetworkAddress,
  mnemonic: string,
  o: DeviceOptions,
): Promise<SyncDevice> {
  await cryptoWaitReady();
  await mkdir(o.root, { recursive: true });
  await initFolderRoot(o.root);
  await mkdir(path.dirname(o.manifestPath), { recursive: true });
  const manifest = Manifest.open(o.manifestPath);
  if (!manifest.listFolders().some((f) => f.id === o.folderId))
    manifest.addFolder({ id: o.folderId, rootPath: o.root });
  const pair = pairOf(mnemonic, addr.ss58Format);
  const chain = await CessChain.connect({
    endpoints: addr.chainUrl,
    ...(o.reconnectMs !== undefined ? { reconnectMs: o.reconnectMs } : {}),
  });
  const gateway = new Cd2nClient({
    baseUrl: addr.gatewayUrl,
    signer: keyringSigner(pair),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  const store = new CessObjectStore({ chain, gateway, account: pair, territory: TERRITORY });
  const keys = deriveKeys(mnemonicToMiniSecret(mnemonic));
  const repo = new Repository(store, keys);
  const ctx: FolderSyncContext = {
    folderId: o.folderId,
    root: o.root,
    manifest,
    keys,
    account: { publicKey: pair.publicKey, secretScalar: secretScalarFromKeyringPair(pair) },
    repo,
    store,
    deviceName: o.name,
  };
  return {
    name: o.name,
    root: o.root,
    manifest,
    ctx,
    chain,
    gateway,
    store,
    repo,
    close: async () => {
      manifest.close();
      await chain.disconnect();
    },
  };
}

/** Every file under a root (metadata dir and marker excluded) with its sha256; dirs as 'dir'. */
export function listing(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (rel === '' && (e.name === '.cess-sync' || e.name === '.cess-sync-root')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[`${r}/`] = 'dir';
        walk(path.join(dir, e.name), r);
      } else {
        out[r] = createHash('sha256')
          .update(readFileSync(path.join(dir, e.name)))
          .digest('hex');
      }
    }
  };
  walk(root, '');
  return out;
}
