/**
 * The only IPC between renderer and main. Everything about files and sync goes to the daemon's
 * local API directly (the same way the UI talks to it from a browser in headless mode); the
 * shell only tells the renderer where that API is and forwards deep links.
 */
export const IPC_CHANNELS = {
  /** invoke: () => DaemonConnection | null */
  daemonConnection: 'cess-sync:daemon-connection',
  /** main -> renderer: (href: string), a validated `cess-sync:` link */
  deepLink: 'cess-sync:deep-link',
  /** invoke: () => boolean | null (null: this build cannot start at login) */
  openAtLogin: 'cess-sync:open-at-login',
  /** invoke: (enabled: boolean) => boolean | null, the state after the change */
  setOpenAtLogin: 'cess-sync:set-open-at-login',
} as const;

export interface DaemonConnection {
  origin: string;
  token: string;
}

/** What the preload exposes as `window.cessSyncShell` (contextBridge). */
export interface ShellBridge {
  daemonConnection(): Promise<DaemonConnection | null>;
  /** Returns an unsubscribe function. */
  onDeepLink(listener: (href: string) => void): () => void;
  /** Start at login (Settings); optional so the page can tell a shell that lacks it. */
  openAtLogin?(): Promise<boolean | null>;
  setOpenAtLogin?(enabled: boolean): Promise<boolean | null>;
}
