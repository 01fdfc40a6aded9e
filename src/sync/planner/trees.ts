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
 */
export function treeDefect(tree: Tree): string | null {
  const root = tree.get(ROOT_ID);
  if (root === undefined) return 'no root';
  if (root.parentId !== null || root.kind !== 'dir')
    return 'root is not a directory without parent';
  const siblings = new Set<string>();
  for (const [key, node] of tree) {
    if (node.id !== key) return `item ${key} is stored under another id`;
    if (key === ROOT_ID) continue;
    if (node.parentId === null) return `item ${key} has no parent`;
    const parent = tree.get(node.parentId);
    if (parent === undefined) return `item ${key} has a missing parent`;
    if (parent.kind !== 'dir') return `item ${key} is inside a file`;
    const sib = `${node.parentId}\u0000${node.name}`;
    if (siblings.has(sib)) return `two items named ${JSON.stringify(node.name)} in one directory`;
    siblings.add(sib);
  }
  // Cycles: every chain must reach the root. Memoize items known to reach it.
  const reaches = new Set<ItemId>([ROOT_ID]);
  for (const id of tree.keys()) {
    const chain: ItemId[] = [];
    const onChain = new Set<ItemId>();
    let cur: ItemId | null = id;
    while (cur !== null && !reaches.has(cur)) {
      if (onChain.has(cur)) return `cycle through item ${cur}`;
      onChain.add(cur);
      chain.push(cur);
      cur = tree.get(cur)?.parentId ?? null;
    }
    for (const c of chain) reaches.add(c);
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
