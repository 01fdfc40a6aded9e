/**
 * The quiet pass (src/sync/engine/quiet-pass.ts): a pass after one that left both sides agreeing,
 * with nothing changed since on disk, on CESS or in the rules, stops after its scan without
 * loading the remote tree or planning. Two devices of one account over an in-memory store. Each
 * time a marker is set, a full plan made without it is checked to be empty too: the marker
 * never hides work.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  syncFolderOnce,
  type FolderSyncContext,
  type PassResult,
} from '../../src/sync/engine/folder-sync.js';
import { quietKey } from '../../src/sync/engine/quiet-pass.js';
import { memoryDevices, type MemoryDevice } from '../support/memory-device.js';

const FOLDER = 'f000000000000000000000000000a11e';
const devices = memoryDevices(FOLDER);
const device = (name: string, extra?: Partial<FolderSyncContext>) => devices.device(name, extra);
type Device = MemoryDevice;

const marked = (d: Device): boolean =>
  (d.ctx.manifest.getState<unknown>(quietKey(FOLDER)) ?? null) !== null;

/** A pass, and whether it stopped after its scan (the snapshot not read). */
async function pass(d: Device): Promise<{ r: PassResult; quiet: boolean }> {
  const r = await syncFolderOnce(d.ctx);
  return { r, quiet: r.remote === 'unread' };
}

/** With the marker set: a full plan (the marker removed) finds nothing to do either. */
async function expectAgreement(d: Device): Promise<void> {
  expect(marked(d)).toBe(true);
  d.ctx.manifest.setState(quietKey(FOLDER), null);
  const { r, quiet } = await pass(d);
  expect(quiet).toBe(false);
  expect(r.plan.ops).toEqual([]);
  expect(marked(d)).toBe(true);
}

describe('quiet pass', () => {
  it('after uploading, the next pass stops after its scan; a full plan agrees there is nothing to do', async () => {
    const a = await device('a');
    await mkdir(path.join(a.root, 'docs'));
    await writeFile(path.join(a.root, 'docs', 'one.txt'), 'one\n');
    await writeFile(path.join(a.root, 'two.txt'), 'two\n');
    const first = await pass(a);
    expect(first.quiet).toBe(false);
    expect(first.r.uploaded).toBe(2);
    await expectAgreement(a);

    const again = await pass(a);
    expect(again.quiet).toBe(true);
    expect(again.r.plan.ops).toEqual([]);
  });

  it('a local edit, a new snapshot from the other device, or a rules change each make the pass plan', async () => {
    const a = await device('a');
    await writeFile(path.join(a.root, 'x.txt'), 'x1\n');
    await pass(a);
    expect((await pass(a)).quiet).toBe(true);

    // Local edit (the size differs, so the stat-only scan sees it).
    await writeFile(path.join(a.root, 'x.txt'), 'x2 longer\n');
    const edit = await pass(a);
    expect(edit.quiet).toBe(false);
    expect(edit.r.uploaded).toBe(1);
    await expectAgreement(a);

    // The other device writes: a's disk is unchanged, but CESS has a new snapshot.
    const b = await device('b');
    await pass(b);
    expect(await readFile(path.join(b.root, 'x.txt'), 'utf8')).toBe('x2 longer\n');
    await writeFile(path.join(b.root, 'y.txt'), 'from b\n');
    expect((await pass(b)).r.uploaded).toBe(1);
    const pulled = await pass(a);
    expect(pulled.quiet).toBe(false);
    expect(pulled.r.downloaded).toBe(1);
    // It wrote to a's disk: no marker until a pass has seen that on disk and agreed.
    expect(marked(a)).toBe(false);
    const after = await pass(a);
    expect(after.quiet).toBe(false);
    expect(after.r.plan.ops).toEqual([]);
    expect(marked(a)).toBe(true);
    expect((await pass(a)).quiet).toBe(true);

    // A rules change: y.txt is now ignored here.
    await writeFile(path.join(a.root, '.cessignore'), 'y.txt\n');
    expect((await pass(a)).quiet).toBe(false);
    expect((await pass(a)).quiet).toBe(true);
  });

  it('a folder removed and added again (same id, empty disk) plans and downloads', async () => {
    const a = await device('a');
    await writeFile(path.join(a.root, 'keep.txt'), 'on CESS\n');
    await pass(a);
    expect(marked(a)).toBe(true);
    // Stop syncing it, empty the folder, add it back: its trees start again from the root.
    a.ctx.manifest.removeFolder(FOLDER);
    await unlink(path.join(a.root, 'keep.txt'));
    await new Promise((r) => setTimeout(r, 5)); // another creation time
    a.ctx.manifest.addFolder({ id: FOLDER, rootPath: a.root });
    const back = await pass(a);
    expect(back.quiet).toBe(false);
    expect(back.r.downloaded).toBe(1);
    expect(await readFile(path.join(a.root, 'keep.txt'), 'utf8')).toBe('on CESS\n');
  });

  it('deletes held for the user leave no marker: every pass asks again', async () => {
    const a = await device('a', { maxDeletesPerPass: 1 });
    for (const n of ['p', 'q', 'r']) await writeFile(path.join(a.root, `${n}.txt`), `${n}\n`);
    await pass(a);
    expect(marked(a)).toBe(true);
    for (const n of ['p', 'q', 'r']) await unlink(path.join(a.root, `${n}.txt`));
    const held = await pass(a);
    expect(held.r.plan.held.length).toBe(3);
    expect(marked(a)).toBe(false);
    const again = await pass(a);
    expect(again.quiet).toBe(false);
    expect(again.r.plan.held.length).toBe(3);
  });

  it('a pass that fails half-way leaves no marker; the next pass plans and completes', async () => {
    const a = await device('a');
    await writeFile(path.join(a.root, 'k.txt'), 'k\n');
    await pass(a);
    expect(marked(a)).toBe(true);
    await writeFile(path.join(a.root, 'k.txt'), 'k, edited\n');
    const put = devices.store.put.bind(devices.store);
    devices.store.put = () => Promise.reject(new Error('gateway said 503'));
    await expect(syncFolderOnce(a.ctx)).rejects.toThrow('503');
    devices.store.put = put;
    expect(marked(a)).toBe(false);
    // The failed pass's scan recorded the edit: the local tree no longer changes, yet it plans.
    const retry = await pass(a);
    expect(retry.quiet).toBe(false);
    expect(retry.r.uploaded).toBe(1);
    await expectAgreement(a);
  });
});
