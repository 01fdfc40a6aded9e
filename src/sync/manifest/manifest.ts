/**
 * The manifest: one SQLite database per device holding the engine's durable state (design.md
 * "The sync model"): the synced folders, the three trees of each folder, what the scanner last
 * saw on disk, the journal of operations in flight, the CESS objects being uploaded, and
 * device state (id, Lamport counter, last snapshot seen).
 *
 * Every multi-row change is one SQLite transaction, so a crash (kill -9, power loss) leaves
 * either the old or the new state, never a mix. Synchronous better-sqlite3 on purpose: a
 * transaction cannot interleave with other JavaScript, and the daemon (not the UI process)
 * owns the database.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  ROOT_ID,
  sameStoredNode,
  type ItemId,
  type ItemKind,
  type Tree,
  type TreeNode,
} from '../model/tree.js';
import { migrate, schemaVersion, TREE_TABLES } from './schema.js';

export type TreeName = 'local' | 'remote' | 'synced';

export interface ManifestOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Open an existing database read-only (no migration). Default false. */
  readonly?: boolean;
}

export interface FolderRecord {
  id: string;
  rootPath: string;
  /** 'active' | 'paused' | 'error' | ... (the engine's vocabulary; the manifest only stores it). */
  state: string;
  settings: Record<string, unknown>;
  createdMs: number;
}

/** What the scanner last saw at one path. */
export interface LocalFileRecord {
  /** NFC sync path. */
  path: string;
  /** The on-disk relative path when it differs from `path` (an NFD name); else undefined. */
  diskPath?: string;
  itemId: ItemId;
  kind: ItemKind;
  /** st_dev and st_ino as decimal strings (unsigned 64-bit). */
  dev: string;
  ino: string;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  mode?: number;
  /** Files only. */
  contentId?: string;
  /** When contentId was computed (ms since the epoch). */
  hashedAt?: number;
}

export type OpState = 'pending' | 'running' | 'done' | 'failed';

export interface OpRecord<P = unknown> {
  id: number;
  folderId: string | null;
  kind: string;
  payload: P;
  state: OpState;
  attempts: number;
  lastError?: string;
  createdMs: number;
  updatedMs: number;
}

export interface PendingObject {
  fid: string;
  name: string;
  state: 'pending' | 'stored';
  size: number;
  createdMs: number;
  storedMs?: number;
}

export interface LocalScanChanges {
  treeUpserts: readonly TreeNode[];
  treeDeletes: readonly ItemId[];
  fileUpserts: readonly LocalFileRecord[];
  /** Sync paths. */
  fileDeletes: readonly string[];
}

interface ItemRow {
  item_id: string;
  parent_id: string | null;
  name: string;
  kind: ItemKind;
  content_id: string | null;
  size: number | null;
  mtime_ms: number | null;
  mode: number | null;
}

interface LocalFileRow {
  path: string;
  disk_path: string | null;
  item_id: string;
  kind: ItemKind;
  dev: string;
  ino: string;
  size: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  mode: bigint | null;
  content_id: string | null;
  hashed_at: bigint | null;
}

type ItemTuple = [
  string,
  string | null,
  string,
  ItemKind,
  string | null,
  number | null,
  number | null,
  number | null,
];

type LocalFileTuple = [
  string,
  string | null,
  string,
  ItemKind,
  string,
  string,
  bigint,
  bigint,
  bigint,
  bigint | null,
  string | null,
  bigint | null,
];

interface OpRow {
  id: number;
  folder_id: string | null;
  kind: string;
  payload: string;
  state: OpState;
  attempts: number;
  last_error: string | null;
  created_ms: number;
  updated_ms: number;
}

