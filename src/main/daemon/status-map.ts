/**
 * The daemon's Status and activity (src/sync/api/schema.ts), reduced to what the shell shows:
 * the tray's SyncState, the sync root "Open sync folder" opens, and the recent files list.
 * Plain functions, tested under Node.
 */
import path from 'node:path';
import type { Activity, FolderStatus, Status } from '../../sync/api/schema.js';
import { MAX_RECENT_FILES } from '../tray/tray-model.js';
import type { RecentFile, SyncState } from '../tray/tray-model.js';

export function syncStateOf(status: Status): SyncState {
  if (status.account === null) return { kind: 'needs-setup', what: 'account' };
  switch (status.state) {
    case 'idle':
      return status.folders.length === 0
        ? { kind: 'needs-setup', what: 'folder' }
        : { kind: 'synced' };
    case 'syncing': {
      const p = status.progress;
      return {
        kind: 'syncing',
        files: Math.max(p.filesTotal - p.filesDone, 0),
        bytesDone: p.bytesDone,
        bytesTotal: p.bytesTotal,
      };
    }
    case 'paused':
      return { kind: 'paused' };
    case 'offline':
      return { kind: 'offline' };
    case 'error': {
      const problem = status.problems.find((p) => p.kind === 'error') ?? status.problems[0];
      return { kind: 'error', message: problem?.message ?? 'the sync engine reported an error' };
    }
  }
}

/** The folder "Open sync folder" opens: the first one (the app syncs one folder today). */
export function syncRootOf(status: Status): string | null {
  return status.folders[0]?.root ?? null;
}

/**
 * An activity's absolute local path, or null when it does not name a file inside a known folder.
 * Paths from the daemon are '/'-separated and relative; anything that could climb out of the
 * root (the tray reveals the result in the file manager) is refused rather than resolved.
 */
export function localPathOf(
  activity: Pick<Activity, 'folderId' | 'path'>,
  folders: readonly Pick<FolderStatus, 'id' | 'root'>[],
): string | null {
  const folder = folders.find((f) => f.id === activity.folderId);
  if (folder === undefined || activity.path === '') return null;
  const segments = activity.path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /[\\\0]/.test(s))) return null;
  return path.join(folder.root, ...segments);
}

const ADDS = new Set(['uploaded', 'downloaded']);

/**
 * The recent files after one activity, most recent first: a transferred file moves to the top,
 * a deleted one leaves, a moved one follows its new name.
 */
export function withActivity(
  recent: readonly RecentFile[],
  activity: Activity,
  folders: readonly Pick<FolderStatus, 'id' | 'root'>[],
): RecentFile[] {
  const target = localPathOf(activity, folders);
  if (target === null) return [...recent];
  if (ADDS.has(activity.kind)) {
    const entry = { path: target, displayName: activity.path };
    return [entry, ...recent.filter((r) => r.path !== target)].slice(0, MAX_RECENT_FILES);
  }
  if (activity.kind === 'deleted') return recent.filter((r) => r.path !== target);
  if (activity.kind === 'moved') {
    const from = /^from (.+)$/.exec(activity.detail ?? '')?.[1];
    const source =
      from === undefined ? null : localPathOf({ folderId: activity.folderId, path: from }, folders);
    if (source === null) return [...recent];
    return recent.map((r) =>
      r.path === source ? { path: target, displayName: activity.path } : r,
    );
  }
  return [...recent];
}

/** Recent files from the daemon's activity history (GET /activity: newest first). */
export function recentFilesFrom(
  newestFirst: readonly Activity[],
  folders: readonly Pick<FolderStatus, 'id' | 'root'>[],
): RecentFile[] {
  let recent: RecentFile[] = [];
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const activity = newestFirst[i];
    if (activity !== undefined) recent = withActivity(recent, activity, folders);
  }
  return recent;
}
