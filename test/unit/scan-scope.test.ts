/**
 * Where a pass looks on disk (FolderSyncContext.scanPaths, engine/folder-runtime.ts ScanScope):
 * a pass after a watcher batch scans the paths the watcher reported and takes the rest of the
 * local tree as recorded; a pass whose rules changed scans everything; the engine's scope
 * widens to everything whenever it cannot trust the watcher's paths.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { newFolderRuntime, noteBatch, takeScope } from '../../src/sync/engine/folder-runtime.js';
import type { FolderWatcher } from '../../src/sync/scan/index.js';
import { memoryDevices } from '../support/memory-device.js';

const FOLDER = 'f000000000000000000000000005c0be';
const devices = memoryDevices(FOLDER);

describe('scanPaths', () => {
  it('scans only the reported paths; what changed elsewhere waits for a pass that looks there', async () => {
    const a = await device('a');
    await writeFile(path.join(a.root, 'one.txt'), '1');
    await writeFile(path.join(a.root, 'two.txt'), '2');
    await syncFolderOnce(a.ctx);

    await writeFile(path.join(a.root, 'one.txt'), '1, edited');
    await writeFile(path.join(a.root, 'two.txt'), '2, edited');
    const scoped = await syncFolderOnce({ ...a.ctx, scanPaths: ['one.txt'] });
    expect(scoped.plan.ops.map((o) => o.type)).toEqual(['uploadFile']);

    const b = await device('b');
    await syncFolderOnce(b.ctx);
    expect(await readFile(path.join(b.root, 'one.txt'), 'utf8')).toBe('1, edited');
    expect(await readFile(path.join(b.root, 'two.txt'), 'utf8')).toBe('2');

    const full = await syncFolderOnce(a.ctx);
    expect(full.uploaded).toBe(1);
    await syncFolderOnce(b.ctx);
    expect(await readFile(path.join(b.root, 'two.txt'), 'utf8')).toBe('2, edited');
  });

  it('an empty scope scans nothing and plans nothing for the local side', async () => {
    const a = await device('a');
    await writeFile(path.join(a.root, 'one.txt'), '1');
    await syncFolderOnce(a.ctx);
    await writeFile(path.join(a.root, 'late.txt'), 'late');
    const r = await syncFolderOnce({ ...a.ctx, scanPaths: [] });
    expect(r.plan.ops).toEqual([]);
    expect((await syncFolderOnce(a.ctx)).uploaded).toBe(1);
  });

  it('rules changed since the last pass: everything is scanned whatever the scope', async () => {
    const a = await device('a');
    await writeFile(path.join(a.root, '.cessignore'), 'hidden.txt\n');
    await writeFile(path.join(a.root, 'hidden.txt'), 'was hidden');
    const first = await syncFolderOnce(a.ctx);
    expect(first.rulesChanged).toBe(false);
    expect(first.uploaded).toBe(1); // .cessignore itself

    await writeFile(path.join(a.root, '.cessignore'), '');
    const r = await syncFolderOnce({ ...a.ctx, scanPaths: ['.cessignore'] });
    expect(r.rulesChanged).toBe(true);
    expect(r.uploaded).toBe(2); // .cessignore and the file it no longer hides
    expect((await syncFolderOnce({ ...a.ctx, scanPaths: [] })).rulesChanged).toBe(false);
  });
});

describe('the engine’s scan scope', () => {
  const watching = (): FolderWatcher => ({
    ready: Promise.resolve(),
    flush: () => undefined,
    close: () => Promise.resolve(),
  });

  it('the first pass of a run scans everything; later ones what the watcher reported', () => {
    const rt = newFolderRuntime('f', '/r', false);
    rt.watcher = watching();
    expect(takeScope(rt).full).toBe(true);
    noteBatch(rt, { paths: ['a.txt', 'd/b.txt'], full: false, reason: 'events' });
    noteBatch(rt, { paths: ['a.txt'], full: false, reason: 'events' });
    const s = takeScope(rt);
    expect(s.full).toBe(false);
    expect([...s.paths].sort()).toEqual(['a.txt', 'd/b.txt']);
    expect(takeScope(rt)).toEqual({ full: false, paths: new Set() });
    noteBatch(rt, { paths: [], full: true, reason: 'timer' });
    expect(takeScope(rt).full).toBe(true);
  });

  it('everything is scanned without a watcher, after a failed pass and after a torn read', () => {
    const rt = newFolderRuntime('f', '/r', false);
    takeScope(rt);
    expect(takeScope(rt).full).toBe(true); // no watcher
    rt.watcher = watching();
    expect(takeScope(rt).full).toBe(false);
    rt.lastError = 'gateway timeout';
    expect(takeScope(rt).full).toBe(true);
    rt.lastError = null;
    rt.rescanSoon = true;
    expect(takeScope(rt).full).toBe(true);
  });
});

function device(name: string) {
  return devices.device(name);
}