interface FolderRow {
  id: string;
  root_path: string;
  state: string;
  settings: string;
  created_ms: number;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const KV_DEVICE_ID = 'device_id';
const KV_LAMPORT = 'lamport';
const KV_LAST_SNAPSHOT = 'last_snapshot';

function nodeFromRow(r: ItemRow): TreeNode {
  const n: TreeNode = { id: r.item_id, parentId: r.parent_id, name: r.name, kind: r.kind };
  if (r.content_id !== null) n.contentId = r.content_id;
  if (r.size !== null) n.size = r.size;
  if (r.mtime_ms !== null) n.mtimeMs = r.mtime_ms;
  if (r.mode !== null) n.mode = r.mode;
  return n;
}

function fileFromRow(r: LocalFileRow): LocalFileRecord {
  const f: LocalFileRecord = {
    path: r.path,
    itemId: r.item_id,
    kind: r.kind,
    dev: r.dev,
    ino: r.ino,
    size: Number(r.size),
    mtimeNs: r.mtime_ns,
    ctimeNs: r.ctime_ns,
  };
  if (r.disk_path !== null) f.diskPath = r.disk_path;
  if (r.mode !== null) f.mode = Number(r.mode);
  if (r.content_id !== null) f.contentId = r.content_id;
  if (r.hashed_at !== null) f.hashedAt = Number(r.hashed_at);
  return f;
}

function opFromRow<P>(r: OpRow): OpRecord<P> {
  const op: OpRecord<P> = {
    id: r.id,
    folderId: r.folder_id,
    kind: r.kind,
    payload: JSON.parse(r.payload) as P,
    state: r.state,
    attempts: r.attempts,
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
  };
  if (r.last_error !== null) op.lastError = r.last_error;
  return op;
}

function folderFromRow(r: FolderRow): FolderRecord {
  return {
    id: r.id,
    rootPath: r.root_path,
    state: r.state,
    settings: JSON.parse(r.settings) as Record<string, unknown>,
    createdMs: r.created_ms,
  };
}

/** A tree as loadTree returned it, with the treeVersion taken just before (replaceTree). */
export interface StoredTree {
  tree: Tree;
  version: number;
}

/** The device_state key of Manifest.baseIsRemote. */
function baseIsRemoteKey(folderId: string): string {
  return `baseIsRemote:${folderId}`;
}

function tableOf(which: TreeName): string {
  const t = TREE_TABLES[which];
  if (t === undefined) throw new ManifestError(`unknown tree ${String(which)}`);
  return t;
}

export class Manifest {
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(
    /** The underlying connection (tests and diagnostics; the engine goes through the methods). */
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens (creating if needed) the device's manifest at `path` and migrates it to the newest
   * schema.
   *
   * Pragmas:
   * - journal_mode=WAL: readers (the UI's status queries through the daemon, a backup) never
   *   block the writer, and a commit is one sequential append to the -wal file.
   * - synchronous=NORMAL: in WAL mode this fsyncs at checkpoints, not at every commit. A
   *   process crash (kill -9, the common case) loses nothing: committed frames are in the OS
   *   page cache and the WAL is replayed on open. A power loss or kernel crash can roll back
   *   the last few commits, but never corrupts the database and never exposes half a
   *   transaction. Every piece of state here is recoverable from such a rollback: the local
   *   tree by a rescan, the remote tree from CESS, and the synced tree only moves after an
   *   operation is durable, so losing its last advance means the planner re-derives the op and
   *   finds it already done (identical content is not a conflict). FULL would cost one fsync
   *   per transaction (ms each on a laptop SSD, tens of ms on HDD/network storage) on the hot
   *   path of every file the scanner and executors touch.
   * - foreign_keys=ON: trees cannot hold an item whose parent is missing (checked at commit).
   * - busy_timeout: a second connection (CLI, backup) waits instead of failing at once.
   */
  static open(path: string, opts: ManifestOptions = {}): Manifest {
    const db = new Database(path, { readonly: opts.readonly ?? false });
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
      if (!opts.readonly) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal')
          throw new ManifestError(`cannot enable WAL on ${path} (journal_mode=${String(mode)})`);
      }
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      if (!opts.readonly) migrate(db);
    } catch (e) {
      db.close();
      throw e;
    }
    return new Manifest(db, path);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so it cannot fail
   * half-way with SQLITE_BUSY on lock upgrade). Nests: an inner call becomes a savepoint.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // ---------------------------------------------------------------- folders

  addFolder(f: {
    id: string;
    rootPath: string;
    state?: string;
    settings?: Record<string, unknown>;
  }): FolderRecord {
    const createdMs = Date.now();
    this.transaction(() => {
      this.stmt(
        'INSERT INTO folders (id, root_path, state, settings, created_ms) VALUES (?, ?, ?, ?, ?)',
      ).run(f.id, f.rootPath, f.state ?? 'active', JSON.stringify(f.settings ?? {}), createdMs);
      // Every tree has its root from the start: the parent key of a top-level item is valid.
      for (const which of ['local', 'remote', 'synced'] as const) this.insertRoot(f.id, which);
    });
    const folder = this.getFolder(f.id);
    if (folder === undefined) throw new ManifestError(`folder ${f.id} vanished`);
    return folder;
  }

