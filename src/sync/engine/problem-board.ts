/**
 * Problems that need the user: a folder's, made from its pass's plan and scan (`folderProblems`)
 * or its failure (`failedPassProblem`), and all of them together (`ProblemBoard`) with those the
 * engine shows besides the folders': compaction's failure and the problems other parts of the
 * daemon report (the account poller), with their actions.
 */
import type { Problem, ProblemActionRequest } from '../api/schema.js';
import type { Plan } from '../planner/index.js';
import { RootMissingError } from './folder-sync.js';

/** Not a folder's problem: compaction works on the whole account's packs. */
const COMPACTION_PROBLEM_ID = 'account:compaction';

/** A finished pass's problems: held deletes, the planner's other problems, unreadable files. */
export function folderProblems(
  folderId: string,
  p: Plan,
  scanProblems: { path: string; code: string; message: string }[],
  maxDeletesPerPass: number,
): Problem[] {
  const out: Problem[] = [];
  // The planner says why deletes were held; the user sees one problem with the actions.
  const heldWhy = p.problems.filter(
    (pr) => pr.kind === 'tooManyDeletes' || pr.kind === 'emptyTree',
  );
  if (p.held.length > 0) {
    out.push({
      id: `${folderId}:held`,
      folderId,
      kind: 'heldDeletes',
      path: null,
      message: `${p.held.length} deletions are waiting for your confirmation: ${
        heldWhy.map((pr) => pr.message).join('; ') ||
        `more than ${maxDeletesPerPass} in one pass, or a folder that looks emptied`
      }.`,
      actions: ['confirmDeletes', 'refuseDeletes'],
    });
  }
  for (const pr of p.problems) {
    if (heldWhy.includes(pr)) continue;
    out.push({
      id: `${folderId}:plan:${pr.kind}:${(pr.ids ?? []).join(',')}`,
      folderId,
      kind: pr.kind,
      path: null,
      message: pr.message,
      actions: [],
    });
  }
  for (const sp of scanProblems) {
    out.push({
      id: `${folderId}:scan:${sp.code}:${sp.path}`,
      folderId,
      kind: sp.code,
      path: sp.path,
      message: sp.message,
      actions: [],
    });
  }
  return out;
}

/** A pass that failed: the folder's one problem until a pass succeeds. */
export function failedPassProblem(folderId: string, err: unknown, offline: boolean): Problem {
  return {
    id: `${folderId}:error`,
    folderId,
    kind: err instanceof RootMissingError ? 'rootMissing' : offline ? 'offline' : 'error',
    path: null,
    message: err instanceof Error ? err.message : String(err),
    actions: ['retry'],
  };
}

type ProblemResolver = (req: ProblemActionRequest) => Promise<void>;

export class ProblemBoard {
  /** The last compaction run's failure, shown until a run succeeds. */
  private compactionProblem: Problem | null = null;
  /** Problems found outside the engine, by source (the daemon's account poller). */
  private readonly externalProblems = new Map<
    string,
    { problems: Problem[]; resolve?: ProblemResolver }
  >();

  /** Every problem: the folders' and their conflicts', then compaction's and the others'. */
  all(folderProblems: Problem[], conflictProblems: Problem[]): Problem[] {
    return [
      ...folderProblems,
      ...conflictProblems,
      ...(this.compactionProblem ? [this.compactionProblem] : []),
      ...[...this.externalProblems.values()].flatMap((e) => e.problems),
    ];
  }

  /** Replaces a source's problems; true when they changed. */
  setExternal(source: string, problems: Problem[], resolve?: ProblemResolver): boolean {
    const before = JSON.stringify(this.externalProblems.get(source)?.problems ?? []);
    this.externalProblems.set(source, { problems, ...(resolve ? { resolve } : {}) });
    return JSON.stringify(problems) !== before;
  }

  /** The source that reported this problem (its resolver, if it has actions), if any did. */
  externalOf(problemId: string): { resolve?: ProblemResolver } | undefined {
    for (const ext of this.externalProblems.values()) {
      if (ext.problems.some((p) => p.id === problemId)) return ext;
    }
    return undefined;
  }

  isCompaction(problemId: string): boolean {
    return problemId === COMPACTION_PROBLEM_ID;
  }

  /** A compaction run failed (its message), or a later run succeeded (null). */
  noteCompaction(message: string | null): void {
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
  }
}
