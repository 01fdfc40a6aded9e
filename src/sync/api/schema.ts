/**
 * The one typed contract between the sync daemon and every client (the Electron renderer, the
 * CLI, a browser in headless mode): zod schemas validated at runtime on both sides.
 */
import { z } from 'zod';

export const API_VERSION = 1;

export const engineStateSchema = z.enum(['idle', 'syncing', 'paused', 'offline', 'error']);
export type EngineState = z.infer<typeof engineStateSchema>;

export const progressSchema = z.object({
  /** Bytes moved in the current pass (uploads + downloads). */
  bytesDone: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  filesDone: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
  /** Bytes per second over the last few seconds. */
  speed: z.number().nonnegative(),
  /** Seconds left, or null when unknown. */
  etaSeconds: z.number().nonnegative().nullable(),
});
export type Progress = z.infer<typeof progressSchema>;

export const problemSchema = z.object({
  id: z.string(),
  folderId: z.string().nullable(),
  /** e.g. 'conflict', 'heldDeletes', 'caseClash', 'portability', 'symlink', 'rootMissing',
   * 'territoryLow', 'gatewayUnauthorized', 'error'. */
  kind: z.string(),
  path: z.string().nullable(),
  message: z.string(),
  /** Actions the user can take, e.g. ['confirmDeletes', 'refuseDeletes']. */
  actions: z.array(z.string()),
});
export type Problem = z.infer<typeof problemSchema>;

export const folderStatusSchema = z.object({
  id: z.string(),
  root: z.string(),
  state: engineStateSchema,
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  lastSyncMs: z.number().nullable(),
  /** Pending CESS objects (declared, miners not done yet). */
  pendingObjects: z.number().int().nonnegative(),
});
export type FolderStatus = z.infer<typeof folderStatusSchema>;

export const statusSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  state: engineStateSchema,
  account: z.string().nullable(),
  folders: z.array(folderStatusSchema),
  progress: progressSchema,
  problems: z.array(problemSchema),
});
export type Status = z.infer<typeof statusSchema>;

export const activitySchema = z.object({
  timeMs: z.number(),
  folderId: z.string(),
  /** 'uploaded' | 'downloaded' | 'deleted' | 'moved' | 'conflict' | 'error' ... */
  kind: z.string(),
  path: z.string(),
  detail: z.string().optional(),
});
export type Activity = z.infer<typeof activitySchema>;

/**
 * A synced item named by a path outside the UI (the `cess-sync share <path>` verb a file manager
 * calls): the daemon has checked it is inside a synced folder; the UI opens its share dialog.
 */
export const shareRequestEventSchema = z
  .object({
    folderId: z.string(),
    /** The item's path in its folder, '/'-separated ('' for the folder itself). */
    path: z.string(),
    /** The absolute path on this device, as the verb was given it (after realpath). */
    absPath: z.string(),
    name: z.string(),
    kind: z.enum(['file', 'folder']),
  })
  .strict();
export type ShareRequestEvent = z.infer<typeof shareRequestEventSchema>;

/** What the daemon pushes over the WebSocket. */
export const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: statusSchema }),
  z.object({ type: z.literal('activity'), activity: activitySchema }),
  z.object({ type: z.literal('shareRequest'), request: shareRequestEventSchema }),
]);
export type DaemonEvent = z.infer<typeof eventSchema>;

export const pauseRequestSchema = z.object({ folderId: z.string().optional() }).strict();
export type PauseRequest = z.infer<typeof pauseRequestSchema>;

export const addFolderRequestSchema = z
  .object({ root: z.string().min(1).max(4096), excluded: z.array(z.string()).optional() })
  .strict();
export type AddFolderRequest = z.infer<typeof addFolderRequestSchema>;

export const problemActionRequestSchema = z
  .object({ problemId: z.string(), action: z.string() })
  .strict();
export type ProblemActionRequest = z.infer<typeof problemActionRequestSchema>;

