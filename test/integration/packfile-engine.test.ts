/**
 * The engine's pass with packs written by the worker thread (src/sync/packfile) on the local
 * CESS network: one device uploads through the worker path (more than one pack), a second
 * device on the in-thread path downloads the files byte for byte, and the pass leaves no worker
 * running.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { PackFilePool } from '../../src/sync/packfile/index.js';
import { startTestDevnet, type TestDevnet } from '../support/devnet.js';
import {
  fundSyncAccount,
  listing,
  makeSyncDevices,
  type SyncDevice,
} from '../support/sync-device.js';
import { bytesOf } from '../support/bytes.js';

const FOLDER = 'f0000000000000000000000000000077';

let net: TestDevnet;
let work: string;
let devices: SyncDevice[] = [];

beforeAll(async () => {
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-packfile-'));
  const { mnemonic } = await fundSyncAccount(net);
  devices = await makeSyncDevices(net, mnemonic, work, FOLDER, ['worker', 'plain']);
}, 180_000);

afterAll(async () => {
  for (const d of devices) await d.close();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('engine pass through the pack-file worker', () => {
  it('uploads through the worker; another device gets the same bytes', async () => {
    const [a, b] = devices as [SyncDevice, SyncDevice];
    await mkdir(path.join(a.root, 'media'), { recursive: true });
    // ~38 MiB: more than one 32 MiB pack, so a pack is closed while the next one is filled.
    await writeFile(path.join(a.root, 'media/big.bin'), bytesOf(30 * 1024 * 1024 + 5, 1));
    await writeFile(path.join(a.root, 'media/mid.bin'), bytesOf(8 * 1024 * 1024, 2));
    await writeFile(path.join(a.root, 'small.txt'), 'small file next to big ones\n');
    await writeFile(path.join(a.root, 'empty.bin'), '');

    const opened = vi.spyOn(PackFilePool.prototype, 'open');
    const closed = vi.spyOn(PackFilePool.prototype, 'close');
    try {
      const up = await syncFolderOnce({ ...a.ctx, packWorkerMinBytes: 0 });
      expect(up.uploaded).toBe(4);
      expect(up.uploadedPacks.length).toBeGreaterThanOrEqual(2);
      expect(opened.mock.calls.length).toBe(up.uploadedPacks.length);
      expect(closed).toHaveBeenCalledTimes(1); // the pass ended its worker
    } finally {
      opened.mockRestore();
      closed.mockRestore();
    }

    const down = await syncFolderOnce(b.ctx); // default threshold: in-thread
    expect(down.downloaded).toBe(4);
    expect(listing(b.root)).toEqual(listing(a.root));
  }, 300_000);
});
