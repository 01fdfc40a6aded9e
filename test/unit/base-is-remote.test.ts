/**
 * A pass whose stored merge base is, row for row, the stored remote tree takes the remote tree it
 * loaded as the base too (Manifest.baseIsRemote): at 100,000 files that skips loading and
 * filtering a second tree. Two devices of one account over an in-memory store; after every pass,
 * wherever the mark is set, the two stored trees are checked to be equal (the mark never stands
 * for a base that differs), and the files checked to have arrived.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncFolderOnce, type PassResult } from '../../src/sync/engine/folder-sync.js';
import { sameTree } from '../../src/sync/model/tree.js';
import { memoryDevices, type MemoryDevice } from '../support/memory-device.js';

const FOLDER = 'f000000000000000000000000000ba5e';
const devices = memoryDevices(FOLDER);

/** A pass; then, if the mark is set, the stored base must be the stored remote tree. */
async function pass(d: MemoryDevice): Promise<{ r: PassResult; marked: boolean }> {
  const r = await syncFolderOnce(d.ctx);
  const marked = d.manifest.baseIsRemote(FOLDER);
  if (marked) {
    const synced = d.manifest.loadTree(FOLDER, 'synced');
    const remote = d.manifest.loadTree(FOLDER, 'remote');
    expect(sameTree(synced, remote)).toBe(true);
  }
  return { r, marked };
}

const text = (d: MemoryDevice, rel: string): Promise<string> =>
  readFile(path.join(d.root, rel), 'utf8');

describe('the base taken from the remote tree', () => {
  it('is marked after uploads and downloads, used by the next passes, and they sync right', async () => {
    const a = await devices.device('a');
    const b = await devices.device('b');
    await mkdir(path.join(a.root, 'docs'));
    await writeFile(path.join(a.root, 'docs', 'one.txt'), 'one\n');
    await writeFile(path.join(a.root, 'two.txt'), 'two\n');
    expect((await pass(a)).marked).toBe(true);
    const got = await pass(b);
    expect(got.r.downloaded).toBe(2);
    expect(got.marked).toBe(true);

    // Passes that start marked: an edit, a delete and a rename on b; a receives them.
    await writeFile(path.join(b.root, 'two.txt'), 'two, edited on b\n');
    await unlink(path.join(b.root, 'docs', 'one.txt'));
    await writeFile(path.join(b.root, 'docs', 'three.txt'), 'three\n');
    const sent = await pass(b);
    expect(sent.r.remote).toBe('stored'); // no new snapshot since b's last pass: the marked path
    expect(sent.r.uploaded).toBe(2);
    expect(sent.marked).toBe(true);
    const recv = await pass(a);
    expect(recv.marked).toBe(true);
    expect(await text(a, 'two.txt')).toBe('two, edited on b\n');
    expect(await text(a, 'docs/three.txt')).toBe('three\n');
    await expect(text(a, 'docs/one.txt')).rejects.toThrow(/ENOENT/);

    // Both edit the same file from the marked state: a conflict, kept on both sides.
    await writeFile(path.join(a.root, 'two.txt'), 'a says\n');
    await writeFile(path.join(b.root, 'two.txt'), 'b says, longer\n');
    await pass(a);
    const clash = await pass(b);
    expect(clash.r.plan.conflicts.length).toBe(1);
    await pass(a);
    await pass(b); // uploads the conflict copy it made
    await pass(a);
    const names = async (d: MemoryDevice): Promise<string[]> =>
      [...d.manifest.loadTree(FOLDER, 'synced').values()].map((n) => n.name).sort();
    expect(await names(a)).toHaveLength(5); // with the conflict copy
    expect(await names(a)).toEqual(await names(b));
  });

  it('is not set while the base keeps items the remote tree does not show here', async () => {
    const a = await devices.device('a', { excluded: ['docs'] });
    const b = await devices.device('b');
    await mkdir(path.join(b.root, 'docs'));
    await writeFile(path.join(b.root, 'docs', 'hidden-on-a.txt'), 'b only\n');
    await writeFile(path.join(b.root, 'shown.txt'), 'both\n');
    await pass(b);
    // a does not sync docs/: its base lacks what CESS has there.
    const r = await pass(a);
    expect(r.r.downloaded).toBe(1);
    expect(r.marked).toBe(false);
    expect(await text(a, 'shown.txt')).toBe('both\n');
    // And held deletes keep items in the base that the plan did not delete.
    const c = await devices.device('c', { maxDeletesPerPass: 1 });
    await pass(c);
    await unlink(path.join(c.root, 'shown.txt'));
    await unlink(path.join(c.root, 'docs', 'hidden-on-a.txt'));
    const held = await pass(c);
    expect(held.r.plan.held.length).toBe(2);
    expect(await text(b, 'shown.txt')).toBe('both\n');
  });
});
