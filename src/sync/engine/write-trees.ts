/**
 * The remote tree as tree blobs, bottom-up (children before parents), for a new snapshot.
 *
 * A pass changes a few directories of a large folder. Every directory's blob id depends on its
 * children's, so the changed directories and their ancestors are encoded again; every other
 * directory keeps the blob it was read from (`reuse`). At 100,000 files, encoding every
 * directory to learn its id took about 1 s of a pass that uploaded one file.
 */
import {
  storeTree,
  type BlobId,
  type FileEntry,
  type FormatKeys,
  type Packer,
  type TreeEntry,
} from '../format/index.js';
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../model/tree.js';

export interface TreeReuse {
  /** The blob each directory was read from (RemoteFolder.dirTrees, or on demand). */
  trees: (dirId: ItemId) => Promise<BlobId | undefined>;
  /** Directories whose entries changed: these and their ancestors are encoded again. */
  touched: Iterable<ItemId>;
}

/** `touched` and their ancestors in `tree` (the directories whose blob may differ). */
export function dirtyDirs(tree: Tree, touched: Iterable<ItemId>): Set<ItemId> {
  const dirty = new Set<ItemId>();
  for (const id of touched) {
    for (let cur: ItemId | null = id; cur !== null && !dirty.has(cur);) {
      const n = tree.get(cur);
      if (n === undefined) break;
      dirty.add(cur);
      cur = n.parentId;
    }
  }
  return dirty;
}

/**
 * Stores the tree blobs of `tree` and returns the root tree's blob id. Withheld remote entries
 * (names unsafe here) go back into their dir as they were, unless the dir is gone or a name is
 * now taken. A tree blob the repository already has (`stored`: an unchanged directory) is not
 * stored again; with `reuse`, an untouched directory is not even encoded.
 */
export async function writeTrees(
  keys: FormatKeys,
  packer: Packer,
  tree: Tree,
  files: (id: ItemId) => Promise<FileEntry | undefined>,
  withheld: ReadonlyMap<ItemId, readonly TreeEntry[]>,
  stored: (id: BlobId) => boolean,
  reuse?: TreeReuse,
): Promise<BlobId> {
  let dirty: Set<ItemId> | undefined;
  if (reuse) {
    const touched = [...reuse.touched];
    // A withheld entry whose id or name is now used in its dir changes that dir's blob.
    for (const [dirId, list] of withheld)
      if (list.some((w) => tree.has(w.itemId))) touched.push(dirId);
    dirty = dirtyDirs(tree, touched);
  }
  const children = new Map<ItemId, TreeNode[]>();
  for (const n of tree.values()) {
    if (n.parentId === null) continue;
    const list = children.get(n.parentId);
    if (list === undefined) children.set(n.parentId, [n]);
    else list.push(n);
  }
  const write = async (dirId: ItemId): Promise<BlobId> => {
    const known = dirty && !dirty.has(dirId) ? await reuse?.trees(dirId) : undefined;
    if (known !== undefined) return known;
    const entries: TreeEntry[] = [];
    const kids = (children.get(dirId) ?? []).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const k of kids) {
      if (k.kind === 'dir') {
        entries.push({
          kind: 'dir',
          itemId: k.id,
          name: k.name,
          mtimeMs: Math.floor(k.mtimeMs ?? 0),
          mode: k.mode ?? null,
          subtree: await write(k.id),
        });
      } else {
        const f = await files(k.id);
        if (!f) throw new Error(`file ${k.id} has no file entry to write`);
        entries.push({ ...f, name: k.name });
      }
    }
    const taken = new Set(entries.map((e) => e.name));
    for (const w of withheld.get(dirId) ?? [])
      if (!taken.has(w.name) && !tree.has(w.itemId)) entries.push(w);
    return storeTree(keys, { version: 1, entries }, packer, stored);
  };
  return write(ROOT_ID);
}
