import { fromHex, isHex, toHex } from '../format/bytes.js';
import { ID_LENGTH } from '../format/constants.js';
import { IdTable } from '../format/id-table.js';
import {
  BLOB_TYPE_NAMES,
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
  type TreeEntry,
} from '../format/index.js';
import { METADATA_DIR_NAME, ROOT_MARKER_NAME } from '../ignore/index.js';
import { caseFoldKey, isPathError, validateSyncPath } from '../paths/index.js';
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../model/tree.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import {
  isRecordPackId,
  latestRecords,
  openRecord,
  type CompactionRecord,
} from '../compaction/record.js';

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
  /**
   * Entries this device must not create on its disk (a name that would leave the root, alias
   * the engine's own files, or break this OS's rules), with a dir's whole subtree. They are
   * not in `tree` (so never planned), but carried unchanged into the next snapshot this device
   * writes: another device may hold them legitimately, and nothing is lost for it.
   */
  withheld: Map<ItemId, TreeEntry[]>;
  /** Why each withheld entry was withheld, by the path the snapshot gives it. */
  problems: RemoteProblem[];
  /**
   * The tree blob each directory was read from (ROOT_ID: the snapshot's root tree). A pass
   * that changes a few directories encodes only those and their ancestors again.
   */
  dirTrees: Map<ItemId, BlobId>;
}

export interface RemoteProblem {
  path: string;
  code: string;
  message: string;
}

const RESERVED_NAMES = new Set([caseFoldKey(METADATA_DIR_NAME), caseFoldKey(ROOT_MARKER_NAME)]);

