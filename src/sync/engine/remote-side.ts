/**
 * The remote side of a pass: the newest snapshot of the folder, read one of two ways.
 *
 * - decoded: every tree blob of the snapshot (Repository.loadFolder), when the snapshot is new
 *   to this device or its names need checking;
 * - stored: when the manifest's remote tree is already this snapshot's and none of its entries
 *   were withheld, that tree is used as is and only the directories the pass needs (to write
 *   again, or to download from) are read (SnapshotEntries). A save in a folder of 100,000
 *   files spent about 1 s and ~80 MiB decoding what it then left unchanged.
 */
import type { BlobId, FileEntry, TreeEntry } from '../format/index.js';
import type { Manifest, StoredTree } from '../manifest/index.js';
import type { ItemId, Tree } from '../model/tree.js';
import type { RemoteProblem, Repository, SnapshotRef } from '../remote/repository.js';
import { SnapshotEntries } from '../remote/snapshot-entries.js';
import { folderCreatedMs } from './folder-runtime.js';

export interface RemoteSide {
  snapshot: SnapshotRef | null;
  /** The snapshot's tree, without withheld entries. */
  tree: Tree;
  /** Entries not created here, by directory (see RemoteFolder.withheld). */
  withheld: ReadonlyMap<ItemId, readonly TreeEntry[]>;
  problems: RemoteProblem[];
  fileEntry(id: ItemId): Promise<FileEntry | undefined>;
  /** The tree blob a directory was read from. */
  dirTree(id: ItemId): Promise<BlobId | undefined>;
  read: 'stored' | 'decoded';
  /** The stored remote tree `tree` is (read 'stored'), for storeRemoteTree's `since`. */
  stored?: StoredTree;
}

/**
 * Manifest key: the snapshot the stored remote tree of a folder is (null: none yet). The
 * engine's poll compares it with the newest snapshot on CESS to tell whether a pass is due.
 */
export function remoteTreeKey(folderId: string): string {
  return `remote-tree-snapshot:${folderId}`;
}

/**
 * Manifest key: what the stored remote tree stands for (absent or null: not known). Only a
 * tree of a snapshot none of whose entries were withheld can stand for it (withheld entries
 * must be carried into the next snapshot and are not in the stored tree), and only for the
 * folder as it was added: a folder removed and added again starts from an empty tree.
 */
export function remoteWithheldKey(folderId: string): string {
  return `remote-tree-withheld:${folderId}`;
}

interface StoredRemote {
  /** Directories of the snapshot with withheld entries. */
  withheld: number;
  folderCreatedMs: number | null;
}

/** Records how many directories of the stored tree's snapshot have withheld entries. */
export function noteWithheld(manifest: Manifest, folderId: string, withheld: number): void {
  const v: StoredRemote = { withheld, folderCreatedMs: folderCreatedMs(manifest, folderId) };
  manifest.setState(remoteWithheldKey(folderId), v);
}

function storedStandsFor(manifest: Manifest, folderId: string): boolean {
  const v = manifest.getState<StoredRemote | null>(remoteWithheldKey(folderId)) ?? null;
  return (
    v !== null &&
    v.withheld === 0 &&
    v.folderCreatedMs === folderCreatedMs(manifest, folderId) &&
    manifest.hasTree(folderId, 'remote')
  );
}

export async function readRemote(o: {
  manifest: Manifest;
  repo: Repository;
  folderId: string;
  /** The snapshot the stored remote tree is (remoteTreeKey). */
  storedSnapshot: string | null | undefined;
}): Promise<RemoteSide> {
  const { manifest, repo, folderId } = o;
  const latest = await repo.latest(folderId);
  if (latest !== null && o.storedSnapshot === latest.id && storedStandsFor(manifest, folderId)) {
    const stored = manifest.loadStoredTree(folderId, 'remote');
    const tree = stored.tree;
    const entries = new SnapshotEntries(repo, latest.snapshot.tree, tree, () =>
      manifest.setState(remoteWithheldKey(folderId), null),
    );
    return {
      snapshot: latest,
      tree,
      withheld: new Map(),
      problems: [],
      fileEntry: (id) => entries.fileEntry(id),
      dirTree: (id) => entries.dirTree(id),
      read: 'stored',
      stored,
    };
  }
  const full = await repo.loadFolder(folderId);
  return {
    snapshot: full.snapshot,
    tree: full.tree,
    withheld: full.withheld,
    problems: full.problems,
    fileEntry: (id) => Promise.resolve(full.files.get(id)),
    dirTree: (id) => Promise.resolve(full.dirTrees.get(id)),
    read: 'decoded',
  };
}

/**
 * Records `tree` as the stored remote tree of `snapshot`. The withheld count is cleared first
 * and set last: a crash in between leaves it unknown (a full read next), never the count of
 * another snapshot. `since`: the stored tree as loaded (Manifest.replaceTree).
 */
export function storeRemoteTree(
  manifest: Manifest,
  folderId: string,
  tree: Tree,
  snapshot: string | null,
  withheld: number,
  since?: StoredTree,
): void {
  manifest.setState(remoteWithheldKey(folderId), null);
  manifest.replaceTree(folderId, 'remote', tree, since);
  manifest.setState(remoteTreeKey(folderId), snapshot);
  noteWithheld(manifest, folderId, withheld);
}
