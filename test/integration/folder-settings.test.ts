/**
 * Folder settings after setup, on two real engines of one account on the local CESS network:
 * excluding a subfolder on one device keeps its files on both sides and stops changes in both
 * directions, re-including merges it back without conflicts or deletions, a .cessignore rule
 * saved through the engine stops an upload, and removing a folder keeps everything while
 * adding it back neither duplicates nor conflicts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf } from '../../src/sync/model/tree.js';
import { startTestDevnet, type TestDevnet } from '../support/devnet.js';
import { makeEngineNode, type EngineNode } from '../support/engine-node.js';
import { fundSyncAccount, listing } from '../support/sync-device.js';

let net: TestDevnet;
let work: string;
let mnemonic: string;
let a: EngineNode;
let b: EngineNode;
let folderId: string;

async function device(name: string): Promise<EngineNode> {
  const d = await makeEngineNode(net, mnemonic, work, name, { compaction: false });
  await d.engine.start();
  return d;
}

/** Paths of the folder's remote tree as this device last read it from CESS. */
function remotePaths(d: EngineNode): string[] {
  const t = d.manifest.loadTree(folderId, 'remote');
  return [...t.keys()]
    .map((id) => pathOf(t, id))
    .filter((p): p is string => p !== null && p !== '')
    .sort();
}

const deletions = (d: EngineNode) =>
  d.engine.recentActivity(500).filter((x) => x.kind === 'deleted' || x.kind === 'conflict');

async function syncBoth(): Promise<void> {
  await a.engine.syncNow();
  await b.engine.syncNow();
  await a.engine.syncNow();
  await b.engine.syncNow();
}

const text = (d: EngineNode, rel: string) => readFile(path.join(d.root, rel), 'utf8');

beforeAll(async () => {
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-folder-settings-'));
  ({ mnemonic } = await fundSyncAccount(net, 20));
  a = await device('laptop');
  b = await device('desktop');
  await mkdir(path.join(a.root, 'Work/deep'), { recursive: true });
  await writeFile(path.join(a.root, 'Work/w1.txt'), 'w1 v1\n');
  await writeFile(path.join(a.root, 'Work/w2.txt'), 'w2 v1\n');
  await writeFile(path.join(a.root, 'Work/deep/d.txt'), 'deep\n');
  await writeFile(path.join(a.root, 'top.txt'), 'top\n');
  folderId = (await a.engine.addFolder({ root: a.root })).id;
  expect((await b.engine.addFolder({ root: b.root })).id).toBe(folderId);
  await syncBoth();
}, 300_000);

