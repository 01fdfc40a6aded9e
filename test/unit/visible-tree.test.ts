/**
 * Visibility (engine/visible-tree.ts) against the plain definition: an item is hidden when the
 * matcher ignores its path or the path of any directory above it. One Visibility serves
 * several trees in a pass, so the same path may be a file in one tree and a folder in another.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Visibility } from '../../src/sync/engine/visible-tree.js';
import { IgnoreMatcher } from '../../src/sync/ignore/index.js';
import {
  ROOT_ID,
  pathOf,
  type ItemId,
  type Tree,
  type TreeNode,
} from '../../src/sync/model/tree.js';

function plainVisible(tree: Tree, m: IgnoreMatcher): Map<ItemId, TreeNode> {
  const out = new Map<ItemId, TreeNode>();
  for (const [id, n] of tree) {
    const rel = pathOf(tree, id);
    if (id === ROOT_ID || rel === null) {
      out.set(id, n);
      continue;
    }
    const parts = rel.split('/');
    const hidden = parts.some((_, i) =>
      m.ignores(parts.slice(0, i + 1).join('/'), i < parts.length - 1 || n.kind === 'dir'),
    );
    if (!hidden) out.set(id, n);
  }
  return out;
}

const names = fc.constantFrom('a', 'B', 'x.tmp', 'keep.tmp', 'docs', 'build', 'f.txt', '.DS_Store');
const shape = fc.array(fc.record({ parent: fc.nat(30), name: names, dir: fc.boolean() }), {
  maxLength: 30,
});
const rules = fc.subarray(['build/', 'docs/a', '!keep.tmp', 'B', '**/docs/f.txt', '/a']);
const exclusions = fc.subarray(['docs', 'a/B', 'build/docs']);

/** A valid tree from a random shape: each item goes under an earlier directory. */
function treeFrom(items: { parent: number; name: string; dir: boolean }[]): Map<ItemId, TreeNode> {
  const t = new Map<ItemId, TreeNode>([
    [ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' }],
  ]);
  const dirs: ItemId[] = [ROOT_ID];
  items.forEach((it, i) => {
    const parentId = dirs[it.parent % dirs.length] as ItemId;
    if ([...t.values()].some((n) => n.parentId === parentId && n.name === it.name)) return;
    const id = `i${i}`;
    t.set(id, { id, parentId, name: it.name, kind: it.dir ? 'dir' : 'file' });
    if (it.dir) dirs.push(id);
  });
  return t;
}

describe('Visibility', () => {
  it('leaves out what the matcher hides, with everything below it, in each tree it filters', () => {
    let hiddenSome = 0;
    fc.assert(
      fc.property(shape, shape, rules, exclusions, (s1, s2, r, ex) => {
        const m = IgnoreMatcher.fromRules(r.join('\n'), { exclusions: ex });
        const vis = new Visibility(m);
        for (const tree of [treeFrom(s1), treeFrom(s2), treeFrom(s1)]) {
          const got = vis.filter(tree);
          expect([...got.keys()].sort()).toEqual([...plainVisible(tree, m).keys()].sort());
          if (got.size < tree.size) hiddenSome++;
        }
      }),
      { seed: 20261124, numRuns: 300 },
    );
    expect(hiddenSome).toBeGreaterThan(100);
  });

  it('takes items at the same place in an admitted tree as visible, and only those', () => {
    // The admitted tree is the filtered tree with some folders renamed or moved to the root:
    // the items below them have the same parent and name in both trees but other paths, and
    // must still be judged by the rules (as must ids that are elsewhere in another tree).
    const moves = fc.array(fc.record({ dir: fc.nat(), name: names, toRoot: fc.boolean() }), {
      maxLength: 5,
    });
    // Rules that tell a name in one folder from the same name in another.
    const pathRules = fc.subarray(['docs/a', '**/B/f.txt', 'build/*.tmp', '/a', '!keep.tmp']);
    let lookupsAdmitted = 0;
    let lookupsPlain = 0;
    fc.assert(
      fc.property(shape, shape, moves, pathRules, exclusions, (s1, s2, mv, r, ex) => {
        const m = IgnoreMatcher.fromRules(r.join('\n'), { exclusions: ex });
        const tree = treeFrom(s1);
        const moved = new Map(tree);
        const dirs = [...tree.values()].filter((n) => n.kind === 'dir' && n.id !== ROOT_ID);
        for (const x of mv) {
          const d = dirs[x.dir % Math.max(1, dirs.length)];
          if (d === undefined) break;
          const parentId = x.toRoot ? ROOT_ID : (d.parentId as ItemId);
          const clash = [...moved.values()].some(
            (n) => n.parentId === parentId && n.name === x.name && n.id !== d.id,
          );
          // Renamed in place or moved to the root: no cycle can form.
          if (!clash) moved.set(d.id, { ...d, parentId, name: x.name });
        }
        const admitted = plainVisible(moved, m);
        const spy = vi.spyOn(m, 'ignores');
        for (const t of [tree, treeFrom(s2)]) {
          spy.mockClear();
          const got = new Visibility(m, admitted).filter(t);
          lookupsAdmitted += spy.mock.calls.length;
          spy.mockClear();
          new Visibility(m).filter(t);
          lookupsPlain += spy.mock.calls.length;
          expect([...got.keys()].sort()).toEqual([...plainVisible(t, m).keys()].sort());
        }
        spy.mockRestore();
      }),
      { seed: 20261125, numRuns: 1000 },
    );
    expect(lookupsAdmitted).toBeLessThan(lookupsPlain * 0.8);
  });

  it('keeps an item whose chain does not reach the root (the planner rejects that tree)', () => {
    const tree = new Map<ItemId, TreeNode>([
      [ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' }],
      ['o', { id: 'o', parentId: 'missing', name: 'x.tmp', kind: 'file' }],
      ['c1', { id: 'c1', parentId: 'c2', name: 'a', kind: 'dir' }],
      ['c2', { id: 'c2', parentId: 'c1', name: 'b', kind: 'dir' }],
    ]);
    const got = new Visibility(IgnoreMatcher.fromRules('')).filter(tree);
    expect([...got.keys()].sort()).toEqual([ROOT_ID, 'c1', 'c2', 'o'].sort());
  });
});
