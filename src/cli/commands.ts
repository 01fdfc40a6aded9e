/**
 * CLI command handlers: plain async functions taking the daemon client and an output sink, so
 * tests run them against a real daemon server without spawning processes. Each returns the exit
 * code (0 ok, 1 error); usage errors throw UsageError (exit 2).
 */
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { DaemonApiError, NOT_SET_UP_HINT, type DaemonClient } from '../daemon/client.js';
import type { DaemonEvent, Settings, Status } from '../sync/api/schema.js';
import {
  formatActivity,
  formatBytes,
  formatDuration,
  formatProgressLine,
  formatSettings,
  formatStatus,
  safeText,
} from './format.js';

export interface CliIO {
  /** One line (or block) of normal output. */
  out(text: string): void;
  /** One line of diagnostics. */
  err(text: string): void;
  /** Directory relative paths are resolved against (the daemon has its own cwd). */
  cwd: string;
  /** Clock, for "last sync 5 min ago". */
  now(): number;
  /** Where live progress bars go; bars are drawn only when it is a TTY. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Print JSON instead of text. */
  json?: boolean;
}

/** Bad arguments: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A folder argument as the user typed it: a folder id, or a path (resolved against cwd) equal to
 * a folder's root. Undefined (no argument) means every folder.
 */
export function resolveFolderArg(
  status: Status,
  arg: string | undefined,
  cwd: string,
): string | undefined {
  if (arg === undefined) return undefined;
  const byId = status.folders.find((f) => f.id === arg);
  if (byId !== undefined) return byId.id;
  const wanted = stripTrailingSep(resolve(cwd, arg));
  const byRoot = status.folders.find((f) => stripTrailingSep(f.root) === wanted);
  if (byRoot !== undefined) return byRoot.id;
  const known = status.folders.map((f) => `${safeText(f.root)} (${safeText(f.id)})`).join(', ');
  throw new UsageError(
    `no synced folder matches ${JSON.stringify(arg)}; ` +
      (known === '' ? 'there are no folders yet' : `folders: ${known}`),
  );
}

function stripTrailingSep(p: string): string {
  return p.length > 1 ? p.replace(/[\\/]+$/, '') : p;
}

function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export async function statusCommand(client: DaemonClient, io: CliIO): Promise<number> {
  let status: Status;
  try {
    status = await client.status();
  } catch (error) {
    if (!(error instanceof DaemonApiError && error.notSetUp)) throw error;
    io.out(io.json === true ? JSON.stringify({ setUp: false }) : NOT_SET_UP_HINT);
    return 1;
  }
  if (io.json === true) printJson(io, status);
  else io.out(formatStatus(status, io.now()));
  return status.state === 'error' ? 1 : 0;
}

type FolderAction = 'pause' | 'resume' | 'sync';

const DONE_TEXT: Record<FolderAction, string> = {
  pause: 'Paused',
  resume: 'Resumed',
  sync: 'Sync started for',
};

export async function folderActionCommand(
  client: DaemonClient,
  io: CliIO,
  action: FolderAction,
  folderArg?: string,
): Promise<number> {
  const folderId =
    folderArg === undefined
      ? undefined
      : resolveFolderArg(await client.status(), folderArg, io.cwd);
  const status =
    action === 'pause'
      ? await client.pause(folderId)
      : action === 'resume'
        ? await client.resume(folderId)
        : await client.syncNow(folderId);
  if (io.json === true) {
    printJson(io, status);
    return 0;
  }
  const target =
    folderId === undefined
      ? 'all folders'
      : safeText(status.folders.find((f) => f.id === folderId)?.root ?? folderId);
  io.out(`${DONE_TEXT[action]} ${target}. State: ${status.state}`);
  return 0;
}

export async function addCommand(
  client: DaemonClient,
  io: CliIO,
  path: string,
  excluded: string[] = [],
): Promise<number> {
  if (path.trim() === '') throw new UsageError('add needs a folder path');
  const root = resolve(io.cwd, path);
  const folder = await client.addFolder(excluded.length > 0 ? { root, excluded } : { root });
  if (io.json === true) printJson(io, folder);
  else io.out(`Added ${safeText(folder.root)} (id ${safeText(folder.id)}), state ${folder.state}.`);
  return 0;
}

export interface SettingsChanges {
  uploadLimit?: number | null;
  downloadLimit?: number | null;
  maxDeletes?: number;
  rescanInterval?: number;
}