afterAll(async () => {
  for (const d of [a, b]) {
    if (!d) continue;
    await d.engine.stop();
    await d.close();
  }
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('folder settings on two devices', () => {
  it('starts converged', () => {
    expect(listing(b.root)).toEqual(listing(a.root));
    expect(listing(b.root)['Work/deep/d.txt']).toBeDefined();
  });

  it('excluding a subfolder on B keeps its files and stops changes both ways; nothing is deleted', async () => {
    const settings = await b.engine.setExcluded({ folderId, excluded: ['Work/'] });
    expect(settings.excluded).toEqual(['Work']);
    await b.engine.syncNow();
    // B's local copy stays.
    expect(await text(b, 'Work/w1.txt')).toBe('w1 v1\n');
    expect(existsSync(path.join(b.root, 'Work/deep/d.txt'))).toBe(true);

    // A edits and adds in Work; B edits and adds in its (excluded) Work.
    await writeFile(path.join(a.root, 'Work/w1.txt'), 'w1 edited on A\n');
    await writeFile(path.join(a.root, 'Work/new-a.txt'), 'new on A\n');
    await writeFile(path.join(b.root, 'Work/w2.txt'), 'w2 edited on B\n');
    await writeFile(path.join(b.root, 'Work/new-b.txt'), 'new on B\n');
    await syncBoth();

    expect(await text(b, 'Work/w1.txt')).toBe('w1 v1\n');
    expect(existsSync(path.join(b.root, 'Work/new-a.txt'))).toBe(false);
    expect(await text(a, 'Work/w2.txt')).toBe('w2 v1\n');
    expect(existsSync(path.join(a.root, 'Work/new-b.txt'))).toBe(false);
    // Nothing deleted on A, nor on CESS (B's last read of the remote tree has everything).
    expect(await text(a, 'Work/w1.txt')).toBe('w1 edited on A\n');
    expect(existsSync(path.join(a.root, 'Work/deep/d.txt'))).toBe(true);
    for (const p of ['Work', 'Work/deep/d.txt', 'Work/new-a.txt', 'Work/w1.txt', 'Work/w2.txt'])
      expect(remotePaths(b)).toContain(p);
    expect(deletions(a)).toEqual([]);
    expect(deletions(b)).toEqual([]);
  });

  it('including it again merges both sides byte-identically, without conflicts', async () => {
    await b.engine.setExcluded({ folderId, excluded: [] });
    await syncBoth();
    expect(listing(b.root)).toEqual(listing(a.root));
    expect(await text(b, 'Work/w1.txt')).toBe('w1 edited on A\n');
    expect(await text(a, 'Work/w2.txt')).toBe('w2 edited on B\n');
    expect(await text(a, 'Work/new-b.txt')).toBe('new on B\n');
    expect(await text(b, 'Work/new-a.txt')).toBe('new on A\n');
    expect(Object.keys(listing(a.root)).filter((p) => p.includes('conflict'))).toEqual([]);
    expect(deletions(a)).toEqual([]);
    expect(deletions(b)).toEqual([]);
  });

  it('a .cessignore rule saved through the engine stops a matching file from uploading', async () => {
    const s = await b.engine.setIgnoreRules({ folderId, rules: '# private\n*.secret\n' });
    expect(s.ignoreRules).toBe('# private\n*.secret\n');
    await writeFile(path.join(b.root, 'diary.secret'), 'not for CESS\n');
    await writeFile(path.join(b.root, 'public.txt'), 'fine\n');
    await syncBoth();
    expect(remotePaths(b)).toContain('public.txt');
    expect(remotePaths(b)).toContain('.cessignore');
    expect(remotePaths(b)).not.toContain('diary.secret');
    expect(existsSync(path.join(a.root, 'diary.secret'))).toBe(false);
    expect(await text(a, '.cessignore')).toBe('# private\n*.secret\n');
    expect(await text(b, 'diary.secret')).toBe('not for CESS\n');
  });

  it('removing a folder keeps local files and remote data; adding it back does not duplicate or conflict', async () => {
    const before = listing(a.root);
    const remoteBefore = remotePaths(b);
    const removed = await a.engine.removeFolder({ folderId });
    expect(removed).toMatchObject({ folderId, localFilesKept: true, remoteDataKept: true });
    expect(a.engine.status().folders).toEqual([]);
    expect(listing(a.root)).toEqual(before);
    // B still reads the whole folder from CESS.
    await b.engine.syncNow();
    expect(remotePaths(b)).toEqual(remoteBefore);
    expect(listing(b.root)).toMatchObject(before);

    const activityMark = a.engine.recentActivity(500).length;
    const again = await a.engine.addFolder({ root: a.root });
    expect(again.id).toBe(folderId);
    await a.engine.syncNow();
    await b.engine.syncNow();
    const since = a.engine
      .recentActivity(500)
      .slice(0, a.engine.recentActivity(500).length - activityMark);
    expect(
      since.filter((x) => ['uploaded', 'downloaded', 'conflict', 'deleted'].includes(x.kind)),
    ).toEqual([]);
    expect(listing(a.root)).toEqual(before);
    expect(remotePaths(b)).toEqual(remoteBefore);
    expect(a.engine.status().folders.map((f) => f.id)).toEqual([folderId]);
  });
});
