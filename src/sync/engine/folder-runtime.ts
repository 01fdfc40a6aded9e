/**
 * What the engine keeps in memory for each synced folder between passes (its watcher, last
 * result, problems, running transfers), and small reads of a folder's state.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EngineState, Problem } from '../api/schema.js';
import { METADATA_DIR_NAME } from '../ignore/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ItemId } from '../model/tree.js';
import type { Plan } from '../planner/index.js';
import type { FolderWatcher, WatchBatch } from '../scan/index.js';

/**
 * Where the next pass looks on disk: the paths the watcher reported since the last pass took
 * them, or everything. A pass at 100,000 files spent about 4 s stat-ing every file after one
 * save; the watcher already says where to look (its hourly full rescan is the safety net).
 */
export interface ScanScope {
  full: boolean;
  /** Dirty paths, spelled as on disk (scanFolder's `paths`). */
  paths: Set<string>;
}

export interface FolderRuntime {
  id: string;
  root: string;
  paused: boolean;
  watcher?: FolderWatcher;
  lastSyncMs: number | null;
  lastError: string | null;
  offline: boolean;
  /** The last scan met a file changing while it was read: the next poll rescans. */
  rescanSoon: boolean;
  /** Deletes above the cap waiting for the user; confirmed ones are let through once. */
  held: Plan['held'];
  allowHeldOnce: boolean;
  problems: Problem[];
  /** Files and bytes in the merge base, counted after each pass (status() is a hot path). */
  totals: { files: number; bytes: number } | null;
  /** The running pass's transfers (the file list's uploading/downloading), and those done. */
  transfers: Map<ItemId, 'uploading' | 'downloading'>;
  transferred: Set<string>;
  /** What the next pass scans (the first pass of a run scans everything). */
  scope: ScanScope;
}

/** A folder as it is attached: nothing synced yet in this run. */
export function newFolderRuntime(id: string, root: string, paused: boolean): FolderRuntime {
  return {
    id,
    root,
    paused,
    lastSyncMs: null,
    lastError: null,
    offline: false,
    rescanSoon: false,
    held: [],
    allowHeldOnce: false,
    problems: [],
    totals: null,
    transfers: new Map(),
    transferred: new Set(),
    scope: { full: true, paths: new Set() },
  };
}

/** A watcher batch widens the next pass's scope. */
export function noteBatch(rt: FolderRuntime, batch: WatchBatch): void {
  if (batch.full) rt.scope.full = true;
  else for (const p of batch.paths) rt.scope.paths.add(p);
}

/**
 * The scope of the pass that starts now; the next one starts empty. Everything is scanned
 * without a watcher, after a failed pass (its scope may not have been scanned) and when the
 * last scan left files to read again.
 */
export function takeScope(rt: FolderRuntime): ScanScope {
  const scope = rt.scope;
  rt.scope = { full: false, paths: new Set() };
  if (rt.watcher === undefined || rt.lastError !== null || rt.rescanSoon) scope.full = true;
  return scope;
}

export function folderState(
  rt: FolderRuntime,
  allPaused: boolean,
  running: string | null,
): EngineState {
  if (rt.paused || allPaused) return 'paused';
  if (running === rt.id) return 'syncing';
  if (rt.offline) return 'offline';
  if (rt.lastError) return 'error';
  return 'idle';
}

/** The engine's state from its folders': the most pressing one. */
export function engineState(states: EngineState[], allPaused: boolean): EngineState {
  return allPaused
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
}

export function isOfflineError(err: unknown): boolean {
  const e = err as { name?: string; message?: string; kind?: string } | undefined;
  const text = `${e?.name ?? ''} ${e?.kind ?? ''} ${e?.message ?? ''}`;
  return /Network|Timeout|disconnect|ECONNREFUSED|ECONNRESET|cannot reach/i.test(text);
}

/** The subfolders a folder's selective sync keeps off this device. */
/**
 * When the folder was added (null: not synced). State kept for a folder across passes names it,
 * so that a folder removed and added again under the same id is not taken for the old one.
 */
export function folderCreatedMs(manifest: Manifest, folderId: string): number | null {
  return manifest.getFolder(folderId)?.createdMs ?? null;
}

export function excludedOf(manifest: Manifest, folderId: string): string[] {
  return ((manifest.getFolder(folderId)?.settings ?? {}) as { excluded?: string[] }).excluded ?? [];
}

/** A folder's temp directory (same file system as the folder: renames into place are atomic). */
export function folderTmpDir(root: string): string {
  return path.join(root, METADATA_DIR_NAME, 'tmp');
}

/** Temp space for account-wide work: the first folder's, or the OS's when there is none. */
export function scratchDir(folders: ReadonlyMap<string, FolderRuntime>, fallback: string): string {
  const first = folders.values().next().value;
  return first ? folderTmpDir(first.root) : path.join(tmpdir(), fallback);
}
