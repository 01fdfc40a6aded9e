/**
 * From sync paths to OS paths and back. `resolveInsideRoot` and `toSyncPath` are pure (string
 * work only); `assertNoSymlinkInPath` is the one function here that touches the disk, and only
 * to lstat.
 */
import { lstat as fsLstat } from 'node:fs/promises';
import nodePath from 'node:path';
import { PathError } from './errors.js';
import { hostPlatform, validateSyncPath, type PathOptions, type PathPlatform } from './validate.js';

function pathModule(platform: PathPlatform): nodePath.PlatformPath {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

function normalizedRoot(p: nodePath.PlatformPath, root: string, what: string): string {
  if (typeof root !== 'string' || !p.isAbsolute(root) || root.includes('\0')) {
    throw new PathError('ROOT_NOT_ABSOLUTE', String(root), `${what} is not an absolute path`);
  }
  // On win32, isAbsolute accepts '\foo' (rooted on the current drive); resolve() would then
  // borrow the process's current drive. A sync root must name its drive or share.
  if (p === nodePath.win32 && !/^(?:[A-Za-z]:[\\/]|[\\/]{2}[^\\/])/.test(root)) {
    throw new PathError('ROOT_NOT_ABSOLUTE', root, `${what} has no drive letter or UNC share`);
  }
  return p.resolve(root);
}

/** True if `child` (absolute, normalized) is strictly inside `root` (absolute, normalized). */
function strictlyInside(p: nodePath.PlatformPath, root: string, child: string): boolean {
  const rel = p.relative(root, child);
  if (rel === '' || p.isAbsolute(rel)) return false;
  const first = rel.split(p.sep)[0];
  return first !== '..';
}

/**
 * Joins a relative sync path ('/'-separated) to an absolute root and returns the absolute OS
 * path, or throws PathError. Every rule of `validateSyncPath` applies; then the join is checked
 * once more against the root (defence in depth). Does not touch the disk: symlinks are the job
 * of `assertNoSymlinkInPath`. Does not normalize Unicode: the caller passes the name that is
 * (or will be) on disk.
 */
export function resolveInsideRoot(root: string, relPath: string, opts: PathOptions = {}): string {
  const platform = opts.platform ?? hostPlatform();
  const p = pathModule(platform);
  const rootN = normalizedRoot(p, root, 'sync root');
  const segments = validateSyncPath(relPath, { ...opts, platform });
  const abs = p.join(rootN, ...segments);
  if (!strictlyInside(p, rootN, abs))
    throw new PathError('OUTSIDE_ROOT', relPath, 'path resolves outside the sync root');
  return abs;
}

/** The subset of fs.Stats that `assertNoSymlinkInPath` needs; lets tests inject a fake fs. */
export interface LstatResult {
  isSymbolicLink(): boolean;
  isDirectory(): boolean;
}

export interface SymlinkCheckOptions extends PathOptions {
  /** Also refuse when the last component itself is a symlink. Default true. */
  checkLeaf?: boolean;
  /** lstat implementation; default node:fs/promises lstat. */
  lstat?: (path: string) => Promise<LstatResult>;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

/**
 * Resolves `relPath` inside `root` (as `resolveInsideRoot`) and lstat's each existing component
 * below the root, from the top down: refuses with SYMLINK_IN_PATH if one is a symbolic link
 * (Node reports Windows junctions as symbolic links too), NOT_A_DIRECTORY if an ancestor is not
 * a directory. Stops at the first component that does not exist (nothing below it can be a
 * link). The root itself is not checked: a user may well keep the sync root behind a symlink.
 * Returns the absolute path.
 *
 * This is a check, not a lock: a link created between the check and the write is not seen.
 * Executors call it right before writing, write to a temporary name in the same directory
 * and rename, which narrows the window to the rename.
 */
export async function assertNoSymlinkInPath(
  root: string,
  relPath: string,
  opts: SymlinkCheckOptions = {},
): Promise<string> {
  const platform = opts.platform ?? hostPlatform();
  const p = pathModule(platform);
  const abs = resolveInsideRoot(root, relPath, { ...opts, platform });
  const rootN = p.resolve(root);
  const segments = relPath.split('/');
  const doLstat = opts.lstat ?? fsLstat;
  const checkLeaf = opts.checkLeaf ?? true;

  let cur = rootN;
  for (let i = 0; i < segments.length; i++) {
    cur = p.join(cur, segments[i] ?? '');
    const isLeaf = i === segments.length - 1;
    let st: LstatResult;
    try {
      st = await doLstat(cur);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT') return abs;
      if (code === 'ENOTDIR')
        throw new PathError(
          'NOT_A_DIRECTORY',
          relPath,
          `an ancestor of ${segments.slice(0, i + 1).join('/')} is not a directory`,
        );
      throw e;
    }
    if (st.isSymbolicLink() && (!isLeaf || checkLeaf)) {
      throw new PathError(
        'SYMLINK_IN_PATH',
        relPath,
        `${segments.slice(0, i + 1).join('/')} is a symbolic link`,
      );
    }
    if (!isLeaf && !st.isSymbolicLink() && !st.isDirectory()) {
      throw new PathError(
        'NOT_A_DIRECTORY',
        relPath,
        `${segments.slice(0, i + 1).join('/')} is not a directory`,
      );
    }
  }
  return abs;
}

/**
 * Turns an absolute OS path under `root` into the engine's sync path: relative, '/'-separated,
 * NFC. Refuses the root itself (ROOT_ITSELF), anything outside it (OUTSIDE_ROOT; on Windows,
 * comparison is case-insensitive as path.win32.relative does it), and any result
 * `validateSyncPath` refuses (e.g. a POSIX name containing '\' or a control character).
 * Root and path must be in the same form: this does not resolve symlinks (no realpath).
 */
export function toSyncPath(root: string, absPath: string, opts: PathOptions = {}): string {
  const platform = opts.platform ?? hostPlatform();
  const p = pathModule(platform);
  const rootN = normalizedRoot(p, root, 'sync root');
  if (typeof absPath !== 'string' || !p.isAbsolute(absPath)) {
    throw new PathError('OUTSIDE_ROOT', String(absPath), 'not an absolute path');
  }
  if (absPath.includes('\0')) throw new PathError('NUL_CHAR', absPath, 'NUL character in path');
  const absN = p.resolve(absPath);
  const rel = p.relative(rootN, absN);
  if (rel === '') throw new PathError('ROOT_ITSELF', absPath, 'path is the sync root itself');
  if (!strictlyInside(p, rootN, absN))
    throw new PathError('OUTSIDE_ROOT', absPath, 'path is outside the sync root');
  const syncPath = rel.split(p.sep).join('/').normalize('NFC');
  validateSyncPath(syncPath, { ...opts, platform });
  return syncPath;
}
