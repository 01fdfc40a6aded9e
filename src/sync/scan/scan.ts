/**
 * The local scanner: walks a sync root and builds the local tree (design.md "The sync model").
 *
 * - Iterative walk with fs.readdirSync (no recursion, so no depth limit), lstat only: symbolic
 *   links are never followed, they are reported and skipped.
 * - Ignore rules are applied first, before an entry is stat'ed or reported.
 * - Names are NFC in the tree (the on-disk spelling is kept in local_files.disk_path).
 * - Stat-only fast path: a file whose (dev, ino, size, mtime_ns, ctime_ns) equals the
 *   local_files record keeps its content id and is not read.
 * - Stable item ids: the same path keeps its id (an edit, including an editor's atomic save
 *   that replaces the inode); a path that is new but whose (dev, ino) the last scan saw at
 *   a path that is gone keeps that item's id (a rename or move: no re-upload).
 * - A file that changes while it is hashed (stat before != stat after) is retried, then
 *   reported; its torn content id is never recorded (the old record stays, so the next scan
 *   sees the change again).
 * - Failures never look like deletions: an unreadable directory or file keeps what the last
 *   scan recorded for it; a missing root is an error, not an empty folder.
 * - The new local tree and local_files are written in one transaction, as a diff.
 */
import { randomBytes } from 'node:crypto';
import type { BigIntStats, Dirent } from 'node:fs';
import { lstatSync, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import nodePath from 'node:path';
import type { IgnoreMatcher } from '../ignore/index.js';
import type { LocalFileRecord, Manifest } from '../manifest/index.js';
import {
  ROOT_ID,
  sameStoredNode,
  type ItemId,
  type ItemKind,
  type TreeNode,
} from '../model/tree.js';
import {
  caseFoldKey,
  normalizeName,
  portabilityProblems,
  validateSyncPath,
  isPathError,
  type PortabilityCode,
} from '../paths/index.js';

export type ScanProblemCode =
  /** A symbolic link (or junction): not followed, not synced. */
  | 'SYMLINK'
  /** A socket, FIFO or device node. */
  | 'SPECIAL_FILE'
  /** A name the engine cannot carry (backslash or control character on POSIX, ...). */
  | 'INVALID_NAME'
  /** Two names in one directory that are the same after NFC normalization; the second is skipped. */
  | 'NAME_COLLISION'
  /** Siblings that a case-insensitive file system would merge (both are kept). */
  | 'CASE_CLASH'
  /** Could not be read; what the last scan recorded is kept. */
  | 'UNREADABLE'
  /** Kept changing while it was hashed; retried at the next scan. */
  | 'CHANGED_DURING_HASH'
  | PortabilityCode;

export interface ScanProblem {
  /** NFC sync path ('' for the root). */
  path: string;
  code: ScanProblemCode;
  message: string;
}

export interface ScanStats {
  files: number;
  dirs: number;
  hashed: number;
  bytesHashed: number;
  ms: number;
}

export interface ScanResult {
  /** The whole local tree after this scan (as persisted). */
  tree: Map<ItemId, TreeNode>;
  problems: ScanProblem[];
  stats: ScanStats;
  /** Sync paths of files that could not be hashed consistently: rescan them soon. */
  retry: string[];
  /** Whether the recorded local tree changed (nodes added, removed or different). */
  treeChanged: boolean;
}

export type HashFn = (absPath: string) => Promise<{ contentId: string; size: number }>;

export interface ScanOptions {
  /** Absolute path of the sync root (may itself be a symlink; nothing below it is followed). */
  root: string;
  manifest: Manifest;
  folderId: string;
  ignore: IgnoreMatcher;
  /** Computes a file's content id (the format module's keyed hash in production). */
  hash: HashFn;
  signal?: AbortSignal;
  /**
   * Partial rescan: only these paths (relative to the root, '/'-separated, spelled as on disk,
   * as the watcher reports them) and everything below them; the rest of the tree is kept as
   * recorded. Omitted: a full scan.
   */
  paths?: readonly string[];
  /** Attempts per file when it changes while hashed. Default 3. */
  hashAttempts?: number;
  /** Concurrent hash calls. Default 2. */
  hashConcurrency?: number;
  /** Item id generator (tests). Default: 128 random bits as hex. */
  newItemId?: () => ItemId;
  /** Root used for the Windows MAX_PATH portability check. Default 'C:\\'. */
  windowsRoot?: string;
}

export class ScanError extends Error {
  override name = 'ScanError';
  constructor(
    readonly code: 'ROOT_MISSING' | 'ROOT_NOT_DIRECTORY',
    message: string,
  ) {
    super(message);
  }
}

/** A listed name waiting for its lstat. */
interface Candidate {
  disk: string;
  sync: string;
  /** The listing did not tell the type, so ignore rules are applied after lstat. */
  checkIgnore: boolean;
}

/** One thing found on disk (or carried over from the last scan). */
interface Entry {
  path: string;
  diskPath: string;
  kind: ItemKind;
  dev: string;
  ino: string;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  mode: number;
  contentId?: string;
  hashedAt?: number;
  itemId?: ItemId;
  /** Copied from the last scan's record (outside a partial scan, or unreadable). */
  carried?: LocalFileRecord;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function join(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

function dirnameOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

function under(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function inodeKey(dev: string, ino: string): string {
  return `${dev}:${ino}`;
}

function entryFromStat(path: string, diskPath: string, kind: ItemKind, st: BigIntStats): Entry {
  return {
    path,
    diskPath,
    kind,
    dev: st.dev.toString(),
    ino: st.ino.toString(),
    size: kind === 'file' ? Number(st.size) : 0,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    mode: Number(st.mode & 0o7777n),
  };
}

function entryFromRecord(r: LocalFileRecord): Entry {
  const e: Entry = {
    path: r.path,
    diskPath: r.diskPath ?? r.path,
    kind: r.kind,
    dev: r.dev,
    ino: r.ino,
    size: r.size,
    mtimeNs: r.mtimeNs,
    ctimeNs: r.ctimeNs,
    mode: r.mode ?? 0,
    itemId: r.itemId,
    carried: r,
  };
  if (r.contentId !== undefined) e.contentId = r.contentId;
  if (r.hashedAt !== undefined) e.hashedAt = r.hashedAt;
  return e;
}

function sameStat(a: Entry, r: LocalFileRecord): boolean {
  return (
    a.dev === r.dev &&
    a.ino === r.ino &&
    a.size === r.size &&
    a.mtimeNs === r.mtimeNs &&
    a.ctimeNs === r.ctimeNs
  );
}

function kindOfStat(st: BigIntStats): ItemKind | 'symlink' | 'special' {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'special';
}

function kindOfDirent(d: Dirent): ItemKind | 'symlink' | 'special' | 'unknown' {
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) return 'special';
  return 'unknown';
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const t = items[next++] as T;
      await fn(t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const SIMPLE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_. -]{0,150}$/;
const RESERVED_STEM = /^(?:con|prn|aux|nul|com\d|lpt\d)(?:\.|$)/i;

/** Portability report for one name, with a cheap path for plain ASCII names. */
function nameProblems(name: string): { code: PortabilityCode; message: string }[] {
  if (
    SIMPLE_NAME.test(name) &&
    !name.endsWith('.') &&
    !name.endsWith(' ') &&
    !RESERVED_STEM.test(name)
  )
    return [];
  return portabilityProblems(name).filter(
    (p) => p.code !== 'NOT_NFC' && p.code !== 'PATH_TOO_LONG_FOR_WINDOWS',
  );
}

const STAT_SLICE = 2000;

const ASCII = /^[\x20-\x7e]*$/;

// One getrandom call per 4,096 ids instead of one per id (a first index makes 100,000).
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

export function randomItemId(): ItemId {
  if (idPoolAt >= idPool.length) {
    idPool = randomBytes(16 * 4096);
    idPoolAt = 0;
  }
  const id = idPool.toString('hex', idPoolAt, idPoolAt + 16);
  idPoolAt += 16;
  return id;
}

/**
 * Scans the folder (whole, or the `paths` of a partial rescan), assigns item ids, hashes what
 * changed, persists the new local tree and local_files in one transaction and returns them.
 * Rejects with the signal's reason when aborted (nothing is persisted then), and with
 * ScanError when the root is missing or not a directory.
 */
export async function scanFolder(opts: ScanOptions): Promise<ScanResult> {
  const t0 = performance.now();
  const { manifest, folderId, ignore, signal } = opts;
  const root = nodePath.resolve(opts.root);
  const newItemId = opts.newItemId ?? randomItemId;
  const windowsRoot = opts.windowsRoot ?? 'C:\\';
  const problems: ScanProblem[] = [];
  const problem = (path: string, code: ScanProblemCode, message: string): void => {
    problems.push({ path, code, message });
  };
  const checkAbort = (): void => {
    if (signal?.aborted) throw signal.reason ?? new Error('scan aborted');
  };
  checkAbort();

  let rootSt;
  try {
    rootSt = await stat(root);
  } catch (e) {
    throw new ScanError('ROOT_MISSING', `sync root ${root} cannot be read: ${errMessage(e)}`);
  }
  if (!rootSt.isDirectory())
    throw new ScanError('ROOT_NOT_DIRECTORY', `sync root ${root} is not a directory`);

  const old = manifest.loadLocalFiles(folderId);
  const oldTree = manifest.loadTree(folderId, 'local');

  // ---- which regions to scan; everything else is carried over from the last scan
  const scanRoots =
    opts.paths === undefined ? [{ disk: '', sync: '' }] : partialRoots(opts.paths, old);
  const full = scanRoots.some((s) => s.sync === '');
  const entries = new Map<string, Entry>();
  /** Regions whose old records are kept because they could not be read. */
  const keep: string[] = [];
  if (!full) {
    for (const r of old.values())
      if (!scanRoots.some((s) => under(r.path, s.sync))) entries.set(r.path, entryFromRecord(r));
  }

  // ---- walk
  const dirs: { disk: string; sync: string }[] = [];
  const addDirent = (
    parentSync: string,
    parentDisk: string,
    name: string,
    kindHint: ReturnType<typeof kindOfDirent>,
    out: Candidate[],
    siblings: Map<string, string>,
    folds: Map<string, string>,
  ): void => {
    const nfc = normalizeName(name);
    const path = join(parentSync, nfc);
    const disk = join(parentDisk, name);
    try {
      validateSyncPath(nfc);
    } catch (e) {
      problem(path, 'INVALID_NAME', isPathError(e) ? e.message : errMessage(e));
      return;
    }
    if (kindHint !== 'unknown' && ignore.ignores(path, kindHint === 'dir')) return;
    if (kindHint === 'symlink') {
      problem(path, 'SYMLINK', `${path} is a symbolic link; links are not followed or synced`);
      return;
    }
    if (kindHint === 'special') {
      problem(path, 'SPECIAL_FILE', `${path} is not a regular file or directory`);
      return;
    }
    const prev = siblings.get(nfc);
    if (prev !== undefined) {
      problem(
        path,
        'NAME_COLLISION',
        `${JSON.stringify(disk)} and ${JSON.stringify(join(parentDisk, prev))} have the same NFC name; only the first is synced`,
      );
      return;
    }
    siblings.set(nfc, name);
    const fold = ASCII.test(nfc) ? nfc.toLowerCase() : caseFoldKey(nfc);
    const clash = folds.get(fold);
    if (clash !== undefined) {
      const other = join(parentSync, clash);
      const msg = `${path} and ${other} differ only in case; a case-insensitive file system (Windows, macOS) keeps one`;
      problem(path, 'CASE_CLASH', msg);
      problem(other, 'CASE_CLASH', msg);
    } else folds.set(fold, nfc);
    for (const p of nameProblems(nfc)) problem(path, p.code, p.message);
    if (windowsRoot.length + path.length + 1 > 259)
      problem(path, 'PATH_TOO_LONG_FOR_WINDOWS', `${path} is longer than Windows' MAX_PATH`);
    out.push({ disk, sync: path, checkIgnore: kindHint === 'unknown' });
  };

  // lstat is synchronous on purpose: ~3 us a call against ~15 us through the libuv thread
  // pool with promises (measured, 100,000 files); the walk yields to the event loop every
  // STAT_SLICE calls so the daemon stays responsive.
  let sinceYield = 0;
  const statInto = (c: Candidate): void => {
    let st: BigIntStats;
    try {
      st = lstatSync(nodePath.join(root, c.disk), { bigint: true });
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // gone since it was listed
      problem(c.sync, 'UNREADABLE', `cannot stat ${c.sync}: ${errMessage(e)}`);
      keep.push(c.sync);
      return;
    }
    const kind = kindOfStat(st);
    if (kind === 'symlink') {
      problem(c.sync, 'SYMLINK', `${c.sync} is a symbolic link; links are not followed or synced`);
      return;
    }
    if (kind === 'special') {
      problem(c.sync, 'SPECIAL_FILE', `${c.sync} is not a regular file or directory`);
      return;
    }
    if (c.checkIgnore && ignore.ignores(c.sync, kind === 'dir')) return;
    entries.set(c.sync, entryFromStat(c.sync, c.disk, kind, st));
    if (kind === 'dir') dirs.push({ disk: c.disk, sync: c.sync });
  };

  for (const sr of scanRoots) {
    if (sr.sync === '') {
      dirs.push({ disk: '', sync: '' });
      continue;
    }
    statInto({ ...sr, checkIgnore: true });
  }

  while (dirs.length > 0) {
    checkAbort();
    const d = dirs.pop() as { disk: string; sync: string };
    const children: Candidate[] = [];
    const siblings = new Map<string, string>();
    const folds = new Map<string, string>();
    try {
      // Synchronous for the reason lstat is (see statInto); a listing counts toward the slice.
      const listed: Dirent[] = readdirSync(nodePath.join(root, d.disk), { withFileTypes: true });
      sinceYield += listed.length;
      // Deterministic: the NFC winner of a collision is the first name in code-unit order.
      listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const dirent of listed)
        addDirent(d.sync, d.disk, dirent.name, kindOfDirent(dirent), children, siblings, folds);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        entries.delete(d.sync); // vanished (or replaced) since it was stat'ed
        continue;
      }
      problem(d.sync, 'UNREADABLE', `cannot list ${d.sync || 'the sync root'}: ${errMessage(e)}`);
      keep.push(d.sync);
      continue;
    }
    for (const c of children) {
      statInto(c);
      if (++sinceYield >= STAT_SLICE) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        checkAbort();
      }
    }
  }

  // Unreadable regions keep what the last scan saw, so they do not read as deletions.
  for (const k of keep) {
    for (const r of old.values()) {
      if (under(r.path, k) && !entries.has(r.path)) entries.set(r.path, entryFromRecord(r));
    }
  }

  // ---- item ids: same path first, then same inode at a vanished path, else new
  const newInodes = new Set<string>();
  for (const e of entries.values()) newInodes.add(inodeKey(e.dev, e.ino));
  const claimed = new Set<ItemId>();
  const sorted = [...entries.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const needHash: Entry[] = [];
  const unmatched: Entry[] = [];
  for (const e of sorted) {
    const r = e.carried ?? old.get(e.path);
    if (
      r !== undefined &&
      r.kind === e.kind &&
      !claimed.has(r.itemId) &&
      (e.carried !== undefined ||
        (r.dev === e.dev && r.ino === e.ino) ||
        !newInodes.has(inodeKey(r.dev, r.ino)))
    ) {
      e.itemId = r.itemId;
      claimed.add(r.itemId);
      if (e.kind === 'file' && e.carried === undefined) {
        if (sameStat(e, r) && r.contentId !== undefined) {
          e.contentId = r.contentId;
          if (r.hashedAt !== undefined) e.hashedAt = r.hashedAt;
        } else needHash.push(e);
      }
    } else unmatched.push(e);
  }
  let byInode: Map<string, LocalFileRecord[]> | undefined;
  for (const e of unmatched) {
    if (byInode === undefined) {
      byInode = new Map();
      for (const r of old.values()) {
        const k = inodeKey(r.dev, r.ino);
        const list = byInode.get(k);
        if (list === undefined) byInode.set(k, [r]);
        else list.push(r);
      }
    }
    const cand = (byInode.get(inodeKey(e.dev, e.ino)) ?? []).find(
      (r) => r.kind === e.kind && !claimed.has(r.itemId),
    );
    if (cand !== undefined) {
      e.itemId = cand.itemId;
      claimed.add(cand.itemId);
      // A rename changes ctime, not the content: same size and mtime keep the content id.
      if (
        e.kind === 'file' &&
        cand.contentId !== undefined &&
        cand.size === e.size &&
        cand.mtimeNs === e.mtimeNs
      ) {
        e.contentId = cand.contentId;
        if (cand.hashedAt !== undefined) e.hashedAt = cand.hashedAt;
      } else if (e.kind === 'file') needHash.push(e);
    } else {
      e.itemId = newItemId();
      claimed.add(e.itemId);
      if (e.kind === 'file') needHash.push(e);
    }
  }

  // ---- hash what changed
  const retry: string[] = [];
  let hashed = 0;
  let bytesHashed = 0;
  const attempts = Math.max(1, opts.hashAttempts ?? 3);
  const giveUp = (e: Entry): void => {
    // Keep the previous record of this path, if it was the same item; else leave it out
    // until a scan can read it whole.
    const r = old.get(e.path);
    if (r !== undefined && r.itemId === e.itemId) entries.set(e.path, entryFromRecord(r));
    else entries.delete(e.path);
  };
  await pool(needHash, Math.max(1, opts.hashConcurrency ?? 2), async (e) => {
    checkAbort();
    const abs = nodePath.join(root, e.diskPath);
    for (let i = 1; ; i++) {
      let result: { contentId: string; size: number };
      let after: BigIntStats;
      try {
        result = await opts.hash(abs);
        after = lstatSync(abs, { bigint: true }); // sync: see statInto
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          entries.delete(e.path); // deleted while we looked: absent, as on disk
        } else {
          problem(e.path, 'UNREADABLE', `cannot read ${e.path}: ${errMessage(err)}`);
          giveUp(e);
        }
        return;
      }
      hashed++;
      bytesHashed += result.size;
      const now = entryFromStat(e.path, e.diskPath, 'file', after);
      const stable =
        after.isFile() &&
        now.dev === e.dev &&
        now.ino === e.ino &&
        now.size === e.size &&
        now.mtimeNs === e.mtimeNs &&
        now.ctimeNs === e.ctimeNs &&
        result.size === e.size;
      if (stable) {
        e.contentId = result.contentId;
        e.hashedAt = Date.now();
        return;
      }
      if (i >= attempts || !after.isFile() || now.dev !== e.dev || now.ino !== e.ino) {
        problem(
          e.path,
          'CHANGED_DURING_HASH',
          `${e.path} changed while it was read; it is rescanned later`,
        );
        retry.push(e.path);
        giveUp(e);
        return;
      }
      // Same inode, new size/times: try again with the new fingerprint.
      e.size = now.size;
      e.mtimeNs = now.mtimeNs;
      e.ctimeNs = now.ctimeNs;
      e.mode = now.mode;
    }
  });
  checkAbort();

  // ---- build the tree
  const idByPath = new Map<string, ItemId>([['', ROOT_ID]]);
  for (const e of entries.values()) if (e.itemId !== undefined) idByPath.set(e.path, e.itemId);
  const tree = new Map<ItemId, TreeNode>();
  tree.set(ROOT_ID, oldTree.get(ROOT_ID) ?? { id: ROOT_ID, parentId: null, name: '', kind: 'dir' });
  const records = new Map<string, LocalFileRecord>();
  let files = 0;
  let dirCount = 0;
  // Parents before children, so an entry whose parent was dropped is dropped too.
  // `sorted` is in path order; hashing may since have replaced or dropped entries.
  for (const s0 of sorted) {
    const e = entries.get(s0.path);
    if (e === undefined) continue;
    const parentId = idByPath.get(dirnameOf(e.path));
    if (e.itemId === undefined || parentId === undefined || !tree.has(parentId)) continue;
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    const mtimeMs = e.kind === 'file' ? Number(e.mtimeNs / 1_000_000n) : undefined;
    if (e.kind === 'file') {
      if (e.contentId === undefined) continue;
      files++;
    } else dirCount++;
    // Unchanged items (all of a partial scan's carried ones) keep the objects already loaded:
    // fewer allocations, and the diff below sees them as identical at once.
    const o = oldTree.get(e.itemId);
    const mode = e.mode & 0o777;
    if (
      o !== undefined &&
      o.parentId === parentId &&
      o.name === name &&
      o.kind === e.kind &&
      o.contentId === e.contentId &&
      o.size === (e.kind === 'file' ? e.size : undefined) &&
      o.mtimeMs === mtimeMs &&
      o.mode === mode
    )
      tree.set(e.itemId, o);
    else {
      const node: TreeNode = { id: e.itemId, parentId, name, kind: e.kind };
      if (e.kind === 'file') {
        node.contentId = e.contentId;
        node.size = e.size;
        node.mtimeMs = mtimeMs as number;
      }
      node.mode = mode;
      tree.set(e.itemId, node);
    }
    const c = e.carried;
    if (c !== undefined && c.mode !== undefined && c.itemId === e.itemId) {
      records.set(e.path, c); // what entryFromRecord copied, unchanged (see sameRecord)
      continue;
    }
    const rec: LocalFileRecord = {
      path: e.path,
      itemId: e.itemId,
      kind: e.kind,
      dev: e.dev,
      ino: e.ino,
      size: e.size,
      mtimeNs: e.mtimeNs,
      ctimeNs: e.ctimeNs,
      mode: e.mode,
    };
    if (e.diskPath !== e.path) rec.diskPath = e.diskPath;
    if (e.contentId !== undefined) rec.contentId = e.contentId;
    if (e.hashedAt !== undefined) rec.hashedAt = e.hashedAt;
    records.set(e.path, rec);
  }

  // ---- persist the diff in one transaction
  const treeUpserts: TreeNode[] = [];
  const treeDeletes: ItemId[] = [];
  for (const n of tree.values()) {
    const o = oldTree.get(n.id);
    if (o !== n && (o === undefined || !sameStoredNode(o, n))) treeUpserts.push(n);
  }
  for (const id of oldTree.keys()) if (!tree.has(id)) treeDeletes.push(id);
  const fileUpserts: LocalFileRecord[] = [];
  const fileDeletes: string[] = [];
  for (const r of records.values()) {
    const o = old.get(r.path);
    if (o !== r && (o === undefined || !sameRecord(o, r))) fileUpserts.push(r);
  }
  for (const p of old.keys()) if (!records.has(p)) fileDeletes.push(p);
  if (treeUpserts.length + treeDeletes.length + fileUpserts.length + fileDeletes.length > 0)
    manifest.applyLocalScan(folderId, { treeUpserts, treeDeletes, fileUpserts, fileDeletes });

  return {
    tree,
    problems,
    retry,
    treeChanged: treeUpserts.length + treeDeletes.length > 0,
    stats: { files, dirs: dirCount, hashed, bytesHashed, ms: Math.round(performance.now() - t0) },
  };
}

function sameRecord(a: LocalFileRecord, b: LocalFileRecord): boolean {
  return (
    a.itemId === b.itemId &&
    a.kind === b.kind &&
    a.diskPath === b.diskPath &&
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.mode === b.mode &&
    a.contentId === b.contentId &&
    a.hashedAt === b.hashedAt
  );
}

/**
 * The regions of a partial rescan: each dirty path, climbed up to the nearest ancestor the
 * last scan knew as a directory (a path under a new directory rescans that directory), then
 * deduplicated (a region inside another is dropped).
 */
function partialRoots(
  paths: readonly string[],
  old: ReadonlyMap<string, LocalFileRecord>,
): { disk: string; sync: string }[] {
  const roots: { disk: string; sync: string }[] = [];
  for (const raw of paths) {
    let disk = raw
      .split(/[\\/]+/)
      .filter((s) => s !== '' && s !== '.')
      .join('/');
    if (disk.split('/').includes('..')) continue;
    let sync = normalizeName(disk);
    for (;;) {
      const parent = dirnameOf(sync);
      if (parent === '') break;
      const r = old.get(parent);
      if (r !== undefined && r.kind === 'dir') break;
      sync = parent;
      disk = dirnameOf(disk);
    }
    roots.push({ disk, sync });
  }
  roots.sort((a, b) => (a.sync < b.sync ? -1 : a.sync > b.sync ? 1 : 0));
  const out: { disk: string; sync: string }[] = [];
  for (const r of roots) {
    if (out.some((o) => under(r.sync, o.sync))) continue;
    out.push(r);
  }
  return out;
}
