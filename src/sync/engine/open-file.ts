/**
 * "Open" and "Reveal in folder" for a synced item (POST /api/v1/files/open): the path is checked
 * to stay inside the folder on disk (a valid sync path, no symbolic link on the way, the real
 * path under the folder's real path, not cess-sync's own files), then handed to the OS opener as
 * one argv element: spawned detached, no shell, nothing interpolated.
 *
 * A file that would run code when "opened" (an executable, a .desktop launcher, a script) is
 * not launched: as with the tray's recent files, a file synced from another device must not run
 * on one click. The user can reveal it instead.
 */
import { spawn } from 'node:child_process';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { METADATA_DIR_NAME, ROOT_MARKER_NAME } from '../ignore/index.js';
import { assertNoSymlinkInPath, caseFoldKey, isPathError } from '../paths/index.js';

/** Env var naming an executable to call instead of the OS opener (tests record the calls). */
export const OPENER_ENV = 'CESS_SYNC_OPENER';

/** A refused open; `statusCode` is what the daemon answers with. */
export class OpenFileError extends Error {
  override name = 'OpenFileError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenerCommand {
  command: string;
  args: string[];
  /** Windows: pass args as written (explorer parses `/select,"path"` itself). */
  verbatim?: boolean;
}

/**
 * The command that opens (or reveals) an absolute path. `override`: CESS_SYNC_OPENER, called
 * with the path as its one argument, `--reveal` first when revealing.
 */
export function openerCommand(
  absPath: string,
  reveal: boolean,
  platform: NodeJS.Platform = process.platform,
  override: string | undefined = process.env[OPENER_ENV],
): OpenerCommand {
  if (override !== undefined && override !== '') {
    if (!path.isAbsolute(override))
      throw new OpenFileError(500, 'bad_opener', `${OPENER_ENV} must be an absolute path`);
    return { command: override, args: reveal ? ['--reveal', absPath] : [absPath] };
  }
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: reveal ? ['-R', absPath] : [absPath] };
    case 'win32':
      // Windows paths cannot contain '"', so quoting the path is enough for explorer's parser.
      return reveal
        ? { command: 'explorer.exe', args: [`/select,"${absPath}"`], verbatim: true }
        : { command: 'explorer.exe', args: [`"${absPath}"`], verbatim: true };
    default:
      // Freedesktop has no portable "select this file": open the folder that holds it.
      return { command: 'xdg-open', args: [reveal ? path.dirname(absPath) : absPath] };
  }
}

const LAUNCHER_EXTENSIONS = new Set([
  '.desktop',
  '.sh',
  '.bash',
  '.zsh',
  '.command',
  '.tool',
  '.app',
  '.appimage',
  '.run',
  '.bin',
  '.jar',
  '.exe',
  '.com',
  '.bat',
  '.cmd',
  '.scr',
  '.pif',
  '.msi',
  '.msp',
  '.ps1',
  '.psm1',
  '.vbs',
  '.vbe',
  '.js',
  '.jse',
  '.wsf',
  '.wsh',
  '.hta',
  '.lnk',
  '.url',
  '.reg',
  '.cpl',
  '.scf',
  '.inf',
  '.py',
  '.pl',
  '.rb',
]);

/** Whether opening the file would run code rather than show it. */
export function isLauncher(name: string, mode: number, platform = process.platform): boolean {
  const ext = path.extname(name).toLowerCase();
  if (LAUNCHER_EXTENSIONS.has(ext)) return true;
  return platform !== 'win32' && (mode & 0o111) !== 0;
}

export interface OpenTarget {
  /** The folder's root as configured. */
  root: string;
  /** Sync path ('' = the folder itself), as the API got it. */
  rel: string;
  /** The on-disk spelling of `rel` when it differs (an NFD name), from local_files. */
  diskRel?: string;
  reveal: boolean;
}

/** Checks the target and returns the absolute path to hand to the opener. */
export async function resolveOpenTarget(t: OpenTarget): Promise<{ abs: string; isDir: boolean }> {
  let rootReal: string;
  try {
    rootReal = await realpath(t.root);
  } catch {
    throw new OpenFileError(404, 'not_found', `the folder ${t.root} is missing or not mounted`);
  }
  if (t.rel === '') return { abs: rootReal, isDir: true };
  const rel = t.diskRel ?? t.rel;
  const first = caseFoldKey(rel.split('/')[0] ?? '');
  if (first === caseFoldKey(METADATA_DIR_NAME) || first === caseFoldKey(ROOT_MARKER_NAME))
    throw new OpenFileError(400, 'bad_path', `${t.rel} is one of cess-sync's own files`);
  let abs: string;
  try {
    // Valid sync path (no '..', no absolute path, no backslash...), and no link on the way.
    abs = await assertNoSymlinkInPath(rootReal, rel);
  } catch (e) {
    if (isPathError(e)) throw new OpenFileError(400, 'bad_path', e.message);
    throw e;
  }
  let st;
  try {
    st = await lstat(abs);
  } catch {
    throw new OpenFileError(404, 'not_found', `${t.rel} is not on this device (yet)`);
  }
  // Defence in depth: the real path must still be below the folder's real path.
  const real = await realpath(abs);
  const back = path.relative(rootReal, real);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back))
    throw new OpenFileError(400, 'bad_path', `${t.rel} resolves outside its folder`);
  if (!st.isFile() && !st.isDirectory())
    throw new OpenFileError(400, 'bad_path', `${t.rel} is neither a file nor a folder`);
  if (!t.reveal && st.isFile() && isLauncher(path.basename(abs), st.mode))
    throw new OpenFileError(
      409,
      'would_run',
      `${t.rel} is a program or launcher; it is not opened from here (use Reveal in folder)`,
    );
  return { abs: real, isDir: st.isDirectory() };
}

/** Starts the opener detached and resolves once it has started (rejects if it cannot start). */
export function launchOpener(cmd: OpenerCommand): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, {
      detached: true,
      stdio: 'ignore',
      shell: false,
      windowsHide: false,
      ...(cmd.verbatim === true ? { windowsVerbatimArguments: true } : {}),
    });
    child.once('error', (e) =>
      reject(new OpenFileError(500, 'opener_failed', `cannot start ${cmd.command}: ${e.message}`)),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Validates the target and opens it (or its folder) with the OS. */
export async function openWithOs(t: OpenTarget): Promise<void> {
  const { abs } = await resolveOpenTarget(t);
  await launchOpener(openerCommand(abs, t.reveal));
}
