/**
 * CanopyCheck-style property tests of the planner: a random synced tree, random mutations of
 * the local and the remote side, then plan -> apply (planner-sim.ts) until a plan is empty.
 *
 * Invariants:
 * - termination: at most MAX_PASSES plans with ops (the conflict copies made in pass 1 are
 *   uploaded in pass 2), then an empty plan;
 * - every op's precondition holds when it is applied in order (the simulated executor throws);
 * - convergence: local, remote and synced end equal (ids, places, kinds, contents), valid trees
 *   (parents exist, no cycles, unique sibling names);
 * - no loss: a file version is (id, contentId) as it was on either side before the first pass.
 *   A version that is not the synced version of its id (a new file or an edit the user made) is
 *   in the final tree. A version that is the synced version may leave the final tree only
 *   through the trash (deleted or overwritten because the other side deleted or edited it);
 * - an item present on both sides before the pass is present after it;
 * - determinism: the same trees (in any Map order) give the same plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROOT_ID, type TreeNode } from '../../src/sync/model/tree.js';
import { plan } from '../../src/sync/planner/index.js';
import { pruneUnchanged } from '../../src/sync/planner/prune.js';
import { treeDefect } from '../../src/sync/planner/trees.js';
import {
  Mutator,
  clone,
  runToConvergence,
  shape,
  treeOf,
  world,
  type MTree,
  type Mutation,
} from './planner-sim.js';

const MAX_PASSES = 3;

const names = fc.constantFrom('a', 'b', 'c', 'A', 'x.txt');
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant<'mkdir'>('mkdir'),
    a: fc.nat(20),
    name: names,
    content: fc.nat(5),
  }),
  fc.record({
    kind: fc.constant<'create'>('create'),
    a: fc.nat(20),
    name: names,
    content: fc.nat(5),
  }),
  fc.record({ kind: fc.constant<'edit'>('edit'), a: fc.nat(20), content: fc.nat(5) }),
  fc.record({ kind: fc.constant<'move'>('move'), a: fc.nat(20), b: fc.nat(20), name: names }),
  fc.record({ kind: fc.constant<'delete'>('delete'), a: fc.nat(20) }),
);
const building: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant<'mkdir'>('mkdir'),
    a: fc.nat(20),
    name: names,
    content: fc.nat(5),
  }),
  fc.record({
    kind: fc.constant<'create'>('create'),
    a: fc.nat(20),
    name: names,
    content: fc.nat(5),
  }),
);
// The base is grown with every kind of mutation (deletes and moves too), so shapes vary.
const scenario = fc.record({
  base: fc.array(fc.oneof(building, mutation), { maxLength: 14 }),
  local: fc.array(mutation, { maxLength: 8 }),
  remote: fc.array(mutation, { maxLength: 8 }),
});
// Folders only, then moves on both sides: where cross moves (cycles) and swaps come from.
const folderMove: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constant<'move'>('move'),
  a: fc.nat(20),
  b: fc.nat(20),
  name: names,
});
const folderMkdir: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constant<'mkdir'>('mkdir'),
  a: fc.nat(20),
  name: names,
  content: fc.constant(0),
});
const moveScenario = fc.record({
  base: fc.array(folderMkdir, { minLength: 2, maxLength: 10 }),
  local: fc.array(fc.oneof(folderMove, mutation), { maxLength: 6 }),
  remote: fc.array(fc.oneof(folderMove, mutation), { maxLength: 6 }),
});

// A larger synced tree with few changes: most directories are untouched on both sides.
const fewChanges = fc.record({
  base: fc.array(building, { minLength: 10, maxLength: 40 }),
  local: fc.array(fc.oneof(mutation, folderMove), { maxLength: 3 }),
  remote: fc.array(fc.oneof(mutation, folderMove), { maxLength: 3 }),
});

function build(s: { base: Mutation[]; local: Mutation[]; remote: Mutation[] }): {
  local: MTree;
  remote: MTree;
  synced: MTree;
} {
  const synced = treeOf();
  const m = new Mutator('s');
  for (const x of s.base) m.apply(synced, x);
  const local = clone(synced);
  const ml = new Mutator('l');
  for (const x of s.local) ml.apply(local, x);
  const remote = clone(synced);
  const mr = new Mutator('r');
  for (const x of s.remote) mr.apply(remote, x);
  return { local, remote, synced };
}

const versions = (t: MTree): Array<[string, string]> =>
  [...t.values()]
    .filter(
      (n): n is TreeNode & { contentId: string } => n.kind === 'file' && n.contentId !== undefined,
    )
    .map((n) => [n.id, n.contentId]);

const reversed = (t: MTree): MTree => new Map([...t].reverse());

const params = { seed: 20261124, numRuns: 200 } as const;

describe('planner properties (CanopyCheck style)', () => {
  const convergesWithoutLoss = (s: {
    base: Mutation[];
    local: Mutation[];
    remote: Mutation[];
  }): void => {
    const trees = build(s);
    const w = world(trees.local, trees.remote, trees.synced);
    const plans = runToConvergence(w, { maxPasses: MAX_PASSES });
    expect(plans.length).toBeLessThanOrEqual(MAX_PASSES + 1);

    expect(treeDefect(w.local)).toBeNull();
    expect(treeDefect(w.remote)).toBeNull();
    expect(shape(w.local)).toEqual(shape(w.remote));
    expect(shape(w.synced)).toEqual(shape(w.remote));

    const finalContents = new Set(versions(w.local).map(([, c]) => c));
    for (const [id, c] of [...versions(trees.local), ...versions(trees.remote)]) {
      if (finalContents.has(c)) continue;
      const wasSynced = trees.synced.get(id)?.contentId === c;
      expect({ id, c, wasSynced }).toEqual({ id, c, wasSynced: true });
      expect(w.trashLocal.has(c) || w.trashRemote.has(c)).toBe(true);
    }
    for (const id of trees.local.keys()) {
      if (trees.remote.has(id)) expect(w.local.has(id)).toBe(true);
    }
    expect(w.local.has(ROOT_ID)).toBe(true);
  };

  it('converges in a bounded number of passes without losing any version', () => {
    fc.assert(fc.property(scenario, convergesWithoutLoss), params);
  });

  it('converges with folders moved on both sides (cross moves, swaps)', () => {
    fc.assert(fc.property(moveScenario, convergesWithoutLoss), params);
  });

  it('is deterministic: same trees in any Map order give the same plan', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const t = build(s);
        const input = { deviceName: 'laptop', now: 0 };
        const a = plan({ ...input, local: t.local, remote: t.remote, synced: t.synced });
        const b = plan({
          ...input,
          local: reversed(t.local),
          remote: reversed(t.remote),
          synced: reversed(t.synced),
        });
        expect(b).toEqual(a);
      }),
      params,
    );
  });

  it('plans nothing for three equal trees', () => {
    fc.assert(
      fc.property(fc.array(building, { maxLength: 12 }), (base) => {
        const t = treeOf();
        const m = new Mutator('s');
        for (const x of base) m.apply(t, x);
        const p = plan({
          local: t,
          remote: clone(t),
          synced: clone(t),
          deviceName: 'laptop',
          now: 0,
        });
        expect(p.ops).toEqual([]);
        expect(p.conflicts).toEqual([]);
      }),
      params,
    );
  });
});

describe('planning without unchanged directories (planner/prune.ts)', () => {
  /** The plan with unchanged directories left out equals the plan over every item. */
  const sameBothWays = (
    s: { base: Mutation[]; local: Mutation[]; remote: Mutation[] },
    limits?: { maxDeletesPerPass: number },
  ): boolean => {
    const t = build(s);
    const input = {
      local: t.local,
      remote: t.remote,
      synced: t.synced,
      deviceName: 'laptop',
      now: 0,
      ...(limits ? { limits } : {}),
    };
    expect(plan(input)).toEqual(plan({ ...input, prune: false }));
    return pruneUnchanged(t.local, t.remote, t.synced).unchanged.length > 0;
  };
  // Each property also counts its runs that left something out: a property whose trees never
  // have an unchanged directory would prove nothing.
  const count = (
    arb: fc.Arbitrary<{ base: Mutation[]; local: Mutation[]; remote: Mutation[] }>,
    limits?: { maxDeletesPerPass: number },
  ): number => {
    let pruned = 0;
    fc.assert(
      fc.property(arb, (s) => {
        if (sameBothWays(s, limits)) pruned++;
      }),
      params,
    );
    return pruned;
  };

  it('gives the same plan on trees with few changes', () => {
    expect(count(fewChanges)).toBeGreaterThan(params.numRuns / 2);
  });

  it('gives the same plan on the convergence scenarios (moves on both sides included)', () => {
    expect(count(scenario)).toBeGreaterThan(0);
    expect(count(moveScenario)).toBeGreaterThan(0);
  });

  it('gives the same plan when deletes are held (the rails count the whole trees)', () => {
    expect(count(fewChanges, { maxDeletesPerPass: 1 })).toBeGreaterThan(params.numRuns / 2);
  });

  it('keeps the case-only clashes found inside unchanged directories', () => {
    let clashes = 0;
    fc.assert(
      fc.property(fewChanges, (s) => {
        const t = build(s);
        const p = plan({
          local: t.local,
          remote: t.remote,
          synced: t.synced,
          deviceName: 'l',
          now: 0,
        });
        const pruned = new Set(
          pruneUnchanged(t.local, t.remote, t.synced).unchanged.map((n) => n.id),
        );
        if (p.problems.some((x) => x.kind === 'caseClash' && x.ids?.some((id) => pruned.has(id))))
          clashes++;
      }),
      params,
    );
    expect(clashes).toBeGreaterThan(0);
  });
});
