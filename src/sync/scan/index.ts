/**
 * The local side of the sync model: the scanner that builds the local tree (with the stat-only
 * fast path and rename detection) and the watcher that says where to rescan.
 */
export {
  scanFolder,
  randomItemId,
  ScanError,
  type HashFn,
  type ScanOptions,
  type ScanProblem,
  type ScanProblemCode,
  type ScanResult,
  type ScanStats,
} from './scan.js';
export { watchFolder, type FolderWatcher, type WatchBatch, type WatchOptions } from './watch.js';
