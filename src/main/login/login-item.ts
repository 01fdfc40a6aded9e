/**
 * Start at login and what a launch shows: plain decisions, tested under Node. main.ts carries
 * them out (Electron's login items on macOS and Windows, xdg-autostart.ts on Linux).
 */

/** The switch a login start passes, so the app comes up in the tray without its window. */
export const HIDDEN_FLAG = '--hidden';

export type LoginItemMechanism =
  /** app.setLoginItemSettings / getLoginItemSettings (macOS, Windows). */
  | { kind: 'electron' }
  /** ~/.config/autostart/cess-sync.desktop (Linux and the BSDs: XDG Autostart). */
  | { kind: 'xdg-autostart' }
  | { kind: 'none'; reason: string };

/**
 * How start at login works here. A development run (`electron .`) gets none: registering it
 * would start a bare Electron with the repository at every login.
 */
export function loginItemMechanism(
  platform: NodeJS.Platform,
  isPackaged: boolean,
): LoginItemMechanism {
  if (!isPackaged) return { kind: 'none', reason: 'not available in a development build' };
  switch (platform) {
    case 'darwin':
    case 'win32':
      return { kind: 'electron' };
    case 'linux':
    case 'freebsd':
    case 'openbsd':
    case 'netbsd':
      return { kind: 'xdg-autostart' };
    default:
      return { kind: 'none', reason: `not supported on ${platform}` };
  }
}

/** What the shell remembers about start at login (the on/off itself lives in the OS). */
export interface LoginItemMemory {
  /** The first-run default (on) was applied once; from then on only the user changes it. */
  defaultApplied: boolean;
}

export type LoginItemStartup =
  | { action: 'none' }
  /** First run: turn it on, then remember that the default was applied. */
  | { action: 'enable-default' }
  /** Already on: write it again so it points at this copy of the app (an AppImage moves). */
  | { action: 'refresh' };

export function loginItemAtStartup(
  mechanism: LoginItemMechanism,
  memory: LoginItemMemory,
  enabledNow: boolean,
): LoginItemStartup {
  if (mechanism.kind === 'none') return { action: 'none' };
  if (!memory.defaultApplied) return enabledNow ? { action: 'none' } : { action: 'enable-default' };
  return enabledNow && mechanism.kind === 'xdg-autostart'
    ? { action: 'refresh' }
    : { action: 'none' };
}

/**
 * The program a login start runs: the AppImage file itself when running from one (the process
 * runs from a temporary mount that is gone after logout), else the executable.
 */
export function loginExecutable(execPath: string, env: NodeJS.ProcessEnv): string {
  const appImage = env.APPIMAGE;
  return appImage !== undefined && appImage !== '' ? appImage : execPath;
}

export type WindowAtLaunch = 'show' | 'tray-only';

/**
 * A start at login comes up in the tray only (the flag on Linux/Windows, the OS's word on
 * macOS); any other launch opens the window, which is what a person clicking the app expects.
 */
export function windowAtLaunch(argv: readonly string[], openedAtLogin: boolean): WindowAtLaunch {
  return openedAtLogin || argv.includes(HIDDEN_FLAG) ? 'tray-only' : 'show';
}

/**
 * A tray-only start still opens the window once when the device needs setting up: nothing syncs
 * until the user acts, and the tray alone does not say so loudly enough.
 */
export function revealForSetup(
  windowShown: boolean,
  state: { kind: string },
  alreadyRevealed: boolean,
): boolean {
  return !windowShown && !alreadyRevealed && state.kind === 'needs-setup';
}
