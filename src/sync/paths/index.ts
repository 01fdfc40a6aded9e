/**
 * Path safety and name policy of the sync engine. Every piece that touches the disk goes through
 * here first: sync paths are '/'-separated, relative, NFC, and never leave the root.
 */
export { PathError, isPathError, type PathErrorCode } from './errors.js';
export {
  validateSyncPath,
  isValidSyncPath,
  hostPlatform,
  type PathOptions,
  type PathPlatform,
} from './validate.js';
export {
  resolveInsideRoot,
  assertNoSymlinkInPath,
  toSyncPath,
  type LstatResult,
  type SymlinkCheckOptions,
} from './resolve.js';
export {
  normalizeName,
  isNfc,
  portabilityProblems,
  caseFoldKey,
  caseClashes,
  type PortabilityCode,
  type PortabilityOptions,
  type PortabilityProblem,
} from './names.js';
export { DEFAULT_MAX_NAME_BYTES, DEFAULT_MAX_PATH_BYTES } from './rules.js';
