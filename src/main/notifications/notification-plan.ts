/**
 * Which desktop notifications the daemon's status changes and activity call for. Plain functions
 * over a small memory, so "the same problem is not notified twice" is tested under Node:
 *
 * - A problem notifies when it appears (its id was not in the previous status), unless the same
 *   notice was shown within the cooldown: the engine replaces its problem list after every pass,
 *   and a pass that fails for another reason briefly hides a held delete that is still there.
 * - Conflicts arrive both as activity (each resolution the planner made) and, possibly, as
 *   problems; both map to one key per folder and path, so a conflict notifies once.
 * - The memory survives daemon restarts (the supervisor keeps it), so a restart does not repeat
 *   what the user has already been told. A new app start does: held deletes waiting since
 *   yesterday should be said again.
 */
import type { Activity, Problem, Status } from '../../sync/api/schema.js';
import type { UserNotice } from './notification-text.js';

export const DEFAULT_NOTICE_COOLDOWN_MS = 6 * 60 * 60 * 1000;

export interface NoticeMemory {
  /** Problem ids in the last status seen. */
  readonly present: ReadonlySet<string>;
  /** Notice key -> when it was last shown (ms since the epoch). */
  readonly shownAt: ReadonlyMap<string, number>;
}

export const EMPTY_NOTICE_MEMORY: NoticeMemory = { present: new Set(), shownAt: new Map() };

export interface NoticePlan {
  notices: UserNotice[];
  memory: NoticeMemory;
}

type FolderRoots = readonly { id: string; root: string }[];

/** The notices a new status calls for. */
export function planStatusNotices(
  memory: NoticeMemory,
  status: Status,
  now: number,
  cooldownMs = DEFAULT_NOTICE_COOLDOWN_MS,
): NoticePlan {
  const shownAt = pruned(memory.shownAt, now, cooldownMs);
  const notices: UserNotice[] = [];
  for (const problem of status.problems) {
    if (memory.present.has(problem.id)) continue;
    const found = noticeForProblem(problem, status.folders);
    if (found === null || recentlyShown(shownAt, found.key, now, cooldownMs)) continue;
    shownAt.set(found.key, now);
    notices.push(found.notice);
  }
  return { notices, memory: { present: new Set(status.problems.map((p) => p.id)), shownAt } };
}

/** The notice one activity calls for (a conflict resolved, a share saved), if any. */
export function planActivityNotices(
  memory: NoticeMemory,
  activity: Activity,
  now: number,
  cooldownMs = DEFAULT_NOTICE_COOLDOWN_MS,
): NoticePlan {
  const shownAt = pruned(memory.shownAt, now, cooldownMs);
  const found = noticeForActivity(activity);
  if (found === null || recentlyShown(shownAt, found.key, now, cooldownMs)) {
    return { notices: [], memory: { present: memory.present, shownAt } };
  }
  shownAt.set(found.key, now);
  return { notices: [found.notice], memory: { present: memory.present, shownAt } };
}

interface Found {
  key: string;
  notice: UserNotice;
}

function noticeForProblem(problem: Problem, folders: FolderRoots): Found | null {
  switch (problem.kind) {
    case 'conflict':
      return {
        key: conflictKey(problem.folderId, problem.path ?? ''),
        notice: { type: 'conflict', path: problem.path ?? '', detail: problem.message },
      };
    case 'heldDeletes': {
      const root = folders.find((f) => f.id === problem.folderId)?.root ?? problem.folderId ?? '';
      const count = /^(\d+)\s+deletion/.exec(problem.message)?.[1];
      return {
        key: `problem:${problem.id}`,
        notice: {
          type: 'mass-delete-held',
          root: lastSegment(root),
          count: count === undefined ? null : Number(count),
        },
      };
    }
    case 'territoryLow':
      return {
        key: `problem:${problem.id}`,
        notice: { type: 'territory-low', message: problem.message },
      };
    case 'territoryExpiring':
    case 'territoryExpired':
      return {
        key: `problem:${problem.id}`,
        notice: { type: 'territory-expiring', message: problem.message },
      };
    default:
      // Errors, offline and the rest show in the tray and the window, not as notifications.
      return null;
  }
}

function noticeForActivity(activity: Activity): Found | null {
  switch (activity.kind) {
    case 'conflict':
      return {
        key: conflictKey(activity.folderId, activity.path),
        notice: { type: 'conflict', path: activity.path, detail: activity.detail ?? null },
      };
    case 'received': {
      // The engine logs a saved share as ('received', <where it was saved>, 'from <owner>').
      const from = /^from (\S+)$/.exec(activity.detail ?? '')?.[1] ?? null;
      return {
        key: `received:${activity.path}`,
        notice: { type: 'share-received', from, name: lastSegment(activity.path) },
      };
    }
    default:
      return null;
  }
}

function conflictKey(folderId: string | null, path: string): string {
  return `conflict:${folderId ?? ''}:${path}`;
}

function recentlyShown(
  shownAt: ReadonlyMap<string, number>,
  key: string,
  now: number,
  cooldownMs: number,
): boolean {
  const at = shownAt.get(key);
  return at !== undefined && now - at < cooldownMs;
}

/** A copy without the entries older than the cooldown (the memory stays small). */
function pruned(
  shownAt: ReadonlyMap<string, number>,
  now: number,
  cooldownMs: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, at] of shownAt) if (now - at < cooldownMs) out.set(key, at);
  return out;
}

/** The last segment of a '/' or '\' separated path (a folder's name for the notice). */
function lastSegment(p: string): string {
  const parts = p.split(/[\\/]/).filter((s) => s !== '');
  return parts[parts.length - 1] ?? p;
}
