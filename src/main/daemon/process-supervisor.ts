/**
 * The DaemonSupervisor: runs the sync daemon as a child process and keeps the shell's view of
 * it current. Node only (no Electron import), so it is tested under plain Node against real
 * child processes.
 *
 * One run = one child. A run is ready when its daemon.json names the child's pid and its API
 * answers (a status, or `not_set_up` while the device has no account). From then on the
 * supervisor follows it: status and activity over the event stream, and plain polling whenever
 * the stream is not up (not set up yet, or reconnecting). A run that ends without stop() is a
 * crash: restarted after the delay restart-policy.ts decides, or, after too many quick crashes,
 * given up with the daemon's last stderr lines in the error state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DaemonApiError, DaemonClient, type EventSubscription } from '../../daemon/client.js';
import { readDaemonFile } from '../../daemon/state-file.js';
import type {
  Activity,
  DaemonEvent as ApiEvent,
  ShareRequestEvent,
  Status,
} from '../../sync/api/schema.js';
import {
  EMPTY_NOTICE_MEMORY,
  planActivityNotices,
  planStatusNotices,
  type NoticeMemory,
} from '../notifications/notification-plan.js';
import type { UserNotice } from '../notifications/notification-text.js';
import { MAX_RECENT_FILES } from '../tray/tray-model.js';
import type { RecentFile } from '../tray/tray-model.js';
import type { DaemonCommand } from './daemon-command.js';
import { SHUTDOWN_MESSAGE } from './parent-tie.js';
import {
  DEFAULT_RESTART_POLICY,
  decideRestart,
  validateRestartPolicy,
  type RestartPolicy,
} from './restart-policy.js';
import { recentFilesFrom, syncRootOf, syncStateOf, withActivity } from './status-map.js';
import type { DaemonEndpoint, DaemonStatus, DaemonSupervisor } from './supervisor.js';

export interface ProcessSupervisorOptions {
  /** The daemon's state directory (where its daemon.json appears). */
  stateDir: string;
  command: DaemonCommand;
  policy?: RestartPolicy;
  /** From spawn to an answering API; past it the run is killed and counts as a crash. */
  startTimeoutMs?: number;
  /** How long stop() waits for a graceful exit before SIGKILL. */
  stopGraceMs?: number;
  /** Status polling while the event stream is not up. */
  pollMs?: number;
  /** Per-request timeout of the API client. */
  requestTimeoutMs?: number;
  /** Lines of the daemon's stderr kept for the error state. */
  stderrLines?: number;
  platform?: NodeJS.Platform;
  now?: () => number;
  /** The daemon's output and the supervisor's own diagnostics. */
  log?: (line: string) => void;
}

/** How a graceful exit is asked for: SIGTERM, or the IPC message where signals cannot ask. */
export function gracefulStopMethod(
  platform: NodeJS.Platform,
  ipcConnected: boolean,
): 'signal' | 'message' | 'kill' {
  if (platform !== 'win32') return 'signal';
  return ipcConnected ? 'message' : 'kill';
}

export function isNotSetUp(error: unknown): boolean {
  return error instanceof DaemonApiError && error.code === 'not_set_up';
}

/** Locked mode (the key file waits for its passphrase): the daemon runs, it did not crash. */
export function isLocked(error: unknown): boolean {
  return error instanceof DaemonApiError && error.code === 'locked';
}

export const LOCKED_MESSAGE = 'Locked: open CESS Sync and enter the key file passphrase';

type Phase = 'idle' | 'starting' | 'running' | 'waiting' | 'failed' | 'stopping' | 'stopped';

interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

interface Run {
  child: ChildProcess;
  startedAt: number;
  stderr: string[];
  exited: Promise<ExitResult>;
  hasExited: boolean;
  /** Ended by stop(): its exit is not a crash. */
  cancelled: boolean;
  timedOut: boolean;
  client: DaemonClient | null;
  subscription: EventSubscription | null;
  followTimer: NodeJS.Timeout | null;
  killOnExit: () => void;
}

