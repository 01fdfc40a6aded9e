import { stripUnsafeChars } from '../safe-text.js';

/** The sync state as the shell shows it (the daemon's status, reduced to what the tray needs). */
export type SyncState =
  | { kind: 'synced' }
  | { kind: 'syncing'; files: number; bytesDone: number; bytesTotal: number }
  | { kind: 'paused' }
  | { kind: 'offline' }
  /** `daemonDown`: the engine itself is not running (pause/resume has nothing to talk to). */
  | { kind: 'error'; message: string; daemonDown?: boolean }
  /** The shell is (re)starting the daemon and waiting for its API. */
  | { kind: 'starting' }
  /** The daemon runs but has no account yet, or no folder: the window is where to act. */
  | { kind: 'needs-setup'; what: 'account' | 'folder' };

export interface RecentFile {
  /** Absolute local path, opened with the OS handler when picked. */
  path: string;
  /** Path relative to the sync root, shown in the menu. */
  displayName: string;
}

export interface TrayInput {
  state: SyncState;
  /** Most recent first; the model shows at most MAX_RECENT_FILES. */
  recentFiles: readonly RecentFile[];
  /** The "start at login" checkbox; null or absent where the platform has no such thing. */
  openAtLogin?: boolean | null;
}

/** What a menu item does; main.ts maps each to an Electron call or a daemon request. */
export type TrayAction =
  | { kind: 'open-folder' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'open-recent'; path: string }
  | { kind: 'open-window' }
  | { kind: 'set-open-at-login'; enabled: boolean }
  | { kind: 'restart-daemon' }
  | { kind: 'quit' };

export type TrayMenuItem =
  | { type: 'separator' }
  | { type: 'normal'; label: string; enabled: boolean; action: TrayAction | null }
  | { type: 'checkbox'; label: string; checked: boolean; action: TrayAction }
  | { type: 'submenu'; label: string; enabled: boolean; items: TrayMenuItem[] };

export interface TrayModel {
  /** File name under assets/ (16x16; a `@2x` sibling exists for HiDPI). */
  icon: TrayIconFile;
  tooltip: string;
  menu: TrayMenuItem[];
}

export type TrayIconFile =
  | 'tray-synced.png'
  | 'tray-syncing.png'
  | 'tray-paused.png'
  | 'tray-offline.png'
  | 'tray-error.png';

export const TRAY_ICON_FILES: readonly TrayIconFile[] = [
  'tray-synced.png',
  'tray-syncing.png',
  'tray-paused.png',
  'tray-offline.png',
  'tray-error.png',
];

export const MAX_RECENT_FILES = 10;
const MAX_LABEL = 60;

/** The icon for each state: the two shell-only states borrow the nearest engine one. */
const ICON_FOR: Record<SyncState['kind'], TrayIconFile> = {
  synced: 'tray-synced.png',
  syncing: 'tray-syncing.png',
  paused: 'tray-paused.png',
  offline: 'tray-offline.png',
  error: 'tray-error.png',
  starting: 'tray-syncing.png',
  'needs-setup': 'tray-paused.png',
};

export function trayModel(input: TrayInput): TrayModel {
  const status = statusLine(input.state);
  const paused = input.state.kind === 'paused';
  // With the engine down, the pause item's place offers a restart; pause/resume needs an engine
  // that runs and has something to sync.
  const daemonDown = input.state.kind === 'error' && input.state.daemonDown === true;
  const canPause = !(input.state.kind === 'starting' || input.state.kind === 'needs-setup');
  const recent = input.recentFiles.slice(0, MAX_RECENT_FILES);
  const openAtLogin = input.openAtLogin ?? null;
  return {
    icon: ICON_FOR[input.state.kind],
    tooltip: `cess-sync — ${status}`,
    menu: [
      { type: 'normal', label: status, enabled: false, action: null },
      { type: 'separator' },
      { type: 'normal', label: 'Open sync folder', enabled: true, action: { kind: 'open-folder' } },
      daemonDown
        ? {
            type: 'normal',
            label: 'Restart sync engine',
            enabled: true,
            action: { kind: 'restart-daemon' },
          }
        : paused
          ? {
              type: 'normal',
              label: 'Resume syncing',
              enabled: canPause,
              action: { kind: 'resume' },
            }
          : {
              type: 'normal',
              label: 'Pause syncing',
              enabled: canPause,
              action: { kind: 'pause' },
            },
      recent.length === 0
        ? { type: 'submenu', label: 'Recent files', enabled: false, items: [] }
        : {
            type: 'submenu',
            label: 'Recent files',
            enabled: true,
            items: recent.map((f) => ({
              type: 'normal' as const,
              label: ellipsizeMiddle(menuSafe(f.displayName), MAX_LABEL),
              enabled: true,
              action: { kind: 'open-recent' as const, path: f.path },
            })),
          },
      { type: 'separator' },
      { type: 'normal', label: 'Open cess-sync', enabled: true, action: { kind: 'open-window' } },
      ...(openAtLogin === null
        ? []
        : [
            {
              type: 'checkbox' as const,
              label: 'Start cess-sync at login',
              checked: openAtLogin,
              action: { kind: 'set-open-at-login' as const, enabled: !openAtLogin },
            },
          ]),
      { type: 'normal', label: 'Quit cess-sync', enabled: true, action: { kind: 'quit' } },
    ],
  };
}

/** The one-line status, also the first (disabled) menu item. */
export function statusLine(state: SyncState): string {
  switch (state.kind) {
    case 'synced':
      return 'Up to date';
    case 'syncing': {
      const files = `${state.files} ${state.files === 1 ? 'file' : 'files'}`;
      if (state.bytesTotal <= 0) return `Syncing ${files}…`;
      const done = Math.min(Math.max(state.bytesDone, 0), state.bytesTotal);
      const pct = Math.floor((done / state.bytesTotal) * 100);
      return `Syncing ${files} — ${formatBytes(done)} of ${formatBytes(state.bytesTotal)} (${pct}%)`;
    }
    case 'paused':
      return 'Paused';
    case 'offline':
      return 'Offline — waiting for the network';
    case 'error':
      return `Error: ${ellipsizeMiddle(menuSafe(state.message), MAX_LABEL) || 'unknown problem'}`;
    case 'starting':
      return 'Starting the sync engine…';
    case 'needs-setup':
      return state.what === 'account'
        ? 'Not set up — open cess-sync to begin'
        : 'No folder synced yet — open cess-sync to pick one';
  }
}

/** Binary units, one decimal above KiB: 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, n);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * File names come from the disk and from other users: strip control and bidi-override
 * characters (a U+202E can make "txt.exe" read as "exe.txt") and, on Windows menus, a lone
 * '&' would become an accelerator, so it is doubled.
 */
export function menuSafe(text: string): string {
  return stripUnsafeChars(text).replace(/&/g, '&&').trim();
}

export function ellipsizeMiddle(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (keep - head)).join('');
}
