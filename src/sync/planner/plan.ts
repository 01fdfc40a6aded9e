/**
 * plan(): the pure heart of the engine. Three trees in, an ordered list of operations out.
 * No I/O, no clock, no randomness: the same input gives the same plan.
 */
import { ROOT_ID, pathOf, type ItemId, type Tree, type TreeNode } from '../model/tree.js';
import { merge, type Decision, type Side } from './merge.js';
import { pruneUnchanged } from './prune.js';
import { sequenceSide, type Put } from './sequence.js';
import { cmp, depthOf, eqContent, eqPlace, treeDefect } from './trees.js';
import type { HeldDelete, Op, Plan, PlanInput, Problem } from './types.js';

export const DEFAULT_MAX_DELETES_PER_PASS = 1000;
export const DEFAULT_EMPTY_TREE_GUARD = 10;

const empty = (problems: Problem[]): Plan => ({ ops: [], conflicts: [], held: [], problems });

export function plan(input: PlanInput): Plan {
  const { remote: remoteFull, synced: syncedFull } = input;
  const maxDeletes = input.limits?.maxDeletesPerPass ?? DEFAULT_MAX_DELETES_PER_PASS;
  const emptyGuard = input.limits?.emptyTreeGuard ?? DEFAULT_EMPTY_TREE_GUARD;

  // Refuse to plan from trees that cannot be trusted.
  for (const [side, tree] of [
    ['local', input.local],
    ['remote', remoteFull],
  ] as const) {
    if (!tree.has(ROOT_ID)) {
      return empty([
        { kind: 'rootMissing', side, message: `the ${side} tree has no root: nothing is planned` },
      ]);
    }
  }
  for (const [name, tree] of [
    ['local', input.local],
    ['remote', remoteFull],
    ['synced', syncedFull],
  ] as const) {
    // The base is often the remote tree itself (folder-sync's steady state): checked once.
    const defect =
      name === 'synced' && (syncedFull.size === 0 || tree === remoteFull) ? null : treeDefect(tree);
    if (defect !== null) {
      return empty([
        {
          kind: 'invalidTree',
          ...(name === 'synced' ? {} : { side: name }),
          message: `the ${name} tree is invalid (${defect}): nothing is planned`,
        },
      ]);
    }
  }
  // Unchanged directories' contents cannot change the plan (./prune.ts); the deletes' safety
  // rails below still count the whole trees.
  const sizes = { local: input.local.size, remote: remoteFull.size, synced: syncedFull.size };
  const pruned = input.prune === false ? null : pruneUnchanged(input.local, remoteFull, syncedFull);
  const localIn = pruned?.local ?? input.local;
  const remote = pruned?.remote ?? remoteFull;
  const synced = pruned?.synced ?? syncedFull;

  // An item left out is the same kind in all three trees, so the pruned trees suffice here.
  const mismatched = new Set<ItemId>();
  for (const tree of [synced, remote]) {
    for (const [id, S] of tree) {
      const L = localIn.get(id);
      const R = remote.get(id);
      if ((L !== undefined && L.kind !== S.kind) || (R !== undefined && R.kind !== S.kind))
        mismatched.add(id);
    }
  }
  if (mismatched.size > 0) {
    const ids = [...mismatched].sort(cmp);
    return empty([
      {
        kind: 'kindMismatch',
        ids,
        message: 'an item is a file in one tree and a folder in another: nothing is planned',
      },
    ]);
  }

  const m = merge(localIn, remote, synced, {
    deviceName: input.deviceName,
    now: input.now,
    ...(pruned && pruned.unchanged.length > 0
      ? { unchanged: { nodes: pruned.unchanged, remote: remoteFull } }
      : {}),
  });
  const problems: Problem[] = [...m.problems];
  if (m.problems.some((p) => p.kind === 'invalidTree'))
    return { ops: [], conflicts: [], held: [], problems };
  const local = m.local;
  const target = m.target;
  const targetTree = m.targetTree;

  const targetPath = new Map<ItemId, string>();
  const targetDepth = new Map<ItemId, number>();
  for (const id of target.keys()) {
    targetPath.set(id, pathOf(targetTree, id) ?? '');
    targetDepth.set(
      id,
      depthOf((x) => targetTree.get(x)?.parentId, id),
    );
  }
  const byTargetOrder = (a: ItemId, b: ItemId): number =>
    (targetDepth.get(a) ?? 0) - (targetDepth.get(b) ?? 0) ||
    cmp(targetPath.get(a) ?? '', targetPath.get(b) ?? '') ||
    cmp(a, b);
  const orderedTarget = [...target.keys()].sort(byTargetOrder);

  // Per side: creates/moves, deletes, content transfers.
  interface SidePlan {
    side: Side;
    tree: Tree;
    puts: Put[];
    dels: ItemId[];
    content: Op[];
  }
  const sides: SidePlan[] = (['local', 'remote'] as const).map((side) => {
    const tree = side === 'local' ? local : remote;
    const puts: Put[] = [];
    const content: Op[] = [];
    for (const id of orderedTarget) {
      const d = target.get(id) as Decision;
      const n = tree.get(id);
      if (n === undefined) {
        puts.push({ id, kind: d.kind, parentId: d.parentId, name: d.name, create: true });
        continue;
      }
      if (!eqPlace(n, d))
        puts.push({ id, kind: d.kind, parentId: d.parentId, name: d.name, create: false });
      const truth = targetTree.get(id) as TreeNode;
      if (d.kind === 'file' && !eqContent(n, truth)) {
        if (side === 'local') {
          if (d.copyName !== undefined)
            content.push({ type: 'conflictCopy', id, copyName: d.copyName });
          content.push({ type: 'downloadFile', id, parentId: d.parentId, name: d.name });
        } else {
          content.push({ type: 'uploadFile', id, parentId: d.parentId, name: d.name });
        }
      }
    }
    const depth = new Map<ItemId, number>();
    const path = new Map<ItemId, string>();
    const dels: ItemId[] = [];
    for (const id of tree.keys()) {
      if (id === ROOT_ID || target.has(id)) continue;
      dels.push(id);
      depth.set(
        id,
        depthOf((x) => tree.get(x)?.parentId, id),
      );
      path.set(id, pathOf(tree, id) ?? '');
    }
    dels.sort(
      (a, b) =>
        (depth.get(b) ?? 0) - (depth.get(a) ?? 0) ||
        cmp(path.get(a) ?? '', path.get(b) ?? '') ||
        cmp(a, b),
    );
    return { side, tree, puts, dels, content };
  });

  // Safety rails: an empty tree is not "everything deleted"; too many deletes wait for the user.
  const held: HeldDelete[] = [];
  const syncedItems = Math.max(0, sizes.synced - (syncedFull.has(ROOT_ID) ? 1 : 0));
  for (const sp of sides) {
    if (sp.dels.length === 0) continue;
    const otherName = sp.side === 'local' ? 'remote' : 'local';
    const otherSize = sizes[otherName];
    let reason: HeldDelete['reason'] | null = null;
    if (otherSize <= 1 && syncedItems >= emptyGuard) {
      reason = 'emptyTree';
      problems.push({
        kind: 'emptyTree',
        side: otherName,
        message: `the ${otherName} tree is empty but ${syncedItems} items were in sync: ${sp.dels.length} ${sp.side} deletes are held`,
      });
    } else if (sp.dels.length > maxDeletes) {
      reason = 'tooManyDeletes';
      problems.push({
        kind: 'tooManyDeletes',
        side: sp.side,
        message: `${sp.dels.length} ${sp.side} deletes exceed the limit of ${maxDeletes} per pass: held for confirmation`,
      });
    }
    if (reason === null) continue;
    for (const id of sp.dels) {
      held.push({
        op: sp.side === 'local' ? { type: 'deleteLocal', id } : { type: 'deleteRemote', id },
        path: pathOf(sp.tree, id) ?? '',
        reason,
      });
    }
    sp.dels = [];
  }

  // Order: adoptions, then local structure + content, then remote structure + content, then
  // bookkeeping for items both sides already agree on.
  const ops: Op[] = [];
  const touched = new Set<ItemId>();
  for (const [localId, id] of m.aliases) {
    ops.push({ type: 'markSynced', id, localId });
    touched.add(id);
  }
  for (const sp of sides) {
    const seq = sequenceSide(sp.side, sp.tree, sp.puts, sp.dels);
    problems.push(...seq.problems);
    for (const op of [...seq.ops, ...sp.content]) {
      ops.push(op);
      touched.add(op.id);
    }
    for (const id of seq.dropped) touched.add(id);
  }
  for (const h of held) touched.add(h.op.id);
  const ids = [...new Set([...synced.keys(), ...target.keys()])]
    .filter((id) => id !== ROOT_ID)
    .sort(cmp);
  for (const id of ids) {
    if (touched.has(id)) continue;
    const S = synced.get(id);
    const T = targetTree.get(id);
    if (T === undefined) {
      // Gone from both sides: forget it.
      if (S !== undefined && !local.has(id) && !remote.has(id))
        ops.push({ type: 'markSynced', id });
    } else if (S === undefined || !eqPlace(S, T) || !eqContent(S, T)) {
      ops.push({ type: 'markSynced', id });
    }
  }

  return { ops, conflicts: m.conflicts, held, problems };
}
