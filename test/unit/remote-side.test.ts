/**
 * How a pass reads the newest snapshot (engine/remote-side.ts): a snapshot this device already
 * stored as its remote tree is not decoded again; only the directories the pass writes are
 * read. A snapshot from another device, one with withheld entries, or a stored tree that
 * disagrees with it is decoded whole. Two devices over an in-memory store.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { remoteWithheldKey } from '../../src/sync/engine/remote-side.js';
import { memoryDevices, type MemoryDevice } from '../support/memory-device.js';

const FOLDER = 'f00000000000000000000000000051de';
const devices = memoryDevices(FOLDER);

/** Counts the tree blobs the device's repository decodes. */
function countTreeReads(d: MemoryDevice): () => number {
  let n = 0;
  const read = d.ctx.repo.readTree.bind(d.ctx.repo);
  d.ctx.repo.readTree = (id) => {
    n++;
    return read(id);
  };
  return () => n;
}

async function threeDirs(d: MemoryDevice): Promise<void> {
  for (const sub of ['one', 'two', 'three']) {
    await mkdir(path.join(d.root, sub));
    await writeFile(path.join(d.root, sub, 'a.txt'), `${sub} a\n`);
    await writeFile(path.join(d.root, sub, 'b.txt'), `${sub} b\n`);
  }
}

describe('the remote side of a pass', () => {
  it('a save reads the stored tree and only the directories it writes; another device reads it all', async () => {
    const a = await device('a');
    await threeDirs(a);
    await syncFolderOnce(a.ctx);
    const reads = countTreeReads(a);
    await writeFile(path.join(a.root, 'two', 'a.txt'), 'two a, edited\n');
    const r = await syncFolderOnce(a.ctx);
    expect(r.remote).toBe('stored');
    expect(r.uploaded).toBe(1);
    // root (for one/ and three/'s blob ids) and two/ (for b.txt's entry)
    expect(reads()).toBe(2);

    const b = await device('b');
    const rb = await syncFolderOnce(b.ctx);
    expect(rb.remote).toBe('decoded');
    expect(await readFile(path.join(b.root, 'two', 'a.txt'), 'utf8')).toBe('two a, edited\n');
    expect(await readFile(path.join(b.root, 'three', 'b.txt'), 'utf8')).toBe('three b\n');

    // b's snapshot is new to a: decoded; then a's own again: stored.
    await writeFile(path.join(b.root, 'one', 'c.txt'), 'from b\n');
    await syncFolderOnce(b.ctx);
    expect((await syncFolderOnce(a.ctx)).remote).toBe('decoded');
    expect(await readFile(path.join(a.root, 'one', 'c.txt'), 'utf8')).toBe('from b\n');
    await writeFile(path.join(a.root, 'three', 'a.txt'), 'three a, edited\n');
    expect((await syncFolderOnce(a.ctx)).remote).toBe('stored');
    await syncFolderOnce(b.ctx);
    expect(await readFile(path.join(b.root, 'three', 'a.txt'), 'utf8')).toBe('three a, edited\n');
    expect(await readFile(path.join(b.root, 'one', 'c.txt'), 'utf8')).toBe('from b\n');
  });

  it('a snapshot with withheld entries is decoded every time (they are not in the stored tree)', async () => {
    const a = await device('a');
    await threeDirs(a);
    await syncFolderOnce(a.ctx);
    const v = a.manifest.getState<{ withheld: number }>(remoteWithheldKey(FOLDER));
    expect(v?.withheld).toBe(0);
    a.manifest.setState(remoteWithheldKey(FOLDER), { ...v, withheld: 1 });
    await writeFile(path.join(a.root, 'one', 'a.txt'), 'edited\n');
    expect((await syncFolderOnce(a.ctx)).remote).toBe('decoded');
  });

  it('a stored tree that disagrees with its snapshot fails the pass, and the next one decodes', async () => {
    const a = await device('a');
    await threeDirs(a);
    await syncFolderOnce(a.ctx);
    // The stored remote tree says two/b.txt has other content than the snapshot does.
    const remote = a.manifest.loadTree(FOLDER, 'remote');
    const bad = [...remote.values()].find(
      (n) => n.name === 'b.txt' && remote.get(n.parentId ?? '')?.name === 'two',
    );
    if (bad === undefined) throw new Error('two/b.txt not in the stored tree');
    a.manifest.applyTreeChanges(FOLDER, 'remote', [{ ...bad, contentId: 'f'.repeat(64) }], []);
    await writeFile(path.join(a.root, 'two', 'a.txt'), 'edited\n');
    await expect(syncFolderOnce(a.ctx)).rejects.toThrow(/does not match snapshot/);
    const r = await syncFolderOnce(a.ctx);
    expect(r.remote).toBe('decoded');
    expect(r.uploaded).toBe(1);
    const b = await device('b');
    await syncFolderOnce(b.ctx);
    expect(await readFile(path.join(b.root, 'two', 'b.txt'), 'utf8')).toBe('two b\n');
    expect(await readFile(path.join(b.root, 'two', 'a.txt'), 'utf8')).toBe('edited\n');
  });
});

function device(name: string) {
  return devices.device(name);
}