  private insertRoot(folderId: string, which: TreeName): void {
    this.bumpTree(folderId, which);
    this.stmt(
      `INSERT OR IGNORE INTO ${tableOf(which)} (folder_id, item_id, parent_id, name, kind) VALUES (?, ?, NULL, '', 'dir')`,
    ).run(folderId, ROOT_ID);
  }

  getFolder(id: string): FolderRecord | undefined {
    const r = this.stmt('SELECT * FROM folders WHERE id = ?').get(id) as FolderRow | undefined;
    return r === undefined ? undefined : folderFromRow(r);
  }

  listFolders(): FolderRecord[] {
    return (this.stmt('SELECT * FROM folders ORDER BY created_ms, id').all() as FolderRow[]).map(
      folderFromRow,
    );
  }

  setFolderState(id: string, state: string): void {
    this.requireChange(this.stmt('UPDATE folders SET state = ? WHERE id = ?').run(state, id), id);
  }

  setFolderSettings(id: string, settings: Record<string, unknown>): void {
    this.requireChange(
      this.stmt('UPDATE folders SET settings = ? WHERE id = ?').run(JSON.stringify(settings), id),
      id,
    );
  }

  /** Removes a folder and, by cascade, its trees, local files and ops. */
  removeFolder(id: string): void {
    for (const which of ['local', 'remote', 'synced'] as const) this.bumpTree(id, which);
    this.stmt('DELETE FROM folders WHERE id = ?').run(id);
  }

  private requireChange(r: Database.RunResult, what: string | number): void {
    if (r.changes === 0) throw new ManifestError(`no such row: ${String(what)}`);
  }

  // ---------------------------------------------------------------- trees

  /**
   * Writes to each tree (by folder) through this connection, counted in memory: what a tree
   * loaded at one count is still the stored tree while the count has not moved (replaceTree's
   * `since`). Every write path bumps it, rolled-back ones too (a needless full compare only).
   */
  private readonly treeWrites = new Map<string, number>();
  /** baseIsRemote's answer by folder, as last read or written here (absent: not read yet). */
  private readonly baseKnown = new Map<string, boolean>();

  private bumpTree(folderId: string, which: TreeName): void {
    const k = `${which}\u0000${folderId}`;
    this.treeWrites.set(k, (this.treeWrites.get(k) ?? 0) + 1);
    // Once per folder until marked again: a pass writes up to 100,000 items.
    if (which !== 'local' && this.baseKnown.get(folderId) !== false) {
      this.setState(baseIsRemoteKey(folderId), null);
      this.baseKnown.set(folderId, false);
    }
  }

  /**
   * Whether the folder's stored synced tree is, row for row, its stored remote tree: the steady
   * state, where the merge base is what CESS has. A pass then takes the remote tree it loaded as
   * the base too, instead of loading and filtering a second tree of 100,000 items. Kept in the
   * state table (a restarted daemon's first save benefits); every write to either tree clears
   * it (bumpTree), so it is only true between markBaseIsRemote and the next such write.
   */
  baseIsRemote(folderId: string): boolean {
    let v = this.baseKnown.get(folderId);
    if (v === undefined) {
      v = this.getState<boolean | null>(baseIsRemoteKey(folderId)) === true;
      this.baseKnown.set(folderId, v);
    }
    return v;
  }

  /**
   * Records that the stored synced and remote trees are the same rows. Call it after both were
   * written and committed, never inside a transaction (a rollback would leave it wrong).
   */
  markBaseIsRemote(folderId: string): void {
    if (this.db.inTransaction) throw new ManifestError('markBaseIsRemote inside a transaction');
    this.setState(baseIsRemoteKey(folderId), true);
    this.baseKnown.set(folderId, true);
  }

  /** The tree's write count now (loadStoredTree takes it with the tree). */
  treeVersion(folderId: string, which: TreeName): number {
    return this.treeWrites.get(`${which}\u0000${folderId}`) ?? 0;
  }