/** Why a remote entry at `relPath` (its parent's path + its name) cannot be created here. */
function unsafeRemotePath(relPath: string, name: string): RemoteProblem | undefined {
  if (RESERVED_NAMES.has(caseFoldKey(name)))
    return {
      path: relPath,
      code: 'RESERVED_NAME',
      message: `${JSON.stringify(relPath)}: ${JSON.stringify(name)} is reserved for cess-sync's own files; not synced here`,
    };
  try {
    validateSyncPath(relPath);
  } catch (e) {
    if (!isPathError(e)) throw e;
    return {
      path: relPath,
      code: e.code,
      message: `${JSON.stringify(relPath)} cannot be created on this device: ${e.message}; not synced here`,
    };
  }
  return undefined;
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
  // Where each blob is read from, per type: a location number (IdTable) into locPack/locBlob,
  // the pack (an index into slotFid/slotReader) and the blob's index in it. No string or object
  // per blob: at 100,000 files this index is ~20 MiB instead of ~75 (../format/id-table.ts).
  private readonly where = new Map<BlobTypeName, IdTable>();
  private locPack: number[] = [];
  private locBlob: number[] = [];
  private slotFid: string[] = [];
  private slotReader: PackReader[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly snapshotCache = new Map<BlobId, SnapshotBlob>();
  private objects: StoredObject[] = [];
  // Compaction (docs/format.md §10): records found in record packs, the packs their devices
  // are about to delete (never deduplicated against, read only when no other copy exists),
  // and each listed object's state (a stored copy is read before a pending one).
  private readonly records = new Map<string, CompactionRecord>();
  private avoided = new Set<string>();
  private states = new Map<string, StoredObject['state']>();

  constructor(
    private readonly store: ObjectStore,
    private readonly keys: FormatKeys,
  ) {
    for (const type of BLOB_TYPE_NAMES)
      this.where.set(
        type,
        new IdTable((loc) =>
          (this.slotReader[this.locPack[loc] as number] as PackReader).idAt(
            this.locBlob[loc] as number,
          ),
        ),
      );
  }

  /** Reads the headers of packs not seen before. Returns how many new packs were indexed. */
  async refresh(signal?: AbortSignal): Promise<number> {
    this.objects = await this.store.list(signal);
    const listed = new Map(this.objects.map((o) => [o.fid, o.state]));
    // Packs deleted since (compaction) leave the index; a blob they held is found in its new
    // pack. A deal that completed changes which copy is read first.
    let rebuild = false;
    for (const fid of [...this.readers.keys()]) {
      if (!listed.has(fid)) {
        this.readers.delete(fid);
        this.records.delete(fid);
        rebuild = true;
      } else if (listed.get(fid) !== this.states.get(fid)) rebuild = true;
    }
    for (const fid of [...this.foreign]) if (!listed.has(fid)) this.foreign.delete(fid);
    this.states = listed;
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
        const record = await this.recordOf(reader);
        if (record) this.records.set(fid, record);
        this.readers.set(fid, reader);
        if (!rebuild) this.placeAll(fid, reader);
        added++;
      } catch (err) {
        if (err instanceof FormatError) this.foreign.add(fid);
        else throw err;
      }
    }
    const avoided = new Set<string>();
    for (const { record } of latestRecords(this.compactionRecords()).values())
      for (const fid of record.doomed) if (listed.has(fid)) avoided.add(fid);
    if (avoided.size !== this.avoided.size || [...avoided].some((f) => !this.avoided.has(f)))
      rebuild = true;
    this.avoided = avoided;
    if (rebuild) {
      for (const t of this.where.values()) t.clear();
      this.locPack = [];
      this.locBlob = [];
      this.slotFid = [];
      this.slotReader = [];
      this.slotOf.clear();
      for (const [fid, reader] of this.readers) this.placeAll(fid, reader);
    }
    return added;
  }

  /** A pack's one record blob, when it is a record pack (else undefined). */
  private async recordOf(reader: PackReader): Promise<CompactionRecord | undefined> {
    if (!isRecordPackId(reader.packId) || reader.count !== 1 || reader.typeAt(0) !== 'tree')
      return undefined;
    const e = reader.entryAt(0);
    try {
      return openRecord(this.keys, e.id, await reader.readSealed(e));
    } catch (err) {
      if (err instanceof FormatError) return undefined;
      throw err;
    }
  }

  /** Indexes every blob of a pack (see place). */
  private placeAll(fid: string, reader: PackReader): void {
    let slot = this.slotOf.get(fid);
    if (slot === undefined) {
      slot = this.slotFid.length;
      this.slotFid.push(fid);
      this.slotReader.push(reader);
      this.slotOf.set(fid, slot);
    }
    for (let i = 0; i < reader.count; i++) this.place(slot, reader, i);
  }

  /** Where a blob is read from: a pack no one is deleting, stored before pending. */
  private place(slot: number, reader: PackReader, i: number): void {
    const rank = (f: string): number =>
      (this.avoided.has(f) ? 2 : 0) + (this.states.get(f) === 'stored' ? 0 : 1);
    const table = this.where.get(reader.typeAt(i)) as IdTable;
    const id = reader.idAt(i);
    const cur = table.get(id);
    if (cur !== undefined) {
      const curFid = this.slotFid[this.locPack[cur] as number] as string;
      if (rank(this.slotFid[slot] as string) >= rank(curFid)) return;
      this.locPack[cur] = slot;
      this.locBlob[cur] = i;
      return;
    }
    const loc = this.locPack.length;
    this.locPack.push(slot);
    this.locBlob.push(i);
    table.set(id, loc);
  }

  /** The pack and blob index a blob is read from. */
  private find(
    type: BlobTypeName,
    id: BlobId,
  ): { fid: string; reader: PackReader; i: number } | undefined {
    if (!isHex(id, ID_LENGTH)) return undefined;
    const loc = this.where.get(type)?.get(fromHex(id, ID_LENGTH, 'blob id'));
    if (loc === undefined) return undefined;
    const slot = this.locPack[loc] as number;
    return {
      fid: this.slotFid[slot] as string,
      reader: this.slotReader[slot] as PackReader,
      i: this.locBlob[loc] as number,
    };
  }

  /** Every indexed pack with its listing state and header entries (compaction). */
  packs(): {
    fid: string;
    size: number;
    state: StoredObject['state'];
    packId: string;
    entries: readonly PackEntry[];
  }[] {
    return [...this.readers].map(([fid, r]) => ({
      fid,
      size: r.size,
      state: this.states.get(fid) ?? 'pending',
      packId: r.packId,
      // Built when read: most callers look at a few packs' entries, not at every pack's.
      get entries() {
        return r.entries;
      },
    }));
  }

  /** The encrypted bytes of one blob of one given pack (repacking copies ciphertext). */
  readSealedFrom(fid: string, entry: PackEntry): Promise<Uint8Array> {
    const reader = this.readers.get(fid);
    if (!reader) throw new FormatError('NOT_FOUND', `pack ${fid} is not open`);
    return reader.readSealed(entry);
  }

  /** Compaction records in the account's record packs (docs/format.md §10.3). */
  compactionRecords(): { fid: string; record: CompactionRecord }[] {
    return [...this.records].map(([fid, record]) => ({ fid, record }));
  }

  /** Packs some device's newest record says it will delete. */
  get avoidedPacks(): ReadonlySet<string> {
    return this.avoided;
  }

  /** Objects of the account as of the last refresh. */
  get storedObjects(): readonly StoredObject[] {
    return this.objects;
  }

  /** Whether a blob can be referenced by new snapshots (not only in packs being deleted). */
  has(type: BlobTypeName, id: BlobId): boolean {
    const at = this.find(type, id);
    return at !== undefined && !this.avoided.has(at.fid);
  }

  /** Which pack holds a blob (for share links: the recipient needs fid + range). */
  locate(type: BlobTypeName, id: BlobId): { fid: string; entry: PackEntry } | undefined {
    const at = this.find(type, id);
    return at && { fid: at.fid, entry: at.reader.entryAt(at.i) };
  }

  async readBlob(type: BlobTypeName, id: BlobId, key: Uint8Array): Promise<Uint8Array> {
    const at = this.find(type, id);
    if (!at) throw new FormatError('NOT_FOUND', `${type} blob ${id} is in no known pack`);
    return at.reader.readBlob(at.reader.entryAt(at.i), key);
  }

  /** Every snapshot of a folder in the repository (not those compaction has forgotten). */
  async snapshots(folderId: string): Promise<SnapshotRef[]> {
    return (await this.allSnapshots(false)).filter((s) => s.snapshot.folderId === folderId);
  }

  /** Every snapshot of every folder; `includeForgotten`: also those only in doomed packs. */
  async allSnapshots(includeForgotten = true): Promise<SnapshotRef[]> {
    const out: SnapshotRef[] = [];
    for (const loc of (this.where.get('snapshot') as IdTable).values()) {
      const slot = this.locPack[loc] as number;
      if (!includeForgotten && this.avoided.has(this.slotFid[slot] as string)) continue;
      const id = toHex((this.slotReader[slot] as PackReader).idAt(this.locBlob[loc] as number));
      let snap = this.snapshotCache.get(id);
      if (!snap) {
        snap = decodeSnapshot(await this.readBlob('snapshot', id, this.keys.metadata));
        this.snapshotCache.set(id, snap);
      }
      out.push({ id, snapshot: snap });
    }
    return out;
  }

  /**
   * The newest snapshot: highest Lamport seq; ties (two devices wrote concurrently from the same
   * parent) broken by device id then blob id, so every device picks the same one. The other
   * device's changes are not lost: its next pass plans against this one from the snapshot both
   * descend from (engine/fork.ts) and re-applies them.
   */
  async latest(folderId: string): Promise<SnapshotRef | null> {
    const all = await this.snapshots(folderId);
    all.sort(
      (a, b) =>
        b.snapshot.seq - a.snapshot.seq ||
        (a.snapshot.deviceId < b.snapshot.deviceId
          ? 1
          : a.snapshot.deviceId > b.snapshot.deviceId
            ? -1
            : 0) ||
        (a.id < b.id ? 1 : -1),
    );
    return all[0] ?? null;
  }

  async readTree(id: BlobId): Promise<TreeBlob> {
    return decodeTree(await this.readBlob('tree', id, this.keys.metadata));
  }

  /**
   * The folder as its newest snapshot has it (an empty tree when there is none yet). A tree
   * blob that does not decode fails the load with the snapshot and path named; an entry whose
   * name is unsafe on this device is withheld (see RemoteFolder.withheld) and reported.
   */
  async loadFolder(folderId: string): Promise<RemoteFolder> {
    return this.loadSnapshot(await this.latest(folderId));
  }

  /** The folder as one snapshot has it (an empty tree for null): any snapshot, for versions. */
  async loadSnapshot(snapshot: SnapshotRef | null): Promise<RemoteFolder> {
    const tree = new Map<ItemId, TreeNode>([
      [ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' }],
    ]);
    const files = new Map<ItemId, FileEntry>();
    const withheld = new Map<ItemId, TreeEntry[]>();
    const problems: RemoteProblem[] = [];
    const dirTrees = new Map<ItemId, BlobId>();
    if (!snapshot) return { snapshot: null, tree, files, withheld, problems, dirTrees };
    const queue: { treeId: BlobId; parentId: ItemId; path: string }[] = [
      { treeId: snapshot.snapshot.tree, parentId: ROOT_ID, path: '' },
    ];
    while (queue.length > 0) {
      const { treeId, parentId, path } = queue.shift() as {
        treeId: BlobId;
        parentId: ItemId;
        path: string;
      };
      let t: TreeBlob;
      try {
        t = await this.readTree(treeId);
        dirTrees.set(parentId, treeId);
      } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        throw new FormatError(
          err.code,
          `folder ${snapshot.snapshot.folderId}: snapshot ${snapshot.id} has a bad tree at ${JSON.stringify(path === '' ? '/' : path)} (tree ${treeId}): ${err.message}; nothing was synced`,
        );
      }
      for (const e of t.entries) {
        if (tree.has(e.itemId))
          throw new FormatError(
            'BAD_ENCODING',
            `item ${e.itemId} appears twice in snapshot ${snapshot.id}`,
          );
        const rel = path === '' ? e.name : `${path}/${e.name}`;
        const problem = unsafeRemotePath(rel, e.name);
        if (problem) {
          problems.push(problem);
          const list = withheld.get(parentId) ?? [];
          list.push(e);
          withheld.set(parentId, list);
          continue;
        }
        const base = {
          id: e.itemId,
          parentId,
          name: e.name,
          mtimeMs: e.mtimeMs,
          ...(e.mode !== null ? { mode: e.mode } : {}),
        };
        if (e.kind === 'dir') {
          tree.set(e.itemId, { ...base, kind: 'dir' });
          queue.push({ treeId: e.subtree, parentId: e.itemId, path: rel });
        } else {
          tree.set(e.itemId, { ...base, kind: 'file', contentId: e.contentId, size: e.size });
          files.set(e.itemId, e);
        }
      }
    }
    return { snapshot, tree, files, withheld, problems, dirTrees };
  }
}
