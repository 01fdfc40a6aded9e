/**
 * The sync engine as a service: several folders, each watched and synced in passes, with
 * pause/resume, progress, problems that need the user, an activity log and settings. It
 * implements the daemon's SyncService contract (src/sync/api/schema.ts) and never imports
 * Electron.
 *
 * One pass runs at a time for the whole engine: the repository (pack index) is shared, and on
 * a 2-core laptop hashing and encryption are CPU-bound anyway.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { realpath, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  API_VERSION,
  type Activity,
  type AddFolderRequest,
  type DaemonEvent,
  type EngineState,
  type FolderStatus,
  type Problem,
  type ProblemActionRequest,
  type Progress,
  type ReceiveShareRequest,
  type ReceivedShare,
  type ReceivedShareEntry,
  type OpenReceivedRequest,
  type Settings,
  type ShareInfo,
  type ShareRequest,
  type ShareRequestEvent,
  type ShareService,
  type Status,
  type SyncService,
  type FileVersion,
  type RestoreRequest,
  type VersionService,
  type VersionsRequest,
  type FileList,
  type FileService,
  type FilesQuery,
  type OpenFileRequest,
} from '../api/schema.js';
import type { FormatKeys } from '../format/index.js';
import { IgnoreMatcher } from '../ignore/index.js';
import type { Manifest } from '../manifest/index.js';
import { ROOT_ID, pathOf, type ItemId } from '../model/tree.js';
import type { Plan } from '../planner/index.js';
import type { ObjectStore } from '../remote/object-store.js';
import type { Repository } from '../remote/repository.js';
import { watchFolder, type FolderWatcher } from '../scan/index.js';
import {
  RootMissingError,
  fetchVersion,
  initFolderRoot,
  moveToTrash,
  syncFolderOnce,
  type AccountKeys,
} from './folder-sync.js';
import { listVersions } from './versions.js';
import { FileListIndex, type ListedFolder } from './file-list.js';
import { OpenFileError, openWithOs } from './open-file.js';
import {
  applyConflictAction,
  conflictProblem,
  conflictsOfPass,
  findConflict,
  loadConflicts,
  saveConflicts,
  updateConflicts,
  type ConflictRecord,
} from './conflicts.js';
import { assertNoSymlinkInPath, resolveInsideRoot } from '../paths/index.js';
import { IGNORE_FILE_NAME, METADATA_DIR_NAME } from '../ignore/index.js';
import type { FileEntry } from '../format/index.js';
import {
  ShareError,
  addShareRecord,
  checkRecipientAddress,
  checkShareOptions,
  createShare,
  listShareRecords,
  openShare,
  receiveShare,
  resolveSharePath,
  updateShareRecord,
  type RangeReader,
  type ReencryptProxy,
  type ShareItem,
} from '../share/index.js';
import { addReceivedRecord, listReceivedRecords } from '../share/received.js';
import {
  accountShares,
  findAccountShare,
  noteShareState,
  syncShareRecords,
} from '../share/account-sync.js';
import type { ShareRecordFile } from '../share/account-records.js';
import { openReceived } from '../share/received-open.js';
import { CompactionScheduler, type EngineCompaction } from '../compaction/scheduler.js';
import {
  FolderSettingsError,
  afterFolderRemoved,
  builtinRules,
  listSubfolders,
  noteRulesBeforeChange,
  readIgnoreRules,
  takeRemovedFolderId,
  writeIgnoreRules,
} from './folder-settings.js';
import { checkIgnoreRules, normalizeExcludedList } from '../api/folder-settings-validate.js';
import {
  type FolderSettings,
  type FolderSettingsService,
  type FolderTree,
  type RemoveFolderRequest,
  type RemovedFolder,
  type SetExcludedRequest,
  type SetIgnoreRulesRequest,
} from '../api/folder-settings-schema.js';
import type { CompactionReport } from '../compaction/run.js';

/** What sharing needs besides the sync engine's own parts (docs/sharing.md). */
export interface EngineSharing {
  /** Signs links with the account's sr25519 key. */
  signer: { address: string; sign(message: Uint8Array): Uint8Array };
  /** The re-encryption proxy: a CD²N gateway (Cd2nClient) or `localProxy`. */
  proxy: ReencryptProxy;
  /** The chain's ss58 format (recipient addresses must be of this network). */
  ss58Format: number;
  /** Default directory that gets "Shared with me" (the daemon's state dir). */
  receiveDir: string;
  /** Range reads of any object by fid; default: the store's. */
  read?: RangeReader;
}

export interface EngineOptions {
  manifest: Manifest;
  keys: FormatKeys;
  account: AccountKeys & { address: string };
  repo: Repository;
  store: ObjectStore;
  deviceName: string;
  /** Watch folders for changes (default true). Tests may drive passes with syncNow only. */
  watch?: boolean;
  /** How often remote changes are looked for, ms (default 15 s). */
  pollMs?: number;
  /** Watcher batch window, ms (default 500). */
  batchMs?: number;
  now?: () => number;
  /** Sharing; absent: the share methods refuse. */
  sharing?: EngineSharing;
  /** Compaction and retention (docs/format.md §10); default on with the defaults; false: off. */
  compaction?: EngineCompaction | false;
}

const DEFAULT_SETTINGS: Settings = {
  uploadLimitBytesPerSec: null,
  downloadLimitBytesPerSec: null,
  maxDeletesPerPass: 1000,
  rescanIntervalSec: 3600,
};

const ACTIVITY_KEEP = 500;
/** Not a folder's problem: compaction works on the whole account's packs. */
const COMPACTION_PROBLEM_ID = 'account:compaction';

