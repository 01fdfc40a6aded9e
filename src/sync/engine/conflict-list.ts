/**
 * The conflict copies waiting for the user (./conflicts.ts), persisted in the manifest: recorded
 * after each pass, shown as problems and in the file list, ended by the user's choice.
 */
import type { Problem, ProblemActionRequest } from '../api/schema.js';
import type { Manifest } from '../manifest/index.js';
import type { Plan } from '../planner/index.js';
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
import type { EngineHost } from './engine-options.js';
import type { FolderRuntime } from './folder-runtime.js';

export class ConflictList {
  private conflicts: ConflictRecord[];

  constructor(
    private readonly manifest: Manifest,
    private readonly host: Pick<EngineHost, 'log' | 'emitStatus' | 'schedule' | 'exclusive'>,
  ) {
    this.conflicts = loadConflicts(manifest);
  }

  /** Records the pass's conflict copies and forgets those the user removed (./conflicts.ts). */
  notePass(folderId: string, plan: Plan, passStart: number): void {
    const before = this.conflicts.filter((c) => c.folderId === folderId);
    // Most passes have no conflict, new or old: the whole merge base is not worth loading.
    if (plan.conflicts.length === 0 && before.length === 0) return;
    const fresh = conflictsOfPass(
      folderId,
      plan,
      this.manifest.loadTree(folderId, 'synced'),
      passStart,
    );
    const next = updateConflicts(
      this.conflicts,
      folderId,
      fresh,
      (rel) => this.manifest.getLocalFile(folderId, rel) !== undefined,
    );
    this.conflicts = next;
    saveConflicts(this.manifest, next);
  }

  /** The conflicts of the folders `synced` says are still synced, as problems. */
  problems(synced: (folderId: string) => boolean): Problem[] {
    return this.conflicts.filter((c) => synced(c.folderId)).map(conflictProblem);
  }

  /** A folder's files in conflict: those that kept their name and the copies. */
  paths(folderId: string): Set<string> {
    const conflictPaths = new Set<string>();
    for (const c of this.conflicts) {
      if (c.folderId !== folderId) continue;
      conflictPaths.add(c.path);
      conflictPaths.add(c.copyPath);
    }
    return conflictPaths;
  }

  /** A folder is no longer synced: its conflicts go. */
  forgetFolder(folderId: string): void {
    if (this.conflicts.some((c) => c.folderId === folderId)) {
      this.conflicts = this.conflicts.filter((c) => c.folderId !== folderId);
      saveConflicts(this.manifest, this.conflicts);
    }
  }

  /** The user's choice on a conflict copy (./conflicts.ts); the pass that follows syncs it. */
  async resolve(rt: FolderRuntime, req: ProblemActionRequest): Promise<void> {
    const rec = findConflict(this.conflicts, req.problemId);
    if (!rec)
      throw Object.assign(new Error(`no conflict ${req.problemId} (already resolved?)`), {
        statusCode: 404,
        code: 'no_such_problem',
      });
    // Between passes: a scan must not see the file moved to the trash and not yet replaced.
    await this.host.exclusive(() => applyConflictAction(rt.root, rec, req.action));
    this.conflicts = this.conflicts.filter((c) => c !== rec);
    saveConflicts(this.manifest, this.conflicts);
    const done: Record<string, string> = {
      keepBoth: 'resolved: kept both',
      keepConflictCopy: `resolved: the conflict copy replaced it`,
      discardConflictCopy: 'resolved: the conflict copy went to the trash',
    };
    this.host.log(rt.id, 'conflict', rec.path, done[req.action] ?? 'resolved');
    this.host.emitStatus();
    await this.host.schedule(rt.id);
  }
}
