/**
 * treeDefect (planner/trees.ts): each defect is named, and on random item lists (well formed or
 * not) it agrees with the plain definition: a defect is found exactly when the plain checks
 * find one, and a cycle is reported as a cycle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../../src/sync/model/tree.js';
import { treeDefect } from '../../src/sync/planner/trees.js';

const root: TreeNode = { id: ROOT_ID, parentId: null, name: '', kind: 'dir' };
const dir = (id: string, parentId: string, name = id): TreeNode => ({
  id,
  parentId,
  name,
  kind: 'dir',
});
const file = (id: string, parentId: string, name = id): TreeNode => ({
  id,
  parentId,
  name,
  kind: 'file',
  contentId: `c-${id}`,
});
const treeOf = (...nodes: TreeNode[]): Tree => new Map(nodes.map((n) => [n.id, n]));

/** The plain definition: every item's chain of parents, walked on its own, ends at the root. */
function plainDefect(tree: Tree): 'ok' | 'cycle' | 'other' {
  const r = tree.get(ROOT_ID);
  if (r === undefined || r.parentId !== null || r.kind !== 'dir') return 'other';
  const seen = new Set<string>();
  for (const [key, n] of tree) {
    if (n.id !== key) return 'other';
    if (key === ROOT_ID) continue;
    if (n.parentId === null) return 'other';
    const p = tree.get(n.parentId);
    if (p === undefined || p.kind !== 'dir') return 'other';
    const sib = JSON.stringify([n.parentId, n.name]);
    if (seen.has(sib)) return 'other';
    seen.add(sib);
  }
  for (const id of tree.keys()) {
    const visited = new Set<ItemId>();
    for (let cur: ItemId | null = id; cur !== ROOT_ID; cur = tree.get(cur)?.parentId ?? null) {
      if (cur === null || visited.has(cur)) return 'cycle';
      visited.add(cur);
    }
  }
  return 'ok';
}

describe('treeDefect', () => {
  it('accepts a well-formed tree, however deep', () => {
    const nodes = [root];
    for (let i = 0; i < 20_000; i++) nodes.push(dir(`d${i}`, i === 0 ? ROOT_ID : `d${i - 1}`));
    nodes.push(file('f', 'd19999'), file('g', ROOT_ID));
    expect(treeDefect(treeOf(...nodes))).toBeNull();
  });

  it('names each defect', () => {
    expect(treeDefect(treeOf(dir('a', ROOT_ID)))).toBe('no root');
    expect(treeDefect(treeOf({ ...root, kind: 'file' }))).toMatch(/root is not a directory/);
    expect(
      treeDefect(
        new Map([
          [ROOT_ID, root],
          ['x', dir('y', ROOT_ID)],
        ]),
      ),
    ).toMatch(/x is stored under another id/);
    expect(treeDefect(treeOf(root, { ...dir('a', ROOT_ID), parentId: null }))).toMatch(
      /a has no parent/,
    );
    expect(treeDefect(treeOf(root, file('a', 'nowhere')))).toMatch(/a has a missing parent/);
    expect(treeDefect(treeOf(root, file('f', ROOT_ID), file('g', 'f')))).toMatch(
      /g is inside a file/,
    );
    expect(treeDefect(treeOf(root, file('a', ROOT_ID, 'x'), dir('b', ROOT_ID, 'x')))).toMatch(
      /two items named "x"/,
    );
    // Names are compared exactly: case and normalization differences are the merge's business.
    expect(treeDefect(treeOf(root, file('a', ROOT_ID, 'x'), file('b', ROOT_ID, 'X')))).toBeNull();
  });

  it('finds cycles of directories, including one hanging below a cycle', () => {
    expect(treeDefect(treeOf(root, dir('a', 'a')))).toMatch(/cycle through item a/);
    expect(treeDefect(treeOf(root, dir('a', 'b'), dir('b', 'a')))).toMatch(/cycle/);
    const tail = treeOf(root, dir('ok', ROOT_ID), dir('t', 'c1'), dir('c1', 'c2'), dir('c2', 'c1'));
    expect(treeDefect(tail)).toMatch(/cycle/);
    expect(treeDefect(treeOf(root, dir('a', 'b'), dir('b', 'a'), file('f', 'a')))).toMatch(/cycle/);
  });

  it('agrees with the plain definition on random item lists', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const node = fc.record({
      id: fc.constantFrom(...ids),
      parent: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(ROOT_ID, ...ids) },
        { weight: 1, arbitrary: fc.constant('missing') },
      ),
      // Mostly the id (unique), sometimes a shared name (a sibling clash).
      clash: fc.integer({ min: 0, max: 15 }),
      dir: fc.integer({ min: 0, max: 7 }).map((x) => x > 0),
      keyedElsewhere: fc.integer({ min: 0, max: 40 }).map((x) => x === 0),
    });
    let ok = 0;
    let cycles = 0;
    fc.assert(
      fc.property(fc.array(node, { maxLength: 10 }), fc.boolean(), (list, withRoot) => {
        const tree: Map<ItemId, TreeNode> = new Map();
        if (withRoot) tree.set(ROOT_ID, root);
        for (const x of list) {
          const name = x.clash === 0 ? 'same' : x.id;
          const n = x.dir ? dir(x.id, x.parent, name) : file(x.id, x.parent, name);
          tree.set(x.keyedElsewhere ? `${x.id}-key` : x.id, n);
        }
        const want = plainDefect(tree);
        const got = treeDefect(tree);
        if (want === 'ok') {
          ok++;
          expect(got).toBeNull();
        } else {
          expect(got).not.toBeNull();
          if (want === 'cycle') {
            cycles++;
            expect(got).toMatch(/^cycle through item /);
          }
        }
      }),
      { numRuns: 3000 },
    );
    // The generator reaches both kinds of defect and well-formed trees.
    expect(cycles).toBeGreaterThan(50);
    expect(ok).toBeGreaterThan(50);
  });
});