export async function settingsCommand(
  client: DaemonClient,
  io: CliIO,
  changes: SettingsChanges,
): Promise<number> {
  let settings: Settings = await client.getSettings();
  const next: Settings = { ...settings };
  if (changes.uploadLimit !== undefined) next.uploadLimitBytesPerSec = changes.uploadLimit;
  if (changes.downloadLimit !== undefined) next.downloadLimitBytesPerSec = changes.downloadLimit;
  if (changes.maxDeletes !== undefined) next.maxDeletesPerPass = changes.maxDeletes;
  if (changes.rescanInterval !== undefined) next.rescanIntervalSec = changes.rescanInterval;
  const changed = Object.values(changes).some((v) => v !== undefined);
  if (changed) settings = await client.setSettings(next);
  if (io.json === true) printJson(io, settings);
  else io.out(`${changed ? 'Settings saved.\n' : ''}${formatSettings(settings)}`);
  return 0;
}

export async function activityCommand(
  client: DaemonClient,
  io: CliIO,
  limit: number,
): Promise<number> {
  const activity = await client.recentActivity(limit);
  if (io.json === true) printJson(io, activity);
  else if (activity.length === 0) io.out('No recent activity.');
  else io.out(activity.map(formatActivity).join('\n'));
  return 0;
}

export async function problemActionCommand(
  client: DaemonClient,
  io: CliIO,
  problemId: string,
  action: string,
): Promise<number> {
  const status = await client.resolveProblem({ problemId, action });
  if (io.json === true) printJson(io, status);
  else io.out(`Done. ${status.problems.length} problem(s) left.`);
  return 0;
}

export function uiUrlCommand(client: DaemonClient, io: CliIO): Promise<number> {
  io.out(client.uiUrl());
  if (io.json !== true) io.err("This address contains the daemon's access token: do not share it.");
  return Promise.resolve(0);
}

// --- status --watch -------------------------------------------------------------------------------

/** What the live view shows for one status: the bar's value/total and its text fields. */
export function progressView(status: Status): {
  value: number;
  total: number;
  payload: Record<string, string>;
} {
  const p = status.progress;
  return {
    value: Math.min(p.bytesDone, p.bytesTotal),
    total: Math.max(p.bytesTotal, 1),
    payload: {
      state: status.state,
      done: formatBytes(p.bytesDone),
      size: formatBytes(p.bytesTotal),
      files: `${p.filesDone}/${p.filesTotal}`,
      speed: `${formatBytes(p.speed)}/s`,
      etaText: formatDuration(p.etaSeconds),
      problems: status.problems.length === 0 ? '' : ` | ${status.problems.length} problem(s)`,
    },
  };
}

interface LiveView {
  status(status: Status): void;
  log(line: string): void;
  stop(): void;
}

function ttyView(stream: NodeJS.WritableStream): LiveView {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format:
        '{state} [{bar}] {percentage}% | {done} / {size} | {files} files | {speed} | ETA {etaText}{problems}',
      hideCursor: true,
      clearOnComplete: false,
      gracefulExit: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | null = null;
  return {
    status(status) {
      const view = progressView(status);
      if (bar === null) bar = multi.create(view.total, view.value, view.payload);
      else {
        bar.setTotal(view.total);
        bar.update(view.value, view.payload);
      }
    },
    log(line) {
      multi.log(`${line}\n`);
    },
    stop() {
      multi.stop();
    },
  };
}

/** Piped output: a progress line when the state changes or at most every few seconds. */
function plainView(io: CliIO, intervalMs = 5000): LiveView {
  let lastState: string | null = null;
  let lastPrint = 0;
  return {
    status(status) {
      const now = io.now();
      if (status.state === lastState && now - lastPrint < intervalMs) return;
      lastState = status.state;
      lastPrint = now;
      io.out(`[${status.state}] ${formatProgressLine(status.progress)}`);
    },
    log(line) {
      io.out(line);
    },
    stop() {},
  };
}

/**
 * `status --watch`: live progress from the event stream until the signal aborts (exit 0) or the
 * daemon goes away (exit 1).
 */
export async function watchCommand(
  client: DaemonClient,
  io: CliIO,
  signal: AbortSignal,
): Promise<number> {
  const stream = io.progressStream;
  const view =
    stream !== undefined && stream.isTTY === true && io.json !== true
      ? ttyView(stream)
      : plainView(io);
  const onEvent = (event: DaemonEvent): void => {
    if (io.json === true) {
      io.out(JSON.stringify(event));
      return;
    }
    if (event.type === 'status') view.status(event.status);
    else if (event.type === 'activity') view.log(formatActivity(event.activity));
  };
  const subscription = await client.subscribe(onEvent, (error) => io.err(error.message));
  if (signal.aborted) subscription.close();
  const onAbort = (): void => subscription.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await subscription.closed;
  } finally {
    signal.removeEventListener('abort', onAbort);
    view.stop();
  }
  if (signal.aborted) return 0;
  io.err('cess-sync: the daemon closed the event stream (stopped?)');
  return 1;
}
