/**
 * The planner's contract: what goes in (the three trees) and what comes out (operations for the
 * executors, conflicts for the user to know about, deletes held for the user to confirm, and
 * problems). See docs/architecture.md, "src/sync/planner".
 */
import type { ItemId, Tree } from '../model/tree.js';

export interface PlanLimits {
  /**
   * Most deletes one side may receive in one pass (default 1000). Above it, every delete of
   * that side is held (not emitted) and returned in `held` for the user to confirm.
   */
  maxDeletesPerPass?: number;
  /**
   * When one tree has nothing but its root while the merge base has at least this many items
   * (default 10), that tree is presumed unreadable (unmounted disk, broken snapshot), not
   * emptied by the user: every delete it would cause on the other side is held.
   */
  emptyTreeGuard?: number;
}

export interface PlanInput {
  local: Tree;
  remote: Tree;
  synced: Tree;
  /** This device's name, for conflict-copy names ("report (conflict from laptop ...).txt"). */
  deviceName: string;
  /** ms since the epoch; the time written into conflict-copy names (UTC). */
  now: number;
  limits?: PlanLimits;
  /** false: plan over every item, unchanged directories included (tests compare both ways). */
  prune?: boolean;
}

/**
 * One operation for an executor. Ops are applied in the order of `Plan.ops`. Once an op is
 * durable, the executor records in the synced tree whatever the two sides now agree on for that
 * item (its place, its content, or its absence), so a crash between ops is resumed by planning
 * again.
 *
 * Ops that put an item somewhere carry the place (parentId, name) it must end at; for content
 * ops on an item that already exists on that side the place equals where it already is.
 */
export type Op =
  /** Upload the local file's content to remote (new item, or a new version of an existing one). */
  | { type: 'uploadFile'; id: ItemId; parentId: ItemId; name: string }
  | { type: 'createRemoteDir'; id: ItemId; parentId: ItemId; name: string }
  /** Rename/move on remote: metadata only, never a re-upload. */
  | { type: 'moveRemote'; id: ItemId; parentId: ItemId; name: string }
  /** Delete on remote (the item has no remaining children by then). */
  | { type: 'deleteRemote'; id: ItemId }
  /** Download remote content into the local file (new item, or a new version). */
  | { type: 'downloadFile'; id: ItemId; parentId: ItemId; name: string }
  | { type: 'createLocalDir'; id: ItemId; parentId: ItemId; name: string }
  | { type: 'moveLocal'; id: ItemId; parentId: ItemId; name: string }
  /** Move the local item to the local trash (children were handled before). */
  | { type: 'deleteLocal'; id: ItemId }
  /**
   * Keep the local version of `id` as a new local file `copyName` next to it (same directory;
   * the scanner gives it a new id, the next pass uploads it). Always followed by a
   * `downloadFile` of `id`, which takes the remote version.
   */
  | { type: 'conflictCopy'; id: ItemId; copyName: string }
  /**
   * Both sides already agree on `id` (identical content edited on both sides, the same move on
   * both sides, deleted on both sides): record it in synced, no transfer. With `localId`, the
   * local item `localId` and the remote item `id` were created independently with the same
   * place and the same content (or are both directories): the executor re-keys the local item
   * (and its children's parent links) from `localId` to `id` first. Remote ids win because
   * remote ids are what other devices already know.
   */
  | { type: 'markSynced'; id: ItemId; localId?: ItemId };

export type OpType = Op['type'];

/** Ops carried out on this device's disk (the rest change the remote, or only the records). */
export type LocalOp = Extract<
  Op,
  { type: 'downloadFile' | 'createLocalDir' | 'moveLocal' | 'deleteLocal' | 'conflictCopy' }
>;

export function isLocalOp(op: Op): op is LocalOp {
  switch (op.type) {
    case 'downloadFile':
    case 'createLocalDir':
    case 'moveLocal':
    case 'deleteLocal':
    case 'conflictCopy':
      return true;
    default:
      return false;
  }
}

/**
 * Named conflict kinds (after ProtonDrive's engine), each with one resolution:
 * - editEdit: both sides changed a file's content differently -> the local version is kept as a
 *   conflict copy, the item takes the remote version.
 * - editDelete: one side edited a file the other deleted -> the edit wins, the file is restored
 *   on the deleting side.
 * - moveDelete: one side moved/renamed an (unedited) item the other deleted -> the delete wins
 *   (nothing the user wrote is lost: it was the synced version), unless something kept inside a
 *   directory brings it back (parentDeleted).
 * - moveMove: both sides moved an item to different places -> the remote place wins.
 * - parentDeleted: a directory deleted on one side still holds something added, edited or moved
 *   in on the other -> the directory is restored with that content (its untouched children stay
 *   deleted).
 * - nameClash: two different items would end up at the same parent+name -> the one not already
 *   there on remote (the local one) is renamed with a conflict-copy name.
 * - moveCycle: moves on the two sides would put directories inside each other -> the local move
 *   of one of them is undone (it takes its remote place).
 */
export type ConflictKind =
  | 'editEdit'
  | 'editDelete'
  | 'moveDelete'
  | 'moveMove'
  | 'parentDeleted'
  | 'nameClash'
  | 'moveCycle';

export interface Conflict {
  kind: ConflictKind;
  id: ItemId;
  /** The other item involved (nameClash: the item that kept the name). */
  otherId?: ItemId;
  /** Which side did the edit/move that the resolution is about, where it applies. */
  side?: 'local' | 'remote';
  /** Path of the item where it ends up (or where it was, when it is deleted). */
  path: string;
  /** What the planner did, in words for the activity log. */
  resolution: string;
}

export type HeldReason = 'tooManyDeletes' | 'emptyTree';

export interface HeldDelete {
  op: Extract<Op, { type: 'deleteLocal' | 'deleteRemote' }>;
  /** Path on the side the delete would apply to. */
  path: string;
  reason: HeldReason;
}

export type ProblemKind =
  /** A tree has no ROOT_ID: nothing is planned. */
  | 'rootMissing'
  /** A tree is not a tree (missing parent, cycle, duplicate sibling names): nothing is planned. */
  | 'invalidTree'
  /** One id is a file in one tree and a directory in another: nothing is planned. */
  | 'kindMismatch'
  /** One tree is empty while the merge base is not: its deletes are held. */
  | 'emptyTree'
  /** More deletes than the limit: held. */
  | 'tooManyDeletes'
  /** Siblings whose names differ only by case/normalization (reported, not changed). */
  | 'caseClash'
  /** An op could not be ordered (e.g. its place is taken by an item whose delete is held). */
  | 'blocked';

export interface Problem {
  kind: ProblemKind;
  side?: 'local' | 'remote';
  ids?: ItemId[];
  message: string;
}

export interface Plan {
  ops: Op[];
  conflicts: Conflict[];
  held: HeldDelete[];
  problems: Problem[];
}