interface FolderRuntime {
  id: string;
  root: string;
  paused: boolean;
  watcher?: FolderWatcher;
  lastSyncMs: number | null;
  lastError: string | null;
  offline: boolean;
  /** Deletes above the cap waiting for the user; confirmed ones are let through once. */
  held: Plan['held'];
  allowHeldOnce: boolean;
  problems: Problem[];
  /** Files and bytes in the merge base, counted after each pass (status() is a hot path). */
  totals: { files: number; bytes: number } | null;
  /** The running pass's transfers (the file list's uploading/downloading), and those done. */
  transfers: Map<ItemId, 'uploading' | 'downloading'>;
  transferred: Set<string>;
}

function isOfflineError(err: unknown): boolean {
  const e = err as { name?: string; message?: string; kind?: string } | undefined;
  const text = `${e?.name ?? ''} ${e?.kind ?? ''} ${e?.message ?? ''}`;
  return /Network|Timeout|disconnect|ECONNREFUSED|ECONNRESET|cannot reach/i.test(text);
}

export class SyncEngine
  implements SyncService, ShareService, VersionService, FileService, FolderSettingsService
{
  private readonly folders = new Map<string, FolderRuntime>();
  private readonly listeners = new Set<(e: DaemonEvent) => void>();
  private readonly activity: Activity[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly wanted = new Set<string>();
  private running: string | null = null;
  private allPaused = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private progress: Progress = {
    bytesDone: 0,
    bytesTotal: 0,
    filesDone: 0,
    filesTotal: 0,
    speed: 0,
    etaSeconds: null,
  };
  private speedWindow: { t: number; bytes: number }[] = [];
  private lastProgressEmit = 0;
  private readonly fileIndex: FileListIndex;
  /** Conflict copies waiting for the user (./conflicts.ts), persisted in the manifest. */
  private conflicts: ConflictRecord[];
  /** Decoded share record packs by fid (src/sync/share/account-sync.ts). */
  private readonly shareRecords = new Map<string, ShareRecordFile | null>();

  constructor(private readonly o: EngineOptions) {
    this.fileIndex = new FileListIndex({ manifest: o.manifest });
    this.conflicts = loadConflicts(o.manifest);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Loads the folders from the manifest, starts watching, and runs a first pass of each. */
  async start(): Promise<void> {
    const saved = this.o.manifest.getState<boolean>('paused');
    this.allPaused = saved === true;
    for (const f of this.o.manifest.listFolders()) {
      const settings = (f.settings ?? {}) as { paused?: boolean };
      await this.attach(f.id, f.rootPath, settings.paused === true);
    }
    const pollMs = this.o.pollMs ?? 15_000;
    if (pollMs > 0) {
      this.pollTimer = setInterval(() => {
        for (const id of this.folders.keys()) this.schedule(id);
      }, pollMs);
      this.pollTimer.unref();
    }
    for (const id of this.folders.keys()) this.schedule(id);
    this.compactor?.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.compactor?.stop();
    this.fileIndex.close();
    for (const f of this.folders.values()) await f.watcher?.close();
    await this.queue.catch(() => undefined);
  }

  private async attach(id: string, root: string, paused: boolean): Promise<FolderRuntime> {
    const rt: FolderRuntime = {
      id,
      root,
      paused,
      lastSyncMs: null,
      lastError: null,
      offline: false,
      held: [],
      allowHeldOnce: false,
      problems: [],
      totals: null,
      transfers: new Map(),
      transferred: new Set(),
    };
    this.folders.set(id, rt);
    await this.startWatching(rt);
    return rt;
  }

  private async startWatching(rt: FolderRuntime): Promise<void> {
    const { id, root } = rt;
    if (this.o.watch !== false) {
      try {
        const ignore = await IgnoreMatcher.load(root);
        rt.watcher = watchFolder({
          root,
          ignore,
          batchMs: this.o.batchMs ?? 500,
          onBatch: () => this.schedule(id),
          onError: (e) => this.log(id, 'error', '', `watcher: ${String(e)}`),
        });
        await rt.watcher.ready;
      } catch (err) {
        rt.lastError = `cannot watch ${root}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }

  /** Queues a pass of a folder unless one is already queued for it. */
  private schedule(folderId: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.wanted.has(folderId)) return this.queue;
    this.wanted.add(folderId);
    this.queue = this.queue.then(async () => {
      this.wanted.delete(folderId);
      await this.pass(folderId);
    });
    return this.queue;
  }

  private async pass(folderId: string): Promise<void> {
    const rt = this.folders.get(folderId);
    if (!rt || rt.paused || this.allPaused || this.stopped) return;
    this.running = folderId;
    // A confirmation given while this pass runs belongs to the next pass: read it once, as
    // the pass starts, and use up only this pass's own at its end.
    const allowHeld = rt.allowHeldOnce;
    this.progress = {
      bytesDone: 0,
      bytesTotal: 0,
      filesDone: 0,
      filesTotal: 0,
      speed: 0,
      etaSeconds: null,
    };
    this.speedWindow = [];
    this.emitStatus();
    const passStart = this.now();
    try {
      const settings = this.getSettings();
      const result = await syncFolderOnce({
        folderId,
        root: rt.root,
        manifest: this.o.manifest,
        keys: this.o.keys,
        account: this.o.account,
        repo: this.o.repo,
        store: this.o.store,
        deviceName: this.o.deviceName,
        excluded:
          ((this.o.manifest.getFolder(folderId)?.settings ?? {}) as { excluded?: string[] })
            .excluded ?? [],
        maxDeletesPerPass: allowHeld ? Number.MAX_SAFE_INTEGER : settings.maxDeletesPerPass,
        now: () => this.now(),
        onPlanned: (plan, totals) => {
          this.progress = { ...this.progress, bytesTotal: totals.bytes, filesTotal: totals.files };
          for (const op of plan.ops) {
            if (op.type === 'uploadFile') rt.transfers.set(op.id, 'uploading');
            else if (op.type === 'downloadFile') rt.transfers.set(op.id, 'downloading');
          }
          this.fileIndex.invalidate(folderId); // the scan has committed
          this.emitStatus();
        },
        onBytes: (n) => this.addBytes(n),
        onActivity: (kind, p, detail) => {
          if (kind === 'uploaded' || kind === 'downloaded') {
            this.progress.filesDone++;
            rt.transferred.add(p);
          }
          this.log(folderId, kind, p, detail);
        },
      });
      if (allowHeld) rt.allowHeldOnce = false;
      rt.totals = this.countSynced(folderId);
      rt.lastSyncMs = this.now();
      rt.lastError = null;
      rt.offline = false;
      rt.held = result.plan.held;
      rt.problems = this.problemsOf(rt, result.plan, result.scanProblems);
      // Confirmed during this pass: the queued pass deletes them; asking again would be noise.
      if (rt.allowHeldOnce) rt.problems = rt.problems.filter((p) => p.kind !== 'heldDeletes');
      for (const c of result.plan.conflicts) this.log(folderId, 'conflict', c.path, c.resolution);
      this.noteConflicts(folderId, result.plan, passStart);
      this.trackPending();
      this.compactor?.notePass(result.uploadedPacks.length > 0);
      await this.syncShares(); // the pass refreshed the repository
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      rt.lastError = msg;
      rt.offline = isOfflineError(err);
      rt.problems = [
        {
          id: `${folderId}:error`,
          folderId,
          kind: err instanceof RootMissingError ? 'rootMissing' : rt.offline ? 'offline' : 'error',
          path: null,
          message: msg,
          actions: ['retry'],
        },
      ];
      this.log(folderId, 'error', '', msg);
    } finally {
      this.running = null;
      rt.transfers.clear();
      rt.transferred.clear();
      this.fileIndex.invalidate(folderId);
      this.emitStatus();
    }
  }

  /** Records the pass's conflict copies and forgets those the user removed (./conflicts.ts). */
  private noteConflicts(folderId: string, plan: Plan, passStart: number): void {
    const fresh = conflictsOfPass(
      folderId,
      plan,
      this.o.manifest.loadTree(folderId, 'synced'),
      passStart,
    );
    const before = this.conflicts.filter((c) => c.folderId === folderId);
    if (fresh.length === 0 && before.length === 0) return;
    const next = updateConflicts(
      this.conflicts,
      folderId,
      fresh,
      (rel) => this.o.manifest.getLocalFile(folderId, rel) !== undefined,
    );
    this.conflicts = next;
    saveConflicts(this.o.manifest, next);
  }

  private problemsOf(
    rt: FolderRuntime,
    p: Plan,
    scanProblems: { path: string; code: string; message: string }[],
  ): Problem[] {
    const out: Problem[] = [];
    // The planner says why deletes were held; the user sees one problem with the actions.
    const heldWhy = p.problems.filter(
      (pr) => pr.kind === 'tooManyDeletes' || pr.kind === 'emptyTree',
    );
    if (p.held.length > 0) {
      out.push({
        id: `${rt.id}:held`,
        folderId: rt.id,
        kind: 'heldDeletes',
        path: null,
        message: `${p.held.length} deletions are waiting for your confirmation: ${
          heldWhy.map((pr) => pr.message).join('; ') ||
          `more than ${this.getSettings().maxDeletesPerPass} in one pass, or a folder that looks emptied`
        }.`,
        actions: ['confirmDeletes', 'refuseDeletes'],
      });
    }
    for (const pr of p.problems) {
      if (heldWhy.includes(pr)) continue;
      out.push({
        id: `${rt.id}:plan:${pr.kind}:${(pr.ids ?? []).join(',')}`,
        folderId: rt.id,
        kind: pr.kind,
        path: null,
        message: pr.message,
        actions: [],
      });
    }
    for (const sp of scanProblems) {
      out.push({
        id: `${rt.id}:scan:${sp.code}:${sp.path}`,
        folderId: rt.id,
        kind: sp.code,
        path: sp.path,
        message: sp.message,
        actions: [],
      });
    }
    return out;
  }

  /** Pending objects whose deals the miners finished become stored. */
  private trackPending(): void {
    const stored = new Set(
      this.o.repo.storedObjects.filter((s) => s.state === 'stored').map((s) => s.fid),
    );
    for (const p of this.o.manifest.listPendingObjects('pending')) {
      if (stored.has(p.fid)) this.o.manifest.markObjectStored(p.fid);
    }
  }

  private addBytes(n: number): void {
    const t = this.now();
    this.progress.bytesDone = Math.min(
      this.progress.bytesTotal || Number.MAX_SAFE_INTEGER,
      this.progress.bytesDone + n,
    );
    this.speedWindow.push({ t, bytes: n });
    while (this.speedWindow.length > 0 && t - (this.speedWindow[0]?.t ?? t) > 5000)
      this.speedWindow.shift();
    const first = this.speedWindow[0];
    const span = first ? Math.max(1, t - first.t) : 1;
    const bytes = this.speedWindow.reduce((s, w) => s + w.bytes, 0);
    this.progress.speed = (bytes * 1000) / span;
    const left = Math.max(0, this.progress.bytesTotal - this.progress.bytesDone);
    this.progress.etaSeconds = this.progress.speed > 0 ? left / this.progress.speed : null;
    this.emitStatus(true);
  }

  private log(folderId: string, kind: string, p: string, detail?: string): void {
    const a: Activity = {
      timeMs: this.now(),
      folderId,
      kind,
      path: p,
      ...(detail !== undefined ? { detail } : {}),
    };
    this.activity.push(a);
    if (this.activity.length > ACTIVITY_KEEP) this.activity.shift();
    for (const l of this.listeners) l({ type: 'activity', activity: a });
  }

  private countSynced(folderId: string): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const n of this.o.manifest.loadTree(folderId, 'synced').values()) {
      if (n.kind === 'file') {
        files++;
        bytes += n.size ?? 0;
      }
    }
    return { files, bytes };
  }

  /**
   * Pushes the status to subscribers: state changes at once, byte progress at most every
   * 250 ms (a large transfer reports thousands of chunks).
   */
  private emitStatus(progressOnly = false): void {
    if (this.listeners.size === 0) return;
    const t = this.now();
    if (progressOnly && t - this.lastProgressEmit < 250) return;
    this.lastProgressEmit = t;
    const s = this.status();
    for (const l of this.listeners) l({ type: 'status', status: s });
  }

  private folderState(rt: FolderRuntime): EngineState {
    if (rt.paused || this.allPaused) return 'paused';
    if (this.running === rt.id) return 'syncing';
    if (rt.offline) return 'offline';
    if (rt.lastError) return 'error';
    return 'idle';
  }

  status(): Status {
    const pendingObjects = this.o.manifest.listPendingObjects('pending').length;
    const folders: FolderStatus[] = [...this.folders.values()].map((rt) => {
      rt.totals ??= this.countSynced(rt.id);
      return {
        id: rt.id,
        root: rt.root,
        state: this.folderState(rt),
        files: rt.totals.files,
        bytes: rt.totals.bytes,
        lastSyncMs: rt.lastSyncMs,
        pendingObjects,
      };
    });
    const states = folders.map((f) => f.state);
    const state: EngineState = this.allPaused
      ? 'paused'
      : states.includes('syncing')
        ? 'syncing'
        : states.includes('offline')
          ? 'offline'
          : states.includes('error')
            ? 'error'
            : states.length > 0 && states.every((s) => s === 'paused')
              ? 'paused'
              : 'idle';
    return {
      apiVersion: API_VERSION,
      state,
      account: this.o.account.address,
      folders,
      progress: { ...this.progress },
      problems: [
        ...[...this.folders.values()].flatMap((f) => f.problems),
        ...this.conflicts.filter((c) => this.folders.has(c.folderId)).map(conflictProblem),
        ...(this.compactionProblem ? [this.compactionProblem] : []),
        ...[...this.externalProblems.values()].flatMap((e) => e.problems),
      ],
    };
  }

  /** Problems found outside the engine, by source (the daemon's account poller). */
  private readonly externalProblems = new Map<
    string,
    { problems: Problem[]; resolve?: (req: ProblemActionRequest) => Promise<void> }
  >();

  /**
   * Shows `problems` (replacing the source's previous ones) with the engine's own;
   * resolveProblem hands their actions to `resolve`.
   */
  setExternalProblems(
    source: string,
    problems: Problem[],
    resolve?: (req: ProblemActionRequest) => Promise<void>,
  ): void {
    const before = JSON.stringify(this.externalProblems.get(source)?.problems ?? []);
    this.externalProblems.set(source, { problems, ...(resolve ? { resolve } : {}) });
    if (JSON.stringify(problems) !== before) this.emitStatus();
  }

  async pause(folderId?: string): Promise<void> {
    if (folderId === undefined) {
      this.allPaused = true;
      this.o.manifest.setState('paused', true);
    } else {
      const rt = this.requireFolder(folderId);
      rt.paused = true;
      this.o.manifest.setFolderSettings(folderId, {
        ...(this.o.manifest.getFolder(folderId)?.settings ?? {}),
        paused: true,
      });
    }
    this.emitStatus();
  }

  async resume(folderId?: string): Promise<void> {
    if (folderId === undefined) {
      this.allPaused = false;
      this.o.manifest.setState('paused', false);
      for (const rt of this.folders.values()) void this.schedule(rt.id);
    } else {
      const rt = this.requireFolder(folderId);
      rt.paused = false;
      this.o.manifest.setFolderSettings(folderId, {
        ...(this.o.manifest.getFolder(folderId)?.settings ?? {}),
        paused: false,
      });
      void this.schedule(folderId);
    }
    this.emitStatus();
  }

  /** Runs a pass now (all folders, or one) and resolves when it is done. */
  async syncNow(folderId?: string): Promise<void> {
    const ids =
      folderId === undefined ? [...this.folders.keys()] : [this.requireFolder(folderId).id];
    await Promise.all(ids.map((id) => this.schedule(id)));
  }

  async addFolder(req: AddFolderRequest): Promise<FolderStatus> {
    const root = path.resolve(req.root);
    if (!path.isAbsolute(req.root)) throw new Error(`folder path must be absolute: ${req.root}`);
    const s = await stat(root).catch(() => null);
    if (!s?.isDirectory()) throw new Error(`${root} is not a directory`);
    for (const f of this.folders.values()) {
      const rel = path.relative(f.root, root);
      const back = path.relative(root, f.root);
      if (rel === '' || !rel.startsWith('..') || !back.startsWith('..')) {
        throw new Error(`${root} overlaps the synced folder ${f.root}`);
      }
    }
    await initFolderRoot(root);
    // The folder id is shared by every device of the account that syncs this folder; the first
    // folder of an account gets a well-known id so a second device finds it.
    // A root removed on this device earlier rejoins its folder on CESS (no second copy).
    const id =
      takeRemovedFolderId(this.o.manifest, root) ??
      (this.folders.size === 0 && !this.o.manifest.getFolder(DEFAULT_FOLDER_ID)
        ? DEFAULT_FOLDER_ID
        : randomBytes(16).toString('hex'));
    this.o.manifest.addFolder({ id, rootPath: root, settings: { excluded: req.excluded ?? [] } });
    await this.attach(id, root, false);
    void this.schedule(id);
    const st = this.status().folders.find((f) => f.id === id);
    if (!st) throw new Error('folder vanished while being added');
    return st;
  }

  async resolveProblem(req: ProblemActionRequest): Promise<void> {
    for (const ext of this.externalProblems.values()) {
      if (!ext.problems.some((p) => p.id === req.problemId)) continue;
      if (!ext.resolve) throw new Error(`problem ${req.problemId} has no action ${req.action}`);
      await ext.resolve(req);
      return;
    }
    if (req.problemId === COMPACTION_PROBLEM_ID) {
      if (req.action !== 'retry') throw new Error(`compaction has no action ${req.action}`);
      await this.compact();
      return;
    }
    const [folderId, what] = req.problemId.split(':');
    const rt = this.requireFolder(folderId ?? '');
    if (what === 'conflict') {
      await this.resolveConflict(rt, req);
      return;
    }
    if (what === 'held') {
      if (req.action === 'confirmDeletes') {
        rt.allowHeldOnce = true;
      } else if (req.action === 'refuseDeletes') {
        // Refusing: the side that lost the items gets them back. Forgetting them in the merge
        // base turns "deleted here" into "new there", which the planner copies back. Between
        // passes only: a running pass would write its own merge base over this one.
        await this.exclusive(async () => {
          const synced = this.o.manifest.loadTree(rt.id, 'synced');
          const drop = new Set<ItemId>();
          for (const h of rt.held) drop.add(h.op.id);
          let grew = true;
          while (grew) {
            grew = false;
            for (const n of synced.values()) {
              if (n.parentId !== null && drop.has(n.parentId) && !drop.has(n.id)) {
                drop.add(n.id);
                grew = true;
              }
            }
          }
          drop.delete(ROOT_ID);
          this.o.manifest.applyTreeChanges(rt.id, 'synced', [], [...drop]);
          this.log(rt.id, 'restored', `${drop.size} items`, 'deletions refused');
        });
      } else {
        throw new Error(`unknown action ${req.action} for held deletions`);
      }
      rt.held = [];
      rt.problems = rt.problems.filter((p) => p.id !== req.problemId);
      await this.schedule(rt.id);
      return;
    }
    if (req.action === 'retry') {
      await this.schedule(rt.id);
      return;
    }
    throw new Error(`problem ${req.problemId} has no action ${req.action}`);
  }

  /** The user's choice on a conflict copy (./conflicts.ts); the pass that follows syncs it. */
  private async resolveConflict(rt: FolderRuntime, req: ProblemActionRequest): Promise<void> {
    const rec = findConflict(this.conflicts, req.problemId);
    if (!rec)
      throw Object.assign(new Error(`no conflict ${req.problemId} (already resolved?)`), {
        statusCode: 404,
        code: 'no_such_problem',
      });
    // Between passes: a scan must not see the file moved to the trash and not yet replaced.
    await this.exclusive(() => applyConflictAction(rt.root, rec, req.action));
    this.conflicts = this.conflicts.filter((c) => c !== rec);
    saveConflicts(this.o.manifest, this.conflicts);
    const done: Record<string, string> = {
      keepBoth: 'resolved: kept both',
      keepConflictCopy: `resolved: the conflict copy replaced it`,
      discardConflictCopy: 'resolved: the conflict copy went to the trash',
    };
    this.log(rt.id, 'conflict', rec.path, done[req.action] ?? 'resolved');
    this.emitStatus();
    await this.schedule(rt.id);
  }

  getSettings(): Settings {
    return {
      ...DEFAULT_SETTINGS,
      ...(this.o.manifest.getState<Partial<Settings>>('settings') ?? {}),
    };
  }

  async setSettings(s: Settings): Promise<Settings> {
    this.o.manifest.setState('settings', s);
    this.emitStatus();
    return this.getSettings();
  }

  recentActivity(limit: number): Activity[] {
    return this.activity.slice(-Math.max(0, limit)).reverse();
  }

  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Earlier versions of a synced file, newest first. */
  async versions(req: VersionsRequest): Promise<FileVersion[]> {
    const itemId = this.itemAt(req.folderId, req.path);
    await this.o.repo.refresh();
    return (await listVersions(this.o.repo, req.folderId, itemId)).map((v) => v.version);
  }

  /**
   * Puts an earlier version back: fetched and verified into a temp file, the current file to
   * the local trash, the version renamed into place; the next pass uploads it as the newest.
   */
  async restoreVersion(req: RestoreRequest): Promise<void> {
    const rt = this.requireFolder(req.folderId);
    const itemId = this.itemAt(req.folderId, req.path);
    await this.o.repo.refresh();
    const found = (await listVersions(this.o.repo, req.folderId, itemId)).find(
      (v) => v.version.snapshotId === req.snapshotId,
    );
    if (!found) throw new Error(`${req.path} has no version in snapshot ${req.snapshotId}`);
    const tmp = await fetchVersion(
      { repo: this.o.repo, keys: this.o.keys, account: this.o.account },
      found.entry,
      path.join(rt.root, METADATA_DIR_NAME, 'tmp'),
      req.path,
    );
    await moveToTrash(rt.root, req.path);
    await assertNoSymlinkInPath(rt.root, req.path, { checkLeaf: false });
    await rename(tmp, resolveInsideRoot(rt.root, req.path));
    this.log(
      rt.id,
      'restored',
      req.path,
      `version of ${new Date(found.version.timeMs).toISOString()}`,
    );
    await this.schedule(rt.id);
  }

  // --- the file list and opening files (./file-list.ts, ./open-file.ts) ----------------------

  /** Every item of the synced folders with its state, searched and paged. */
  files(q: FilesQuery): FileList {
    return this.fileIndex.query(
      q,
      [...this.folders.values()].map((rt) => this.listedFolder(rt)),
    );
  }

  private listedFolder(rt: FolderRuntime): ListedFolder {
    const errorPaths = new Set<string>();
    for (const p of rt.problems)
      if (p.path !== null && (p.kind === 'UNREADABLE' || p.kind === 'CHANGED_DURING_HASH'))
        errorPaths.add(p.path);
    const conflictPaths = new Set<string>();
    for (const c of this.conflicts) {
      if (c.folderId !== rt.id) continue;
      conflictPaths.add(c.path);
      conflictPaths.add(c.copyPath);
    }
    const settings = (this.o.manifest.getFolder(rt.id)?.settings ?? {}) as { excluded?: string[] };
    return {
      id: rt.id,
      root: rt.root,
      excluded: settings.excluded ?? [],
      overlay: { transfers: rt.transfers, transferred: rt.transferred, errorPaths, conflictPaths },
    };
  }

  /** Opens a synced item with the OS, or shows it in its folder. */
  async openFile(req: OpenFileRequest): Promise<void> {
    const rt = this.folders.get(req.folderId);
    if (!rt)
      throw new OpenFileError(404, 'no_such_folder', `no synced folder with id ${req.folderId}`);
    // The disk may spell the name differently (NFD) from the NFC path the list shows.
    const diskRel =
      req.path === '' ? undefined : this.o.manifest.getLocalFile(rt.id, req.path)?.diskPath;
    await openWithOs({
      root: rt.root,
      rel: req.path,
      reveal: req.reveal === true,
      ...(diskRel !== undefined ? { diskRel } : {}),
    });
  }

  private itemAt(folderId: string, rel: string): ItemId {
    this.requireFolder(folderId);
    const tree = this.o.manifest.loadTree(folderId, 'synced');
    for (const n of tree.values()) {
      if (n.kind === 'file' && pathOf(tree, n.id) === rel) return n.id;
    }
    throw new Error(`${rel} is not a synced file of this folder`);
  }

  /** Path of an item in a folder's synced tree (for versions and sharing). */
  pathOf(folderId: string, itemId: ItemId): string | null {
    return pathOf(this.o.manifest.loadTree(folderId, 'synced'), itemId);
  }

  // --- sharing (docs/sharing.md) -------------------------------------------------------------

  /** Runs `fn` between passes (the repository and its pack index are shared with them). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private requireSharing(): EngineSharing {
    if (!this.o.sharing)
      throw new ShareError('BAD_ARGUMENT', 'sharing is not set up on this device');
    return this.o.sharing;
  }

  /**
   * Shares a synced file (its current version) or folder (its files as of now) with another
   * account. A pass of the folder runs first, so what is shared is what is on disk.
   */
  async share(req: ShareRequest): Promise<ShareInfo> {
    const sh = this.requireSharing();
    const target = await resolveSharePath(
      req.path,
      [...this.folders.values()].map((f) => ({ id: f.id, root: f.root })),
    );
    checkRecipientAddress(req.recipient, sh.ss58Format);
    checkShareOptions(req, this.now());
    await this.schedule(target.folderId);
    const rt = this.requireFolder(target.folderId);
    if (rt.lastError)
      throw new ShareError(
        'NOT_FOUND',
        `${target.folderId} could not be synced before sharing: ${rt.lastError}`,
      );
    return this.exclusive(async () => {
      await this.o.repo.refresh();
      const remote = await this.o.repo.loadFolder(target.folderId);
      const paths = new Map<string, ItemId>();
      for (const id of remote.tree.keys()) {
        const p = pathOf(remote.tree, id);
        if (p !== null) paths.set(p, id);
      }
      const id = target.rel === '' ? ROOT_ID : paths.get(target.rel);
      const node = id === undefined ? undefined : remote.tree.get(id);
      if (id === undefined || !node)
        throw new ShareError(
          'NOT_FOUND',
          `${req.path} is not synced (ignored, or a sync problem holds it)`,
        );
      let items: ShareItem[];
      let name: string;
      if (node.kind === 'file') {
        const entry = remote.files.get(id);
        if (!entry) throw new ShareError('NOT_FOUND', `${req.path} has no synced version`);
        name = node.name;
        items = [{ path: name, entry }];
      } else {
        name = id === ROOT_ID ? path.basename(rt.root) : node.name;
        const prefix = target.rel === '' ? '' : `${target.rel}/`;
        items = [];
        for (const [p, fid] of paths) {
          const entry: FileEntry | undefined = remote.files.get(fid);
          if (entry && p.startsWith(prefix)) items.push({ path: p.slice(prefix.length), entry });
        }
        items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      }
      const created = await createShare({
        keys: this.o.keys,
        owner: { ...this.o.account, sign: (m) => sh.signer.sign(m) },
        repo: this.o.repo,
        store: this.o.store,
        proxy: sh.proxy,
        ss58Format: sh.ss58Format,
        recipient: req.recipient,
        kind: node.kind === 'file' ? 'file' : 'folder',
        name,
        items,
        message: req.message ?? null,
        expiresAt: req.expiresAt ?? null,
        tmpDir: path.join(rt.root, METADATA_DIR_NAME, 'tmp'),
        now: () => this.now(),
        onPack: (p) => this.o.manifest.addPendingObject(p),
      });
      const rec: ShareInfo = {
        id: created.body.id,
        kind: created.body.kind,
        name,
        folderId: target.folderId,
        path: target.rel,
        recipient: created.body.recipient,
        createdAt: created.body.createdAt,
        expiresAt: created.body.expiresAt,
        message: created.body.message,
        files: items.length,
        size: created.size,
        contentIds: items.map((i) => i.entry.contentId),
        manifest: created.location,
        link: created.link,
        revokedAt: null,
        manifestDeleted: false,
      };
      addShareRecord(this.o.manifest, rec);
      noteShareState(this.o.manifest, rec, this.now());
      this.compactor?.afterShare({
        id: rec.id,
        manifestFid: created.location.fid,
        chunkFids: created.manifest.files.flatMap((f) => f.chunks.map((c) => c.fid)),
      });
      this.log(
        target.folderId,
        'shared',
        target.rel === '' ? name : target.rel,
        `with ${rec.recipient}`,
      );
      await this.syncShares();
      return rec;
    });
  }

  /**
   * Merges the account's share records on CESS into this device's list and publishes what only
   * this device knows (src/sync/share/account-sync.ts). Never fails the caller: a record not
   * published now is published by a later pass. Runs between passes, repository refreshed.
   */
  private async syncShares(): Promise<void> {
    const first = this.folders.values().next().value;
    try {
      const r = await syncShareRecords({
        manifest: this.o.manifest,
        keys: this.o.keys,
        repo: this.o.repo,
        store: this.o.store,
        tmpDir: first
          ? path.join(first.root, METADATA_DIR_NAME, 'tmp')
          : path.join(tmpdir(), 'cess-sync-shares'),
        now: () => this.now(),
        cache: this.shareRecords,
      });
      if (r.published) this.log('shares', 'published', '', `share list record ${r.published}`);
    } catch (err) {
      this.log(
        'shares',
        'error',
        '',
        `the share list could not be synced with the account's other devices: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  // --- compaction (src/sync/compaction, docs/format.md §10) ------------------------------

  private scheduler: CompactionScheduler | null | undefined;
  /** The last compaction run's failure, shown until a run succeeds. */
  private compactionProblem: Problem | null = null;

  /** The compaction scheduler, made on first use (after the constructor has set `o`). */
  private get compactor(): CompactionScheduler | undefined {
    this.scheduler ??=
      this.o.compaction === false
        ? null
        : new CompactionScheduler(this.o.compaction ?? {}, {
            manifest: this.o.manifest,
            context: () => {
              const first = this.folders.values().next().value;
              return {
                manifest: this.o.manifest,
                keys: this.o.keys,
                secretScalar: this.o.account.secretScalar,
                repo: this.o.repo,
                store: this.o.store,
                tmpDir: first
                  ? path.join(first.root, METADATA_DIR_NAME, 'tmp')
                  : path.join(tmpdir(), 'cess-sync-compaction'),
                now: () => this.now(),
              };
            },
            exclusive: (fn) => this.exclusive(fn),
            paused: () => this.allPaused || this.stopped,
            log: (kind, detail) => this.log('compaction', kind, '', detail),
            failed: (message) => {
              this.compactionProblem =
                message === null
                  ? null
                  : {
                      id: COMPACTION_PROBLEM_ID,
                      folderId: null,
                      kind: 'compactionFailed',
                      path: null,
                      message: `Freeing storage space failed: ${message}. Nothing was lost; it is retried every few hours.`,
                      actions: ['retry'],
                    };
              this.emitStatus();
            },
          });
    return this.scheduler ?? undefined;
  }

  /** Applies retention and compacts the account's packs now (between passes). */
  async compact(req: { dryRun?: boolean } = {}): Promise<CompactionReport> {
    if (!this.compactor) throw new Error('compaction is turned off on this device');
    return this.compactor.run(req.dryRun === true);
  }

  /** The account's shares this device knows (made here or on another device), newest first. */
  shares(): ShareInfo[] {
    return accountShares(this.o.manifest)
      .map((s) => s.share)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  /**
   * `cess-sync share <path>` (a file manager's "Share with CESS…"): checks the path as share()
   * does and tells subscribers, whose share dialog opens. Nothing is shared until the user says.
   */
  async requestShare(absPath: string): Promise<ShareRequestEvent> {
    const target = await resolveSharePath(
      absPath,
      [...this.folders.values()].map((f) => ({ id: f.id, root: f.root })),
    );
    const abs = path.resolve(absPath);
    const request: ShareRequestEvent = {
      folderId: target.folderId,
      path: target.rel,
      absPath:
        target.rel === ''
          ? target.root
          : path.join(await realpath(path.dirname(abs)), path.basename(abs)),
      name: target.rel === '' ? path.basename(target.root) : path.posix.basename(target.rel),
      kind: target.kind === 'dir' ? 'folder' : 'file',
    };
    for (const l of this.listeners) l({ type: 'shareRequest', request });
    return request;
  }

  /**
   * Revokes a share: marked revoked here, and its manifest object deleted from CESS when the
   * chain allows it (best effort; see docs/sharing.md for what this cannot undo).
   */
  async revokeShare(id: string): Promise<ShareInfo> {
    // Made here or on another device of the account (its share records): same effect.
    const m = this.o.manifest;
    const own = listShareRecords(m).some((r) => r.id === id);
    const mark = (change: (r: ShareInfo) => ShareInfo): ShareInfo => {
      if (own) updateShareRecord(m, id, change);
      return noteShareState(m, change(findAccountShare(m, id).share), this.now()).share;
    };
    let rec = mark((r) => ({ ...r, revokedAt: r.revokedAt ?? this.now() }));
    if (!rec.manifestDeleted) {
      try {
        await this.o.store.delete(rec.manifest.fid);
        this.o.manifest.removePendingObject(rec.manifest.fid);
        rec = mark((r) => ({ ...r, manifestDeleted: true }));
      } catch (err) {
        this.log(
          rec.folderId,
          'error',
          rec.path,
          `revoked share ${id}: its manifest object stays on CESS for now (${err instanceof Error ? err.message : String(err)})`,
        );
      }
    }
    this.log(
      rec.folderId,
      'revoked',
      rec.path === '' ? rec.name : rec.path,
      `share with ${rec.recipient}`,
    );
    // Tell the account's other devices now (a failure is retried by the next pass).
    await this.exclusive(async () => {
      try {
        await this.o.repo.refresh();
      } catch {
        return;
      }
      await this.syncShares();
    });
    return findAccountShare(m, id).share;
  }

  /** Opens a share link for this account: preview (what it holds) or download into "Shared with me". */
  async receive(req: ReceiveShareRequest): Promise<ReceivedShare> {
    const sh = this.requireSharing();
    const read: RangeReader =
      sh.read ?? ((fid, offset, length, signal) => this.o.store.read(fid, offset, length, signal));
    if (req.dir !== undefined && !path.isAbsolute(req.dir))
      throw new ShareError('BAD_PATH', `${req.dir}: the directory must be absolute`);
    const common = {
      link: req.link,
      recipient: { address: this.o.account.address, secretScalar: this.o.account.secretScalar },
      read,
      ss58Format: sh.ss58Format,
      now: () => this.now(),
    };
    const r =
      req.preview === true
        ? { ...(await openShare(common)), path: null }
        : await receiveShare({ ...common, baseDir: req.dir ?? sh.receiveDir });
    const reply: ReceivedShare = {
      id: r.link.id,
      kind: r.link.kind,
      owner: r.link.owner,
      message: r.link.message,
      name: r.manifest.name,
      size: r.size,
      fileCount: r.fileCount,
      createdAt: r.link.createdAt,
      expiresAt: r.link.expiresAt,
      path: r.path,
      files: r.manifest.files.map((f) => ({ path: f.path, size: f.size })),
    };
    if (r.path !== null) {
      this.log('shared-with-me', 'received', r.path, `from ${r.link.owner}`);
      const { files: _files, ...entry } = reply;
      addReceivedRecord(this.o.manifest, { ...entry, path: r.path, receivedAt: this.now() });
    }
    return reply;
  }

  /** Shares downloaded on this device, newest first. */
  receivedShares(): ReceivedShareEntry[] {
    return listReceivedRecords(this.o.manifest);
  }

  /** Opens (or reveals) a received share or a file inside a received folder, with the OS. */
  async openReceived(req: OpenReceivedRequest): Promise<void> {
    await openReceived(listReceivedRecords(this.o.manifest), req);
  }

  // --- folder settings (./folder-settings.ts, docs/daemon-api.md) -----------------------------

  private folderFor(id: string): FolderRuntime {
    const rt = this.folders.get(id);
    if (!rt) throw new FolderSettingsError(404, 'no_such_folder', `no synced folder with id ${id}`);
    return rt;
  }

  private excludedOf(id: string): string[] {
    return (
      ((this.o.manifest.getFolder(id)?.settings ?? {}) as { excluded?: string[] }).excluded ?? []
    );
  }

  async folderSettings(folderId: string): Promise<FolderSettings> {
    const rt = this.folderFor(folderId);
    return {
      folderId: rt.id,
      root: rt.root,
      excluded: this.excludedOf(rt.id),
      ignoreRules: await readIgnoreRules(rt.root).catch((e: unknown) => {
        throw new FolderSettingsError(409, 'ignore_file_unreadable', String(e));
      }),
      builtinRules: builtinRules(),
      paused: rt.paused,
    };
  }

  /** Selective sync: hidden folders stay on disk and on CESS; the next pass applies it. */
  async setExcluded(req: SetExcludedRequest): Promise<FolderSettings> {
    const rt = this.folderFor(req.folderId);
    const excluded = normalizeExcludedList(req.excluded);
    await this.exclusive(async () => {
      await noteRulesBeforeChange(this.o.manifest, rt.id, rt.root, this.excludedOf(rt.id));
      this.o.manifest.setFolderSettings(rt.id, {
        ...(this.o.manifest.getFolder(rt.id)?.settings ?? {}),
        excluded,
      });
    });
    const n = excluded.length;
    this.log(
      rt.id,
      'settings',
      '',
      `selective sync: ${n} folder${n === 1 ? '' : 's'} not synced here`,
    );
    void this.schedule(rt.id);
    return this.folderSettings(rt.id);
  }

  /** Writes the root's `.cessignore` (checked line by line first); the next pass applies it. */
  async setIgnoreRules(req: SetIgnoreRulesRequest): Promise<FolderSettings> {
    const rt = this.folderFor(req.folderId);
    const problems = checkIgnoreRules(req.rules);
    if (problems.length > 0)
      throw new FolderSettingsError(
        400,
        'invalid_ignore_rule',
        problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'),
      );
    await this.exclusive(async () => {
      await noteRulesBeforeChange(this.o.manifest, rt.id, rt.root, this.excludedOf(rt.id));
      await writeIgnoreRules(rt.root, req.rules);
      // The watcher filters events with the rules it was started with.
      await rt.watcher?.close();
      rt.watcher = undefined;
      await this.startWatching(rt);
    });
    this.log(rt.id, 'settings', IGNORE_FILE_NAME, 'ignore rules saved');
    void this.schedule(rt.id);
    return this.folderSettings(rt.id);
  }

  /** The subfolders at `rel`, on this disk or on CESS, for the selective-sync picker. */
  async folderTree(folderId: string, rel: string): Promise<FolderTree> {
    const rt = this.folderFor(folderId);
    return listSubfolders({
      manifest: this.o.manifest,
      folderId: rt.id,
      root: rt.root,
      rel,
      excluded: this.excludedOf(rt.id),
    });
  }

  /**
   * Stops syncing a folder: unwatched and forgotten by this device. Never deletes a local file
   * or anything on CESS (other devices keep syncing it).
   */
  async removeFolder(req: RemoveFolderRequest): Promise<RemovedFolder> {
    const rt = this.folderFor(req.folderId);
    await this.exclusive(async () => {
      this.folders.delete(rt.id);
      await rt.watcher?.close();
      if (this.conflicts.some((c) => c.folderId === rt.id)) {
        this.conflicts = this.conflicts.filter((c) => c.folderId !== rt.id);
        saveConflicts(this.o.manifest, this.conflicts);
      }
      this.o.manifest.removeFolder(rt.id);
      await afterFolderRemoved(this.o.manifest, { id: rt.id, root: rt.root });
      this.fileIndex.invalidate(rt.id);
    });
    this.log(rt.id, 'removed', '', `stopped syncing ${rt.root}; its files stay here and on CESS`);
    this.emitStatus();
    return { folderId: rt.id, root: rt.root, localFilesKept: true, remoteDataKept: true };
  }

  private requireFolder(id: string): FolderRuntime {
    const rt = this.folders.get(id);
    if (!rt) throw new Error(`no synced folder with id ${id}`);
    return rt;
  }
}

/** The id of an account's first folder, so that every device joins the same one by default. */
export const DEFAULT_FOLDER_ID = 'c0ffee00000000000000000000000001';
