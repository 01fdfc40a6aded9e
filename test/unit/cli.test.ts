import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  UsageError,
  progressView,
  resolveFolderArg,
  watchCommand,
  type CliIO,
} from '../../src/cli/commands.js';
import { formatBytes, formatDuration, parseRate, safeText } from '../../src/cli/format.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, runCli } from '../../src/cli/program.js';
import { DaemonClient, DaemonNotRunningError } from '../../src/daemon/client.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { resolveStateDir } from '../../src/daemon/state-file.js';
import {
  API_VERSION,
  type Activity,
  type AddFolderRequest,
  type DaemonEvent,
  type FolderStatus,
  type ProblemActionRequest,
  type Settings,
  type Status,
  type SyncService,
} from '../../src/sync/api/schema.js';

/** In-memory SyncService for the CLI tests: records calls, emits events on demand. */
class FakeService implements SyncService {
  calls: string[] = [];
  state: Status['state'] = 'syncing';
  folders: FolderStatus[] = [
    {
      id: 'docs',
      root: '/home/u/Documents',
      state: 'syncing',
      files: 12,
      bytes: 5 * 1024 * 1024,
      lastSyncMs: null,
      pendingObjects: 2,
    },
  ];
  problems: Status['problems'] = [
    {
      id: 'c1',
      folderId: 'docs',
      kind: 'conflict',
      path: 'report.txt',
      message: 'edited on two devices',
      actions: ['keepBoth'],
    },
  ];
  settings: Settings = {
    uploadLimitBytesPerSec: null,
    downloadLimitBytesPerSec: 2048,
    maxDeletesPerPass: 50,
    rescanIntervalSec: 600,
  };
  activity: Activity[] = [
    { timeMs: Date.UTC(2025, 0, 2, 3, 4, 5), folderId: 'docs', kind: 'uploaded', path: 'a/b.txt' },
    {
      timeMs: Date.UTC(2025, 0, 2, 3, 4, 6),
      folderId: 'docs',
      kind: 'deleted',
      path: 'old\u202egnp.exe',
      detail: 'to trash',
    },
  ];
  private listeners = new Set<(e: DaemonEvent) => void>();

  status(): Status {
    return {
      apiVersion: API_VERSION,
      state: this.state,
      account: 'cXbob',
      folders: this.folders,
      progress: {
        bytesDone: 1024 * 1024,
        bytesTotal: 4 * 1024 * 1024,
        filesDone: 1,
        filesTotal: 4,
        speed: 512 * 1024,
        etaSeconds: 6,
      },
      problems: this.problems,
    };
  }
  async pause(folderId?: string): Promise<void> {
    this.calls.push(`pause:${folderId ?? '*'}`);
    this.state = 'paused';
  }
  async resume(folderId?: string): Promise<void> {
    this.calls.push(`resume:${folderId ?? '*'}`);
    this.state = 'syncing';
  }
  async syncNow(folderId?: string): Promise<void> {
    this.calls.push(`sync:${folderId ?? '*'}`);
  }
  async addFolder(req: AddFolderRequest): Promise<FolderStatus> {
    this.calls.push(`add:${req.root}:${(req.excluded ?? []).join(',')}`);
    return {
      id: 'new',
      root: req.root,
      state: 'syncing',
      files: 0,
      bytes: 0,
      lastSyncMs: null,
      pendingObjects: 0,
    };
  }
  async resolveProblem(req: ProblemActionRequest): Promise<void> {
    this.calls.push(`resolve:${req.problemId}:${req.action}`);
    this.problems = [];
  }
  getSettings(): Settings {
    return this.settings;
  }
  async setSettings(s: Settings): Promise<Settings> {
    this.calls.push('settings');
    this.settings = s;
    return s;
  }
  recentActivity(limit: number): Activity[] {
    this.calls.push(`activity:${limit}`);
    return this.activity.slice(0, limit);
  }
  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: DaemonEvent): void {
    for (const l of this.listeners) l(event);
  }
}

interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
}

function captureIO(cwd = '/home/u'): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    cwd,
    now: () => Date.UTC(2025, 0, 2, 4, 0, 0),
  };
}

let stateDir: string;
let service: FakeService;
let server: DaemonServer;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'cess-cli-'));
  service = new FakeService();
  server = await startDaemonServer({ service, stateDir, log: () => undefined });
});

