/**
 * Conflicts the planner resolved with a conflict copy, kept until the user has looked at them.
 *
 * The planner never loses a version: on an edit/edit conflict the local version becomes
 * "name (conflict from <device> <time>).ext" next to the file, which takes the other version
 * (nameClash renames one of two items the same way). That is safe but silent, so each such copy
 * is recorded (device state, survives restarts) and shown as a 'conflict' problem with three
 * actions: keep both (the copy stays an ordinary file), keep the conflict copy (it replaces the
 * file, whose version goes to the folder's trash and stays in its version history), discard the
 * conflict copy (to the trash). A record also ends when the copy is gone from disk (the user
 * deleted or renamed it).
 */
import { lstat, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Problem } from '../api/schema.js';
import type { Manifest } from '../manifest/index.js';
import { pathOf, type Tree } from '../model/tree.js';
import { assertNoSymlinkInPath } from '../paths/index.js';
import type { Plan } from '../planner/index.js';
import { moveToTrash } from './folder-sync.js';

const STATE_KEY = 'conflicts';

const recordSchema = z
  .object({
    folderId: z.string(),
    kind: z.enum(['editEdit', 'nameClash']),
    /** The file that kept its name (sync path). */
    path: z.string(),
    /** The conflict copy (sync path). */
    copyPath: z.string(),
    timeMs: z.number(),
  })
  .strict();
export type ConflictRecord = z.infer<typeof recordSchema>;

export const CONFLICT_ACTIONS = ['keepBoth', 'keepConflictCopy', 'discardConflictCopy'] as const;
export type ConflictAction = (typeof CONFLICT_ACTIONS)[number];

export function loadConflicts(manifest: Pick<Manifest, 'getState'>): ConflictRecord[] {
  const parsed = z.array(recordSchema).safeParse(manifest.getState(STATE_KEY) ?? []);
  return parsed.success ? parsed.data : [];
}

export function saveConflicts(
  manifest: Pick<Manifest, 'setState'>,
  records: readonly ConflictRecord[],
): void {
  manifest.setState(STATE_KEY, records);
}

function joinRel(dir: string, name: string): string {
  return dir === '.' || dir === '' ? name : `${dir}/${name}`;
}

/**
 * The conflict copies a pass made: editEdit (a conflictCopy op next to the file) and nameClash
 * (the renamed item; `synced` is the merge base after the pass, to find the item that kept the
 * name).
 */
export function conflictsOfPass(
  folderId: string,
  plan: Pick<Plan, 'conflicts' | 'ops'>,
  synced: Tree,
  timeMs: number,
): ConflictRecord[] {
  const copies = new Map<string, string>();
  for (const op of plan.ops) if (op.type === 'conflictCopy') copies.set(op.id, op.copyName);
  const out: ConflictRecord[] = [];
  for (const c of plan.conflicts) {
    if (c.kind === 'editEdit') {
      const copyName = copies.get(c.id);
      if (copyName === undefined || c.path === '') continue;
      const copyPath = joinRel(path.posix.dirname(c.path), copyName);
      out.push({ folderId, kind: 'editEdit', path: c.path, copyPath, timeMs });
    } else if (c.kind === 'nameClash' && c.otherId !== undefined && c.path !== '') {
      const kept = pathOf(synced, c.otherId);
      if (kept === null || kept === '') continue;
      out.push({ folderId, kind: 'nameClash', path: kept, copyPath: c.path, timeMs });
    }
  }
  return out;
}

/**
 * Adds a pass's new records and drops the folder's older ones whose copy is no longer on disk
 * (`onDisk`: the scan's view). Records made by this pass are kept as they are: the copy was made
 * after the scan.
 */
export function updateConflicts(
  all: readonly ConflictRecord[],
  folderId: string,
  fresh: readonly ConflictRecord[],
  onDisk: (rel: string) => boolean,
): ConflictRecord[] {
  const freshCopies = new Set(fresh.map((r) => r.copyPath));
  const kept = all.filter(
    (r) => r.folderId !== folderId || (!freshCopies.has(r.copyPath) && onDisk(r.copyPath)),
  );
  return [...kept, ...fresh];
}

export function conflictProblemId(r: Pick<ConflictRecord, 'folderId' | 'copyPath'>): string {
  return `${r.folderId}:conflict:${r.copyPath}`;
}

/** The record a problem id names, if any. */
export function findConflict(
  records: readonly ConflictRecord[],
  problemId: string,
): ConflictRecord | undefined {
  return records.find((r) => conflictProblemId(r) === problemId);
}

export function conflictProblem(r: ConflictRecord): Problem {
  const copyName = path.posix.basename(r.copyPath);
  const name = path.posix.basename(r.path);
  const message =
    r.kind === 'editEdit'
      ? `"${r.path}" was changed on this device and on another one. It now has the other device's version; this device's version was kept as "${copyName}".`
      : `Two different items were named "${r.path}". One kept the name; the other was renamed "${copyName}".`;
  return {
    id: conflictProblemId(r),
    folderId: r.folderId,
    kind: 'conflict',
    path: r.copyPath,
    message: `${message} Keep both, keep the conflict copy (it replaces "${name}", whose version goes to the trash), or discard the conflict copy.`,
    actions: [...CONFLICT_ACTIONS],
  };
}

/** Carries out the user's choice on disk; the next pass syncs the result. */
export async function applyConflictAction(
  root: string,
  r: ConflictRecord,
  action: string,
): Promise<void> {
  switch (action) {
    case 'keepBoth':
      return;
    case 'discardConflictCopy':
      await assertNoSymlinkInPath(root, r.copyPath);
      await moveToTrash(root, r.copyPath);
      return;
    case 'keepConflictCopy': {
      const copyAbs = await assertNoSymlinkInPath(root, r.copyPath);
      const st = await lstat(copyAbs).catch(() => null);
      if (!st?.isFile())
        throw Object.assign(new Error(`the conflict copy ${r.copyPath} is no longer there`), {
          statusCode: 409,
          code: 'conflict_gone',
        });
      const targetAbs = await assertNoSymlinkInPath(root, r.path, { checkLeaf: false });
      // The replaced version goes to the trash (and stays in the version history); the same
      // path keeps its item id at the next scan, so this is an edit of the file, not a new one.
      await moveToTrash(root, r.path);
      await rename(copyAbs, targetAbs);
      return;
    }
    default:
      throw Object.assign(new Error(`a conflict has no action ${action}`), {
        statusCode: 400,
        code: 'unknown_action',
      });
  }
}
