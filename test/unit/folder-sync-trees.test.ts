/**
 * Tree blobs written by a pass (docs/format.md "Trees and snapshots"): an unchanged directory
 * encodes to the same blob and is not stored again, so a pass that changed one file stores the
 * trees on its path and nothing else. A pass does not even encode the directories it did not
 * touch (it reuses the blobs they were read from). Over an in-memory store; a second device
 * reads every result.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
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

  it('moves, renames, deletes and edits in several directories: only those and their ancestors are encoded, and another device gets exactly the tree', async () => {
    const a = await device('a');
    const b = await device('b');
    const files: Record<string, string> = {
      'd1/x.txt': 'x',
      'd1/y.txt': 'y',
      'd2/sub/z.txt': 'z',
      'd3/w.txt': 'w',
      'd4/deep/deeper/v.txt': 'v',
      'd6/a/b/c/u.txt': 'u',
      'd7/t.txt': 't',
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(a.root, rel)), { recursive: true });
      await writeFile(path.join(a.root, rel), text);
    }
    // Tree blob ids the pass asks the repository about: one per directory it encodes.
    let encoded = 0;
    const has = a.ctx.repo.has.bind(a.ctx.repo);
    a.ctx.repo.has = (type, id) => {
      if (type === 'tree') encoded++;
      return has(type, id);
    };
    const sameOnBoth = async (): Promise<void> => {
      await syncFolderOnce(b.ctx);
      expect(await listing(b.root)).toEqual(await listing(a.root));
    };
    await syncFolderOnce(a.ctx);
    await sameOnBoth();

    await rename(path.join(a.root, 'd1/x.txt'), path.join(a.root, 'd3/x.txt')); // d1, d3
    await rename(path.join(a.root, 'd2/sub'), path.join(a.root, 'd2/sub2')); // d2
    await rm(path.join(a.root, 'd4/deep/deeper/v.txt')); // deeper, deep, d4
    await writeFile(path.join(a.root, 'd3/w.txt'), 'w, edited'); // d3
    await mkdir(path.join(a.root, 'd5'));
    await writeFile(path.join(a.root, 'd5/new.txt'), 'new'); // d5, root
    encoded = 0;
    await syncFolderOnce(a.ctx);
    // root, d1, d2, d3, d4, d4/deep, d4/deep/deeper, d5; not d2/sub2, d6 and below, d7
    expect(encoded).toBe(8);
    await sameOnBoth();

    await rename(path.join(a.root, 'd4/deep'), path.join(a.root, 'd1/deep')); // d4, d1
    await rm(path.join(a.root, 'd3'), { recursive: true }); // root
    await writeFile(path.join(a.root, 'd6/a/b/c/u.txt'), 'u, edited'); // c, b, a, d6
    await rename(path.join(a.root, 'd7/t.txt'), path.join(a.root, 'd7/renamed.txt')); // d7
    encoded = 0;
    await syncFolderOnce(a.ctx);
    // root, d1, d4, d6, d6/a, d6/a/b, d6/a/b/c, d7
    expect(encoded).toBe(8);
    await sameOnBoth();
  });
});

/** Every file below `root` (our metadata left out) with its text, sorted by path. */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(root, path.join(e.parentPath, e.name));
    if (rel.startsWith('.cess-sync')) continue;
    out.push(e.isFile() ? `${rel}: ${await readFile(path.join(root, rel), 'utf8')}` : `${rel}/`);
  }
  return out.sort();
}
