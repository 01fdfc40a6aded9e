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
}