export const settingsSchema = z
  .object({
    uploadLimitBytesPerSec: z.number().int().nonnegative().nullable(),
    downloadLimitBytesPerSec: z.number().int().nonnegative().nullable(),
    maxDeletesPerPass: z.number().int().positive(),
    rescanIntervalSec: z.number().int().positive(),
  })
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

/**
 * What the daemon drives. The engine implements it; the daemon's HTTP/WebSocket layer and its
 * tests only see this.
 */
export interface SyncService {
  status(): Status;
  pause(folderId?: string): Promise<void>;
  resume(folderId?: string): Promise<void>;
  syncNow(folderId?: string): Promise<void>;
  addFolder(req: AddFolderRequest): Promise<FolderStatus>;
  resolveProblem(req: ProblemActionRequest): Promise<void>;
  getSettings(): Settings;
  setSettings(s: Settings): Promise<Settings>;
  recentActivity(limit: number): Activity[];
  /** Subscribe to events; returns an unsubscribe function. */
  subscribe(listener: (e: DaemonEvent) => void): () => void;
}

// --- sharing (docs/sharing.md) -------------------------------------------------------------------

/** POST /api/v1/shares: share a synced file or folder (an absolute path on this device). */
export const shareRequestSchema = z
  .object({
    path: z.string().min(1).max(4096),
    recipient: z.string().min(1).max(128),
    message: z.string().max(500).optional(),
    /** ms since the epoch; absent or null: no expiry. */
    expiresAt: z.number().int().positive().nullable().optional(),
  })
  .strict();
export type ShareRequest = z.infer<typeof shareRequestSchema>;

/** One share in the owner's list (and the reply to a create or revoke). */
export const shareInfoSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{32}$/),
    kind: z.enum(['file', 'folder']),
    name: z.string(),
    folderId: z.string(),
    /** The shared item's path in its folder ('' for a whole folder). */
    path: z.string(),
    recipient: z.string(),
    createdAt: z.number().int(),
    expiresAt: z.number().int().nullable(),
    message: z.string().nullable(),
    files: z.number().int().nonnegative(),
    size: z.number().int().nonnegative(),
    /** The shared versions' content ids (a share never follows later versions). */
    contentIds: z.array(z.string()),
    manifest: z
      .object({
        fid: z.string(),
        offset: z.number().int(),
        length: z.number().int(),
        blobId: z.string(),
      })
      .strict(),
    /** The cess-sync:// link to give the recipient. */
    link: z.string(),
    revokedAt: z.number().int().nullable(),
    /** Whether the share manifest's object was deleted from CESS when revoked (best effort). */
    manifestDeleted: z.boolean(),
  })
  .strict();
export type ShareInfo = z.infer<typeof shareInfoSchema>;

export const shareListSchema = z.object({ shares: z.array(shareInfoSchema) }).strict();
export type ShareList = z.infer<typeof shareListSchema>;

export const revokeShareRequestSchema = z
  .object({ id: z.string().regex(/^[0-9a-f]{32}$/) })
  .strict();
export type RevokeShareRequest = z.infer<typeof revokeShareRequestSchema>;

/** POST /api/v1/shares/receive: open a link; `preview` only shows what it holds. */
export const receiveShareRequestSchema = z
  .object({
    link: z.string().min(1).max(8192),
    preview: z.boolean().optional(),
    /** Absolute directory that gets the "Shared with me" folder (default: the daemon's). */
    dir: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type ReceiveShareRequest = z.infer<typeof receiveShareRequestSchema>;

export const receivedShareSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['file', 'folder']),
    owner: z.string(),
    message: z.string().nullable(),
    name: z.string(),
    size: z.number().int().nonnegative(),
    fileCount: z.number().int().nonnegative(),
    createdAt: z.number().int(),
    expiresAt: z.number().int().nullable(),
    /** Where it was saved; null for a preview. */
    path: z.string().nullable(),
    files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative() }).strict()),
  })
  .strict();
export type ReceivedShare = z.infer<typeof receivedShareSchema>;

