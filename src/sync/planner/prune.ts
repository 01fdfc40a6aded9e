/**
 * Unchanged regions, left out before merging. A directory whose whole subtree is the same in
 * the three trees (the same items, each with the same parent, name, kind and content) gives no
 * op, no conflict and no bookkeeping: every item in it is already in sync. At 100,000 files a
 * pass that saw one edit planned over every item (about 5 s); without these regions it plans
 * over the changed directories and their ancestors only.
 *
 * What stays is exact for the planner:
 * - an item is left out only when its parent is such a directory, so it is left out of all
 *   three trees alike, and every kept item keeps its ancestors (paths do not change);
 * - a directory some change touches is not unchanged, so all its children stay (name clashes
 *   and occupied names are checked among all siblings);
 * - the one finding about unchanged items, siblings whose names differ only by case, is kept
 *   by handing the left-out items to the merge (`unchanged`).
 * The planner's property tests compare plans with and without this step.
 */
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../model/tree.js';

export interface Pruned {
  local: Tree;
  remote: Tree;
  synced: Tree;
  /** The left-out items, as the remote tree has them (the same in all three). */
  unchanged: TreeNode[];
}

/** The same item for the planner: place, kind and content (mtime, size and mode do not count). */
function samePlanned(a: TreeNode, b: TreeNode): boolean {
  return (
    a.parentId === b.parentId &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.contentId === b.contentId
  );
}

function childCounts(tree: Tree): Map<ItemId, number> {
  const counts = new Map<ItemId, number>();
  for (const n of tree.values())
    if (n.parentId !== null) counts.set(n.parentId, (counts.get(n.parentId) ?? 0) + 1);
  return counts;
}

/** Directories whose subtree is the same in the three trees (ROOT_ID included when it is). */
export function unchangedDirs(local: Tree, remote: Tree, synced: Tree): Set<ItemId> {
  const kids = new Map<ItemId, ItemId[]>();
  for (const n of remote.values()) {
    if (n.parentId === null) continue;
    const list = kids.get(n.parentId);
    if (list === undefined) kids.set(n.parentId, [n.id]);
    else list.push(n.id);
  }
  const localCounts = childCounts(local);
  const syncedCounts = childCounts(synced);
  const same = (id: ItemId): boolean => {
    const R = remote.get(id);
    const L = local.get(id);
    const S = synced.get(id);
    return (
      R !== undefined &&
      L !== undefined &&
      S !== undefined &&
      samePlanned(R, L) &&
      samePlanned(R, S)
    );
  };
  // Directories top-down from the root (iterative: no depth limit), then judged bottom-up.
  const order: ItemId[] = [];
  if (same(ROOT_ID)) order.push(ROOT_ID);
  for (let i = 0; i < order.length; i++) {
    for (const c of kids.get(order[i] as ItemId) ?? [])
      if (remote.get(c)?.kind === 'dir') order.push(c);
  }
  const unchanged = new Set<ItemId>();
  for (let i = order.length - 1; i >= 0; i--) {
    const d = order[i] as ItemId;
    const list = kids.get(d) ?? [];
    if ((localCounts.get(d) ?? 0) !== list.length) continue;
    if ((syncedCounts.get(d) ?? 0) !== list.length) continue;
    if (!same(d)) continue;
    // Each remote child is the same item in the three trees, so it is a child of d in each:
    // with equal counts the three child sets are equal.
    let ok = true;
    for (const c of list) {
      if (!same(c) || (remote.get(c)?.kind === 'dir' && !unchanged.has(c))) {
        ok = false;
        break;
      }
    }
    if (ok) unchanged.add(d);
  }
  return unchanged;
}

/** The three trees without the items inside unchanged directories (see the module comment). */
export function pruneUnchanged(local: Tree, remote: Tree, synced: Tree): Pruned {
  const dirs = unchangedDirs(local, remote, synced);
  if (dirs.size === 0) return { local, remote, synced, unchanged: [] };
  const unchanged: TreeNode[] = [];
  const keep = (tree: Tree, collect: boolean): Map<ItemId, TreeNode> => {
    const out = new Map<ItemId, TreeNode>();
    for (const [id, n] of tree) {
      if (n.parentId !== null && dirs.has(n.parentId)) {
        if (collect) unchanged.push(n);
      } else {
        out.set(id, n);
      }
    }
    return out;
  };
  return {
    local: keep(local, false),
    remote: keep(remote, true),
    synced: keep(synced, false),
    unchanged,
  };
}