const RECENT_ACTIVITY = 50;

export class ProcessSupervisor implements DaemonSupervisor {
  private readonly policy: RestartPolicy;
  private readonly startTimeoutMs: number;
  private readonly stopGraceMs: number;
  private readonly pollMs: number;
  private readonly requestTimeoutMs: number;
  private readonly stderrLines: number;
  private readonly platform: NodeJS.Platform;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  private phase: Phase = 'idle';
  private run: Run | null = null;
  private quickCrashes = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private waiters: { resolve(e: DaemonEndpoint): void; reject(e: Error): void }[] = [];
  private current: DaemonStatus = {
    state: { kind: 'starting' },
    recentFiles: [],
    syncRoot: null,
    lastStderr: [],
  };
  private endpointValue: DaemonEndpoint | null = null;
  private folders: { id: string; root: string }[] = [];
  private memory: NoticeMemory = EMPTY_NOTICE_MEMORY;
  private readonly statusListeners = new Set<(s: DaemonStatus) => void>();
  private readonly noticeListeners = new Set<(n: UserNotice) => void>();
  private readonly endpointListeners = new Set<(e: DaemonEndpoint | null) => void>();
  private readonly shareRequestListeners = new Set<(r: ShareRequestEvent) => void>();

  constructor(private readonly options: ProcessSupervisorOptions) {
    this.policy = validateRestartPolicy(options.policy ?? DEFAULT_RESTART_POLICY);
    this.startTimeoutMs = options.startTimeoutMs ?? 120_000;
    this.stopGraceMs = options.stopGraceMs ?? 15_000;
    this.pollMs = options.pollMs ?? 2_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.stderrLines = options.stderrLines ?? 20;
    this.platform = options.platform ?? process.platform;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** The running child's pid (tests check that nothing is left behind). */
  get pid(): number | null {
    return this.run?.child.pid ?? null;
  }

  /** Whether the daemon's event stream is connected (else the supervisor is polling). */
  get followingEvents(): boolean {
    return (this.run?.subscription ?? null) !== null;
  }

  get status(): DaemonStatus {
    return this.current;
  }

  endpoint(): DaemonEndpoint | null {
    return this.endpointValue;
  }

  start(): Promise<DaemonEndpoint> {
    if (this.phase === 'running' && this.endpointValue !== null) {
      return Promise.resolve(this.endpointValue);
    }
    if (this.phase === 'stopping') {
      return Promise.reject(new Error('the sync engine is stopping'));
    }
    const ready = new Promise<DaemonEndpoint>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    if (this.phase === 'waiting') {
      // Asked for while a restart is pending (the tray's "Restart sync engine"): now.
      if (this.restartTimer !== null) clearTimeout(this.restartTimer);
      this.launch();
    } else if (this.phase === 'idle' || this.phase === 'failed' || this.phase === 'stopped') {
      // A start after giving up (or after stop) is a fresh start: the user asked for it.
      this.quickCrashes = 0;
      this.stopping = null;
      this.launch();
    }
    return ready;
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  async setPaused(paused: boolean): Promise<void> {
    const client = this.run?.client;
    if (this.phase !== 'running' || client === undefined || client === null) {
      throw new Error('the sync engine is not running');
    }
    const status = paused ? await client.pause() : await client.resume();
    this.applyStatus(status);
  }

  async requestShare(path: string): Promise<ShareRequestEvent> {
    const client = this.run?.client;
    if (this.phase !== 'running' || client === undefined || client === null) {
      throw new Error('the sync engine is not running');
    }
    return client.requestShare(path);
  }

  onStatus(listener: (status: DaemonStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.current);
    return () => this.statusListeners.delete(listener);
  }

  onNotice(listener: (notice: UserNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  onEndpoint(listener: (endpoint: DaemonEndpoint | null) => void): () => void {
    this.endpointListeners.add(listener);
    listener(this.endpointValue);
    return () => this.endpointListeners.delete(listener);
  }

  onShareRequest(listener: (request: ShareRequestEvent) => void): () => void {
    this.shareRequestListeners.add(listener);
    return () => this.shareRequestListeners.delete(listener);
  }

  // --- one run ----------------------------------------------------------------------------------

  private launch(): void {
    this.restartTimer = null;
    this.phase = 'starting';
    this.setStatus({ state: { kind: 'starting' } });
    const { command } = this.options;
    const child = spawn(command.command, command.args, {
      env: command.env,
      ...(command.cwd !== undefined ? { cwd: command.cwd } : {}),
      stdio: command.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let hasExited = false;
    const exited = new Promise<ExitResult>((resolve) => {
      // 'close', not 'exit': the last stderr lines (the reason it died) are read by then.
      child.once('close', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        // Failed to spawn (ENOENT, EACCES): there will be no 'exit'.
        if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
        else this.log(`cess-sync: daemon process error: ${error.message}`);
      });
    }).then((result) => {
      hasExited = true;
      return result;
    });
    const run: Run = {
      child,
      startedAt: this.now(),
      stderr: [],
      exited,
      get hasExited() {
        return hasExited;
      },
      cancelled: false,
      timedOut: false,
      client: null,
      subscription: null,
      followTimer: null,
      // Last resort if the shell exits without stop() (app.exit, an uncaught error).
      killOnExit: () => {
        if (!hasExited) child.kill('SIGKILL');
      },
    };
    this.run = run;
    process.once('exit', run.killOnExit);
    readLines(child.stderr, (line) => {
      run.stderr.push(line);
      if (run.stderr.length > this.stderrLines) run.stderr.shift();
      this.log(`[daemon] ${line}`);
    });
    readLines(child.stdout, (line) => this.log(`[daemon] ${line}`));
    void exited.then((result) => this.onExit(run, result));
    void this.waitReady(run);
  }

  private isStale(run: Run): boolean {
    return run !== this.run || run.hasExited || run.cancelled;
  }

  private async waitReady(run: Run): Promise<void> {
    const deadline = run.startedAt + this.startTimeoutMs;
    while (!this.isStale(run)) {
      if (this.now() > deadline) {
        run.timedOut = true;
        await this.terminate(run);
        return;
      }
      const file = await readDaemonFile(this.options.stateDir);
      if (file.kind === 'ok' && file.info.pid === run.child.pid) {
        const client = new DaemonClient({
          url: file.info.url,
          token: file.info.token,
          timeoutMs: this.requestTimeoutMs,
        });
        let answered = false;
        try {
          await client.status();
          answered = true;
        } catch (error) {
          answered = isNotSetUp(error) || isLocked(error);
        }
        if (this.isStale(run)) return;
        if (answered) {
          run.client = client;
          this.phase = 'running';
          this.setEndpoint({ origin: client.url, token: file.info.token });
          for (const waiter of this.waiters.splice(0))
            waiter.resolve({
              origin: client.url,
              token: file.info.token,
            });
          void this.follow(run, client);
          return;
        }
      }
      await delay(100);
    }
  }

  /** Status now, then the event stream; polling again whenever the stream is not up. */
  private async follow(run: Run, client: DaemonClient): Promise<void> {
    if (this.isStale(run)) return;
    let status: Status | null = null;
    try {
      status = await client.status();
    } catch (error) {
      if (this.isStale(run)) return;
      if (isNotSetUp(error)) {
        this.folders = [];
        this.setStatus({ state: { kind: 'needs-setup', what: 'account' }, syncRoot: null });
      } else if (isLocked(error)) {
        this.folders = [];
        this.setStatus({ state: { kind: 'error', message: LOCKED_MESSAGE }, syncRoot: null });
      } else {
        this.log(`cess-sync: daemon status failed: ${errorText(error)}`);
      }
      this.followLater(run, client);
      return;
    }
    if (this.isStale(run)) return;
    this.applyStatus(status);
    try {
      const activity = await client.recentActivity(RECENT_ACTIVITY);
      if (this.isStale(run)) return;
      this.mergeRecent(activity);
      const subscription = await client.subscribe(
        (event) => {
          if (!this.isStale(run)) this.onApiEvent(event);
        },
        (error) => this.log(`cess-sync: ${error.message}`),
      );
      if (this.isStale(run)) {
        subscription.close();
        return;
      }
      run.subscription = subscription;
      void subscription.closed.then(() => {
        if (run.subscription === subscription) run.subscription = null;
        this.followLater(run, client);
      });
    } catch (error) {
      if (this.isStale(run)) return;
      this.log(`cess-sync: daemon events unavailable: ${errorText(error)}`);
      this.followLater(run, client);
    }
  }

  private followLater(run: Run, client: DaemonClient): void {
    if (this.isStale(run) || run.followTimer !== null) return;
    run.followTimer = setTimeout(() => {
      run.followTimer = null;
      void this.follow(run, client);
    }, this.pollMs);
  }

  private onApiEvent(event: ApiEvent): void {
    switch (event.type) {
      case 'status':
        this.applyStatus(event.status);
        return;
      case 'activity':
        this.applyActivity(event.activity);
        return;
      case 'shareRequest':
        // The renderer opens the share dialog from its own event stream; the shell only has to
        // bring its window up.
        for (const listener of this.shareRequestListeners) listener(event.request);
        return;
    }
  }

  private applyStatus(status: Status): void {
    this.folders = status.folders.map((f) => ({ id: f.id, root: f.root }));
    this.setStatus({ state: syncStateOf(status), syncRoot: syncRootOf(status), lastStderr: [] });
    const plan = planStatusNotices(this.memory, status, this.now());
    this.memory = plan.memory;
    this.emitNotices(plan.notices);
  }

  private applyActivity(activity: Activity): void {
    const recent = withActivity(this.current.recentFiles, activity, this.folders);
    if (!sameRecent(recent, this.current.recentFiles)) this.setStatus({ recentFiles: recent });
    const plan = planActivityNotices(this.memory, activity, this.now());
    this.memory = plan.memory;
    this.emitNotices(plan.notices);
  }

  /** The daemon's activity is in memory only: keep what the shell knew before a restart. */
  private mergeRecent(newestFirst: readonly Activity[]): void {
    const fresh = recentFilesFrom(newestFirst, this.folders);
    const seen = new Set(fresh.map((r) => r.path));
    const merged = [...fresh, ...this.current.recentFiles.filter((r) => !seen.has(r.path))].slice(
      0,
      MAX_RECENT_FILES,
    );
    if (!sameRecent(merged, this.current.recentFiles)) this.setStatus({ recentFiles: merged });
  }

  private onExit(run: Run, result: ExitResult): void {
    this.closeRun(run);
    if (this.run !== run) return;
    this.run = null;
    this.setEndpoint(null);
    if (run.cancelled || this.phase === 'stopping' || this.phase === 'stopped') return;
    const how = describeExit(result, run.timedOut, this.startTimeoutMs);
    const decision = decideRestart(this.quickCrashes, this.now() - run.startedAt, this.policy);
    this.quickCrashes = decision.quickCrashes;
    const lastLine = [...run.stderr].reverse().find((l) => l.trim() !== '');
    if (decision.action === 'restart') {
      this.phase = 'waiting';
      const seconds = Math.max(1, Math.round(decision.delayMs / 1000));
      this.log(`cess-sync: daemon stopped (${how}); restarting in ${decision.delayMs} ms`);
      this.setStatus({
        state: {
          kind: 'error',
          message: `Sync engine stopped (${how}); restarting in ${seconds} s`,
          daemonDown: true,
        },
        lastStderr: [...run.stderr],
      });
      this.restartTimer = setTimeout(() => this.launch(), decision.delayMs);
      return;
    }
    this.phase = 'failed';
    const message = `Sync engine keeps stopping (${how})${lastLine !== undefined ? `: ${lastLine.trim()}` : ''}`;
    this.log(`cess-sync: giving up after ${decision.quickCrashes} quick crashes`);
    this.setStatus({
      state: { kind: 'error', message, daemonDown: true },
      lastStderr: [...run.stderr],
    });
    const error = new Error([message, ...run.stderr.map((l) => `  ${l}`)].join('\n'));
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private closeRun(run: Run): void {
    process.removeListener('exit', run.killOnExit);
    if (run.followTimer !== null) clearTimeout(run.followTimer);
    run.followTimer = null;
    run.subscription?.close();
    run.subscription = null;
    run.client = null;
  }

  /** Graceful exit, then SIGKILL after the grace period; resolves when the process is gone. */
  private async terminate(run: Run): Promise<void> {
    if (run.hasExited) return;
    const method = gracefulStopMethod(this.platform, run.child.connected);
    try {
      if (method === 'message') run.child.send(SHUTDOWN_MESSAGE);
      else run.child.kill(method === 'signal' ? 'SIGTERM' : 'SIGKILL');
    } catch (error) {
      this.log(`cess-sync: could not ask the daemon to stop: ${errorText(error)}`);
    }
    const gone = await within(run.exited, this.stopGraceMs);
    if (!gone) {
      this.log(`cess-sync: daemon did not stop within ${this.stopGraceMs} ms; killing it`);
      run.child.kill('SIGKILL');
      await run.exited;
    }
  }

  private async doStop(): Promise<void> {
    this.phase = 'stopping';
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const stopped = new Error('the sync engine was stopped');
    for (const waiter of this.waiters.splice(0)) waiter.reject(stopped);
    const run = this.run;
    if (run !== null) {
      run.cancelled = true;
      this.closeRun(run);
      await this.terminate(run);
      this.run = null;
    }
    this.phase = 'stopped';
    this.setEndpoint(null);
    this.setStatus({ state: { kind: 'error', message: 'Sync engine stopped', daemonDown: true } });
  }

  // --- listeners ---------------------------------------------------------------------------------

  private setStatus(patch: Partial<DaemonStatus>): void {
    const next = { ...this.current, ...patch };
    // Polling in setup mode repeats the same status every few seconds: no tray rebuild for it.
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    for (const listener of this.statusListeners) listener(this.current);
  }

  private setEndpoint(endpoint: DaemonEndpoint | null): void {
    if (
      endpoint?.origin === this.endpointValue?.origin &&
      endpoint?.token === this.endpointValue?.token
    ) {
      return;
    }
    this.endpointValue = endpoint;
    for (const listener of this.endpointListeners) listener(endpoint);
  }

  private emitNotices(notices: readonly UserNotice[]): void {
    for (const notice of notices) for (const listener of this.noticeListeners) listener(notice);
  }
}

export function describeExit(
  result: ExitResult,
  timedOut: boolean,
  startTimeoutMs: number,
): string {
  if (timedOut) return `no answer within ${Math.round(startTimeoutMs / 1000)} s`;
  if (result.spawnError !== undefined) return `could not start: ${result.spawnError.message}`;
  if (result.signal !== null) return `killed by ${result.signal}`;
  return `exit code ${result.code ?? 'unknown'}`;
}

function readLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
    // A runaway line without a newline must not grow without bound.
    if (buffered.length > 64 * 1024) {
      onLine(buffered);
      buffered = '';
    }
  });
  stream.on('end', () => {
    if (buffered !== '') onLine(buffered);
  });
}

function sameRecent(a: readonly RecentFile[], b: readonly RecentFile[]): boolean {
  return (
    a.length === b.length &&
    a.every((r, i) => r.path === b[i]?.path && r.displayName === b[i]?.displayName)
  );
}

/** True when `promise` settles within `ms`; the timer never outlives the wait. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
