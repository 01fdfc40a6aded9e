/**
 * Conflict copies waiting for the user (src/sync/engine/conflicts.ts): records from real
 * planner output, their lifetime, the problem shown, and the three actions on a real folder.
 */
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFLICT_ACTIONS,
  applyConflictAction,
  conflictProblem,
  conflictProblemId,
  conflictsOfPass,
  findConflict,
  loadConflicts,
  saveConflicts,
  updateConflicts,
  type ConflictRecord,
} from '../../src/sync/engine/conflicts.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { ROOT_ID, type TreeNode } from '../../src/sync/model/tree.js';
import { plan } from '../../src/sync/planner/index.js';

const root: TreeNode = { id: ROOT_ID, parentId: null, name: '', kind: 'dir' };
const dirNode: TreeNode = { id: 'd1', parentId: ROOT_ID, name: 'docs', kind: 'dir' };
const file = (id: string, name: string, contentId: string, parentId = 'd1'): TreeNode => ({
  id,
  parentId,
  name,
  kind: 'file',
  contentId,
  size: 1,
});
const tree = (...nodes: TreeNode[]): Map<string, TreeNode> =>
  new Map([root, dirNode, ...nodes].map((n) => [n.id, n]));
const NOW = Date.UTC(2026, 10, 24, 3, 15);

describe('conflictsOfPass', () => {
  it('an edit/edit conflict: the file keeps its path, the copy sits next to it', () => {
    const p = plan({
      local: tree(file('f1', 'report.txt', 'mine')),
      remote: tree(file('f1', 'report.txt', 'theirs')),
      synced: tree(file('f1', 'report.txt', 'base')),
      deviceName: 'laptop',
      now: NOW,
    });
    expect(p.conflicts.map((c) => c.kind)).toEqual(['editEdit']);
    const recs = conflictsOfPass('F', p, tree(file('f1', 'report.txt', 'theirs')), NOW);
    expect(recs).toEqual([
      {
        folderId: 'F',
        kind: 'editEdit',
        path: 'docs/report.txt',
        copyPath: 'docs/report (conflict from laptop 2026-11-24 0315).txt',
        timeMs: NOW,
      },
    ]);
  });

  it('a name clash: the renamed item is the copy, the one that kept the name is the file', () => {
    const p = plan({
      local: tree(file('mine', 'plan.txt', 'a')),
      remote: tree(file('theirs', 'plan.txt', 'b')),
      synced: tree(),
      deviceName: 'laptop',
      now: NOW,
    });
    const clash = p.conflicts.find((c) => c.kind === 'nameClash');
    expect(clash).toBeDefined();
    const after = tree(
      file('theirs', 'plan.txt', 'b'),
      file('mine', path.posix.basename(clash?.path ?? ''), 'a'),
    );
    const recs = conflictsOfPass('F', p, after, NOW);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'nameClash', path: 'docs/plan.txt' });
    expect(recs[0]?.copyPath).toMatch(/^docs\/plan \(conflict from laptop .*\)\.txt$/);
  });

  it('conflicts without a copy (moves, edit/delete) make no record', () => {
    const p = plan({
      local: tree(file('f1', 'report.txt', 'mine')),
      remote: tree(),
      synced: tree(file('f1', 'report.txt', 'base')),
      deviceName: 'laptop',
      now: NOW,
    });
    expect(p.conflicts.map((c) => c.kind)).toEqual(['editDelete']);
    expect(conflictsOfPass('F', p, tree(), NOW)).toEqual([]);
  });
});

const rec = (over: Partial<ConflictRecord> = {}): ConflictRecord => ({
  folderId: 'F',
  kind: 'editEdit',
  path: 'docs/report.txt',
  copyPath: 'docs/report (conflict from laptop 2026-11-24 0315).txt',
  timeMs: NOW,
  ...over,
});

