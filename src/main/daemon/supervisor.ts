import type { DaemonEvent } from '../notifications/notification-text.js';
import type { RecentFile, SyncState } from '../tray/tray-model.js';

/** Where the daemon's local API listens, and the token clients present to it. */
export interface DaemonEndpoint {
  /** Exactly `http://127.0.0.1:<port>` (loopback only; the CSP is built from it). */
  origin: string;
  /** Bearer token for the local API; handed to the renderer through the preload bridge only. */
  token: string;
}

export interface DaemonStatus {
  state: SyncState;
  /** Most recent first. */
  recentFiles: RecentFile[];
  /** Absolute path of the sync root, or null before one is set up. */
  syncRoot: string | null;
}

/**
 * The shell's handle on the sync daemon (src/sync + src/cess running as a utility/child process;
 * design.md, "Processes"). The daemon is not built yet, so the shell depends on this interface
 * only and main.ts runs without one (the tray then says the engine is unavailable). Contract:
 *
 * - start(): spawns the daemon off the UI thread and resolves once its local API answers on the
 *   returned loopback endpoint. Calling it again while running resolves to the same endpoint.
 *   Rejects if the daemon exits or does not answer in time; no process is left behind then.
 * - stop(): asks the daemon to finish the operation in flight (its durable step) and exit, and
 *   resolves when the process is gone; kills it after a grace period. Safe to call when not
 *   started and more than once. main.ts awaits it on 'before-quit' before letting the app exit.
 * - onStatus / onEvent: subscribe; each returns its unsubscribe function. onStatus delivers the
 *   current status immediately and then every change. An unexpected daemon exit is reported
 *   as status { state: { kind: 'error', ... } }, never silently.
 * - setPaused(): pauses/resumes syncing; resolves once the daemon has acknowledged it.
 */
export interface DaemonSupervisor {
  start(): Promise<DaemonEndpoint>;
  stop(): Promise<void>;
  onStatus(listener: (status: DaemonStatus) => void): () => void;
  onEvent(listener: (event: DaemonEvent) => void): () => void;
  setPaused(paused: boolean): Promise<void>;
}
