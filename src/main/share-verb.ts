/**
 * Explorer's "Share with CESS..." verb (build/installer.nsh) starts the app's executable as
 * `"<exe>" share "<path>"`. The first instance reads it from process.argv; a running app gets it
 * through 'second-instance'. Either way the shell hands the path to the daemon
 * (POST /api/v1/shares/request), which validates it and makes the page open the share dialog.
 */

/** Longest path worth sending: the API refuses more than 4096 characters anyway. */
const MAX_PATH_LENGTH = 4096;

/**
 * The paths after a `share` verb in a launch's argv, or [] when there is none. Chromium and
 * Electron switches (`--foo`, `--foo=bar`) may appear anywhere and are skipped; a `--` ends the
 * switches, so a file literally named `--x` still arrives. Only absolute paths are accepted: the
 * verb always passes Explorer's full path, and a relative one would resolve against whatever
 * directory the app happened to start in.
 */
export function extractSharePaths(argv: readonly string[]): string[] {
  const verbAt = argv.indexOf('share');
  if (verbAt < 0) return [];
  const out: string[] = [];
  let switches = true;
  for (const arg of argv.slice(verbAt + 1)) {
    if (switches && arg === '--') {
      switches = false;
      continue;
    }
    if (switches && arg.startsWith('--')) continue;
    if (arg.length === 0 || arg.length > MAX_PATH_LENGTH || arg.includes('\0')) continue;
    if (!isAbsolutePath(arg)) continue;
    out.push(arg);
  }
  return out;
}

/** POSIX `/x`, Windows `C:\x` or `C:/x`, or a UNC `\\server\share\x`. */
function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]+\\[^\\]+/.test(p);
}