  /** Whether a tree of the folder is stored (a stored tree always has its root item). */
  hasTree(folderId: string, which: TreeName): boolean {
    return (
      this.stmt(`SELECT 1 FROM ${tableOf(which)} WHERE folder_id = ? LIMIT 1`).get(folderId) !==
      undefined
    );
  }

  /** The whole tree (with ROOT_ID). */
  loadTree(folderId: string, which: TreeName): Map<ItemId, TreeNode> {
    const rows = this.treeRows(which).all(folderId) as ItemTuple[];
    const tree = new Map<ItemId, TreeNode>();
    for (const t of rows) {
      const n: TreeNode = { id: t[0], parentId: t[1], name: t[2], kind: t[3] };
      if (t[4] !== null) n.contentId = t[4];
      if (t[5] !== null) n.size = t[5];
      if (t[6] !== null) n.mtimeMs = t[6];
      if (t[7] !== null) n.mode = t[7];
      tree.set(t[0], n);
    }
    return tree;
  }

  /** The whole tree and its write count (to hand back to replaceTree as `since`). */
  loadStoredTree(folderId: string, which: TreeName): StoredTree {
    const version = this.treeVersion(folderId, which);
    return { version, tree: this.loadTree(folderId, which) };
  }

  /** Children of one item, by name. */
  children(folderId: string, which: TreeName, parentId: ItemId): TreeNode[] {
    return (
      this.stmt(
        `SELECT item_id, parent_id, name, kind, content_id, size, mtime_ms, mode FROM ${tableOf(which)} WHERE folder_id = ? AND parent_id = ? ORDER BY name`,
      ).all(folderId, parentId) as ItemRow[]
    ).map(nodeFromRow);
  }

  private upsertItem(folderId: string, which: TreeName, n: TreeNode): void {
    this.bumpTree(folderId, which);
    this.stmt(
      `INSERT INTO ${tableOf(which)} (folder_id, item_id, parent_id, name, kind, content_id, size, mtime_ms, mode)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (folder_id, item_id) DO UPDATE SET parent_id = excluded.parent_id,
         name = excluded.name, kind = excluded.kind, content_id = excluded.content_id,
         size = excluded.size, mtime_ms = excluded.mtime_ms, mode = excluded.mode`,
    ).run(
      folderId,
      n.id,
      n.parentId,
      n.name,
      n.kind,
      n.contentId ?? null,
      n.size ?? null,
      n.mtimeMs ?? null,
      n.mode ?? null,
    );
  }

  private deleteItem(folderId: string, which: TreeName, id: ItemId): void {
    if (id === ROOT_ID) throw new ManifestError('the root item cannot be deleted');
    this.bumpTree(folderId, which);
    this.stmt(`DELETE FROM ${tableOf(which)} WHERE folder_id = ? AND item_id = ?`).run(
      folderId,
      id,
    );
  }

  /** Every row of a tree as [item_id, parent_id, ..., mode] tuples (an ItemTuple each). */
  private treeRows(which: TreeName): Database.Statement {
    return this.stmt(
      `SELECT item_id, parent_id, name, kind, content_id, size, mtime_ms, mode FROM ${tableOf(which)} WHERE folder_id = ?`,
    ).raw(true);
  }

