import type { ShareRequestEvent } from '../../sync/api/schema.js';
import type { UserNotice } from '../notifications/notification-text.js';
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
  /** The daemon's last stderr lines when it stopped on its own (for the log and bug reports). */
  lastStderr: string[];
}

/**
 * The shell's handle on the sync daemon (design.md, "Processes"); implemented by
 * ProcessSupervisor (./process-supervisor.ts). Contract:
 *
 * - start(): spawns the daemon and resolves once its local API answers, with its endpoint.
 *   Calling it again while running resolves to the current endpoint. A daemon that dies is
 *   restarted with backoff (restart-policy.ts); start() rejects only when the supervisor gives
 *   up (too many quick crashes) or is stopped, and no process is left behind then.
 * - stop(): asks the daemon to finish the operation in flight (its durable step) and exit,
 *   resolves when the process is gone; kills it after a grace period. Safe to call when not
 *   started and more than once. main.ts awaits it on 'before-quit'.
 * - onStatus / onNotice / onEndpoint / onShareRequest: subscribe; each returns its unsubscribe function.
 *   onStatus and onEndpoint deliver the current value at once, then every change. An
 *   unexpected daemon exit is reported as an 'error' state (daemonDown), never silently; a
 *   restarted daemon has a new endpoint (port and token), announced through onEndpoint.
 * - setPaused(): pauses/resumes syncing; resolves once the daemon has acknowledged it.
 */
export interface DaemonSupervisor {
  start(): Promise<DaemonEndpoint>;
  stop(): Promise<void>;
  onStatus(listener: (status: DaemonStatus) => void): () => void;
  onNotice(listener: (notice: UserNotice) => void): () => void;
  onEndpoint(listener: (endpoint: DaemonEndpoint | null) => void): () => void;
  /** `cess-sync share <path>` was accepted by the daemon: the window should come up. */
  onShareRequest(listener: (request: ShareRequestEvent) => void): () => void;
  setPaused(paused: boolean): Promise<void>;
  /** Hands a path from the Explorer verb to the daemon (it validates, the page opens the dialog). */
  requestShare(path: string): Promise<ShareRequestEvent>;
}
