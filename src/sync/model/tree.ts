/**
 * The engine's data model: three trees of items (Dropbox Nucleus' model, design.md "The sync
 * model").
 *
 * - local:  what the disk has (built by the scanner/watcher)
 * - remote: what CESS has (built from the newest snapshot of the folder on CESS)
 * - synced: the last state both sides agreed on — the merge base
 *
 * Items have stable ids, not just paths, so a rename/move is a change of (parentId, name) of
 * the same item and never a delete + create (no re-upload of content). Every tree has the
 * folder root as the item ROOT_ID.
 */

/** A stable item id: 32 lowercase hex characters (128 random bits), assigned when first seen. */
export type ItemId = string;

export const ROOT_ID: ItemId = '00000000000000000000000000000000';

export type ItemKind = 'file' | 'dir';

export interface TreeNode {
  id: ItemId;
  /** null only for ROOT_ID. */
  parentId: ItemId | null;
  /** One path segment, NFC-normalized; '' for the root. */
  name: string;
  kind: ItemKind;
  /**
   * For files: the keyed hash of the plaintext content (see docs/format.md, "content id"),
   * equal on two devices exactly when the bytes are equal. Undefined for directories.
   */
  contentId?: string;
  /** For files: plaintext size in bytes. */
  size?: number;
  /** Modification time in ms since the epoch (files; informational for dirs). */
  mtimeMs?: number;
  /** POSIX permission bits worth carrying (0o755 / 0o644 style); undefined when unknown. */
  mode?: number;
}

/** A whole tree: every item by id. Parent links must form a tree rooted at ROOT_ID. */
export type Tree = ReadonlyMap<ItemId, TreeNode>;

/** Same content? Files compare by contentId (never by mtime); dirs are always "same". */
export function sameContent(a: TreeNode, b: TreeNode): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'dir') return true;
  return a.contentId !== undefined && a.contentId === b.contentId;
}

/** Same place in the tree? */
export function samePlace(a: TreeNode, b: TreeNode): boolean {
  return a.parentId === b.parentId && a.name === b.name;
}

/**
 * The same row in a stored tree: every field a manifest keeps, an absent one equal to null (a
 * node read back from SQLite and one built in memory spell "none" differently).
 */
export function sameStoredNode(a: TreeNode, b: TreeNode): boolean {
  return (
    a.id === b.id &&
    samePlace(a, b) &&
    a.kind === b.kind &&
    (a.contentId ?? null) === (b.contentId ?? null) &&
    (a.size ?? null) === (b.size ?? null) &&
    (a.mtimeMs ?? null) === (b.mtimeMs ?? null) &&
    (a.mode ?? null) === (b.mode ?? null)
  );
}

/** The same items, each the same as stored (sameStoredNode). */
export function sameTree(a: Tree, b: Tree): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [id, n] of a) {
    const m = b.get(id);
    if (m === undefined || (m !== n && !sameStoredNode(n, m))) return false;
  }
  return true;
}

/** The '/'-joined path of an item, or null when its parent chain is broken or cyclic. */
export function pathOf(tree: Tree, id: ItemId): string | null {
  const parts: string[] = [];
  const seen = new Set<ItemId>();
  let cur = tree.get(id);
  while (cur && cur.id !== ROOT_ID) {
    if (seen.has(cur.id)) return null;
    seen.add(cur.id);
    parts.push(cur.name);
    if (cur.parentId === null) return null;
    cur = tree.get(cur.parentId);
  }
  if (!cur) return null;
  return parts.reverse().join('/');
}
