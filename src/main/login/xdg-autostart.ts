/**
 * Start at login on Linux: the XDG Autostart spec's `$XDG_CONFIG_HOME/autostart/<name>.desktop`
 * (Electron's app.setLoginItemSettings does nothing on Linux). Node code, no Electron, tested
 * against a temporary XDG_CONFIG_HOME.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';

export const AUTOSTART_FILE_NAME = 'cess-sync.desktop';

/**
 * `$XDG_CONFIG_HOME/autostart/cess-sync.desktop`; the base directory spec says a relative
 * XDG_CONFIG_HOME is invalid and must be ignored, so then it is `~/.config`.
 */
export function autostartFilePath(env: NodeJS.ProcessEnv, homeDir: string): string {
  const configured = env.XDG_CONFIG_HOME;
  const base =
    configured !== undefined && path.isAbsolute(configured)
      ? configured
      : path.join(homeDir, '.config');
  return path.join(base, 'autostart', AUTOSTART_FILE_NAME);
}

export interface DesktopEntryInput {
  /** Absolute path of the program to start (the AppImage itself for an AppImage). */
  exec: string;
  args: readonly string[];
}

/** The Desktop Entry file text. */
export function autostartDesktopEntry(input: DesktopEntryInput): string {
  if (!path.isAbsolute(input.exec)) {
    throw new Error(
      `autostart program must be an absolute path, got ${JSON.stringify(input.exec)}`,
    );
  }
  const exec = [input.exec, ...input.args].map(quoteExecArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.5',
    'Name=cess-sync',
    'Comment=Keep folders in sync with CESS, end-to-end encrypted',
    `Exec=${exec}`,
    'Icon=cess-sync',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * One argument of an Exec key (Desktop Entry spec, "The Exec key"): quoted when it holds a
 * reserved character, with `"`, `` ` ``, `$` and `\` backslash-escaped inside the quotes; `%`
 * doubled (field codes); then the string-value escaping applies to backslashes again, so one
 * literal backslash is written as four. Line breaks cannot be represented and are refused.
 */
export function quoteExecArg(arg: string): string {
  if (/[\n\r\0]/.test(arg)) throw new Error('an Exec argument cannot contain a line break or NUL');
  if (arg === '') return '""';
  const percent = arg.replace(/%/g, '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(percent)) return percent;
  const quoted = `"${percent.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
  return quoted.replace(/\\/g, '\\\\');
}

/** Whether the entry exists and is not switched off (`Hidden=true` or autostart disabled). */
export async function isAutostartEnabled(file: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  return !/^\s*(Hidden\s*=\s*true|X-GNOME-Autostart-enabled\s*=\s*false)\s*$/m.test(text);
}

/**
 * Writes (atomically: temp file + rename, so a session starting meanwhile never reads half a
 * file) or removes the entry. Writing again refreshes Exec, e.g. after the AppImage moved.
 */
export async function setAutostart(file: string, entry: DesktopEntryInput | null): Promise<void> {
  if (entry === null) {
    await rm(file, { force: true });
    return;
  }
  const text = autostartDesktopEntry(entry);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, text, { mode: 0o644 });
}
