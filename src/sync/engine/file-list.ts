/**
 * The per-file list of the UI (GET /api/v1/files): every item of the synced folders with its
 * sync state, searchable and paged.
 *
 * The state of an item is decided by `decideFileState` from what the manifest knows of it on
 * each side (local_files: what is on disk now, including files downloaded since the last scan;
 * the merge base; the remote tree as of the last pass), then overlaid with what the engine knows
 * at the moment: transfers of the running pass, conflicts waiting for the user, files that could
 * not be read.
 *
 * 100,000 files: reading and joining the three sides costs a few hundred ms, so it is done once
 * per folder after a change (`invalidate`, called by the engine when a scan committed and when a
 * pass ends) and kept sorted in memory; a query is then a linear substring scan plus a slice
 * (a few ms), and the overlay is applied to the returned page only.
 */
import type { FileEntry, FileList, FileState, FilesQuery } from '../api/schema.js';
import { IgnoreMatcher } from '../ignore/index.js';
import type { Manifest } from '../manifest/index.js';
import { ROOT_ID, type ItemId, type ItemKind, type Tree } from '../model/tree.js';

/** What one side knows of an item. */
export interface SideInfo {
  path: string;
  kind: ItemKind;
  /** Files only; null/undefined when unknown (a file the scanner could not hash yet). */
  contentId?: string | null;
}

export interface StateInput {
  /** On disk (the scanner's or the downloader's last record). */
  local?: SideInfo;
  /** The merge base: what both sides last agreed on. */
  synced?: SideInfo;
  /** CESS, as of the last pass. */
  remote?: SideInfo;
  /** Selective sync or ignore rules keep the item off this device. */
  hidden?: boolean;
}

export interface StateOverlay {
  /** The item could not be read (or kept changing) at the last scan. */
  error?: boolean;
  /** The item is one side of a conflict waiting for the user. */
  conflict?: boolean;
  /** A transfer of the running pass. */
  transfer?: 'uploading' | 'downloading';
  /** The running pass already finished this item's transfer. */
  transferred?: boolean;
}

export type BaseState = Extract<FileState, 'synced' | 'pending' | 'excluded'>;

function sameSide(a: SideInfo | undefined, b: SideInfo | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.kind !== b.kind || a.path !== b.path) return false;
  if (a.kind === 'dir') return true;
  return a.contentId !== undefined && a.contentId !== null && a.contentId === b.contentId;
}

/**
 * The state from the three sides alone: synced when disk, merge base and CESS hold the same item
 * at the same path with the same content; excluded when the rules keep it off this device;
 * otherwise a change (either side's) not yet carried over: pending.
 */
export function baseFileState(s: StateInput): BaseState {
  if (s.hidden === true) return 'excluded';
  return sameSide(s.local, s.synced) && sameSide(s.synced, s.remote) ? 'synced' : 'pending';
}

/** What the user sees: a problem first, then a transfer in progress, then the base state. */
export function overlayFileState(base: BaseState, o: StateOverlay): FileState {
  if (o.error === true) return 'error';
  if (o.conflict === true) return 'conflict';
  if (o.transfer !== undefined && o.transferred !== true) return o.transfer;
  if (o.transfer !== undefined && base === 'pending') return 'synced';
  return base;
}

export function decideFileState(s: StateInput & StateOverlay): FileState {
  return overlayFileState(baseFileState(s), s);
}

/** Every item's path in a tree (the root excluded); items with a broken parent chain are left out. */
export function treePaths(tree: Tree): Map<ItemId, string> {
  const out = new Map<ItemId, string>([[ROOT_ID, '']]);
  const stack: ItemId[] = [];
  for (const start of tree.keys()) {
    if (out.has(start)) continue;
    // Climb to the nearest item whose path is known, then fill the chain in on the way down.
    let cur: ItemId | null = start;
    const onStack = new Set<ItemId>();
    while (cur !== null && !out.has(cur) && !onStack.has(cur)) {
      const n = tree.get(cur);
      if (n === undefined) break;
      stack.push(cur);
      onStack.add(cur);
      cur = n.parentId;
    }
    const base = cur === null ? undefined : out.get(cur);
    let prefix = base;
    while (stack.length > 0) {
      const id = stack.pop() as ItemId;
      if (prefix === undefined) continue; // broken chain or cycle: no path
      const name = (tree.get(id) as { name: string }).name;
      prefix = prefix === '' ? name : `${prefix}/${name}`;
      out.set(id, prefix);
    }
  }
  out.delete(ROOT_ID);
  return out;
}

/** One listed item, before the overlay. */
interface IndexedEntry {
  id: ItemId;
  path: string;
  /** Lower-cased NFC path, for search. */
  key: string;
  kind: ItemKind;
  size: number;
  mtimeMs: number | null;
  base: BaseState;
}

