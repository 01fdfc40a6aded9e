/**
 * A snapshot's tree entries read on demand, for a pass whose remote side is the tree the
 * manifest stored for that same snapshot. A pass that uploads one file needs the entries of a
 * few directories (those it writes again, and where it downloads), not all of them: at 100,000
 * files, decoding every tree blob took about 1 s and held ~80 MiB of file entries.
 *
 * Each directory's entries come from its parent's (its blob id is the parent's entry), down
 * from the snapshot's root tree, each blob decoded once. An entry that does not match the
 * stored tree (name or content) is an error, never used: the stored tree and the snapshot
 * disagree, and the pass that meets it fails without changing anything.
 */
import { FormatError, type BlobId, type FileEntry, type TreeEntry } from '../format/index.js';
import { ROOT_ID, type ItemId, type Tree } from '../model/tree.js';
import type { Repository } from './repository.js';

export class SnapshotEntries {
  private readonly dirs = new Map<ItemId, Promise<Map<ItemId, TreeEntry> | undefined>>();

  constructor(
    private readonly repo: Pick<Repository, 'readTree'>,
    /** The snapshot's root tree blob. */
    private readonly rootTree: BlobId,
    /** The snapshot's tree as the manifest stored it. */
    private readonly tree: Tree,
    /** Called before a mismatch is thrown (the caller stops trusting the stored tree). */
    private readonly onMismatch: () => void = () => undefined,
  ) {}

  /** The tree blob a directory of the snapshot was read from (undefined: not a directory). */
  async dirTree(dirId: ItemId): Promise<BlobId | undefined> {
    if (dirId === ROOT_ID) return this.rootTree;
    const n = this.tree.get(dirId);
    if (n === undefined || n.kind !== 'dir' || n.parentId === null) return undefined;
    const e = (await this.entries(n.parentId))?.get(dirId);
    if (e === undefined || e.kind !== 'dir' || e.name !== n.name) throw this.mismatch(dirId);
    return e.subtree;
  }

  /** A file's entry in the snapshot (undefined: not a file of the stored tree). */
  async fileEntry(id: ItemId): Promise<FileEntry | undefined> {
    const n = this.tree.get(id);
    if (n === undefined || n.kind !== 'file' || n.parentId === null) return undefined;
    const e = (await this.entries(n.parentId))?.get(id);
    if (e === undefined || e.kind !== 'file' || e.name !== n.name || e.contentId !== n.contentId)
      throw this.mismatch(id);
    return e;
  }

  private entries(dirId: ItemId): Promise<Map<ItemId, TreeEntry> | undefined> {
    let p = this.dirs.get(dirId);
    if (p === undefined) {
      p = (async () => {
        const blob = await this.dirTree(dirId);
        if (blob === undefined) return undefined;
        const t = await this.repo.readTree(blob);
        return new Map(t.entries.map((e) => [e.itemId, e]));
      })();
      this.dirs.set(dirId, p);
    }
    return p;
  }

  private mismatch(id: ItemId): FormatError {
    this.onMismatch();
    return new FormatError(
      'BAD_ENCODING',
      `item ${id}: the stored remote tree does not match snapshot tree ${this.rootTree}; the next pass reads the whole snapshot`,
    );
  }
}
