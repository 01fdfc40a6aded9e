/**
 * Ignore rules applied before watcher events reach the engine: built-ins, the root's
 * `.cessignore` (gitignore syntax) and selective-sync exclusions.
 */
export {
  IgnoreMatcher,
  IgnoreFileError,
  type IgnoreDecision,
  type IgnoreFileErrorCode,
  type IgnoreMatcherOptions,
  type IgnoreSource,
} from './matcher.js';
export {
  DEFAULT_EXACT_NAMES,
  DEFAULT_PATTERNS,
  IGNORE_FILE_NAME,
  MANDATORY_PATTERNS,
  METADATA_DIR_NAME,
  ROOT_MARKER_NAME,
} from './builtin.js';
