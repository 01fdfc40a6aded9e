/**
 * The one error type of src/sync/paths. Every refusal carries a stable `code` the engine can
 * branch on (and the UI can translate), the offending input, and a human-readable message.
 */

export type PathErrorCode =
  /** The relative path is the empty string. */
  | 'EMPTY_PATH'
  /** The root given to a resolver is not an absolute path. */
  | 'ROOT_NOT_ABSOLUTE'
  /** Starts with '/' or '\' (POSIX absolute, or rooted on the current Windows drive). */
  | 'ABSOLUTE_PATH'
  /** Starts with a Windows drive letter ('C:', 'c:foo'). */
  | 'DRIVE_LETTER'
  /** Starts with '\\' or '//' (Windows UNC share or device path such as \\?\ or \\.\). */
  | 'UNC_PATH'
  /** Contains '\', which Windows treats as a separator. The engine separates with '/' only. */
  | 'BACKSLASH'
  /** A '..' segment. */
  | 'DOT_DOT_SEGMENT'
  /** A '.' segment. */
  | 'DOT_SEGMENT'
  /** An empty segment: '//' inside, or a trailing '/'. */
  | 'EMPTY_SEGMENT'
  /** NUL. */
  | 'NUL_CHAR'
  /** Another C0 control character (U+0001..U+001F) or DEL (U+007F). */
  | 'CONTROL_CHAR'
  /** A lone UTF-16 surrogate: cannot be encoded as UTF-8, so the name on disk would differ. */
  | 'INVALID_UNICODE'
  /** One segment is longer than the name limit (default 255 UTF-8 bytes). */
  | 'NAME_TOO_LONG'
  /** The relative path is longer than the path limit (default 4096 UTF-8 bytes). */
  | 'PATH_TOO_LONG'
  /** Windows only: a character Windows refuses or gives a meaning (<>:"|?*; ':' opens NTFS streams). */
  | 'WINDOWS_INVALID_CHAR'
  /** Windows only: a device name (CON, NUL, COM1, ...), which would not open a file at all. */
  | 'WINDOWS_RESERVED_NAME'
  /** Windows only: a trailing dot or space, which Windows strips ('a.' opens 'a', '.. ' opens '..'). */
  | 'WINDOWS_TRAILING_DOT_OR_SPACE'
  /** The joined result is not strictly inside the root (defence in depth; the checks above should have caught it). */
  | 'OUTSIDE_ROOT'
  /** toSyncPath was given the root itself. */
  | 'ROOT_ITSELF'
  /** An existing component inside the root is a symbolic link (or, on Windows, a junction). */
  | 'SYMLINK_IN_PATH'
  /** An existing component that should be a directory is something else. */
  | 'NOT_A_DIRECTORY';

export class PathError extends Error {
  override name = 'PathError';
  constructor(
    readonly code: PathErrorCode,
    /** The path as given (relative sync path, or absolute OS path for toSyncPath). */
    readonly path: string,
    message: string,
  ) {
    super(`${message}: ${JSON.stringify(path)}`);
  }
}

export function isPathError(e: unknown): e is PathError {
  return e instanceof PathError;
}