afterEach(async () => {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function cli(
  args: string[],
  io = captureIO(),
  signal?: AbortSignal,
): Promise<{ code: number; out: string; err: string }> {
  const code = await runCli(['--state-dir', stateDir, ...args], {
    io,
    env: {},
    ...(signal ? { signal } : {}),
  });
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('cess-sync CLI against a real daemon server', () => {
  it('status shows the state, folders and problems', async () => {
    const { code, out } = await cli(['status']);
    expect(code).toBe(EXIT_OK);
    expect(out).toContain('State:    syncing');
    expect(out).toContain('/home/u/Documents  [syncing]');
    expect(out).toContain('12 files, 5.0 MiB, last sync never, 2 pending on CESS');
    expect(out).toContain('[conflict] report.txt: edited on two devices');
    expect(out).toContain('Progress: 25% 1.0 MiB / 4.0 MiB | 1/4 files | 512 KiB/s | ETA 6s');
  });

  it('status --json prints the contract object', async () => {
    const { code, out } = await cli(['--json', 'status']);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(out)).toMatchObject({ apiVersion: 1, folders: [{ id: 'docs' }] });
  });

  it('status exits 1 when the engine is in error', async () => {
    service.state = 'error';
    expect((await cli(['status'])).code).toBe(EXIT_ERROR);
  });

  it('pause and resume call through, for all folders or one (by id or path)', async () => {
    let r = await cli(['pause']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toBe('Paused all folders. State: paused');
    r = await cli(['resume', 'docs']);
    expect(r.out).toBe('Resumed /home/u/Documents. State: syncing');
    await cli(['pause', 'Documents/'], captureIO('/home/u'));
    await cli(['sync', '/home/u/Documents']);
    expect(service.calls).toEqual(['pause:*', 'resume:docs', 'pause:docs', 'sync:docs']);
  });

  it('an unknown folder is a usage error (exit 2) and nothing is called', async () => {
    const r = await cli(['pause', 'Pictures']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toContain(
      'no synced folder matches "Pictures"; folders: /home/u/Documents (docs)',
    );
    expect(service.calls).toEqual([]);
  });

  it('add resolves the path against the CLI cwd and passes excludes', async () => {
    const r = await cli(['add', 'Photos', '-x', '*.tmp', '.cache'], captureIO('/home/u'));
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toBe('Added /home/u/Photos (id new), state syncing.');
    expect(service.calls).toEqual(['add:/home/u/Photos:*.tmp,.cache']);
  });

  it('settings shows, and changes only what was given', async () => {
    let r = await cli(['settings']);
    expect(r.out).toContain('Upload limit:      unlimited');
    expect(r.out).toContain('Download limit:    2.0 KiB/s');
    expect(service.calls).toEqual([]);
    r = await cli(['settings', '--upload-limit', '2M', '--download-limit', 'none']);
    expect(r.code).toBe(EXIT_OK);
    expect(service.settings).toEqual({
      uploadLimitBytesPerSec: 2 * 1024 * 1024,
      downloadLimitBytesPerSec: null,
      maxDeletesPerPass: 50,
      rescanIntervalSec: 600,
    });
    expect(r.out).toContain('Settings saved.');
  });

  it('settings with a bad rate is a usage error', async () => {
    const r = await cli(['settings', '--upload-limit', 'fast']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toContain('invalid rate');
    expect(service.calls).toEqual([]);
  });

  it('activity -n N, with names made safe for the terminal', async () => {
    const r = await cli(['activity', '-n', '5']);
    expect(r.code).toBe(EXIT_OK);
    expect(service.calls).toEqual(['activity:5']);
    expect(r.out).toContain('2025-01-02 03:04:05  uploaded   a/b.txt');
    expect(r.out).toContain('deleted    old?gnp.exe (to trash)');
    expect((await cli(['activity', '-n', '0'])).code).toBe(EXIT_USAGE);
  });

  it('resolve takes an action on a problem', async () => {
    const r = await cli(['resolve', 'c1', 'keepBoth']);
    expect(r).toMatchObject({ code: 0, out: 'Done. 0 problem(s) left.' });
    expect(service.calls).toEqual(['resolve:c1:keepBoth']);
  });

  it('ui-url prints the web UI address with the token in the fragment', async () => {
    const r = await cli(['ui-url']);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toBe(`${server.url}/#token=${server.token}`);
    expect(r.err).toContain('access token');
  });

  it('usage errors exit 2; --help exits 0', async () => {
    expect((await cli(['frobnicate'])).code).toBe(EXIT_USAGE);
    expect((await cli(['status', '--nope'])).code).toBe(EXIT_USAGE);
    expect((await cli(['add'])).code).toBe(EXIT_USAGE);
    const help = await cli(['--help']);
    expect(help.code).toBe(EXIT_OK);
    expect(help.out).toContain('Usage: cess-sync');
  });

  it('status --watch prints progress and activity until aborted', async () => {
    const io = captureIO();
    const controller = new AbortController();
    const client = new DaemonClient({ url: server.url, token: server.token });
    const done = watchCommand(client, io, controller.signal);
    await expect.poll(() => io.stdout.length).toBe(1);
    expect(io.stdout[0]).toBe('[syncing] 25% 1.0 MiB / 4.0 MiB | 1/4 files | 512 KiB/s | ETA 6s');
    service.emit({
      type: 'activity',
      activity: {
        timeMs: Date.UTC(2025, 0, 2, 3, 4, 5),
        folderId: 'docs',
        kind: 'uploaded',
        path: 'x.bin',
      },
    });
    service.state = 'paused';
    service.emit({ type: 'status', status: service.status() });
    await expect.poll(() => io.stdout.length).toBe(3);
    expect(io.stdout[1]).toContain('uploaded   x.bin');
    expect(io.stdout[2]).toMatch(/^\[paused\]/);
    controller.abort();
    expect(await done).toBe(EXIT_OK);
  });

  it('status --watch exits 1 when the daemon stops', async () => {
    const io = captureIO();
    const client = new DaemonClient({ url: server.url, token: server.token });
    const done = watchCommand(client, io, new AbortController().signal);
    await expect.poll(() => io.stdout.length).toBe(1);
    await server.close();
    expect(await done).toBe(EXIT_ERROR);
    expect(io.stderr.join('\n')).toContain('closed the event stream');
  });
});

describe('when the daemon is not running', () => {
  it('no daemon.json: a friendly message and exit 1', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cess-cli-none-'));
    const io = captureIO();
    const code = await runCli(['status'], { io, env: { CESS_SYNC_HOME: empty } });
    expect(code).toBe(EXIT_ERROR);
    expect(io.stderr.join('\n')).toMatch(
      /^cess-sync daemon is not running \(no .*daemon\.json\); start it/,
    );
    await rm(empty, { recursive: true, force: true });
  });

  it('daemon.json left behind by a dead process', async () => {
    await server.close();
    await writeFile(
      join(stateDir, 'daemon.json'),
      JSON.stringify({ url: server.url, token: server.token, pid: 2 ** 22 + 12345 }),
      { mode: 0o600 },
    );
    const r = await cli(['status']);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.err).toContain('cess-sync daemon is not running (stale');
  });

  it('nothing listening at the recorded port', async () => {
    const port = await freePort();
    const client = new DaemonClient({ url: `http://127.0.0.1:${port}`, token: 'a'.repeat(43) });
    await expect(client.status()).rejects.toBeInstanceOf(DaemonNotRunningError);
    await expect(client.subscribe(() => undefined)).rejects.toBeInstanceOf(DaemonNotRunningError);
  });

  it('a wrong token is explained', async () => {
    const io = captureIO();
    const r = await runCli(['status'], {
      io,
      connect: async () => new DaemonClient({ url: server.url, token: 'b'.repeat(43) }),
    });
    expect(r).toBe(EXIT_ERROR);
    expect(io.stderr.join('\n')).toContain('the daemon rejected our token');
  });
});

describe('helpers', () => {
  it('resolveFolderArg', () => {
    const status = service.status();
    expect(resolveFolderArg(status, undefined, '/')).toBeUndefined();
    expect(resolveFolderArg(status, 'docs', '/')).toBe('docs');
    expect(resolveFolderArg(status, '../u/Documents', '/home/x')).toBe('docs');
    expect(() => resolveFolderArg(status, 'nope', '/')).toThrow(UsageError);
  });

  it('parseRate', () => {
    expect(parseRate('1048576')).toBe(1048576);
    expect(parseRate('500k')).toBe(512000);
    expect(parseRate('1.5MiB/s')).toBe(1572864);
    expect(parseRate('0')).toBeNull();
    expect(parseRate('none')).toBeNull();
    expect(() => parseRate('-1')).toThrow();
    expect(() => parseRate('2X')).toThrow();
  });

  it('formatting', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
    expect(formatDuration(null)).toBe('--');
    expect(formatDuration(75)).toBe('1m 15s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 02m');
    expect(safeText('a\u001b[31mb\u202ec')).toBe('a?[31mb?c');
    expect(progressView(service.status())).toMatchObject({
      value: 1024 * 1024,
      total: 4 * 1024 * 1024,
      payload: { etaText: '6s', speed: '512 KiB/s' },
    });
  });

  it('resolveStateDir: flag, then $CESS_SYNC_HOME, then ~/.cess-sync', () => {
    expect(resolveStateDir('/a', { CESS_SYNC_HOME: '/b' }, '/home/u')).toBe('/a');
    expect(resolveStateDir(undefined, { CESS_SYNC_HOME: '/b' }, '/home/u')).toBe('/b');
    expect(resolveStateDir(undefined, {}, '/home/u')).toBe('/home/u/.cess-sync');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolvePort(port));
    });
    s.on('error', reject);
  });
}