/** What the daemon's share routes drive (the engine implements it when sharing is set up). */
export interface ShareService {
  share(req: ShareRequest): Promise<ShareInfo>;
  shares(): ShareInfo[];
  revokeShare(id: string): Promise<ShareInfo>;
  receive(req: ReceiveShareRequest): Promise<ReceivedShare>;
  /** Shares downloaded on this device, newest first (GET /api/v1/shares/received). */
  receivedShares?(): ReceivedShareEntry[];
  /** Opens or reveals what was received (POST /api/v1/shares/received/open). */
  openReceived?(req: OpenReceivedRequest): Promise<void>;
}

export const fileVersionSchema = z
  .object({
    snapshotId: z.string(),
    seq: z.number().int().nonnegative(),
    timeMs: z.number(),
    deviceId: z.string(),
    size: z.number().int().nonnegative(),
    /** The version the folder has now. */
    current: z.boolean(),
  })
  .strict();
export type FileVersion = z.infer<typeof fileVersionSchema>;

export const versionsRequestSchema = z
  .object({ folderId: z.string().min(1), path: z.string().min(1).max(4096) })
  .strict();
export type VersionsRequest = z.infer<typeof versionsRequestSchema>;

export const versionListSchema = z.object({ versions: z.array(fileVersionSchema) }).strict();

export const restoreRequestSchema = z
  .object({
    folderId: z.string().min(1),
    path: z.string().min(1).max(4096),
    snapshotId: z.string().min(1),
  })
  .strict();
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;

/** Earlier versions of a file, and putting one back (the daemon's versions routes). */
export interface VersionService {
  versions(req: VersionsRequest): Promise<FileVersion[]>;
  restoreVersion(req: RestoreRequest): Promise<void>;
}

// --- files (the UI's per-file list) --------------------------------------------------------------

export const fileStateSchema = z.enum([
  'synced',
  'uploading',
  'downloading',
  /** Changed locally or remotely, not transferred yet. */
  'pending',
  'conflict',
  /** Under an excluded subfolder (selective sync) or ignored. */
  'excluded',
  'error',
]);
export type FileState = z.infer<typeof fileStateSchema>;

export const fileEntrySchema = z
  .object({
    folderId: z.string(),
    /** Path in its folder, '/'-separated, NFC. */
    path: z.string(),
    kind: z.enum(['file', 'dir']),
    size: z.number().int().nonnegative(),
    mtimeMs: z.number().nullable(),
    state: fileStateSchema,
  })
  .strict();
export type FileEntry = z.infer<typeof fileEntrySchema>;

/** GET /api/v1/files?folderId=&q=&offset=&limit=: `q` matches the path (case-insensitive). */
export const filesQuerySchema = z
  .object({
    folderId: z.string().min(1).optional(),
    q: z.string().max(1024).optional(),
    offset: z.number().int().nonnegative().optional(),
    limit: z.number().int().positive().max(1000).optional(),
  })
  .strict();
export type FilesQuery = z.infer<typeof filesQuerySchema>;

export const fileListSchema = z
  .object({ files: z.array(fileEntrySchema), total: z.number().int().nonnegative() })
  .strict();
export type FileList = z.infer<typeof fileListSchema>;

/** POST /api/v1/files/open: open a synced item with the OS, or show it in its folder. */
export const openFileRequestSchema = z
  .object({
    folderId: z.string().min(1),
    path: z.string().max(4096),
    reveal: z.boolean().optional(),
  })
  .strict();
export type OpenFileRequest = z.infer<typeof openFileRequestSchema>;

/** What the daemon's files routes drive. */
export interface FileService {
  files(q: FilesQuery): FileList;
  openFile(req: OpenFileRequest): Promise<void>;
}

// --- share requests from outside the UI (file-manager verbs) -------------------------------------

/** POST /api/v1/shares/request: `cess-sync share <path>` hands the path to the running app. */
export const shareIntentRequestSchema = z.object({ path: z.string().min(1).max(4096) }).strict();
export type ShareIntentRequest = z.infer<typeof shareIntentRequestSchema>;

// --- OS integrations (file-manager right-click entries) ------------------------------------------

