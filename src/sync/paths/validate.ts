/**
 * Structural validation of the engine's relative sync paths: '/'-separated, no '.', '..' or
 * empty segments, no absolute/drive/UNC forms, no backslash, no control characters, length
 * limits. Pure: no I/O, no dependence on the host OS unless `platform` is left to default.
 */
import { PathError } from './errors.js';
import {
  DEFAULT_MAX_NAME_BYTES,
  DEFAULT_MAX_PATH_BYTES,
  firstWindowsInvalidChar,
  hasLoneSurrogate,
  hasTrailingDotOrSpace,
  isControlCode,
  isWindowsReservedName,
  utf8Bytes,
} from './rules.js';

export type PathPlatform = 'posix' | 'win32';

export interface PathOptions {
  /** Limit per segment in UTF-8 bytes. Default 255. */
  maxNameBytes?: number;
  /** Limit for the whole relative path in UTF-8 bytes. Default 4096. */
  maxPathBytes?: number;
  /**
   * Which OS's path rules to join with and enforce. Default: the host ('win32' on Windows,
   * 'posix' elsewhere). On 'win32' the Windows-only hazards (reserved device names, <>:"|?*,
   * trailing dot or space) are refused, because there they alias another file or a device;
   * elsewhere they are only reported by `portabilityProblems`.
   */
  platform?: PathPlatform;
}

export function hostPlatform(): PathPlatform {
  return process.platform === 'win32' ? 'win32' : 'posix';
}

/**
 * Checks a relative sync path and returns its segments, or throws PathError. Does not
 * normalize: an NFD path is valid here (it names a real file on Linux); the scanner converts
 * names with `normalizeName` / `toSyncPath` when it builds the local tree.
 */
export function validateSyncPath(relPath: string, opts: PathOptions = {}): string[] {
  const maxName = opts.maxNameBytes ?? DEFAULT_MAX_NAME_BYTES;
  const maxPath = opts.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES;
  const platform = opts.platform ?? hostPlatform();

  if (typeof relPath !== 'string' || relPath === '')
    throw new PathError('EMPTY_PATH', String(relPath), 'empty path');

  for (let i = 0; i < relPath.length; i++) {
    const c = relPath.charCodeAt(i);
    if (c === 0) throw new PathError('NUL_CHAR', relPath, 'NUL character in path');
    if (isControlCode(c))
      throw new PathError(
        'CONTROL_CHAR',
        relPath,
        `control character U+${c.toString(16).padStart(4, '0')} in path`,
      );
  }
  if (hasLoneSurrogate(relPath))
    throw new PathError('INVALID_UNICODE', relPath, 'lone UTF-16 surrogate in path');

  if (/^[\\/]{2}/.test(relPath)) throw new PathError('UNC_PATH', relPath, 'UNC or device path');
  if (relPath.startsWith('/') || relPath.startsWith('\\'))
    throw new PathError('ABSOLUTE_PATH', relPath, 'absolute path');
  if (/^[A-Za-z]:/.test(relPath)) throw new PathError('DRIVE_LETTER', relPath, 'drive letter');
  if (relPath.includes('\\'))
    throw new PathError('BACKSLASH', relPath, 'backslash in path (sync paths are /-separated)');

  if (utf8Bytes(relPath) > maxPath)
    throw new PathError('PATH_TOO_LONG', relPath, `path longer than ${maxPath} UTF-8 bytes`);

  const segments = relPath.split('/');
  for (const seg of segments) {
    if (seg === '') throw new PathError('EMPTY_SEGMENT', relPath, 'empty path segment');
    if (seg === '.') throw new PathError('DOT_SEGMENT', relPath, "'.' segment");
    if (seg === '..') throw new PathError('DOT_DOT_SEGMENT', relPath, "'..' segment");
    if (utf8Bytes(seg) > maxName)
      throw new PathError('NAME_TOO_LONG', relPath, `name longer than ${maxName} UTF-8 bytes`);
    if (platform === 'win32') {
      const bad = firstWindowsInvalidChar(seg);
      if (bad !== undefined)
        throw new PathError(
          'WINDOWS_INVALID_CHAR',
          relPath,
          `character ${JSON.stringify(bad)} is not allowed on Windows`,
        );
      if (isWindowsReservedName(seg))
        throw new PathError(
          'WINDOWS_RESERVED_NAME',
          relPath,
          `${JSON.stringify(seg)} is a Windows device name`,
        );
      if (hasTrailingDotOrSpace(seg))
        throw new PathError(
          'WINDOWS_TRAILING_DOT_OR_SPACE',
          relPath,
          'Windows strips a trailing dot or space',
        );
    }
  }
  return segments;
}

/** validateSyncPath as a predicate. */
export function isValidSyncPath(relPath: string, opts: PathOptions = {}): boolean {
  try {
    validateSyncPath(relPath, opts);
    return true;
  } catch (e) {
    if (e instanceof PathError) return false;
    throw e;
  }
}