/** What the engine knows about a folder right now (applied to the returned page only). */
export interface FolderOverlay {
  transfers: ReadonlyMap<ItemId, 'uploading' | 'downloading'>;
  /** Paths whose transfer in the running pass is done. */
  transferred: ReadonlySet<string>;
  errorPaths: ReadonlySet<string>;
  conflictPaths: ReadonlySet<string>;
}

export interface ListedFolder {
  id: string;
  root: string;
  /** Selective-sync exclusions (folder settings). */
  excluded: readonly string[];
  overlay: FolderOverlay;
}

export const FILES_DEFAULT_LIMIT = 100;

/** A query the service refuses; `statusCode` is what the daemon answers with. */
export class FileListError extends Error {
  override name = 'FileListError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface FolderCache {
  entries: IndexedEntry[] | null;
  /** The folder's ignore rules with its exclusions; null until `.cessignore` has been read. */
  rules: IgnoreMatcher | null;
  root: string;
  excludedKey: string;
  /** `.cessignore` may have changed (a pass ran): re-read it on the next query. */
  rulesStale: boolean;
  loading: boolean;
}

export interface FileListIndexOptions {
  manifest: Pick<Manifest, 'localFileSummaries' | 'loadTree'>;
  /** Built entries are dropped after this long without a query (memory), ms. Default 120 s. */
  idleDropMs?: number;
}

/** Builds, caches and queries the file list of every folder. */
export class FileListIndex {
  private readonly cache = new Map<string, FolderCache>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: FileListIndexOptions) {}

  /** The folder's disk or trees changed: rebuild on the next query, re-read its ignore rules. */
  invalidate(folderId?: string): void {
    for (const [id, c] of this.cache) {
      if (folderId !== undefined && id !== folderId) continue;
      c.entries = null;
      c.rulesStale = true; // a pass may have brought a new .cessignore
    }
  }

  /** Stops the idle timer (engine stop). */
  close(): void {
    clearTimeout(this.idleTimer);
    this.cache.clear();
  }

  query(q: FilesQuery, folders: readonly ListedFolder[]): FileList {
    const chosen = q.folderId === undefined ? folders : folders.filter((f) => f.id === q.folderId);
    if (q.folderId !== undefined && chosen.length === 0)
      throw new FileListError(404, 'no_such_folder', `no synced folder with id ${q.folderId}`);
    const needle = (q.q ?? '').trim().normalize('NFC').toLowerCase();
    const offset = q.offset ?? 0;
    const limit = q.limit ?? FILES_DEFAULT_LIMIT;
    const files: FileEntry[] = [];
    let total = 0;
    for (const f of chosen) {
      for (const e of this.entriesOf(f)) {
        if (needle !== '' && !e.key.includes(needle)) continue;
        if (total >= offset && files.length < limit) files.push(this.present(f, e));
        total++;
      }
    }
    this.armIdleDrop();
    return { files, total };
  }

  private present(f: ListedFolder, e: IndexedEntry): FileEntry {
    const o = f.overlay;
    const transfer = o.transfers.get(e.id);
    const state = overlayFileState(e.base, {
      error: o.errorPaths.has(e.path),
      conflict: o.conflictPaths.has(e.path),
      ...(transfer !== undefined ? { transfer, transferred: o.transferred.has(e.path) } : {}),
    });
    return {
      folderId: f.id,
      path: e.path,
      kind: e.kind,
      size: e.size,
      mtimeMs: e.mtimeMs,
      state,
    };
  }

  private entriesOf(f: ListedFolder): IndexedEntry[] {
    let c = this.cache.get(f.id);
    if (c === undefined || c.root !== f.root) {
      c = {
        entries: null,
        rules: null,
        root: f.root,
        excludedKey: '',
        rulesStale: true,
        loading: false,
      };
      this.cache.set(f.id, c);
    }
    const excludedKey = JSON.stringify(f.excluded);
    if (c.excludedKey !== excludedKey) {
      c.excludedKey = excludedKey;
      c.rules?.setExclusions(f.excluded);
      c.entries = null;
    }
    if (c.rulesStale && !c.loading) this.refreshRules(f, c);
    // Until .cessignore is read, the built-in rules and the exclusions (synchronous) decide.
    const rules = c.rules ?? IgnoreMatcher.fromRules('', { exclusions: f.excluded });
    c.entries ??= buildEntries(this.o.manifest, f.id, rules);
    return c.entries;
  }

  /** Reads `.cessignore` in the background; the list is rebuilt only if its rules changed. */
  private refreshRules(f: ListedFolder, c: FolderCache): void {
    c.rulesStale = false;
    c.loading = true;
    const read: Promise<boolean> =
      c.rules !== null
        ? c.rules.reload()
        : IgnoreMatcher.load(f.root, { exclusions: f.excluded }).then((m) => {
            m.setExclusions(JSON.parse(c.excludedKey) as string[]);
            c.rules = m;
            return true;
          });
    read.then(
      (changed) => {
        c.loading = false;
        if (changed) c.entries = null;
      },
      () => {
        // An unreadable .cessignore stops the folder's passes (the engine reports it); the
        // list keeps the rules it had.
        c.loading = false;
      },
    );
  }

  private armIdleDrop(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      for (const c of this.cache.values()) c.entries = null;
    }, this.o.idleDropMs ?? 120_000);
    this.idleTimer.unref();
  }
}

