/**
 * Tree blobs written by a pass (docs/format.md "Trees and snapshots"): an unchanged directory
 * encodes to the same blob and is not stored again, so a pass that changed one file stores the
 * trees on its path and nothing else. Over an in-memory store; every tree is checked to be
 * readable from the repository afterwards.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { PackReader } from '../../src/sync/format/index.js';
import { memoryDevices, type MemoryDevice } from '../support/memory-device.js';

const FOLDER = 'f0000000000000000000000000007ee5';
const devices = memoryDevices(FOLDER);
const device = (name: string) => devices.device(name);

/** Tree blobs in the objects the store gained since `before` (a set of fids). */
async function treesAddedSince(d: MemoryDevice, before: Set<string>): Promise<number> {
  let trees = 0;
  for (const [fid, o] of devices.store.objects) {
    if (before.has(fid)) continue;
    const bytes = o.bytes;
    const r = await PackReader.open(d.ctx.keys, {
      size: bytes.length,
      read: (off: number, len: number) => Promise.resolve(bytes.subarray(off, off + len)),
    });
    trees += r.entries.filter((e) => e.type === 'tree').length;
  }
  return trees;
}

describe('tree blobs of a pass', () => {
  it('one edited file stores the trees on its path only; another device reads the result', async () => {
    const a = await device('a');
    for (const sub of ['one', 'two', 'three']) {
      await mkdir(path.join(a.root, sub, 'deep'), { recursive: true });
      await writeFile(path.join(a.root, sub, 'deep', 'f.txt'), `${sub}\n`);
    }
    let before = new Set<string>(devices.store.objects.keys());
    await syncFolderOnce(a.ctx);
    // root, 3 dirs, 3 deep dirs
    expect(await treesAddedSince(a, before)).toBe(7);

    await writeFile(path.join(a.root, 'two', 'deep', 'f.txt'), 'two, edited\n');
    before = new Set<string>(devices.store.objects.keys());
    const r = await syncFolderOnce(a.ctx);
    expect(r.uploaded).toBe(1);
    // root, two/, two/deep/: the other directories' trees are already on CESS
    expect(await treesAddedSince(a, before)).toBe(3);

    // The new snapshot reuses the stored trees: a second device gets the whole folder.
    const b = await device('b');
    await syncFolderOnce(b.ctx);
    for (const sub of ['one', 'two', 'three'])
      expect(await readFile(path.join(b.root, sub, 'deep', 'f.txt'), 'utf8')).toBe(
        sub === 'two' ? 'two, edited\n' : `${sub}\n`,
      );
  });
});