  /**
   * Replaces the whole tree in one transaction. The tree must contain ROOT_ID. From an
   * iterable, a later node with the same id wins.
   *
   * Writes only the difference: a sync pass replaces trees of 100,000 items of which a few
   * changed, and rewriting every row cost ~2.5 s per call. Stored rows are compared as raw
   * tuples (no TreeNode objects) with `===` against exactly what `upsertItem` would bind. The
   * numeric columns have INTEGER affinity, so SQLite keeps an integral value as an integer and
   * a fractional one (mtimes) as a real; both come back as the same JS number that was bound,
   * and any value that does not (NaN is stored as NULL, a string in a number column, ...)
   * compares unequal and is simply written again.
   *
   * `since`: the tree as loadStoredTree returned it (and not changed since). While no write to
   * the tree happened in between, the difference is taken against it in memory instead of
   * against the rows read back; otherwise it is ignored.
   */
  replaceTree(
    folderId: string,
    which: TreeName,
    tree: Tree | Iterable<TreeNode>,
    since?: StoredTree,
  ): void {
    let next: Tree;
    if (isTreeMap(tree)) next = tree;
    else {
      const m = new Map<ItemId, TreeNode>();
      for (const n of tree) m.set(n.id, n);
      next = m;
    }
    if (!next.has(ROOT_ID)) throw new ManifestError('a tree must contain the root item');
    // While nothing wrote to the tree since `since` was loaded, its rows are `since.tree`:
    // compare in memory (reading 100,000 rows back cost ~0.4 s of a pass that changed a handful).
    const prev =
      since !== undefined && since.version === this.treeVersion(folderId, which)
        ? since.tree
        : undefined;
    this.transaction(() => {
      const gone: ItemId[] = [];
      let same: (n: TreeNode) => boolean;
      if (prev !== undefined) {
        for (const id of prev.keys()) if (!next.has(id)) gone.push(id);
        same = (n) => {
          const o = prev.get(n.id);
          return o === n || (o !== undefined && sameStoredNode(o, n));
        };
      } else {
        const kept = new Set<ItemId>();
        // Collect first, write after: the connection is busy while the statement iterates.
        for (const r of this.treeRows(which).iterate(folderId) as IterableIterator<ItemTuple>) {
          const n = next.get(r[0]);
          if (n === undefined) gone.push(r[0]);
          else if (
            r[1] === n.parentId &&
            r[2] === n.name &&
            r[3] === n.kind &&
            r[4] === (n.contentId ?? null) &&
            r[5] === (n.size ?? null) &&
            r[6] === (n.mtimeMs ?? null) &&
            r[7] === (n.mode ?? null)
          )
            kept.add(r[0]);
        }
        same = (n) => kept.has(n.id);
      }
      // The parent key is deferred (checked at commit), so the order of these does not matter.
      for (const id of gone) this.deleteItem(folderId, which, id);
      for (const n of next.values()) if (!same(n)) this.upsertItem(folderId, which, n);
    });
  }

  /**
   * Upserts and deletes items in one transaction. Deletes run first, so an id may be deleted
   * and re-inserted. The commit fails (and nothing changes) if an item would be left without
   * its parent.
   */
  applyTreeChanges(
    folderId: string,
    which: TreeName,
    upserts: readonly TreeNode[],
    deletes: readonly ItemId[],
  ): void {
    this.transaction(() => {
      for (const id of deletes) this.deleteItem(folderId, which, id);
      for (const n of upserts) this.upsertItem(folderId, which, n);
    });
  }

  /**
   * Advances the synced tree (the merge base) after an operation is durable on both sides:
   * upserts `items`, deletes `deletes`, and when `completeOpId` is given marks that journal op
   * done in the same transaction, so "the op is done" and "the base moved" can never be
   * observed apart, whatever the crash.
   */
  markSynced(
    folderId: string,
    items: readonly TreeNode[],
    opts: { deletes?: readonly ItemId[]; completeOpId?: number } = {},
  ): void {
    this.transaction(() => {
      for (const id of opts.deletes ?? []) this.deleteItem(folderId, 'synced', id);
      for (const n of items) this.upsertItem(folderId, 'synced', n);
      if (opts.completeOpId !== undefined) this.completeOp(opts.completeOpId);
    });
  }

  // ---------------------------------------------------------------- local files

  /** Every local_files record of the folder, by NFC sync path. */
  loadLocalFiles(folderId: string): Map<string, LocalFileRecord> {
    // Arrays instead of row objects, and one BigInt-safe statement: this is on the hot path
    // of every rescan (100,000 rows in ~0.3 s).
    const s = this.stmt(
      `SELECT path, disk_path, item_id, kind, dev, ino, size, mtime_ns, ctime_ns, mode, content_id, hashed_at
       FROM local_files WHERE folder_id = ?`,
    );
    const rows = s.safeIntegers(true).raw(true).all(folderId) as LocalFileTuple[];
    const out = new Map<string, LocalFileRecord>();
    for (const t of rows) {
      const f: LocalFileRecord = {
        path: t[0],
        itemId: t[2],
        kind: t[3],
        dev: t[4],
        ino: t[5],
        size: Number(t[6]),
        mtimeNs: t[7],
        ctimeNs: t[8],
      };
      if (t[1] !== null) f.diskPath = t[1];
      if (t[9] !== null) f.mode = Number(t[9]);
      if (t[10] !== null) f.contentId = t[10];
      if (t[11] !== null) f.hashedAt = Number(t[11]);
      out.set(t[0], f);
    }
    return out;
  }