/** Joins the three sides of one folder into sorted entries with their base state. */
export function buildEntries(
  manifest: Pick<Manifest, 'localFileSummaries' | 'loadTree'>,
  folderId: string,
  rules: Pick<IgnoreMatcher, 'ignores'>,
): IndexedEntry[] {
  const synced = manifest.loadTree(folderId, 'synced');
  const remote = manifest.loadTree(folderId, 'remote');
  const syncedPaths = treePaths(synced);
  const remotePaths = treePaths(remote);

  interface Acc {
    id: ItemId;
    local?: SideInfo & { size: number; mtimeMs: number };
  }
  const items = new Map<string, Acc>();
  for (const [path, id, kind, size, mtimeMs, contentId] of manifest.localFileSummaries(folderId)) {
    // Ids are unique per item; a stale duplicate (a move not rescanned yet) gets its own row.
    const key = items.has(id) ? `path:${path}` : id;
    items.set(key, { id, local: { path, kind, contentId, size, mtimeMs } });
  }
  for (const id of syncedPaths.keys()) if (!items.has(id)) items.set(id, { id });
  for (const id of remotePaths.keys()) if (!items.has(id)) items.set(id, { id });

  const hiddenMemo = new Map<ItemId, boolean>();
  const hiddenRemote = (id: ItemId): boolean => {
    const known = hiddenMemo.get(id);
    if (known !== undefined) return known;
    const n = remote.get(id);
    const p = remotePaths.get(id);
    let h = false;
    if (n !== undefined && p !== undefined) {
      h = n.parentId !== null && n.parentId !== ROOT_ID && hiddenRemote(n.parentId);
      if (!h) h = ignored(rules, p, n.kind === 'dir');
    }
    hiddenMemo.set(id, h);
    return h;
  };

  const out: IndexedEntry[] = [];
  for (const a of items.values()) {
    const s = synced.get(a.id);
    const r = remote.get(a.id);
    const sPath = syncedPaths.get(a.id);
    const rPath = remotePaths.get(a.id);
    const syncedSide: SideInfo | undefined =
      s !== undefined && sPath !== undefined
        ? { path: sPath, kind: s.kind, contentId: s.contentId ?? null }
        : undefined;
    const remoteSide: SideInfo | undefined =
      r !== undefined && rPath !== undefined
        ? { path: rPath, kind: r.kind, contentId: r.contentId ?? null }
        : undefined;
    const path = a.local?.path ?? rPath ?? sPath;
    const kind = a.local?.kind ?? r?.kind ?? s?.kind;
    if (path === undefined || kind === undefined) continue;
    // On disk means not hidden (the scanner skips what the rules hide).
    const hidden =
      a.local === undefined &&
      (remoteSide !== undefined ? hiddenRemote(a.id) : ignored(rules, path, kind === 'dir'));
    const base = baseFileState({
      ...(a.local !== undefined ? { local: a.local } : {}),
      ...(syncedSide !== undefined ? { synced: syncedSide } : {}),
      ...(remoteSide !== undefined ? { remote: remoteSide } : {}),
      hidden,
    });
    const size = kind === 'dir' ? 0 : (a.local?.size ?? r?.size ?? s?.size ?? 0);
    out.push({
      id: a.id,
      path,
      key: path.normalize('NFC').toLowerCase(),
      kind,
      size: Math.max(0, Math.floor(size)),
      mtimeMs: a.local?.mtimeMs ?? r?.mtimeMs ?? s?.mtimeMs ?? null,
      base,
    });
  }
  // Folder order: case-insensitive path, then the exact path (stable across builds).
  out.sort((x, y) =>
    x.key < y.key ? -1 : x.key > y.key ? 1 : x.path < y.path ? -1 : x.path > y.path ? 1 : 0,
  );
  return out;
}

function ignored(rules: Pick<IgnoreMatcher, 'ignores'>, path: string, isDir: boolean): boolean {
  try {
    return rules.ignores(path, isDir);
  } catch {
    return false; // a path the matcher cannot judge is listed as it is
  }
}
