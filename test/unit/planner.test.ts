/**
 * Scenario tables for the planner: one row per rule (design.md "The sync model";
 * docs/architecture.md "src/sync/planner"). Many rows also run the plan through the simulated
 * executor (planner-sim.ts) to check that the ops apply in order and the sides converge.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_ID as ROOT, type Tree } from '../../src/sync/model/tree.js';
import {
  conflictCopyName,
  plan,
  type Op,
  type Plan,
  type PlanLimits,
} from '../../src/sync/planner/index.js';
import { dir, file, runToConvergence, shape, treeOf, world, type MTree } from './planner-sim.js';

const NOW = Date.UTC(2026, 10, 24, 3, 15, 42);

function run(local: Tree, remote: Tree, synced: Tree, limits?: PlanLimits): Plan {
  return plan({
    local,
    remote,
    synced,
    deviceName: 'laptop',
    now: NOW,
    ...(limits ? { limits } : {}),
  });
}

function converge(local: MTree, remote: MTree, synced: MTree): ReturnType<typeof world> {
  const w = world(local, remote, synced);
  runToConvergence(w, { now: NOW });
  expect(shape(w.local)).toEqual(shape(w.remote));
  expect(shape(w.synced)).toEqual(shape(w.remote));
  return w;
}

const types = (p: Plan): string[] => p.ops.map((o) => o.type);
const names = (w: { local: MTree }): string[] => [...w.local.values()].map((n) => n.name).sort();

// A base: docs/ (d) with report.txt (f, v1) and notes.txt (g, n1); top.txt (t, t1) in the root.
const d = dir('d', ROOT, 'docs');
const f = file('f', 'd', 'report.txt', 'v1');
const g = file('g', 'd', 'notes.txt', 'n1');
const t = file('t', ROOT, 'top.txt', 't1');
const base = (): MTree => treeOf(d, f, g, t);
const withNodes = (tree: MTree, ...nodes: Parameters<typeof treeOf>): MTree => {
  for (const n of nodes) tree.set(n.id, { ...n });
  return tree;
};
const without = (tree: MTree, ...ids: string[]): MTree => {
  for (const id of ids) tree.delete(id);
  return tree;
};

describe('plan: one side changed', () => {
  const rows: Array<{ rule: string; local: MTree; remote: MTree; ops: Op[] }> = [
    { rule: 'nothing changed', local: base(), remote: base(), ops: [] },
    {
      rule: 'local edit -> upload',
      local: withNodes(base(), file('f', 'd', 'report.txt', 'v2')),
      remote: base(),
      ops: [{ type: 'uploadFile', id: 'f', parentId: 'd', name: 'report.txt' }],
    },
    {
      rule: 'remote edit -> download',
      local: base(),
      remote: withNodes(base(), file('f', 'd', 'report.txt', 'v2')),
      ops: [{ type: 'downloadFile', id: 'f', parentId: 'd', name: 'report.txt' }],
    },
    {
      rule: 'local rename -> moveRemote only (no re-upload)',
      local: withNodes(base(), file('f', 'd', 'final.txt', 'v1')),
      remote: base(),
      ops: [{ type: 'moveRemote', id: 'f', parentId: 'd', name: 'final.txt' }],
    },
    {
      rule: 'remote move -> moveLocal only',
      local: base(),
      remote: withNodes(base(), file('f', ROOT, 'report.txt', 'v1')),
      ops: [{ type: 'moveLocal', id: 'f', parentId: ROOT, name: 'report.txt' }],
    },
    {
      rule: 'new local folder with a file -> parent first',
      local: withNodes(base(), dir('n', ROOT, 'new'), file('nf', 'n', 'a.txt', 'a1')),
      remote: base(),
      ops: [
        { type: 'createRemoteDir', id: 'n', parentId: ROOT, name: 'new' },
        { type: 'uploadFile', id: 'nf', parentId: 'n', name: 'a.txt' },
      ],
    },
    {
      rule: 'new remote folder with a file -> parent first',
      local: base(),
      remote: withNodes(base(), dir('n', ROOT, 'new'), file('nf', 'n', 'a.txt', 'a1')),
      ops: [
        { type: 'createLocalDir', id: 'n', parentId: ROOT, name: 'new' },
        { type: 'downloadFile', id: 'nf', parentId: 'n', name: 'a.txt' },
      ],
    },
    {
      rule: 'local delete of a folder -> children before parent',
      local: without(base(), 'd', 'f', 'g'),
      remote: base(),
      ops: [
        { type: 'deleteRemote', id: 'g' },
        { type: 'deleteRemote', id: 'f' },
        { type: 'deleteRemote', id: 'd' },
      ],
    },
    {
      rule: 'remote delete of a file -> deleteLocal (to the local trash)',
      local: base(),
      remote: without(base(), 't'),
      ops: [{ type: 'deleteLocal', id: 't' }],
    },
    {
      rule: 'deleted on both sides -> forget it (markSynced)',
      local: without(base(), 't'),
      remote: without(base(), 't'),
      ops: [{ type: 'markSynced', id: 't' }],
    },
    {
      rule: 'same move on both sides -> markSynced, nothing moves',
      local: withNodes(base(), file('t', 'd', 'top.txt', 't1')),
      remote: withNodes(base(), file('t', 'd', 'top.txt', 't1')),
      ops: [{ type: 'markSynced', id: 't' }],
    },
  ];
  for (const row of rows) {
    it(row.rule, () => {
      const p = run(row.local, row.remote, base());
      expect(p.ops).toEqual(row.ops);
      expect(p.conflicts).toEqual([]);
      expect(p.problems).toEqual([]);
      converge(row.local, row.remote, base());
    });
  }
});

describe('plan: both sides changed', () => {
  it('edits with different contents -> conflict copy of the local version, then take remote', () => {
    const local = withNodes(base(), file('f', 'd', 'report.txt', 'mine'));
    const remote = withNodes(base(), file('f', 'd', 'report.txt', 'theirs'));
    const p = run(local, remote, base());
    const copyName = 'report (conflict from laptop 2026-11-24 0315).txt';
    expect(p.ops).toEqual([
      { type: 'conflictCopy', id: 'f', copyName },
      { type: 'downloadFile', id: 'f', parentId: 'd', name: 'report.txt' },
    ]);
    expect(p.conflicts).toEqual([
      expect.objectContaining({ kind: 'editEdit', id: 'f', path: 'docs/report.txt' }),
    ]);
    const w = converge(local, remote, base());
    const byName = new Map([...w.remote.values()].map((n) => [n.name, n.contentId]));
    expect(byName.get('report.txt')).toBe('theirs');
    expect(byName.get(copyName)).toBe('mine');
  });

  it('edits with identical contents -> markSynced, not a conflict', () => {
    const local = withNodes(base(), file('f', 'd', 'report.txt', 'same'));
    const remote = withNodes(base(), file('f', 'd', 'report.txt', 'same'));
    const p = run(local, remote, base());
    expect(p.ops).toEqual([{ type: 'markSynced', id: 'f' }]);
    expect(p.conflicts).toEqual([]);
  });

  it('edit beats delete: edited locally, deleted remotely -> uploaded again', () => {
    const local = withNodes(base(), file('t', ROOT, 'top.txt', 't2'));
    const remote = without(base(), 't');
    const p = run(local, remote, base());
    expect(p.ops).toEqual([{ type: 'uploadFile', id: 't', parentId: ROOT, name: 'top.txt' }]);
    expect(p.conflicts.map((c) => [c.kind, c.side])).toEqual([['editDelete', 'local']]);
  });

  it('edit beats delete: edited remotely, deleted locally -> downloaded again', () => {
    const local = without(base(), 't');
    const remote = withNodes(base(), file('t', ROOT, 'top.txt', 't2'));
    const p = run(local, remote, base());
    expect(p.ops).toEqual([{ type: 'downloadFile', id: 't', parentId: ROOT, name: 'top.txt' }]);
    expect(p.conflicts.map((c) => c.kind)).toEqual(['editDelete']);
  });

  it('move beats nothing: moved locally, deleted remotely -> the delete wins', () => {
    const local = withNodes(base(), file('t', 'd', 'top.txt', 't1'));
    const remote = without(base(), 't');
    const p = run(local, remote, base());
    expect(p.ops).toEqual([{ type: 'deleteLocal', id: 't' }]);
    expect(p.conflicts.map((c) => c.kind)).toEqual(['moveDelete']);
  });

  it('move on one side + edit on the other -> both applied, no re-upload', () => {
    const local = withNodes(base(), file('f', ROOT, 'moved.txt', 'v1'));
    const remote = withNodes(base(), file('f', 'd', 'report.txt', 'v2'));
    const p = run(local, remote, base());
    expect(p.ops).toEqual([
      { type: 'downloadFile', id: 'f', parentId: ROOT, name: 'moved.txt' },
      { type: 'moveRemote', id: 'f', parentId: ROOT, name: 'moved.txt' },
    ]);
    expect(p.conflicts).toEqual([]);
    const w = converge(local, remote, base());
    expect(w.remote.get('f')).toMatchObject({ parentId: ROOT, name: 'moved.txt', contentId: 'v2' });
  });

  it('moved to different places on both sides -> the remote place wins', () => {
    const local = withNodes(base(), file('t', 'd', 'local-name.txt', 't1'));
    const remote = withNodes(base(), file('t', ROOT, 'remote-name.txt', 't1'));
    const p = run(local, remote, base());
    expect(p.ops).toEqual([
      { type: 'moveLocal', id: 't', parentId: ROOT, name: 'remote-name.txt' },
    ]);
    expect(p.conflicts.map((c) => c.kind)).toEqual(['moveMove']);
  });

  it('folder deleted remotely while a file was added inside locally -> the folder survives with it', () => {
    const local = withNodes(base(), file('nf', 'd', 'new.txt', 'n'));
    const remote = without(base(), 'd', 'f', 'g');
    const p = run(local, remote, base());
    expect(p.ops).toEqual([
      { type: 'deleteLocal', id: 'g' },
      { type: 'deleteLocal', id: 'f' },
      { type: 'createRemoteDir', id: 'd', parentId: ROOT, name: 'docs' },
      { type: 'uploadFile', id: 'nf', parentId: 'd', name: 'new.txt' },
    ]);
    expect(p.conflicts.map((c) => c.kind)).toEqual(['parentDeleted']);
    const w = converge(local, remote, base());
    expect(names(w)).toEqual(['', 'docs', 'new.txt', 'top.txt']);
  });

  it('folder deleted locally while a file inside was edited remotely -> the folder comes back with the edit', () => {
    const local = without(base(), 'd', 'f', 'g');
    const remote = withNodes(base(), file('f', 'd', 'report.txt', 'v2'));
    const p = run(local, remote, base());
    expect(p.ops).toEqual([
      { type: 'createLocalDir', id: 'd', parentId: ROOT, name: 'docs' },
      { type: 'downloadFile', id: 'f', parentId: 'd', name: 'report.txt' },
      { type: 'deleteRemote', id: 'g' },
    ]);
    expect(p.conflicts.map((c) => c.kind).sort()).toEqual(['editDelete', 'parentDeleted']);
    converge(local, remote, base());
  });

  it('both created a.txt with different contents -> the local one is renamed', () => {
    const local = withNodes(base(), file('la', ROOT, 'a.txt', 'mine'));
    const remote = withNodes(base(), file('ra', ROOT, 'a.txt', 'theirs'));
    const p = run(local, remote, base());
    const renamed = 'a (conflict from laptop 2026-11-24 0315).txt';
    expect(p.ops).toEqual([
      { type: 'moveLocal', id: 'la', parentId: ROOT, name: renamed },
      { type: 'downloadFile', id: 'ra', parentId: ROOT, name: 'a.txt' },
      { type: 'uploadFile', id: 'la', parentId: ROOT, name: renamed },
    ]);
    expect(p.conflicts).toEqual([
      expect.objectContaining({ kind: 'nameClash', id: 'la', otherId: 'ra', path: renamed }),
    ]);
    converge(local, remote, base());
  });

  it('both created the same file (and the same folder) -> merged: the local item adopts the remote id', () => {
    const local = withNodes(
      base(),
      dir('ln', ROOT, 'photos'),
      file('lp', 'ln', 'cat.jpg', 'cat'),
      file('lq', 'ln', 'mine.jpg', 'm'),
    );
    const remote = withNodes(base(), dir('rn', ROOT, 'photos'), file('rp', 'rn', 'cat.jpg', 'cat'));
    const p = run(local, remote, base());
    expect(p.ops).toEqual([
      { type: 'markSynced', id: 'rn', localId: 'ln' },
      { type: 'markSynced', id: 'rp', localId: 'lp' },
      { type: 'uploadFile', id: 'lq', parentId: 'rn', name: 'mine.jpg' },
    ]);
    expect(p.conflicts).toEqual([]);
    const w = converge(local, remote, base());
    expect(w.local.has('ln')).toBe(false);
  });

  it('cross moves (A into B locally, B into A remotely) -> cycle broken, remote wins', () => {
    const s = treeOf(dir('A', ROOT, 'A'), dir('B', ROOT, 'B'), file('x', 'A', 'x', 'x1'));
    const local = withNodes(treeOf(...s.values()), dir('A', 'B', 'A'));
    const remote = withNodes(treeOf(...s.values()), dir('B', 'A', 'B'));
    const p = run(local, remote, s);
    expect(p.conflicts.map((c) => [c.kind, c.id])).toEqual([['moveCycle', 'A']]);
    expect(p.ops).toEqual([
      { type: 'moveLocal', id: 'A', parentId: ROOT, name: 'A' },
      { type: 'moveLocal', id: 'B', parentId: 'A', name: 'B' },
    ]);
    const w = converge(local, remote, s);
    expect(w.local.get('B')?.parentId).toBe('A');
  });

  it('swapped names on one side -> a temporary name breaks the swap', () => {
    const local = withNodes(
      base(),
      file('t', ROOT, 'x.txt', 't1'),
      file('y', ROOT, 'top.txt', 'y1'),
    );
    const s = withNodes(base(), file('y', ROOT, 'x.txt', 'y1'));
    const remote = treeOf(...s.values());
    const p = run(local, remote, s);
    expect(types(p)).toEqual(['moveRemote', 'moveRemote', 'moveRemote']);
    expect(p.ops[0]).toMatchObject({
      type: 'moveRemote',
      parentId: ROOT,
      name: expect.stringContaining('.cess-sync-moving-'),
    });
    converge(local, remote, s);
  });

  it('case-only clash -> reported as a problem, both kept', () => {
    const local = withNodes(base(), file('l1', ROOT, 'Readme.md', 'a'));
    const remote = withNodes(base(), file('r1', ROOT, 'README.md', 'b'));
    const p = run(local, remote, base());
    expect(p.problems).toEqual([expect.objectContaining({ kind: 'caseClash', ids: ['l1', 'r1'] })]);
    expect(types(p).sort()).toEqual(['downloadFile', 'uploadFile']);
  });
});

describe('plan: safety rails', () => {
  it('more deletes than the limit -> held for confirmation, not emitted', () => {
    const local = without(base(), 'd', 'f', 'g');
    const p = run(local, base(), base(), { maxDeletesPerPass: 2 });
    expect(p.ops).toEqual([]);
    expect(p.held.map((h) => [h.op, h.reason, h.path])).toEqual([
      [{ type: 'deleteRemote', id: 'g' }, 'tooManyDeletes', 'docs/notes.txt'],
      [{ type: 'deleteRemote', id: 'f' }, 'tooManyDeletes', 'docs/report.txt'],
      [{ type: 'deleteRemote', id: 'd' }, 'tooManyDeletes', 'docs'],
    ]);
    expect(p.problems.map((x) => x.kind)).toEqual(['tooManyDeletes']);
    // Other work still goes on.
    const local2 = withNodes(without(base(), 'd', 'f', 'g'), file('t', ROOT, 'top.txt', 't2'));
    expect(run(local2, base(), base(), { maxDeletesPerPass: 2 }).ops).toEqual([
      { type: 'uploadFile', id: 't', parentId: ROOT, name: 'top.txt' },
    ]);
  });

  it('an empty local tree while the base is large -> no remote deletes at all', () => {
    const big = treeOf(
      ...Array.from({ length: 12 }, (_, i) => file(`f${i}`, ROOT, `f${i}`, `c${i}`)),
    );
    const p = run(treeOf(), big, big);
    expect(p.ops).toEqual([]);
    expect(p.held).toHaveLength(12);
    expect(p.held.every((h) => h.reason === 'emptyTree' && h.op.type === 'deleteRemote')).toBe(
      true,
    );
    expect(p.problems.map((x) => [x.kind, x.side])).toEqual([['emptyTree', 'local']]);
  });

  it('an empty remote tree while the base is large -> no local deletes at all', () => {
    const big = treeOf(
      ...Array.from({ length: 12 }, (_, i) => file(`f${i}`, ROOT, `f${i}`, `c${i}`)),
    );
    const p = run(big, treeOf(), big);
    expect(p.ops).toEqual([]);
    expect(p.held.every((h) => h.op.type === 'deleteLocal')).toBe(true);
  });

  it('a tree without its root -> nothing is planned', () => {
    const noRoot = without(base(), ROOT);
    for (const p of [run(noRoot, base(), base()), run(base(), new Map(), base())]) {
      expect(p.ops).toEqual([]);
      expect(p.problems.map((x) => x.kind)).toEqual(['rootMissing']);
    }
  });

  it('a tree that is not a tree -> nothing is planned', () => {
    const broken = withNodes(base(), file('o', 'nowhere', 'orphan', 'o'));
    expect(run(broken, base(), base()).problems.map((x) => x.kind)).toEqual(['invalidTree']);
    const kind = withNodes(base(), dir('t', ROOT, 'top.txt'));
    expect(run(kind, base(), base()).problems.map((x) => x.kind)).toEqual(['kindMismatch']);
  });

  it('first sync (empty base) of identical folders -> merged, nothing transferred', () => {
    const local = treeOf(dir('ld', ROOT, 'docs'), file('lf', 'ld', 'a.txt', 'a'));
    const remote = treeOf(dir('rd', ROOT, 'docs'), file('rf', 'rd', 'a.txt', 'a'));
    const p = plan({ local, remote, synced: new Map(), deviceName: 'laptop', now: NOW });
    expect(types(p)).toEqual(['markSynced', 'markSynced']);
  });
});

describe('conflict-copy names', () => {
  it('say which device and when, keep the extension, and are unique among siblings', () => {
    const taken = new Set(['report.txt']);
    const first = conflictCopyName('report.txt', false, 'laptop', NOW, taken);
    expect(first).toBe('report (conflict from laptop 2026-11-24 0315).txt');
    taken.add(first);
    expect(conflictCopyName('report.txt', false, 'laptop', NOW, taken)).toBe(
      'report (conflict from laptop 2026-11-24 0315 2).txt',
    );
    expect(conflictCopyName('archive.d', true, 'laptop', NOW, taken)).toBe(
      'archive.d (conflict from laptop 2026-11-24 0315)',
    );
    expect(conflictCopyName('.bashrc', false, 'a/b:c', NOW, taken)).toBe(
      '.bashrc (conflict from a-b-c 2026-11-24 0315)',
    );
    expect(
      Buffer.byteLength(conflictCopyName('é'.repeat(200) + '.txt', false, 'laptop', NOW, taken)),
    ).toBeLessThanOrEqual(255);
  });

  it('an edit conflict next to an existing copy name gets the next number', () => {
    const s = base();
    const existing = 'report (conflict from laptop 2026-11-24 0315).txt';
    const local = withNodes(
      base(),
      file('f', 'd', 'report.txt', 'mine'),
      file('c', 'd', existing, 'old'),
    );
    const remote = withNodes(
      base(),
      file('f', 'd', 'report.txt', 'theirs'),
      file('c', 'd', existing, 'old'),
    );
    s.set('c', file('c', 'd', existing, 'old'));
    const p = run(local, remote, s);
    expect(p.ops[0]).toEqual({
      type: 'conflictCopy',
      id: 'f',
      copyName: 'report (conflict from laptop 2026-11-24 0315 2).txt',
    });
  });
});
