/**
 * A sync device against the local CESS network, shared by the sync integration tests and the
 * sync child process: a funded account with a territory and the gateway authorized, then per
 * device a folder root, a SQLite manifest, a CessChain, a CD²N client, a CessObjectStore, a
 * Repository and the account's keys (and, for folder passes, the folder in the manifest).
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
import { pretAccountOf } from '../../src/cess/pret/index.js';
import type { CompactionContext } from '../../src/sync/compaction/index.js';
import {
  initFolderRoot,
  type AccountKeys,
  type FolderSyncContext,
} from '../../src/sync/engine/folder-sync.js';
import { deriveKeys, type FormatKeys } from '../../src/sync/format/index.js';
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

/** A device's connections and keys, with no folder of its own yet (an engine adds folders). */
export interface Device {
  name: string;
  root: string;
  pair: KeyringPair;
  ss58Format: number;
  manifest: Manifest;
  keys: FormatKeys;
  account: AccountKeys;
  chain: CessChain;
  gateway: Cd2nClient;
  store: CessObjectStore;
  repo: Repository;
  close(): Promise<void>;
}

/** A device with one folder, and the context a folder pass runs in. */
export interface SyncDevice extends Device {
  ctx: FolderSyncContext;
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

/** The device's root (created empty), manifest, chain and gateway clients, store and keys. */
export async function openDevice(
  addr: NetworkAddress,
  mnemonic: string,
  o: Omit<DeviceOptions, 'folderId'>,
): Promise<Device> {
  await cryptoWaitReady();
  await mkdir(o.root, { recursive: true });
  await mkdir(path.dirname(o.manifestPath), { recursive: true });
  const manifest = Manifest.open(o.manifestPath);
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
  return {
    name: o.name,
    root: o.root,
    pair,
    ss58Format: addr.ss58Format,
    manifest,
    keys,
    account: pretAccountOf(pair),
    chain,
    gateway,
    store,
    repo: new Repository(store, keys),
    close: async () => {
      manifest.close();
      await chain.disconnect();
    },
  };
}

export async function makeSyncDevice(
  addr: NetworkAddress,
  mnemonic: string,
  o: DeviceOptions,
): Promise<SyncDevice> {
  const d = await openDevice(addr, mnemonic, o);
  await initFolderRoot(o.root);
  if (!d.manifest.listFolders().some((f) => f.id === o.folderId))
    d.manifest.addFolder({ id: o.folderId, rootPath: o.root });
  const ctx: FolderSyncContext = {
    folderId: o.folderId,
    root: o.root,
    manifest: d.manifest,
    keys: d.keys,
    account: d.account,
    repo: d.repo,
    store: d.store,
    deviceName: o.name,
  };
  return { ...d, ctx };
}

/** Devices of one account on folder `folderId`, each under `<dir>/<name>` (Sync/, manifest.sqlite). */
export async function makeSyncDevices(
  addr: NetworkAddress,
  mnemonic: string,
  dir: string,
  folderId: string,
  names: string[],
): Promise<SyncDevice[]> {
  const out: SyncDevice[] = [];
  for (const name of names) {
    out.push(
      await makeSyncDevice(addr, mnemonic, {
        name,
        folderId,
        root: path.join(dir, name, 'Sync'),
        manifestPath: path.join(dir, name, 'manifest.sqlite'),
      }),
    );
  }
  return out;
}

/** What a child process is told about its device (sync-child.ts, compaction-child.ts). */
export interface ChildDeviceConfig extends NetworkAddress {
  mnemonic: string;
  folderId: string;
  root: string;
  manifestPath: string;
  deviceName: string;
}

export function makeChildDevice(cfg: ChildDeviceConfig): Promise<SyncDevice> {
  return makeSyncDevice(cfg, cfg.mnemonic, {
    name: cfg.deviceName,
    folderId: cfg.folderId,
    root: cfg.root,
    manifestPath: cfg.manifestPath,
  });
}

/** The context compaction runs in on this device, temporary files in its metadata dir. */
export function compactionContextOf(d: Device, now: () => number): CompactionContext {
  return {
    manifest: d.manifest,
    keys: d.keys,
    secretScalar: d.account.secretScalar,
    repo: d.repo,
    store: d.store,
    tmpDir: path.join(d.root, '.cess-sync', 'tmp'),
    now,
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