  /**
   * What the file list needs of every local_files record, as plain tuples [path, itemId, kind,
   * size, mtimeMs, contentId]: no BigInt, no objects (100,000 rows are read per listing build).
   */
  localFileSummaries(
    folderId: string,
  ): [string, ItemId, ItemKind, number, number, string | null][] {
    return this.stmt(
      `SELECT path, item_id, kind, size, mtime_ns / 1000000, content_id
       FROM local_files WHERE folder_id = ?`,
    )
      .raw(true)
      .all(folderId) as [string, ItemId, ItemKind, number, number, string | null][];
  }

  /** Number of items in a tree (with the root). */
  treeSize(folderId: string, which: TreeName): number {
    return (
      this.stmt(`SELECT count(*) AS n FROM ${tableOf(which)} WHERE folder_id = ?`).get(
        folderId,
      ) as {
        n: number;
      }
    ).n;
  }

  /** Files in a tree and their total size, counted by SQLite (no tree loaded). */
  fileTotals(folderId: string, which: TreeName): { files: number; bytes: number } {
    const r = this.stmt(
      `SELECT count(*) AS files, coalesce(sum(size), 0) AS bytes FROM ${tableOf(which)} WHERE folder_id = ? AND kind = 'file'`,
    ).get(folderId) as { files: number; bytes: number };
    return { files: r.files, bytes: r.bytes };
  }

  getLocalFile(folderId: string, path: string): LocalFileRecord | undefined {
    const r = this.stmt('SELECT * FROM local_files WHERE folder_id = ? AND path = ?')
      .safeIntegers(true)
      .get(folderId, path) as LocalFileRow | undefined;
    return r === undefined ? undefined : fileFromRow(r);
  }

  /** Records with this (dev, ino): more than one for hard links. */
  findLocalFilesByInode(folderId: string, dev: string, ino: string): LocalFileRecord[] {
    return (
      this.stmt('SELECT * FROM local_files WHERE folder_id = ? AND dev = ? AND ino = ?')
        .safeIntegers(true)
        .all(folderId, dev, ino) as LocalFileRow[]
    ).map(fileFromRow);
  }

  upsertLocalFiles(folderId: string, records: readonly LocalFileRecord[]): void {
    this.transaction(() => {
      for (const r of records) this.upsertLocalFile(folderId, r);
    });
  }

  deleteLocalFiles(folderId: string, paths: readonly string[]): void {
    this.transaction(() => {
      for (const p of paths) this.deleteLocalFile(folderId, p);
    });
  }

  private upsertLocalFile(folderId: string, r: LocalFileRecord): void {
    this.stmt(
      `INSERT INTO local_files (folder_id, path, disk_path, item_id, kind, dev, ino, size, mtime_ns, ctime_ns, mode, content_id, hashed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (folder_id, path) DO UPDATE SET disk_path = excluded.disk_path,
         item_id = excluded.item_id, kind = excluded.kind, dev = excluded.dev, ino = excluded.ino,
         size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
         mode = excluded.mode, content_id = excluded.content_id, hashed_at = excluded.hashed_at`,
    ).run(
      folderId,
      r.path,
      r.diskPath ?? null,
      r.itemId,
      r.kind,
      r.dev,
      r.ino,
      r.size,
      r.mtimeNs,
      r.ctimeNs,
      r.mode ?? null,
      r.contentId ?? null,
      r.hashedAt ?? null,
    );
  }

  private deleteLocalFile(folderId: string, path: string): void {
    this.stmt('DELETE FROM local_files WHERE folder_id = ? AND path = ?').run(folderId, path);
  }

  /** The scanner's commit: local tree and local_files change together, in one transaction. */
  applyLocalScan(folderId: string, c: LocalScanChanges): void {
    this.transaction(() => {
      for (const p of c.fileDeletes) this.deleteLocalFile(folderId, p);
      for (const id of c.treeDeletes) this.deleteItem(folderId, 'local', id);
      for (const n of c.treeUpserts) this.upsertItem(folderId, 'local', n);
      for (const r of c.fileUpserts) this.upsertLocalFile(folderId, r);
    });
  }