export const integrationIdSchema = z.enum(['nautilus', 'nemo', 'dolphin', 'macos']);
export type IntegrationId = z.infer<typeof integrationIdSchema>;

export const integrationSchema = z
  .object({
    id: integrationIdSchema,
    /** e.g. 'GNOME Files (Nautilus)' */
    label: z.string(),
    installed: z.boolean(),
    /** The files it installs (absolute paths on this device). */
    files: z.array(z.string()),
    /** False: listed for its reason only, not installable on this OS (absent: true). */
    available: z.boolean().optional(),
    /** Why it is not available here (e.g. the macOS Quick Action on Linux). */
    unavailableReason: z.string().optional(),
  })
  .strict();
export type Integration = z.infer<typeof integrationSchema>;

export const integrationListSchema = z
  .object({ integrations: z.array(integrationSchema) })
  .strict();
export type IntegrationList = z.infer<typeof integrationListSchema>;

/** POST /api/v1/integrations: install (true) or remove (false) one integration. */
export const integrationRequestSchema = z
  .object({ id: integrationIdSchema, install: z.boolean() })
  .strict();
export type IntegrationRequest = z.infer<typeof integrationRequestSchema>;

// --- shares received on this device --------------------------------------------------------------

/** A share downloaded on this device: what `receive` replied, without the file list. */
export const receivedShareEntrySchema = receivedShareSchema
  .omit({ files: true, path: true })
  .extend({ path: z.string(), receivedAt: z.number().int() })
  .strict();
export type ReceivedShareEntry = z.infer<typeof receivedShareEntrySchema>;

/**
 * POST /api/v1/shares/received/open: opens a received share (or a file inside a received folder,
 * `path` relative to it) with the OS, or reveals it; 204.
 */
export const openReceivedRequestSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{32}$/),
    path: z.string().max(4096).optional(),
    reveal: z.boolean().optional(),
  })
  .strict();
export type OpenReceivedRequest = z.infer<typeof openReceivedRequestSchema>;

/** GET /api/v1/shares/received */
export const receivedShareListSchema = z
  .object({ shares: z.array(receivedShareEntrySchema) })
  .strict();
export type ReceivedShareList = z.infer<typeof receivedShareListSchema>;

// --- compaction (docs/format.md §10; POST /api/v1/compact, `cess-sync compact`) -----------------

export const compactRequestSchema = z.object({ dryRun: z.boolean().optional() }).strict();
export type CompactRequest = z.infer<typeof compactRequestSchema>;

const fidList = z.array(z.string().regex(/^[0-9a-f]{64}$/));

/** What one compaction run did (or, with dryRun, would do now). */
export const compactionReportSchema = z
  .object({
    dryRun: z.boolean(),
    startedMs: z.number(),
    finishedMs: z.number(),
    snapshots: z
      .object({
        total: z.number().int().nonnegative(),
        kept: z.number().int().nonnegative(),
        forgotten: z.number().int().nonnegative(),
      })
      .strict(),
    packs: z.number().int().nonnegative(),
    /** CESS segments the account's packs held before the run (96 MiB of territory each). */
    segments: z.number().int().nonnegative(),
    liveBytes: z.number().int().nonnegative(),
    /** Objects deleted on chain (dryRun: that would be deleted now). */
    deleted: fidList,
    segmentsDeleted: z.number().int().nonnegative(),
    /** Doomed packs not deletable yet (a pending deal, a copy not stored yet...). */
    waiting: z.array(z.object({ fid: z.string(), reason: z.string() }).strict()),
    /** Announced for deletion after the grace period. */
    doomed: fidList,
    undoomed: fidList,
    repacked: z
      .object({
        sources: fidList,
        newPacks: fidList,
        bytes: z.number().int().nonnegative(),
      })
      .strict(),
    record: z.string().nullable(),
    blocked: z.string().nullable(),
    errors: z.array(z.string()),
  })
  .strict();
export type CompactionReportInfo = z.infer<typeof compactionReportSchema>;

export interface CompactionService {
  compact(req: CompactRequest): Promise<CompactionReportInfo>;
}
