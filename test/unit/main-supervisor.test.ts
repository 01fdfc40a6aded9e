/**
 * ProcessSupervisor against real child processes: the fake daemon (test/support/fake-daemon.ts,
 * the real daemon server in front of an in-memory engine) started, followed, crashed,
 * restarted, given up on, stopped and killed. Every test ends by checking that no process is
 * left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/daemon/client.js';
import { processExists } from '../../src/daemon/state-file.js';
import { electronDaemonCommand, type DaemonCommand } from '../../src/main/daemon/daemon-command.js';
import { isShutdownMessage, SHUTDOWN_MESSAGE } from '../../src/main/daemon/parent-tie.js';
import {
  describeExit,
  gracefulStopMethod,
  ProcessSupervisor,
  type ProcessSupervisorOptions,
} from '../../src/main/daemon/process-supervisor.js';
import type { DaemonStatus } from '../../src/main/daemon/supervisor.js';
import type { UserNotice } from '../../src/main/notifications/notification-text.js';
import { eventually } from '../support/devnet.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const FAKE = path.join(REPO, 'test/support/fake-daemon.ts');
const FAST = { initialDelayMs: 100, maxDelayMs: 400, stableAfterMs: 60_000, maxQuickCrashes: 5 };

let dir: string;
let supervisors: ProcessSupervisor[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-supervisor-'));
  supervisors = [];
});

afterEach(async () => {
  for (const s of supervisors) await s.stop();
  await rm(dir, { recursive: true, force: true });
});

function fakeCommand(env: Record<string, string> = {}): DaemonCommand {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', FAKE, '--state-dir', path.join(dir, 'state')],
    env: { ...process.env, FAKE_COUNTER: path.join(dir, 'launches'), ...env },
    cwd: REPO,
    ipc: true,
  };
}

function supervise(
  env: Record<string, string>,
  options: Partial<ProcessSupervisorOptions> = {},
): {
  supervisor: ProcessSupervisor;
  statuses: DaemonStatus[];
  notices: UserNotice[];
  log: string[];
} {
  const log: string[] = [];
  const supervisor = new ProcessSupervisor({
    stateDir: path.join(dir, 'state'),
    command: fakeCommand(env),
    policy: FAST,
    pollMs: 200,
    stopGraceMs: 5_000,
    log: (line) => log.push(line),
    ...options,
  });
  supervisors.push(supervisor);
  const statuses: DaemonStatus[] = [];
  const notices: UserNotice[] = [];
  supervisor.onStatus((s) => statuses.push(s));
  supervisor.onNotice((n) => notices.push(n));
  return { supervisor, statuses, notices, log };
}

async function launchedPids(): Promise<number[]> {
  const text = await readFile(path.join(dir, 'launches'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

async function expectNoneAlive(): Promise<void> {
  const pids = await launchedPids();
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(processExists(pid), `pid ${pid} still running`).toBe(false);
}

describe('ProcessSupervisor with a daemon that runs', () => {
  it('starts, follows status and activity, pauses, and stops gracefully', async () => {
    const exitListeners = process.listenerCount('exit');
    const { supervisor, statuses } = supervise({ FAKE_MODE: 'serve' });
    const endpoint = await supervisor.start();
    expect(endpoint.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await supervisor.start()).toEqual(endpoint); // again while running: same endpoint
    expect(statuses[0]?.state).toEqual({ kind: 'starting' });

    const followed = await eventually(
      async () => (supervisor.status.state.kind === 'synced' ? supervisor.status : undefined),
      10_000,
      'the first status',
    );
    expect(followed.syncRoot).toBe('/home/ana/CESS');
    await eventually(
      async () => (supervisor.status.recentFiles.length > 0 ? true : undefined),
      10_000,
      'recent files from the activity history',
    );
    expect(supervisor.status.recentFiles).toEqual([
      { path: path.join('/home/ana/CESS', 'old', 'report.pdf'), displayName: 'old/report.pdf' },
    ]);

    await supervisor.setPaused(true);
    expect(supervisor.status.state).toEqual({ kind: 'paused' });
    await supervisor.setPaused(false);
    expect(supervisor.status.state).toEqual({ kind: 'synced' });

    const pid = supervisor.pid;
    expect(pid).not.toBeNull();
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    await supervisor.stop();
    await supervisor.stop(); // twice is fine
    expect(processExists(pid!)).toBe(false);
    // The fake removes daemon.json only on its graceful path (SIGTERM -> server.close()).
    expect(existsSync(path.join(dir, 'state', 'daemon.json'))).toBe(false);
    expect(supervisor.pid).toBeNull();
    expect(process.listenerCount('exit')).toBe(exitListeners);
    await expect(supervisor.setPaused(true)).rejects.toThrow(/not running/);
    await expectNoneAlive();
  });

  it('turns a pass with held deletes and a conflict into one notice each', async () => {
    const { supervisor, notices } = supervise({ FAKE_MODE: 'serve' });
    const endpoint = await supervisor.start();
    await eventually(
      async () => (supervisor.followingEvents ? true : undefined),
      10_000,
      'the supervisor following the event stream',
    );
    await new DaemonClient({ url: endpoint.origin, token: endpoint.token }).syncNow();
    await eventually(async () => (notices.length >= 2 ? true : undefined), 10_000, 'two notices');
    await new Promise((r) => setTimeout(r, 500)); // a third would have arrived by now
    expect(notices).toEqual([
      { type: 'mass-delete-held', root: 'CESS', count: 120 },
      {
        type: 'conflict',
        path: 'notes/plan.md',
        detail: 'edited on both sides: the local version is kept as a conflict copy',
      },
    ]);
    expect(supervisor.status.recentFiles[0]).toEqual({
      path: path.join('/home/ana/CESS', 'photos', 'cat.jpg'),
      displayName: 'photos/cat.jpg',
    });
  });

  it('passes on a share request from the file manager (the window must come up)', async () => {
    const { supervisor } = supervise({ FAKE_MODE: 'serve' });
    const requests: string[] = [];
    supervisor.onShareRequest((r) => requests.push(r.absPath));
    const endpoint = await supervisor.start();
    await eventually(
      async () => (supervisor.followingEvents ? true : undefined),
      10_000,
      'the supervisor following the event stream',
    );
    await new DaemonClient({ url: endpoint.origin, token: endpoint.token }).requestShare(
      '/home/ana/CESS/report.pdf',
    );
    await eventually(async () => (requests.length > 0 ? true : undefined), 10_000, 'the request');
    expect(requests).toEqual(['/home/ana/CESS/report.pdf']);
  });

  it('reports setup mode (409 not_set_up) as needs-setup and keeps the endpoint', async () => {
    const { supervisor } = supervise({ FAKE_MODE: 'not-set-up' });
    const endpoint = await supervisor.start();
    expect(supervisor.endpoint()).toEqual(endpoint);
    await eventually(
      async () => (supervisor.status.state.kind === 'needs-setup' ? true : undefined),
      10_000,
      'needs-setup',
    );
    expect(supervisor.status.state).toEqual({ kind: 'needs-setup', what: 'account' });
    expect(supervisor.status.syncRoot).toBeNull();
    await supervisor.stop();
    await expectNoneAlive();
  });
});

describe('ProcessSupervisor when the daemon dies', () => {
  it('restarts a daemon that crashes at start, with growing delays, until one runs', async () => {
    const { supervisor, statuses, log } = supervise({
      FAKE_MODE: 'crash-until',
      FAKE_CRASHES: '2',
    });
    const endpoints: (string | null)[] = [];
    supervisor.onEndpoint((e) => endpoints.push(e?.origin ?? null));
    await supervisor.start();
    const pids = await launchedPids();
    expect(pids).toHaveLength(3);
    expect(processExists(pids[0]!)).toBe(false);
    expect(processExists(pids[1]!)).toBe(false);
    expect(supervisor.pid).toBe(pids[2]);
    const errors = statuses
      .map((s) => s.state)
      .filter((s) => s.kind === 'error')
      .map((s) => (s.kind === 'error' ? s.message : ''));
    expect(errors).toEqual([
      'Sync engine stopped (exit code 3); restarting in 1 s',
      'Sync engine stopped (exit code 3); restarting in 1 s',
    ]);
    expect(log.filter((l) => l.startsWith('cess-sync: daemon stopped'))).toEqual([
      'cess-sync: daemon stopped (exit code 3); restarting in 100 ms',
      'cess-sync: daemon stopped (exit code 3); restarting in 200 ms',
    ]);
    const crashed = statuses.find((s) => s.state.kind === 'error');
    expect(crashed?.lastStderr.at(-1)).toBe(
      'fake-daemon: cannot open the manifest: disk full (launch 1)',
    );
    expect(endpoints.filter((e) => e !== null)).toHaveLength(1);
    await supervisor.stop();
    await expectNoneAlive();
  });

  it('restarts a daemon that dies while running, with a new endpoint', async () => {
    const { supervisor, log } = supervise({ FAKE_MODE: 'serve', FAKE_EXIT_AFTER_MS: '2500' });
    const endpoints: (string | null)[] = [];
    supervisor.onEndpoint((e) => endpoints.push(e === null ? null : e.token));
    const first = await supervisor.start();
    await eventually(
      async () => (endpoints.filter((e) => e !== null).length >= 2 ? true : undefined),
      20_000,
      'a second endpoint',
    );
    const tokens = endpoints.filter((e): e is string => e !== null);
    expect(tokens[0]).toBe(first.token);
    expect(tokens[1]).not.toBe(first.token);
    // null in between: the renderer must never be handed the dead daemon's endpoint.
    expect(endpoints.slice(0, 3)).toEqual([null, tokens[0], null]);
    expect(log.some((l) => l.includes('daemon stopped (exit code 7)'))).toBe(true);
    expect(log).toContain('[daemon] fake-daemon: segfault in the hasher');
    await supervisor.stop();
    await expectNoneAlive();
  });

  it('gives up after too many quick crashes, with the last stderr line in the state', async () => {
    const { supervisor } = supervise(
      { FAKE_MODE: 'crash-at-start' },
      { policy: { ...FAST, maxQuickCrashes: 2 } },
    );
    const error = await supervisor.start().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^Sync engine keeps stopping \(exit code 3\): fake-daemon: cannot open the manifest: disk full \(launch 3\)\n {2}fake-daemon: starting\n/,
    );
    expect(supervisor.status.state).toEqual({
      kind: 'error',
      message:
        'Sync engine keeps stopping (exit code 3): fake-daemon: cannot open the manifest: disk full (launch 3)',
      daemonDown: true,
    });
    expect(supervisor.status.lastStderr).toEqual([
      'fake-daemon: starting',
      'fake-daemon: cannot open the manifest: disk full (launch 3)',
    ]);
    expect(await launchedPids()).toHaveLength(3); // the first run and two restarts
    await new Promise((r) => setTimeout(r, 500));
    expect(await launchedPids()).toHaveLength(3); // and no more
    await expectNoneAlive();
  });

  it('kills a daemon that does not answer within the start timeout', async () => {
    const { supervisor } = supervise(
      { FAKE_MODE: 'silent' },
      { startTimeoutMs: 3_000, stopGraceMs: 1_000, policy: { ...FAST, maxQuickCrashes: 0 } },
    );
    await expect(supervisor.start()).rejects.toThrow(
      /^Sync engine keeps stopping \(no answer within 3 s\): fake-daemon: connecting to the chain…/,
    );
    await expectNoneAlive();
  });

  it('reports a command that cannot be spawned', async () => {
    const supervisor = new ProcessSupervisor({
      stateDir: path.join(dir, 'state'),
      command: { command: path.join(dir, 'no-such-binary'), args: [], env: {}, ipc: false },
      policy: { ...FAST, maxQuickCrashes: 0 },
      log: () => undefined,
    });
    supervisors.push(supervisor);
    await expect(supervisor.start()).rejects.toThrow(
      /could not start: spawn .*no-such-binary ENOENT/,
    );
    expect(supervisor.pid).toBeNull();
  });
});

describe('ProcessSupervisor.stop', () => {
  it('SIGKILLs a daemon that ignores SIGTERM after the grace period', async () => {
    const { supervisor, log } = supervise({ FAKE_MODE: 'ignore-sigterm' }, { stopGraceMs: 800 });
    await supervisor.start();
    const pid = supervisor.pid!;
    const t0 = Date.now();
    await supervisor.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(750);
    expect(processExists(pid)).toBe(false);
    expect(log).toContain('[daemon] fake-daemon: ignoring SIGTERM');
    expect(log).toContain('cess-sync: daemon did not stop within 800 ms; killing it');
    await expectNoneAlive();
  });

  it('cancels a pending restart and rejects a waiting start()', async () => {
    const { supervisor } = supervise(
      { FAKE_MODE: 'crash-at-start' },
      { policy: { ...FAST, initialDelayMs: 5_000, maxDelayMs: 5_000 } },
    );
    const started = supervisor.start();
    await eventually(
      async () => (supervisor.status.state.kind === 'error' ? true : undefined),
      10_000,
      'the first crash',
    );
    await supervisor.stop();
    await expect(started).rejects.toThrow('the sync engine was stopped');
    await new Promise((r) => setTimeout(r, 300));
    expect(await launchedPids()).toHaveLength(1);
    await expectNoneAlive();
  });

  it("stops by IPC message where signals cannot ask politely (Windows' path)", async () => {
    const { supervisor, log } = supervise({ FAKE_MODE: 'serve' }, { platform: 'win32' });
    await supervisor.start();
    const pid = supervisor.pid!;
    await supervisor.stop();
    expect(processExists(pid)).toBe(false);
    // Graceful: the message became the CLI's SIGTERM path, which removes daemon.json.
    expect(existsSync(path.join(dir, 'state', 'daemon.json'))).toBe(false);
    expect(log.some((l) => l.includes('killing it'))).toBe(false);
  });

  it('is a no-op before start', async () => {
    const { supervisor } = supervise({ FAKE_MODE: 'serve' });
    await supervisor.stop();
    expect(existsSync(path.join(dir, 'launches'))).toBe(false);
  });
});

describe('a daemon whose parent dies', () => {
  it('exits by itself when the supervising process is SIGKILLed', async () => {
    const harness = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO, 'test/support/supervise-fake.ts'),
        path.join(dir, 'state'),
      ],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, FAKE_COUNTER: path.join(dir, 'launches') },
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      harness.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      harness.once('exit', () => reject(new Error(`harness exited early: ${out}`)));
    });
    const { daemonPid } = JSON.parse(line) as { daemonPid: number };
    expect(processExists(daemonPid)).toBe(true);
    harness.kill('SIGKILL');
    await eventually(
      async () => (processExists(daemonPid) ? undefined : true),
      10_000,
      'the orphaned daemon to exit',
    );
    // It went the graceful way: the server removed its daemon.json.
    expect(existsSync(path.join(dir, 'state', 'daemon.json'))).toBe(false);
  });
});

describe('plain helpers', () => {
  it('builds the Electron command: Node mode, the compiled entry, no Electron switches', () => {
    const cmd = electronDaemonCommand({
      execPath: '/opt/cess-sync/cess-sync',
      appPath: '/opt/cess-sync/resources/app.asar',
      stateDir: '/home/ana/.cess-sync',
      env: { HOME: '/home/ana', ELECTRON_ENABLE_LOGGING: '1', CESS_SYNC_HOME: '/x' },
    });
    expect(cmd).toEqual({
      command: '/opt/cess-sync/cess-sync',
      args: [
        path.join('/opt/cess-sync/resources/app.asar', 'dist', 'main', 'daemon', 'child-entry.js'),
        '--state-dir',
        '/home/ana/.cess-sync',
        'daemon',
      ],
      env: { HOME: '/home/ana', CESS_SYNC_HOME: '/x', ELECTRON_RUN_AS_NODE: '1' },
      ipc: true,
    });
  });

  it('recognises only its own shutdown message', () => {
    expect(isShutdownMessage(SHUTDOWN_MESSAGE)).toBe(true);
    expect(isShutdownMessage({ type: 'other' })).toBe(false);
    expect(isShutdownMessage('cess-sync:shutdown')).toBe(false);
    expect(isShutdownMessage(null)).toBe(false);
  });

  it('asks politely by signal on POSIX, by IPC message on Windows', () => {
    expect(gracefulStopMethod('linux', true)).toBe('signal');
    expect(gracefulStopMethod('darwin', false)).toBe('signal');
    expect(gracefulStopMethod('win32', true)).toBe('message');
    expect(gracefulStopMethod('win32', false)).toBe('kill');
  });

  it('describes how a run ended', () => {
    expect(describeExit({ code: 3, signal: null }, false, 1000)).toBe('exit code 3');
    expect(describeExit({ code: null, signal: 'SIGSEGV' }, false, 1000)).toBe('killed by SIGSEGV');
    expect(describeExit({ code: null, signal: 'SIGTERM' }, true, 120_000)).toBe(
      'no answer within 120 s',
    );
  });
});
