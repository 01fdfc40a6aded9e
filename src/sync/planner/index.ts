/**
 * The sync planner: a pure function from the three trees (local, remote, synced) to the
 * operations that make the two sides equal. See docs/architecture.md, "src/sync/planner".
 */
export { plan, DEFAULT_MAX_DELETES_PER_PASS, DEFAULT_EMPTY_TREE_GUARD } from './plan.js';
export { conflictCopyName, conflictStamp, safeDeviceName } from './names.js';
export { isLocalOp } from './types.js';
export type {
  Conflict,
  ConflictKind,
  HeldDelete,
  HeldReason,
  LocalOp,
  Op,
  OpType,
  Plan,
  PlanInput,
  PlanLimits,
  Problem,
  ProblemKind,
} from './types.js';