  // ---------------------------------------------------------------- operations journal

  /**
   * Records an operation before its side effect starts. An executor: addOp (or the planner
   * does), claimOp, do the I/O (idempotently: a retry after a crash may find it half or fully
   * done), then completeOp — or markSynced with completeOpId.
   */
  addOp<P>(folderId: string | null, kind: string, payload: P): OpRecord<P> {
    const now = Date.now();
    const r = this.stmt(
      `INSERT INTO ops (folder_id, kind, payload, state, attempts, created_ms, updated_ms)
       VALUES (?, ?, ?, 'pending', 0, ?, ?) RETURNING *`,
    ).get(folderId, kind, JSON.stringify(payload ?? null), now, now) as OpRow;
    return opFromRow<P>(r);
  }

  getOp<P = unknown>(id: number): OpRecord<P> | undefined {
    const r = this.stmt('SELECT * FROM ops WHERE id = ?').get(id) as OpRow | undefined;
    return r === undefined ? undefined : opFromRow<P>(r);
  }

  listOps<P = unknown>(folderId?: string, states?: readonly OpState[]): OpRecord<P>[] {
    const rows = (
      folderId === undefined
        ? this.stmt('SELECT * FROM ops ORDER BY id').all()
        : this.stmt('SELECT * FROM ops WHERE folder_id = ? ORDER BY id').all(folderId)
    ) as OpRow[];
    return rows
      .filter((r) => states === undefined || states.includes(r.state))
      .map((r) => opFromRow<P>(r));
  }

  /**
   * Takes the oldest pending op (of `folderId`, or of any folder), marks it running and counts
   * the attempt, atomically. Undefined when none is pending.
   */
  claimOp<P = unknown>(folderId?: string, kinds?: readonly string[]): OpRecord<P> | undefined {
    return this.transaction(() => {
      const candidates = (
        folderId === undefined
          ? this.stmt("SELECT * FROM ops WHERE state = 'pending' ORDER BY id").iterate()
          : this.stmt(
              "SELECT * FROM ops WHERE state = 'pending' AND folder_id = ? ORDER BY id",
            ).iterate(folderId)
      ) as IterableIterator<OpRow>;
      let picked: OpRow | undefined;
      for (const r of candidates) {
        if (kinds === undefined || kinds.includes(r.kind)) {
          picked = r;
          break;
        }
      }
      if (picked === undefined) return undefined;
      const r = this.stmt(
        `UPDATE ops SET state = 'running', attempts = attempts + 1, updated_ms = ? WHERE id = ? RETURNING *`,
      ).get(Date.now(), picked.id) as OpRow;
      return opFromRow<P>(r);
    });
  }

  completeOp(id: number): void {
    this.requireChange(
      this.stmt(
        "UPDATE ops SET state = 'done', last_error = NULL, updated_ms = ? WHERE id = ? AND state IN ('pending', 'running')",
      ).run(Date.now(), id),
      `op ${id} (not pending or running)`,
    );
  }

  /**
   * An attempt failed. With `retry` (default: while attempts < maxAttempts, default 5) the op
   * goes back to pending; otherwise it is failed for good and waits for the user.
   */
  failOp(id: number, error: string, opts: { retry?: boolean; maxAttempts?: number } = {}): OpState {
    return this.transaction(() => {
      const op = this.getOp(id);
      if (op === undefined) throw new ManifestError(`no such op ${id}`);
      const retry = opts.retry ?? op.attempts < (opts.maxAttempts ?? 5);
      const state: OpState = retry ? 'pending' : 'failed';
      this.stmt('UPDATE ops SET state = ?, last_error = ?, updated_ms = ? WHERE id = ?').run(
        state,
        error,
        Date.now(),
        id,
      );
      return state;
    });
  }

  /**
   * At daemon start: ops left 'running' by a process that died go back to 'pending' (their
   * executors are idempotent). Returns how many.
   */
  requeueRunningOps(): number {
    return this.stmt(
      "UPDATE ops SET state = 'pending', updated_ms = ? WHERE state = 'running'",
    ).run(Date.now()).changes;
  }

