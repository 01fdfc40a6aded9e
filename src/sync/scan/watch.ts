/**
 * The folder watcher: chokidar events -> ignore rules -> batches of dirty paths for a partial
 * rescan (scanFolder({ paths })), plus a periodic full rescan as a safety net (events can be
 * lost: inotify queue overflow, the watch limit, network file systems, sleep/resume).
 *
 * The watcher never decides what changed: it only says where to look. The scanner compares
 * with what it recorded, so a lost, duplicated or reordered event costs at most a delay.
 */
import nodePath from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { lstatSync, type Stats } from 'node:fs';
import type { IgnoreMatcher } from '../ignore/index.js';

export interface WatchBatch {
  /**
   * Dirty paths relative to the root, '/'-separated, spelled as on disk (pass them to
   * scanFolder's `paths`). Empty when `full`.
   */
  paths: string[];
  /** Rescan everything: the periodic safety net, too many events, or a watcher error. */
  full: boolean;
  reason: 'events' | 'timer' | 'overflow' | 'error';
}

export interface WatchOptions {
  /** Absolute path of the sync root. */
  root: string;
  ignore: IgnoreMatcher;
  /** Called once per batch. Batches never overlap in time (the next one opens after). */
  onBatch: (batch: WatchBatch) => void;
  /** Batch window: events within this many ms of the first one form one batch. Default 500. */
  batchMs?: number;
  /** Period of the full rescan; 0 disables. Default 1 hour. */
  fullRescanMs?: number;
  /** More dirty paths than this in one batch become one full rescan. Default 10,000. */
  maxBatchPaths?: number;
  /** chokidar polling (network file systems). Default false. */
  usePolling?: boolean;
  onError?: (e: unknown) => void;
}

export interface FolderWatcher {
  /** Resolves when the initial watch is set up (events before it are not guaranteed). */
  readonly ready: Promise<void>;
  /** Emits the pending batch now, if any. */
  flush(): void;
  close(): Promise<void>;
}

function relOf(root: string, abs: string): string | undefined {
  const rel = nodePath.relative(root, abs);
  if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) return undefined;
  return rel.split(nodePath.sep).join('/');
}

function ignoredSafe(ignore: IgnoreMatcher, rel: string, isDir: boolean): boolean {
  try {
    return ignore.ignores(rel, isDir);
  } catch {
    return false; // a path the matcher refuses is for the scanner to report, not to hide
  }
}

export function watchFolder(opts: WatchOptions): FolderWatcher {
  const root = nodePath.resolve(opts.root);
  const batchMs = opts.batchMs ?? 500;
  const maxPaths = opts.maxBatchPaths ?? 10_000;
  const fullRescanMs = opts.fullRescanMs ?? 60 * 60 * 1000;
  let dirty = new Set<string>();
  let overflow = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const emit = (b: WatchBatch): void => {
    try {
      opts.onBatch(b);
    } catch (e) {
      opts.onError?.(e);
    }
  };

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    if (overflow) emit({ paths: [], full: true, reason: 'overflow' });
    else if (dirty.size > 0) emit({ paths: [...dirty].sort(), full: false, reason: 'events' });
    dirty = new Set();
    overflow = false;
  };

  const mark = (rel: string): void => {
    if (overflow) return;
    dirty.add(rel);
    if (dirty.size > maxPaths) {
      overflow = true;
      dirty = new Set();
    }
    timer ??= setTimeout(flush, batchMs);
  };

  const usePolling = opts.usePolling ?? false;
  // Directories chokidar watches (absolute). Filled from the `ignored` callback, which chokidar
  // calls with stats for every entry it lists, so it covers the initial tree too.
  const knownDirs = new Set<string>();

  const rescanAll = (): void => {
    overflow = true;
    dirty = new Set();
    timer ??= setTimeout(flush, batchMs);
  };

  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    persistent: true,
    usePolling,
    ignored: (abs: string, stats?: Stats) => {
      const rel = relOf(root, abs);
      if (rel === undefined) return false;
      if (stats === undefined) {
        // Kind unknown: prune only what is ignored as both (the stat call decides exactly).
        return ignoredSafe(opts.ignore, rel, false) && ignoredSafe(opts.ignore, rel, true);
      }
      const isDir = stats.isDirectory();
      if (ignoredSafe(opts.ignore, rel, isDir)) return true;
      if (isDir) {
        knownDirs.add(abs);
        return false;
      }
      // Why files are not handed to chokidar: it would keep one fs.watch (an inotify watch and
      // a FSWatcher object) per file, ~5 KiB and a wakeup source each; 100k files cost
      // 500 MiB and several % of a core at idle. A directory's own watch already reports
      // every child change with the child's name (the 'raw' events below). Polling cannot:
      // a directory's mtime does not move when a child's content does, so it keeps files.
      return !usePolling;
    },
  });

  const markAbs = (abs: string, isDir: boolean | undefined): void => {
    const rel = relOf(root, abs);
    if (rel === undefined) return;
    const asFile = ignoredSafe(opts.ignore, rel, false);
    const asDir = ignoredSafe(opts.ignore, rel, true);
    let ignored = asFile && asDir;
    if (asFile !== asDir) {
      // Only dir-only or file-only rules (`build/`) need the kind; events are rare enough
      // for one lstat each.
      let dir = isDir;
      if (dir === undefined) {
        try {
          dir = lstatSync(abs).isDirectory();
        } catch {
          dir = false; // gone: the scanner records the delete if it was known
        }
      }
      ignored = dir ? asDir : asFile;
    }
    if (!ignored) mark(rel);
  };

  watcher.on('all', (event, abs) => {
    if (event === 'unlinkDir') knownDirs.delete(abs);
    markAbs(abs, event === 'addDir' || event === 'unlinkDir' ? true : undefined);
  });
  // A directory watch's raw event names the child that changed (created, written, removed,
  // renamed, chmod): how file changes reach us now that files have no watch of their own.
  watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
    const dir = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (typeof dir !== 'string') return;
    const absDir = nodePath.resolve(dir);
    if (typeof name !== 'string' || name === '') {
      // No name (some platforms): look at the whole directory, the root being everything.
      if (absDir === root) rescanAll();
      else markAbs(absDir, true);
      return;
    }
    const abs = nodePath.resolve(absDir, name);
    markAbs(abs, knownDirs.has(abs) ? true : undefined);
  });
  watcher.on('error', (e) => {
    opts.onError?.(e);
    rescanAll(); // we may have lost events
  });

  const periodic =
    fullRescanMs > 0
      ? setInterval(() => emit({ paths: [], full: true, reason: 'timer' }), fullRescanMs)
      : undefined;
  periodic?.unref();

  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    ready,
    flush,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (periodic !== undefined) clearInterval(periodic);
      await watcher.close();
    },
  };
}
