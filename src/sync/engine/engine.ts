/**
 * The sync engine as a service: several folders, each watched and synced in passes, with
 * pause/resume, progress, problems that need the user, an activity log and settings. It
 * implements the daemon's SyncService contract (src/sync/api/schema.ts) and never imports
 * Electron.
 *
 * One pass runs at a time for the whole engine: the repository (pack index) is shared, and on
 * a 2-core laptop hashing and encryption are CPU-bound anyway.
 *
 * This file runs the passes and keeps the folders; the other jobs are delegated: the queue
 * (./pass-queue.ts), progress (./progress-meter.ts), problems (./problem-board.ts), activity
 * (./activity-log.ts), conflicts (./conflict-list.ts), the file list (./engine-files.ts),
 * versions (./engine-versions.ts), sharing (./engine-shares.ts), compaction
 * (./engine-compactor.ts) and folder settings (./engine-folder-settings.ts).
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  API_VERSION,
  type Activity,
  type AddFolderRequest,
  type DaemonEvent,
  type FolderStatus,
  type Problem,
  type ProblemActionRequest,
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
import { IgnoreMatcher } from '../ignore/index.js';
import { pathOf, type ItemId } from '../model/tree.js';
import { watchFolder } from '../scan/index.js';
import { initFolderRoot, syncFolderOnce } from './folder-sync.js';
import { remoteTreeKey } from './remote-side.js';
import { takeRemovedFolderId } from './folder-settings.js';
import type {
  FolderSettings,
  FolderSettingsService,
  FolderTree,
  RemoveFolderRequest,
  RemovedFolder,
  SetExcludedRequest,
  SetIgnoreRulesRequest,
} from '../api/folder-settings-schema.js';
import type { CompactionReport } from '../compaction/run.js';
import type { EngineHost, EngineOptions } from './engine-options.js';
import {
  engineState,
  excludedOf,
  folderState,
  isOfflineError,
  newFolderRuntime,
  noteBatch,
  takeScope,
  type FolderRuntime,
} from './folder-runtime.js';
import { PassQueue } from './pass-queue.js';
import { ProgressMeter } from './progress-meter.js';
import { ProblemBoard, failedPassProblem, folderProblems } from './problem-board.js';
import { refusedItems } from './held-deletes.js';
import { ActivityLog } from './activity-log.js';
import { ConflictList } from './conflict-list.js';
import { EngineFiles } from './engine-files.js';
import { EngineVersions } from './engine-versions.js';
import { EngineShares } from './engine-shares.js';
import { EngineCompactor } from './engine-compactor.js';
import { EngineFolderSettings } from './engine-folder-settings.js';

export type { EngineOptions, EngineSharing } from './engine-options.js';

const DEFAULT_SETTINGS: Settings = {
  uploadLimitBytesPerSec: null,
  downloadLimitBytesPerSec: null,
  maxDeletesPerPass: 1000,
  rescanIntervalSec: 3600,
};

export class SyncEngine
  implements SyncService, ShareService, VersionService, FileService, FolderSettingsService
{
  private readonly folders = new Map<string, FolderRuntime>();
  private readonly listeners = new Set<(e: DaemonEvent) => void>();
  private running: string | null = null;
  private allPaused = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling = false;
  private lastProgressEmit = 0;
  /** What the collaborators below may use of the engine. */
  private readonly host: EngineHost;
  private readonly passes: PassQueue;
  private readonly meter: ProgressMeter;
  private readonly activity: ActivityLog;
  private readonly board = new ProblemBoard();
  private readonly conflicts: ConflictList;
  private readonly fileList: EngineFiles;
  private readonly versionOps: EngineVersions;
  private readonly shareOps: EngineShares;
  private readonly compaction: EngineCompactor;
  private readonly settingsOps: EngineFolderSettings;

  constructor(private readonly o: EngineOptions) {
    this.passes = new PassQueue(
      (id) => this.pass(id),
      () => this.stopped,
    );
    this.meter = new ProgressMeter(() => this.now());
    this.activity = new ActivityLog(
      () => this.now(),
      (activity) => this.emit({ type: 'activity', activity }),
    );
    this.host = {
      now: () => this.now(),
      log: (folderId, kind, p, detail) => this.log(folderId, kind, p, detail),
      emit: (e) => this.emit(e),
      emitStatus: () => this.emitStatus(),
      schedule: (id) => this.scheduleFull(id),
      exclusive: (fn) => this.passes.exclusive(fn),
      folders: this.folders,
      requireFolder: (id) => this.requireFolder(id),
      compactor: () => this.compaction.get(),
    };
    this.conflicts = new ConflictList(o.manifest, this.host);
    this.fileList = new EngineFiles(o.manifest, this.folders, this.conflicts);
    this.versionOps = new EngineVersions(o, this.host);
    this.shareOps = new EngineShares(o, this.host);
    this.compaction = new EngineCompactor(
      o,
      this.host,
      this.board,
      () => this.allPaused || this.stopped,
    );
    this.settingsOps = new EngineFolderSettings({
      ...this.host,
      manifest: o.manifest,
      conflicts: this.conflicts,
      files: this.fileList,
      detach: (id) => this.folders.delete(id),
    });
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
      this.pollTimer = setInterval(() => void this.poll(), pollMs);
      this.pollTimer.unref();
    }
    for (const id of this.folders.keys()) this.schedule(id);
    this.compaction.get()?.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.compaction.get()?.stop();
    this.fileList.close();
    for (const f of this.folders.values()) await f.watcher?.close();
    await this.passes.drained();
  }

  private async attach(id: string, root: string, paused: boolean): Promise<FolderRuntime> {
    const rt = newFolderRuntime(id, root, paused);
    this.folders.set(id, rt);
    await this.startWatching(rt);
    return rt;
  }

  private async startWatching(rt: FolderRuntime): Promise<void> {
    const { id, root } = rt;
    if (this.o.watch !== false) {
      try {
        // Excluded folders are not watched (a pass whose rules changed restarts the watcher).
        const ignore = await IgnoreMatcher.load(root, {
          exclusions: excludedOf(this.o.manifest, id),
        });
        rt.watcher = watchFolder({
          root,
          ignore,
          batchMs: this.o.batchMs ?? 500,
          onBatch: (batch) => {
            noteBatch(rt, batch);
            void this.schedule(id);
          },
          onError: (e) => this.log(id, 'error', '', `watcher: ${String(e)}`),
        });
        await rt.watcher.ready;
      } catch (err) {
        rt.lastError = `cannot watch ${root}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }

  /**
   * The periodic look for changes. A pass of 100,000 files costs seconds of CPU even when
   * nothing changed (scan, snapshot, plan), so a watched folder gets one only when CESS has a
   * snapshot its stored remote tree is not: local changes schedule their own pass through the
   * watcher, and its hourly full rescan is the safety net. A folder without a working watcher,
   * or whose last pass failed (offline, an error to retry), gets a pass on every poll as before.
   */
  private async poll(): Promise<void> {
    // One poll at a time: during a long pass, ticks must not queue a look each.
    if (this.stopped || this.allPaused || this.polling) return;
    this.polling = true;
    try {
      await this.pollOnce();
    } finally {
      this.polling = false;
    }
  }

  private async pollOnce(): Promise<void> {
    const due = new Set<string>();
    for (const rt of this.folders.values())
      if (!rt.paused && (rt.watcher === undefined || rt.lastError !== null || rt.rescanSoon))
        due.add(rt.id);
    try {
      await this.passes.exclusive(async () => {
        if (this.stopped) return;
        await this.o.repo.refresh();
        if (this.trackPending() > 0) this.emitStatus();
        for (const rt of this.folders.values()) {
          if (rt.paused || due.has(rt.id)) continue;
          const latest = (await this.o.repo.latest(rt.id))?.id ?? null;
          const stored = this.o.manifest.getState<string | null>(remoteTreeKey(rt.id));
          if (stored === undefined || stored !== latest) due.add(rt.id);
        }
        await this.shareOps.syncShares();
      });
    } catch {
      // CESS unreachable or a bad reply: the passes meet the same error and report it.
      for (const rt of this.folders.values()) if (!rt.paused) due.add(rt.id);
    }
    for (const id of due) void this.schedule(id);
  }

  /** Queues a pass of a folder unless one is already queued for it. */
  private schedule(folderId: string): Promise<void> {
    return this.passes.schedule(folderId);
  }

  /**
   * Queues a pass that looks at every file: the user asked for it, or the engine changed the
   * disk itself (a restored version, a resolved conflict, a received share) and no watcher
   * batch has said where yet.
   */
  private scheduleFull(folderId: string): Promise<void> {
    const rt = this.folders.get(folderId);
    if (rt) rt.scope.full = true;
    return this.schedule(folderId);
  }

  private async pass(folderId: string): Promise<void> {
    const rt = this.folders.get(folderId);
    if (!rt || rt.paused || this.allPaused || this.stopped) return;
    this.running = folderId;
    // A confirmation given while this pass runs belongs to the next pass: read it once, as
    // the pass starts, and use up only this pass's own at its end.
    const allowHeld = rt.allowHeldOnce;
    this.meter.reset();
    this.emitStatus();
    const passStart = this.now();
    const scope = takeScope(rt);
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
        excluded: excludedOf(this.o.manifest, folderId),
        ...(scope.full ? {} : { scanPaths: [...scope.paths] }),
        maxDeletesPerPass: allowHeld ? Number.MAX_SAFE_INTEGER : settings.maxDeletesPerPass,
        now: () => this.now(),
        onPlanned: (plan, totals) => {
          this.meter.planned(totals);
          for (const op of plan.ops) {
            if (op.type === 'uploadFile') rt.transfers.set(op.id, 'uploading');
            else if (op.type === 'downloadFile') rt.transfers.set(op.id, 'downloading');
          }
          this.fileList.invalidate(folderId); // the scan has committed
          this.emitStatus();
        },
        onBytes: (n) => {
          this.meter.addBytes(n);
          this.emitStatus(true);
        },
        onActivity: (kind, p, detail) => {
          if (kind === 'uploaded' || kind === 'downloaded') {
            this.meter.fileDone();
            rt.transferred.add(p);
          }
          this.log(folderId, kind, p, detail);
        },
      });
      if (allowHeld) rt.allowHeldOnce = false;
      rt.totals = this.o.manifest.fileTotals(folderId, 'synced');
      rt.lastSyncMs = this.now();
      rt.lastError = null;
      rt.offline = false;
      rt.rescanSoon = result.scanProblems.some((p) => p.code === 'CHANGED_DURING_HASH');
      rt.held = result.plan.held;
      rt.problems = folderProblems(
        folderId,
        result.plan,
        result.scanProblems,
        this.getSettings().maxDeletesPerPass,
      );
      // Confirmed during this pass: the queued pass deletes them; asking again would be noise.
      if (rt.allowHeldOnce) rt.problems = rt.problems.filter((p) => p.kind !== 'heldDeletes');
      for (const c of result.plan.conflicts) this.log(folderId, 'conflict', c.path, c.resolution);
      this.conflicts.notePass(folderId, result.plan, passStart);
      this.trackPending();
      this.compaction.get()?.notePass(result.uploadedPacks.length > 0);
      await this.shareOps.syncShares(); // the pass refreshed the repository
      if (result.rulesChanged && rt.watcher !== undefined && !this.stopped) {
        // Edited on disk: the watcher prunes what its rules ignored, so it starts again with
        // the new ones, and the next pass looks everywhere for what it missed meanwhile.
        const folder: FolderRuntime = rt; // startWatching sets its watcher again
        await rt.watcher.close();
        rt.watcher = undefined;
        await this.startWatching(rt);
        if (this.stopped) await folder.watcher?.close(); // stop() ran meanwhile: none outlives it
        rt.scope.full = true;
        void this.schedule(folderId);
      }
    } catch (err) {
      rt.scope.full = true; // this pass's scope may not have been scanned
      const msg = err instanceof Error ? err.message : String(err);
      rt.lastError = msg;
      rt.offline = isOfflineError(err);
      rt.problems = [failedPassProblem(folderId, err, rt.offline)];
      this.log(folderId, 'error', '', msg);
    } finally {
      this.running = null;
      rt.transfers.clear();
      rt.transferred.clear();
      this.fileList.invalidate(folderId);
      this.emitStatus();
    }
  }

  /** Pending objects whose deals the miners finished become stored. */
  private trackPending(): number {
    const stored = new Set(
      this.o.repo.storedObjects.filter((s) => s.state === 'stored').map((s) => s.fid),
    );
    let marked = 0;
    for (const p of this.o.manifest.listPendingObjects('pending')) {
      if (stored.has(p.fid)) {
        this.o.manifest.markObjectStored(p.fid);
        marked++;
      }
    }
    return marked;
  }

  private log(folderId: string, kind: string, p: string, detail?: string): void {
    this.activity.add(folderId, kind, p, detail);
  }

  private emit(e: DaemonEvent): void {
    for (const l of this.listeners) l(e);
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
    this.emit({ type: 'status', status: s });
  }

  status(): Status {
    const pendingObjects = this.o.manifest.listPendingObjects('pending').length;
    const folders: FolderStatus[] = [...this.folders.values()].map((rt) => {
      rt.totals ??= this.o.manifest.fileTotals(rt.id, 'synced');
      return {
        id: rt.id,
        root: rt.root,
        state: folderState(rt, this.allPaused, this.running),
        files: rt.totals.files,
        bytes: rt.totals.bytes,
        lastSyncMs: rt.lastSyncMs,
        pendingObjects,
      };
    });
    return {
      apiVersion: API_VERSION,
      state: engineState(
        folders.map((f) => f.state),
        this.allPaused,
      ),
      account: this.o.account.address,
      folders,
      progress: this.meter.current(),
      problems: this.board.all(
        [...this.folders.values()].flatMap((f) => f.problems),
        this.conflicts.problems((id) => this.folders.has(id)),
      ),
    };
  }

  /**
   * Shows `problems` (replacing the source's previous ones) with the engine's own;
   * resolveProblem hands their actions to `resolve`.
   */
  setExternalProblems(
    source: string,
    problems: Problem[],
    resolve?: (req: ProblemActionRequest) => Promise<void>,
  ): void {
    if (this.board.setExternal(source, problems, resolve)) this.emitStatus();
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
    await Promise.all(ids.map((id) => this.scheduleFull(id)));
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
    const ext = this.board.externalOf(req.problemId);
    if (ext) {
      if (!ext.resolve) throw new Error(`problem ${req.problemId} has no action ${req.action}`);
      await ext.resolve(req);
      return;
    }
    if (this.board.isCompaction(req.problemId)) {
      if (req.action !== 'retry') throw new Error(`compaction has no action ${req.action}`);
      await this.compact();
      return;
    }
    const [folderId, what] = req.problemId.split(':');
    const rt = this.requireFolder(folderId ?? '');
    if (what === 'conflict') {
      await this.conflicts.resolve(rt, req);
      return;
    }
    if (what === 'held') {
      if (req.action === 'confirmDeletes') {
        rt.allowHeldOnce = true;
      } else if (req.action === 'refuseDeletes') {
        // Refusing: the side that lost the items gets them back (./held-deletes.ts). Between
        // passes only: a running pass would write its own merge base over this one.
        await this.passes.exclusive(async () => {
          const drop = refusedItems(this.o.manifest.loadTree(rt.id, 'synced'), rt.held);
          this.o.manifest.applyTreeChanges(rt.id, 'synced', [], drop);
          this.log(rt.id, 'restored', `${drop.length} items`, 'deletions refused');
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
    return this.activity.recent(limit);
  }

  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Path of an item in a folder's synced tree (for versions and sharing). */
  pathOf(folderId: string, itemId: ItemId): string | null {
    return pathOf(this.o.manifest.loadTree(folderId, 'synced'), itemId);
  }

  private requireFolder(id: string): FolderRuntime {
    const rt = this.folders.get(id);
    if (!rt) throw new Error(`no synced folder with id ${id}`);
    return rt;
  }

  // --- the file list and opening files (./engine-files.ts) ----------------------------------

  /** Every item of the synced folders with its state, searched and paged. */
  files(q: FilesQuery): FileList {
    return this.fileList.files(q);
  }

  /** Opens a synced item with the OS, or shows it in its folder. */
  openFile(req: OpenFileRequest): Promise<void> {
    return this.fileList.openFile(req);
  }

  // --- versions (./engine-versions.ts) -------------------------------------------------------

  /** Earlier versions of a synced file, newest first. */
  versions(req: VersionsRequest): Promise<FileVersion[]> {
    return this.versionOps.versions(req);
  }

  /** Puts an earlier version back; the next pass uploads it as the newest. */
  restoreVersion(req: RestoreRequest): Promise<void> {
    return this.versionOps.restoreVersion(req);
  }

  // --- sharing (./engine-shares.ts, docs/sharing.md) -----------------------------------------

  /** Shares a synced file or folder with another account (a pass of its folder runs first). */
  share(req: ShareRequest): Promise<ShareInfo> {
    return this.shareOps.share(req);
  }

  /** The account's shares this device knows (made here or on another device), newest first. */
  shares(): ShareInfo[] {
    return this.shareOps.shares();
  }

  /** Asks subscribers to open their share dialog for a path; nothing is shared yet. */
  requestShare(absPath: string): Promise<ShareRequestEvent> {
    return this.shareOps.requestShare(absPath);
  }

  /** Revokes a share (its manifest object deleted from CESS when the chain allows it). */
  revokeShare(id: string): Promise<ShareInfo> {
    return this.shareOps.revokeShare(id);
  }

  /** Opens a share link for this account: preview, or download into "Shared with me". */
  receive(req: ReceiveShareRequest): Promise<ReceivedShare> {
    return this.shareOps.receive(req);
  }

  /** Shares downloaded on this device, newest first. */
  receivedShares(): ReceivedShareEntry[] {
    return this.shareOps.receivedShares();
  }

  /** Opens (or reveals) a received share or a file inside a received folder, with the OS. */
  openReceived(req: OpenReceivedRequest): Promise<void> {
    return this.shareOps.openReceived(req);
  }

  // --- compaction (./engine-compactor.ts, docs/format.md §10) --------------------------------

  /** Applies retention and compacts the account's packs now (between passes). */
  compact(req: { dryRun?: boolean } = {}): Promise<CompactionReport> {
    return this.compaction.compact(req);
  }

  // --- folder settings (./engine-folder-settings.ts, docs/daemon-api.md) ---------------------

  folderSettings(folderId: string): Promise<FolderSettings> {
    return this.settingsOps.folderSettings(folderId);
  }

  /** Selective sync: hidden folders stay on disk and on CESS; the next pass applies it. */
  setExcluded(req: SetExcludedRequest): Promise<FolderSettings> {
    return this.settingsOps.setExcluded(req);
  }

  /** Writes the root's `.cessignore` (checked line by line first); the next pass applies it. */
  setIgnoreRules(req: SetIgnoreRulesRequest): Promise<FolderSettings> {
    return this.settingsOps.setIgnoreRules(req);
  }

  /** The subfolders at `rel`, on this disk or on CESS, for the selective-sync picker. */
  folderTree(folderId: string, rel: string): Promise<FolderTree> {
    return this.settingsOps.folderTree(folderId, rel);
  }

  /** Stops syncing a folder; never deletes a local file or anything on CESS. */
  removeFolder(req: RemoveFolderRequest): Promise<RemovedFolder> {
    return this.settingsOps.removeFolder(req);
  }
}

/** The id of an account's first folder, so that every device joins the same one by default. */
export const DEFAULT_FOLDER_ID = 'c0ffee00000000000000000000000001';