describe('the records', () => {
  it('are kept while the copy is on disk; a pass adds its new ones; other folders untouched', () => {
    const old = rec({ copyPath: 'old copy.txt' });
    const gone = rec({ copyPath: 'gone copy.txt' });
    const other = rec({ folderId: 'G', copyPath: 'gone copy.txt' });
    const fresh = rec({ copyPath: 'new copy.txt' });
    const next = updateConflicts([old, gone, other], 'F', [fresh], (p) => p === 'old copy.txt');
    expect(next).toEqual([old, other, fresh]);
  });

  it('survive a restart (device state), and bad stored data reads as none', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-conflicts-db-'));
    try {
      const m = Manifest.open(path.join(dir, 'm.sqlite'));
      saveConflicts(m, [rec()]);
      m.close();
      const again = Manifest.open(path.join(dir, 'm.sqlite'));
      expect(loadConflicts(again)).toEqual([rec()]);
      again.setState('conflicts', [{ nonsense: true }]);
      expect(loadConflicts(again)).toEqual([]);
      again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('are shown as a conflict problem with the three actions, found again by its id', () => {
    const p = conflictProblem(rec());
    expect(p).toMatchObject({
      id: conflictProblemId(rec()),
      folderId: 'F',
      kind: 'conflict',
      path: rec().copyPath,
      actions: [...CONFLICT_ACTIONS],
    });
    expect(p.message).toContain('"docs/report.txt" was changed on this device and on another one');
    expect(p.message).toContain('report (conflict from laptop 2026-11-24 0315).txt');
    expect(findConflict([rec({ copyPath: 'x' }), rec()], p.id)).toEqual(rec());
    expect(findConflict([rec()], 'F:conflict:other')).toBeUndefined();
  });
});

describe('applyConflictAction', () => {
  let work: string;
  const r = rec();
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'cess-sync-conflicts-'));
    await mkdir(path.join(work, 'docs'), { recursive: true });
    await writeFile(path.join(work, r.path), 'their version');
    await writeFile(path.join(work, r.copyPath), 'my version');
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function trashed(): Promise<string[]> {
    const trash = path.join(work, '.cess-sync', 'trash');
    const out: string[] = [];
    for (const stamp of await readdir(trash).catch(() => [])) {
      for (const name of await readdir(path.join(trash, stamp, 'docs')))
        out.push(await readFile(path.join(trash, stamp, 'docs', name), 'utf8'));
    }
    return out;
  }

  it('keepBoth leaves both files as they are', async () => {
    await applyConflictAction(work, r, 'keepBoth');
    expect(await readFile(path.join(work, r.path), 'utf8')).toBe('their version');
    expect(await readFile(path.join(work, r.copyPath), 'utf8')).toBe('my version');
  });

  it('keepConflictCopy puts the copy in place of the file; the replaced version goes to the trash', async () => {
    await applyConflictAction(work, r, 'keepConflictCopy');
    expect(await readFile(path.join(work, r.path), 'utf8')).toBe('my version');
    await expect(lstat(path.join(work, r.copyPath))).rejects.toThrow();
    expect(await trashed()).toEqual(['their version']);
  });

  it('discardConflictCopy moves the copy to the trash', async () => {
    await applyConflictAction(work, r, 'discardConflictCopy');
    expect(await readFile(path.join(work, r.path), 'utf8')).toBe('their version');
    await expect(lstat(path.join(work, r.copyPath))).rejects.toThrow();
    expect(await trashed()).toEqual(['my version']);
  });

  it('refuses an unknown action, a vanished copy, and a copy that is a symlink', async () => {
    await expect(applyConflictAction(work, r, 'deleteEverything')).rejects.toMatchObject({
      statusCode: 400,
    });
    await rm(path.join(work, r.copyPath));
    await expect(applyConflictAction(work, r, 'keepConflictCopy')).rejects.toMatchObject({
      statusCode: 409,
    });
    expect(await readFile(path.join(work, r.path), 'utf8')).toBe('their version');
    await symlink('/etc/hostname', path.join(work, r.copyPath));
    await expect(applyConflictAction(work, r, 'keepConflictCopy')).rejects.toThrow(/symbolic link/);
    expect(await readFile(path.join(work, r.path), 'utf8')).toBe('their version');
  });
});
