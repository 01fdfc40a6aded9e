/**
 * Compaction and retention (docs/format.md §10): which snapshots to keep, which packs to
 * rewrite or delete, and the two-phase, lock-free protocol that lets several devices of one
 * account compact the same territory safely.
 */
export {
  DEFAULT_RETENTION,
  RetentionError,
  applyRetention,
  bucketOf,
  retentionPolicy,
  type KeepReason,
  type RetentionPolicy,
  type RetentionResult,
  type RetentionSnapshot,
} from './retention.js';
export {
  DEFAULT_COMPACTION_OPTIONS,
  HEADER_ENTRY_BYTES,
  PACK_FIXED_BYTES,
  looksLikeShareManifest,
  planCompaction,
  segmentsOf,
  type CompactionOptions,
  type CompactionPlan,
  type PlanBlob,
  type PlanInput,
  type PlanPack,
  type PlanStats,
  type RepackGroup,
} from './plan.js';
export {
  RECORD_PACK_MARKER,
  RECORD_VERSION,
  decodeRecord,
  encodeRecord,
  isRecordPackId,
  latestRecords,
  openRecord,
  writeRecordPack,
  type CompactionRecord,
  type SharePin,
} from './record.js';
export {
  memoryRefCache,
  reachable,
  type GraphContext,
  type Reach,
  type RefCache,
} from './graph.js';
export { CompactionState } from './state.js';
export {
  TERRITORY_PER_SEGMENT,
  noteSharePins,
  publishPins,
  runCompaction,
  type CompactionContext,
  type CompactionReport,
  type CompactionRunOptions,
  type CompactionStep,
} from './run.js';
