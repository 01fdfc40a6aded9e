/**
 * What a SyncEngine is made of (its options), and the few engine internals it lends the
 * collaborators it delegates to (shares, versions, folder settings, conflicts, compaction): each
 * of them picks the callbacks it needs from `EngineHost`.
 */
import type { DaemonEvent } from '../api/schema.js';
import type { CompactionScheduler, EngineCompaction } from '../compaction/scheduler.js';
import type { FormatKeys } from '../format/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ObjectStore } from '../remote/object-store.js';
import type { Repository } from '../remote/repository.js';
import type { RangeReader, ReencryptProxy } from '../share/index.js';
import type { AccountKeys } from './folder-sync.js';
import type { FolderRuntime } from './folder-runtime.js';

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

/** The engine's internals its collaborators may use. */
export interface EngineHost {
  now(): number;
  /** Adds an entry to the activity log. */
  log(folderId: string, kind: string, path: string, detail?: string): void;
  /** Tells subscribers. */
  emit(e: DaemonEvent): void;
  /** Pushes the status to subscribers. */
  emitStatus(): void;
  /**
   * Queues a pass of a folder that scans every file (unless one is queued); resolves when it
   * has run. The services change the disk themselves: no watcher batch has said where yet.
   */
  schedule(folderId: string): Promise<void>;
  /** Runs `fn` between passes (the repository and its pack index are shared with them). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The synced folders by id. */
  folders: ReadonlyMap<string, FolderRuntime>;
  /** A synced folder; throws if there is none with that id. */
  requireFolder(id: string): FolderRuntime;
  /** The compaction scheduler; undefined when compaction is off. */
  compactor(): CompactionScheduler | undefined;
}
