import {
  FormatError,
  PackReader,
  decodeSnapshot,
  decodeTree,
  type BlobId,
  type BlobTypeName,
  type FileEntry,
  type FormatKeys,
  type PackEntry,
  type SnapshotBlob,
  type TreeBlob,
} from '../format/index.js';
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../model/tree.js';
import type { ObjectStore, StoredObject } from './object-store.js';

/** A snapshot blob found in the repository, with its id. */
export interface SnapshotRef {
  id: BlobId;
  snapshot: SnapshotBlob;
}

/** A folder's tree as a snapshot describes it, with what is needed to fetch each file. */
export interface RemoteFolder {
  snapshot: SnapshotRef | null;
  tree: Tree;
  /** File entries by item id (file node blob + capsule, content id). */
  files: Map<ItemId, FileEntry>;
}

/**
 * The account's repository as a set of packs on an ObjectStore: an index of which blob lives
 * in which pack (built by reading each pack's header once), snapshot discovery, tree loading.
 * Objects that are not packs of this account (another tool's files, or packs under another
 * key) are remembered as foreign and skipped.
 */
export class Repository {
  private readonly readers = new Map<string, PackReader>();
  private readonly foreign = new Set<string>();
  private readonly where = new Map<string, { fid: string; entry: PackEntry }>();
  private readonly snapshotCache = new Map<BlobId, SnapshotBlob>();
  private objects: StoredObject[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly keys: FormatKeys,
  ) {}

  /** Reads the headers of packs not seen before. Returns how many new packs were indexed. */
  async refresh(signal?: AbortSignal): Promise<number> {
    this.objects = await this.store.list(signal);
    let added = 0;
    for (const obj of this.objects) {
      if (this.readers.has(obj.fid) || this.foreign.has(obj.fid)) continue;
      const fid = obj.fid;
      const source = {
        size: obj.size,
        read: (offset: number, length: number) => this.store.read(fid, offset, length, signal),
      };
      try {
        const reader = await PackReader.open(this.keys, source);
        this.readers.set(fid, reader);
        for (const entry of reader.entries) this.where.set(`${entry.type}:${entry.id}`, { fid, entry });
        added++;
      } catch (err) {
        if (err instanceof FormatError) this.foreign.add(fid);
        else throw err;
      }
    }
    return added;
  }

  /** Objects of the account as of the last refresh. */
  get storedObjects(): readonly StoredObject[] {
    return this.objects;
  }

  has(type: BlobTypeName, id: BlobId): boolean {
    return this.where.has(`${type}:${id}`);
  }

  /** Which pack holds a blob (for share links: the recipient needs fid + range). */
  locate(type: BlobTypeName, id: BlobId): { fid: string; entry: PackEntry } | undefined {
    return this.where.get(`${type}:${id}`);
  }

  async readBlob(type: BlobTypeName, id: BlobId, key: Uint8Array): Promise<Uint8Array> {
    const at = this.where.get(`${type}:${id}`);
    if (!at) throw new FormatError('NOT_FOUND', `${type} blob ${id} is in no known pack`);
    const reader = this.readers.get(at.fid);
    if (!reader) throw new FormatError('NOT_FOUND', `pack ${at.fid} is not open`);
    return reader.readBlob(at.entry, key);
  }

  /** Every snapshot of a folder in the repository. */
  async snapshots(folderId: string): Promise<SnapshotRef[]> {
    const out: SnapshotRef[] = [];
    for (const [key, at] of this.where) {
      if (!key.startsWith('snapshot:')) continue;
      const id = at.entry.id;
      let snap = this.snapshotCache.get(id);
      if (!snap) {
        snap = decodeSnapshot(await this.readBlob('snapshot', id, this.keys.metadata));
        this.snapshotCache.set(id, snap);
      }
      if (snap.folderId === folderId) out.push({ id, snapshot: snap });
    }
    return out;
  }

  /**
   * The newest snapshot: highest Lamport seq; ties (two devices wrote concurrently from the same
   * parent) broken by device id then blob id, so every device picks the same one. The other
   * device's changes are not lost: its next pass plans against this one and re-applies them.
   */
  async latest(folderId: string): Promise<SnapshotRef | null> {
    const all = await this.snapshots(folderId);
    all.sort((a, b) =>
      b.snapshot.seq - a.snapshot.seq ||
      (a.snapshot.deviceId < b.snapshot.deviceId ? 1 : a.snapshot.deviceId > b.snapshot.deviceId ? -1 : 0) ||
      (a.id < b.id ? 1 : -1),
    );
    return all[0] ?? null;
  }

  async readTree(id: BlobId): Promise<TreeBlob> {
    return decodeTree(await this.readBlob('tree', id, this.keys.metadata));
  }

  /** The folder as its newest snapshot has it (an empty tree when there is none yet). */
  async loadFolder(folderId: string): Promise<RemoteFolder> {
    const snapshot = await this.latest(folderId);
    const tree = new Map<ItemId, TreeNode>([[ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' }]]);
    const files = new Map<ItemId, FileEntry>();
    if (!snapshot) return { snapshot: null, tree, files };
    const queue: { treeId: BlobId; parentId: ItemId }[] = [{ treeId: snapshot.snapshot.tree, parentId: ROOT_ID }];
    while (queue.length > 0) {
      const { treeId, parentId } = queue.shift() as { treeId: BlobId; parentId: ItemId };
      const t = await this.readTree(treeId);
      for (const e of t.entries) {
        if (tree.has(e.itemId)) throw new FormatError('BAD_ENCODING', `item ${e.itemId} appears twice in snapshot ${snapshot.id}`);
        const base = { id: e.itemId, parentId, name: e.name, mtimeMs: e.mtimeMs, ...(e.mode !== null ? { mode: e.mode } : {}) };
        if (e.kind === 'dir') {
          tree.set(e.itemId, { ...base, kind: 'dir' });
          queue.push({ treeId: e.subtree, parentId: e.itemId });
        } else {
          tree.set(e.itemId, { ...base, kind: 'file', contentId: e.contentId, size: e.size });
          files.set(e.itemId, e);
        }
      }
    }
    return { snapshot, tree, files };
  }
}
