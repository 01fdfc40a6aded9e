/**
 * A device of one test account syncing one folder over an in-memory object store
 * (./memory-store.ts), driven pass by pass with `syncFolderOnce`: fast tests of what a pass
 * does. The devnet tests (./sync-device.ts) run the same passes against CESS.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { pretAccountOf } from '../../src/cess/pret/index.js';
import { initFolderRoot, type FolderSyncContext } from '../../src/sync/engine/folder-sync.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { Repository } from '../../src/sync/remote/repository.js';
import { MemoryStore } from './memory-store.js';

export interface MemoryDevice {
  ctx: FolderSyncContext;
  root: string;
  manifest: Manifest;
}

/** `<dir>/<name>` as the folder's root and `<dir>/<name>.sqlite` as its manifest. */
export async function memoryDevice(o: {
  dir: string;
  store: MemoryStore;
  folderId: string;
  name: string;
  extra?: Partial<FolderSyncContext>;
}): Promise<MemoryDevice> {
  const keys = deriveKeys(new Uint8Array(32).fill(9));
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//MemoryDeviceTest');
  const manifest = Manifest.open(path.join(o.dir, `${o.name}.sqlite`));
  const root = path.join(o.dir, o.name);
  await mkdir(root);
  await initFolderRoot(root);
  manifest.addFolder({ id: o.folderId, rootPath: root });
  const repo = new Repository(o.store, keys);
  const ctx: FolderSyncContext = {
    folderId: o.folderId,
    root,
    manifest,
    keys,
    account: pretAccountOf(pair),
    repo,
    store: o.store,
    deviceName: o.name,
    ...o.extra,
  };
  return { ctx, root, manifest };
}

/**
 * For a test file: a fresh temp dir and store before each test, its devices' manifests closed
 * and the dir removed after it. `device(name)` adds one more device of the account.
 */
export function memoryDevices(folderId: string) {
  let dir = '';
  let store = new MemoryStore();
  const manifests: Manifest[] = [];
  beforeAll(async () => {
    await cryptoWaitReady();
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-memdev-'));
    store = new MemoryStore();
  });
  afterEach(async () => {
    for (const m of manifests.splice(0)) m.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get store(): MemoryStore {
      return store;
    },
    async device(name: string, extra: Partial<FolderSyncContext> = {}): Promise<MemoryDevice> {
      const d = await memoryDevice({ dir, store, folderId, name, extra });
      manifests.push(d.manifest);
      return d;
    },
  };
}
