/** Small pure helpers over trees used by the planner. */
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../model/tree.js';

/** Deterministic, locale-independent string order (UTF-16 code units). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Same content for the planner: kinds equal and, for files, equal contentId. */
export function eqContent(a: TreeNode, b: TreeNode): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind === 'dir' || a.contentId === b.contentId;
}

export function eqPlace(
  a: { parentId: ItemId | null; name: string },
  b: { parentId: ItemId | null; name: string },
): boolean {
  return a.parentId === b.parentId && a.name === b.name;
}

/** parentId -> name -> child id. */
export function childIndex(tree: Tree): Map<ItemId, Map<string, ItemId>> {
  const index = new Map<ItemId, Map<string, ItemId>>();
  for (const node of tree.values()) {
    if (node.parentId === null) continue;
    let names = index.get(node.parentId);
    if (names === undefined) index.set(node.parentId, (names = new Map()));
    names.set(node.name, node.id);
  }
  return index;
}

/**
 * Why `tree` is not a well-formed tree, or null when it is: ROOT_ID present with a null parent,
 * every other item under an existing directory, no cycles, no two siblings with one name, ids
 * matching their keys.
 *
 * One pass over the items, then a cycle walk over directories only (a file cannot be a parent,
 * so an item reaches the root when its parent does). Runs three times a pass on trees of
 * 100,000 items: the per-item walk with its own Set took ~0.25 s a tree.
 */
export function treeDefect(tree: Tree): string | null {
  const root = tree.get(ROOT_ID);
  if (root === undefined) return 'no root';
  if (root.parentId !== null || root.kind !== 'dir')
    return 'root is not a directory without parent';
  const names = new Map<ItemId, Set<string>>();
  const dirs: ItemId[] = [];
  for (const [key, node] of tree) {
    if (node.id !== key) return `item ${key} is stored under another id`;
    if (key === ROOT_ID) continue;
    if (node.parentId === null) return `item ${key} has no parent`;
    const parent = tree.get(node.parentId);
    if (parent === undefined) return `item ${key} has a missing parent`;
    if (parent.kind !== 'dir') return `item ${key} is inside a file`;
    let sib = names.get(node.parentId);
    if (sib === undefined) names.set(node.parentId, (sib = new Set()));
    if (sib.has(node.name)) return `two items named ${JSON.stringify(node.name)} in one directory`;
    sib.add(node.name);
    if (node.kind === 'dir') dirs.push(key);
  }
  // Cycles: every directory's chain must reach the root (1: on the chain being walked,
  // 2: reaches the root, absent: not yet known).
  const state = new Map<ItemId, 1 | 2>([[ROOT_ID, 2]]);
  const chain: ItemId[] = [];
  for (const id of dirs) {
    let cur: ItemId = id;
    let s: 1 | 2 | undefined;
    while ((s = state.get(cur)) === undefined) {
      state.set(cur, 1);
      chain.push(cur);
      cur = (tree.get(cur) as TreeNode).parentId as ItemId; // checked above: not null, present
    }
    if (s === 1) return `cycle through item ${cur}`;
    for (const c of chain) state.set(c, 2);
    chain.length = 0;
  }
  return null;
}

/** Depth of an item (root 0), or Infinity when the chain is broken. */
export function depthOf(parentOf: (id: ItemId) => ItemId | null | undefined, id: ItemId): number {
  let depth = 0;
  let cur: ItemId | null | undefined = id;
  const seen = new Set<ItemId>();
  while (cur !== ROOT_ID) {
    if (cur === null || cur === undefined || seen.has(cur)) return Infinity;
    seen.add(cur);
    cur = parentOf(cur);
    depth++;
  }
  return depth;
}