  /** Deletes done ops last updated before `beforeMs`. */
  pruneDoneOps(beforeMs: number): number {
    return this.stmt("DELETE FROM ops WHERE state = 'done' AND updated_ms < ?").run(beforeMs)
      .changes;
  }

  // ---------------------------------------------------------------- pending CESS objects

  /**
   * Records an object before its upload starts (so an upload interrupted by a crash is
   * known: resumed, or found stored on chain, or its name reclaimed). Idempotent on fid.
   */
  addPendingObject(o: { fid: string; name: string; size: number }): void {
    this.stmt(
      `INSERT INTO pending_objects (fid, name, state, size, created_ms) VALUES (?, ?, 'pending', ?, ?)
       ON CONFLICT (fid) DO NOTHING`,
    ).run(o.fid, o.name, o.size, Date.now());
  }

  listPendingObjects(state?: 'pending' | 'stored'): PendingObject[] {
    const rows = (
      state === undefined
        ? this.stmt('SELECT * FROM pending_objects ORDER BY created_ms, fid').all()
        : this.stmt('SELECT * FROM pending_objects WHERE state = ? ORDER BY created_ms, fid').all(
            state,
          )
    ) as {
      fid: string;
      name: string;
      state: 'pending' | 'stored';
      size: number;
      created_ms: number;
      stored_ms: number | null;
    }[];
    return rows.map((r) => {
      const o: PendingObject = {
        fid: r.fid,
        name: r.name,
        state: r.state,
        size: r.size,
        createdMs: r.created_ms,
      };
      if (r.stored_ms !== null) o.storedMs = r.stored_ms;
      return o;
    });
  }

  markObjectStored(fid: string): void {
    this.requireChange(
      this.stmt(
        "UPDATE pending_objects SET state = 'stored', stored_ms = COALESCE(stored_ms, ?) WHERE fid = ?",
      ).run(Date.now(), fid),
      `object ${fid}`,
    );
  }

  removePendingObject(fid: string): void {
    this.stmt('DELETE FROM pending_objects WHERE fid = ?').run(fid);
  }

  // ---------------------------------------------------------------- device state

  getState<T = unknown>(key: string): T | undefined {
    const r = this.stmt('SELECT value FROM device_state WHERE key = ?').get(key) as
      { value: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.value) as T);
  }

  setState(key: string, value: unknown): void {
    this.stmt(
      'INSERT INTO device_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, JSON.stringify(value ?? null));
  }

  /** This device's id (32 hex chars), created on first call and stable afterwards. */
  deviceId(): string {
    return this.transaction(() => {
      const id = this.getState<string>(KV_DEVICE_ID);
      if (id !== undefined) return id;
      const fresh = randomBytes(16).toString('hex');
      this.setState(KV_DEVICE_ID, fresh);
      return fresh;
    });
  }

  /** The Lamport clock's current value (0 before the first tick). */
  lamport(): number {
    return this.getState<number>(KV_LAMPORT) ?? 0;
  }

  /**
   * Advances the Lamport clock for a local event, after witnessing `seen` (a remote counter,
   * if any): new = max(current, seen) + 1, stored before it is returned.
   */
  tickLamport(seen = 0): number {
    return this.transaction(() => {
      const next = Math.max(this.lamport(), seen) + 1;
      this.setState(KV_LAMPORT, next);
      return next;
    });
  }

  lastSnapshotSeen<T = unknown>(): T | undefined {
    return this.getState<T>(KV_LAST_SNAPSHOT);
  }

  setLastSnapshotSeen(snapshot: unknown): void {
    this.setState(KV_LAST_SNAPSHOT, snapshot);
  }

  // ---------------------------------------------------------------- checks

  /** PRAGMA integrity_check and foreign_key_check; [] when healthy. */
  check(): string[] {
    const out: string[] = [];
    const integ = this.db.pragma('integrity_check') as { integrity_check: string }[];
    for (const r of integ) if (r.integrity_check !== 'ok') out.push(r.integrity_check);
    const fk = this.db.pragma('foreign_key_check') as { table: string; parent: string }[];
    for (const r of fk) out.push(`foreign key: ${r.table} -> ${r.parent}`);
    return out;
  }
}

function isTreeMap(t: Tree | Iterable<TreeNode>): t is Tree {
  return t instanceof Map;
}
