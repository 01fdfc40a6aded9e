import { mkdtemp, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { DaemonClient } from '../../src/daemon/client.js';
import {
  ROUTES,
  WS_PROTOCOL,
  activityListSchema,
  errorReplySchema,
  wsProtocols,
} from '../../src/daemon/protocol.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import {
  API_VERSION,
  eventSchema,
  folderStatusSchema,
  settingsSchema,
  statusSchema,
  type Activity,
  type AddFolderRequest,
  type DaemonEvent,
  type FolderStatus,
  type ProblemActionRequest,
  type Settings,
  type Status,
  type SyncService,
} from '../../src/sync/api/schema.js';
import { zeroProgress } from '../support/status.js';

/** In-memory SyncService: records calls, emits events like the engine would. */
class FakeService implements SyncService {
  calls: string[] = [];
  private paused = new Set<string>();
  private allPaused = false;
  private folders: FolderStatus[] = [
    {
      id: 'f1',
      root: '/home/u/Sync',
      state: 'idle',
      files: 3,
      bytes: 3000,
      lastSyncMs: 1_700_000_000_000,
      pendingObjects: 0,
    },
  ];
  private settings: Settings = {
    uploadLimitBytesPerSec: null,
    downloadLimitBytesPerSec: null,
    maxDeletesPerPass: 100,
    rescanIntervalSec: 3600,
  };
  problems: Status['problems'] = [
    {
      id: 'p1',
      folderId: 'f1',
      kind: 'heldDeletes',
      path: null,
      message: '120 deletes held',
      actions: ['confirmDeletes', 'refuseDeletes'],
    },
  ];
  activity: Activity[] = [];
  private listeners = new Set<(e: DaemonEvent) => void>();
  /** Set to make status() break the contract. */
  corrupt = false;

  status(): Status {
    const folders = this.folders.map((f) => ({
      ...f,
      state: this.allPaused || this.paused.has(f.id) ? ('paused' as const) : f.state,
    }));
    const status: Status = {
      apiVersion: API_VERSION,
      state: this.allPaused ? 'paused' : 'idle',
      account: 'cXalice',
      folders,
      progress: zeroProgress(),
      problems: this.problems,
    };
    return this.corrupt ? ({ ...status, apiVersion: 99 } as unknown as Status) : status;
  }
  async pause(folderId?: string): Promise<void> {
    this.calls.push(`pause:${folderId ?? '*'}`);
    this.requireFolder(folderId);
    if (folderId === undefined) this.allPaused = true;
    else this.paused.add(folderId);
    this.emit({ type: 'status', status: this.status() });
  }
  async resume(folderId?: string): Promise<void> {
    this.calls.push(`resume:${folderId ?? '*'}`);
    this.requireFolder(folderId);
    if (folderId === undefined) {
      this.allPaused = false;
      this.paused.clear();
    } else this.paused.delete(folderId);
    this.emit({ type: 'status', status: this.status() });
  }
  async syncNow(folderId?: string): Promise<void> {
    this.calls.push(`sync:${folderId ?? '*'}`);
    this.requireFolder(folderId);
  }
  async addFolder(req: AddFolderRequest): Promise<FolderStatus> {
    this.calls.push(`add:${req.root}`);
    const folder: FolderStatus = {
      id: `f${this.folders.length + 1}`,
      root: req.root,
      state: 'syncing',
      files: 0,
      bytes: 0,
      lastSyncMs: null,
      pendingObjects: 0,
    };
    this.folders.push(folder);
    return folder;
  }
  async resolveProblem(req: ProblemActionRequest): Promise<void> {
    this.calls.push(`resolve:${req.problemId}:${req.action}`);
    const problem = this.problems.find((p) => p.id === req.problemId);
    if (problem === undefined) {
      throw Object.assign(new Error(`no problem ${req.problemId}`), {
        statusCode: 404,
        code: 'no_such_problem',
      });
    }
    this.problems = this.problems.filter((p) => p !== problem);
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
  get listenerCount(): number {
    return this.listeners.size;
  }
  private requireFolder(folderId: string | undefined): void {
    if (folderId !== undefined && !this.folders.some((f) => f.id === folderId)) {
      throw Object.assign(new Error(`no folder ${folderId}`), {
        statusCode: 404,
        code: 'no_such_folder',
      });
    }
  }
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw HTTP (node:http, not fetch) so Host/Origin can be set to anything. */
function raw(
  server: DaemonServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawReply> {
  return new Promise((resolveReply, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveReply({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function auth(server: DaemonServer, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${server.token}`, ...extra };
}

function json(server: DaemonServer, body: unknown): Record<string, string> {
  return auth(server, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(JSON.stringify(body))),
  });
}

function parseReply<T>(schema: z.ZodType<T>, reply: RawReply): T {
  return schema.parse(JSON.parse(reply.body));
}

function expectError(reply: RawReply, status: number, code?: string): void {
  expect(reply.status).toBe(status);
  const error = parseReply(errorReplySchema, reply);
  if (code !== undefined) expect(error.error.code).toBe(code);
}

/** Opens the event stream and collects events; resolves once open. */
function openEvents(
  server: DaemonServer,
  protocols: string[],
  options: WebSocket.ClientOptions = {},
): Promise<{ ws: WebSocket; events: DaemonEvent[]; next: (n: number) => Promise<DaemonEvent[]> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${ROUTES.events}`, protocols, options);
  const events: DaemonEvent[] = [];
  const waiters: { n: number; done: (e: DaemonEvent[]) => void }[] = [];
  ws.on('message', (data) => {
    events.push(eventSchema.parse(JSON.parse(String(data))));
    for (const w of [...waiters]) {
      if (events.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(events.slice(0, w.n));
      }
    }
  });
  const next = (n: number): Promise<DaemonEvent[]> =>
    events.length >= n
      ? Promise.resolve(events.slice(0, n))
      : new Promise((done) => waiters.push({ n, done }));
  return new Promise((resolveOpen, reject) => {
    ws.once('open', () => resolveOpen({ ws, events, next }));
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode ?? 0}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

let stateDir: string;
let service: FakeService;
let server: DaemonServer;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'cess-daemon-'));
  service = new FakeService();
  server = await startDaemonServer({
    service,
    host: '127.0.0.1',
    port: 0,
    stateDir,
    log: () => undefined,
  });
});

afterEach(async () => {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('startDaemonServer: binding, token, daemon.json', () => {
  it('listens on 127.0.0.1 with a random base64url token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses any host but 127.0.0.1', async () => {
    for (const host of ['0.0.0.0', '::', 'localhost', '::1', '192.168.1.2']) {
      await expect(startDaemonServer({ service, host, stateDir })).rejects.toThrow(
        /127\.0\.0\.1 only/,
      );
    }
  });

  it('refuses a short or malformed token', async () => {
    await expect(startDaemonServer({ service, stateDir, token: 'short' })).rejects.toThrow(/token/);
    await expect(
      startDaemonServer({ service, stateDir, token: `${'a'.repeat(40)} x` }),
    ).rejects.toThrow(/token/);
  });

  it('writes daemon.json with mode 0600 and removes it on close', async () => {
    const file = join(stateDir, 'daemon.json');
    const info = JSON.parse(await readFile(file, 'utf8')) as unknown;
    expect(info).toEqual({ url: server.url, token: server.token, pid: process.pid });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await server.close();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await server.close(); // idempotent
  });

  it("uses a given token and keeps a newer daemon's daemon.json on close", async () => {
    const token = 'x'.repeat(43);
    const second = await startDaemonServer({ service, stateDir, token, log: () => undefined });
    expect(second.token).toBe(token);
    await server.close(); // the first daemon must not delete the second one's file
    const info = JSON.parse(await readFile(join(stateDir, 'daemon.json'), 'utf8')) as {
      token: string;
    };
    expect(info.token).toBe(token);
    await second.close();
  });
});

describe('auth, Host and Origin', () => {
  it('401 without a token or with a wrong one, 200 with it', async () => {
    expectError(await raw(server, 'GET', ROUTES.status), 401, 'unauthorized');
    const wrong = await raw(server, 'GET', ROUTES.status, {
      Authorization: `Bearer ${'A'.repeat(43)}`,
    });
    expectError(wrong, 401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    expectError(await raw(server, 'GET', ROUTES.status, { Authorization: server.token }), 401);
    expectError(
      await raw(server, 'GET', ROUTES.status, { Authorization: `Basic ${server.token}` }),
      401,
    );
    const ok = await raw(server, 'GET', ROUTES.status, auth(server));
    expect(ok.status).toBe(200);
    expect(parseReply(statusSchema, ok).folders[0]?.id).toBe('f1');
  });

  it('403 for a foreign Origin, even with the token', async () => {
    for (const origin of [
      'https://evil.example',
      'http://127.0.0.1:1',
      'null',
      'file://',
      'app://evil',
    ]) {
      expectError(
        await raw(server, 'GET', ROUTES.status, auth(server, { Origin: origin })),
        403,
        'forbidden_origin',
      );
    }
    for (const origin of [server.url, `http://localhost:${server.port}`, 'app://cess-sync']) {
      expect(
        (await raw(server, 'GET', ROUTES.status, auth(server, { Origin: origin }))).status,
      ).toBe(200);
    }
  });

  it('403 for a foreign Host (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '127.0.0.1',
      `127.0.0.1:${server.port + 1}`,
      `[::1]:${server.port}`,
    ]) {
      expectError(
        await raw(server, 'GET', ROUTES.status, auth(server, { Host: host })),
        403,
        'forbidden_host',
      );
    }
    expect(
      (await raw(server, 'GET', ROUTES.status, auth(server, { Host: `localhost:${server.port}` })))
        .status,
    ).toBe(200);
  });

  it('CORS: only the Electron app origin, never a wildcard; preflight answered without a token', async () => {
    const app = await raw(
      server,
      'GET',
      ROUTES.status,
      auth(server, { Origin: 'app://cess-sync' }),
    );
    expect(app.headers['access-control-allow-origin']).toBe('app://cess-sync');
    const self = await raw(server, 'GET', ROUTES.status, auth(server));
    expect(self.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await raw(server, 'OPTIONS', ROUTES.pause, {
      Origin: 'app://cess-sync',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(service.calls).toEqual([]);
    expectError(
      await raw(server, 'OPTIONS', ROUTES.pause, { Origin: 'https://evil.example' }),
      403,
    );
  });

  it('sends security headers', async () => {
    const reply = await raw(server, 'GET', ROUTES.status, auth(server));
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('routes', () => {
  it('GET status', async () => {
    const s = parseReply(statusSchema, await raw(server, 'GET', ROUTES.status, auth(server)));
    expect(s).toMatchObject({ apiVersion: 1, state: 'idle', account: 'cXalice' });
    expect(s.problems).toHaveLength(1);
  });

  it('POST pause / resume / sync, with and without a folder, with an empty body', async () => {
    let s = parseReply(statusSchema, await raw(server, 'POST', ROUTES.pause, auth(server)));
    expect(s.state).toBe('paused');
    s = parseReply(statusSchema, await raw(server, 'POST', ROUTES.resume, json(server, {}), '{}'));
    expect(s.state).toBe('idle');
    const body = { folderId: 'f1' };
    s = parseReply(
      statusSchema,
      await raw(server, 'POST', ROUTES.pause, json(server, body), JSON.stringify(body)),
    );
    expect(s.folders[0]?.state).toBe('paused');
    expect(
      (await raw(server, 'POST', ROUTES.sync, json(server, body), JSON.stringify(body))).status,
    ).toBe(200);
    expect(service.calls).toEqual(['pause:*', 'resume:*', 'pause:f1', 'sync:f1']);
  });

  it('POST folders replies 201 with the folder', async () => {
    const body = { root: '/home/u/Photos', excluded: ['*.tmp'] };
    const reply = await raw(
      server,
      'POST',
      ROUTES.folders,
      json(server, body),
      JSON.stringify(body),
    );
    expect(reply.status).toBe(201);
    expect(parseReply(folderStatusSchema, reply)).toMatchObject({
      id: 'f2',
      root: '/home/u/Photos',
    });
  });

  it("POST problems/action, and the engine's 4xx errors pass through", async () => {
    const body = { problemId: 'p1', action: 'confirmDeletes' };
    const s = parseReply(
      statusSchema,
      await raw(server, 'POST', ROUTES.problemAction, json(server, body), JSON.stringify(body)),
    );
    expect(s.problems).toEqual([]);
    const again = await raw(
      server,
      'POST',
      ROUTES.problemAction,
      json(server, body),
      JSON.stringify(body),
    );
    expectError(again, 404, 'no_such_problem');
    expect(parseReply(errorReplySchema, again).error.message).toBe('no problem p1');
  });

  it('GET and PUT settings', async () => {
    const current = parseReply(
      settingsSchema,
      await raw(server, 'GET', ROUTES.settings, auth(server)),
    );
    const next = { ...current, uploadLimitBytesPerSec: 1024 * 1024 };
    const saved = parseReply(
      settingsSchema,
      await raw(server, 'PUT', ROUTES.settings, json(server, next), JSON.stringify(next)),
    );
    expect(saved.uploadLimitBytesPerSec).toBe(1024 * 1024);
    expect(service.getSettings()).toEqual(next);
  });

  it('GET activity with a limit (default 50, 1..1000)', async () => {
    service.activity = Array.from({ length: 60 }, (_, i) => ({
      timeMs: i,
      folderId: 'f1',
      kind: 'uploaded',
      path: `a/${i}`,
    }));
    expect(
      parseReply(activityListSchema, await raw(server, 'GET', ROUTES.activity, auth(server)))
        .activity,
    ).toHaveLength(50);
    expect(
      parseReply(
        activityListSchema,
        await raw(server, 'GET', `${ROUTES.activity}?limit=5`, auth(server)),
      ).activity,
    ).toHaveLength(5);
    for (const bad of ['0', '1001', '-1', 'abc', '1.5']) {
      expectError(
        await raw(server, 'GET', `${ROUTES.activity}?limit=${bad}`, auth(server)),
        400,
        'invalid_request',
      );
    }
  });

  it('404 for unknown routes, 405 for wrong methods', async () => {
    expectError(await raw(server, 'GET', '/api/v1/nope', auth(server)), 404);
    expectError(await raw(server, 'GET', ROUTES.events, auth(server)), 404);
    const wrong = await raw(server, 'DELETE', ROUTES.status, auth(server));
    expectError(wrong, 405);
    expect(wrong.headers.allow).toBe('GET');
    expectError(await raw(server, 'GET', '/', auth(server)), 404); // no staticDir
  });
});

describe('request validation', () => {
  const cases: [string, string, string][] = [
    ['POST', ROUTES.pause, JSON.stringify({ folderId: 7 })],
    ['POST', ROUTES.pause, JSON.stringify({ folderId: 'f1', extra: true })],
    ['POST', ROUTES.folders, JSON.stringify({})],
    ['POST', ROUTES.folders, JSON.stringify({ root: '' })],
    ['POST', ROUTES.folders, JSON.stringify({ root: 'x'.repeat(5000) })],
    ['POST', ROUTES.problemAction, JSON.stringify({ problemId: 'p1' })],
    ['PUT', ROUTES.settings, JSON.stringify({ uploadLimitBytesPerSec: -1 })],
    ['PUT', ROUTES.settings, JSON.stringify([1, 2])],
    ['PUT', ROUTES.settings, 'null'],
  ];

  it.each(cases)('%s %s %s -> 400', async (method, path, body) => {
    const reply = await raw(
      server,
      method,
      path,
      auth(server, { 'Content-Type': 'application/json' }),
      body,
    );
    expectError(reply, 400, 'invalid_request');
    expect(parseReply(errorReplySchema, reply).error.message).toMatch(/^invalid request: /);
    expect(service.calls.filter((c) => !c.startsWith('activity'))).toEqual([]);
  });

  it('400 for a missing body where one is required, and for broken JSON', async () => {
    expectError(await raw(server, 'POST', ROUTES.folders, auth(server)), 400, 'invalid_request');
    expectError(
      await raw(
        server,
        'POST',
        ROUTES.folders,
        auth(server, { 'Content-Type': 'application/json' }),
        '{"root":',
      ),
      400,
      'invalid_json',
    );
  });

  it('415 for a body that is not application/json (no form posts)', async () => {
    expectError(
      await raw(server, 'POST', ROUTES.pause, auth(server, { 'Content-Type': 'text/plain' }), '{}'),
      415,
    );
  });

  it('413 for an oversized body', async () => {
    const big = JSON.stringify({ root: 'x'.repeat(100 * 1024) });
    expectError(
      await raw(
        server,
        'POST',
        ROUTES.folders,
        auth(server, { 'Content-Type': 'application/json' }),
        big,
      ),
      413,
    );
  });

  it('500 when the engine breaks the contract, without leaking the bad reply', async () => {
    service.corrupt = true;
    expectError(await raw(server, 'GET', ROUTES.status, auth(server)), 500, 'invalid_reply');
  });
});

describe('WebSocket events', () => {
  it('refuses a connection without the token, with a wrong token or from a foreign origin', async () => {
    await expect(openEvents(server, [WS_PROTOCOL])).rejects.toThrow(/401/);
    await expect(openEvents(server, wsProtocols('B'.repeat(43)))).rejects.toThrow(/401/);
    await expect(
      openEvents(server, wsProtocols(server.token), { origin: 'https://evil.example' }),
    ).rejects.toThrow(/403/);
    await expect(
      openEvents(server, wsProtocols(server.token), { headers: { Host: 'evil.example' } }),
    ).rejects.toThrow(/403/);
  });

  it('with the token: the current status first, then status and activity events', async () => {
    const { ws, next } = await openEvents(server, wsProtocols(server.token), {
      origin: 'app://cess-sync',
    });
    expect(ws.protocol).toBe(WS_PROTOCOL); // the token is not echoed back
    const [first] = await next(1);
    expect(first?.type).toBe('status');
    await raw(server, 'POST', ROUTES.pause, auth(server));
    const activity: Activity = { timeMs: 1, folderId: 'f1', kind: 'uploaded', path: 'a.txt' };
    service.emit({ type: 'activity', activity });
    const events = await next(3);
    expect(events[1]).toMatchObject({ type: 'status', status: { state: 'paused' } });
    expect(events[2]).toEqual({ type: 'activity', activity });
    ws.close();
  });

  it('drops events that break the contract', async () => {
    const { ws, next, events } = await openEvents(server, wsProtocols(server.token));
    await next(1);
    service.emit({ type: 'activity', activity: { timeMs: 'x' } } as unknown as DaemonEvent);
    service.emit({
      type: 'activity',
      activity: { timeMs: 2, folderId: 'f1', kind: 'deleted', path: 'b' },
    });
    await next(2);
    expect(events[1]).toMatchObject({ type: 'activity', activity: { path: 'b' } });
    ws.close();
  });

  it('close() ends event streams and unsubscribes from the service', async () => {
    const { ws, next } = await openEvents(server, wsProtocols(server.token));
    await next(1);
    const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
    expect(service.listenerCount).toBe(1);
    await server.close();
    expect(await closed).toBe(1001);
    expect(service.listenerCount).toBe(0);
  });

  it('the typed client receives events too', async () => {
    const client = new DaemonClient({ url: server.url, token: server.token });
    const received: DaemonEvent[] = [];
    const sub = await client.subscribe((e) => received.push(e));
    await client.pause();
    await expect.poll(() => received.length).toBeGreaterThanOrEqual(2);
    sub.close();
    expect((await sub.closed).code).toBe(1000);
  });
});

describe('static UI (headless mode)', () => {
  let uiServer: DaemonServer;
  let uiDir: string;

  beforeEach(async () => {
    uiDir = join(stateDir, 'ui');
    await mkdir(join(uiDir, 'assets'), { recursive: true });
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>ui</title>');
    await writeFile(join(uiDir, 'assets', 'app.js'), 'export {};');
    await writeFile(join(uiDir, '.env'), 'SECRET=1');
    await writeFile(join(stateDir, 'secret.txt'), 'secret');
    await symlink(join(stateDir, 'secret.txt'), join(uiDir, 'escape.txt'));
    uiServer = await startDaemonServer({
      service,
      stateDir: join(stateDir, 'ui-state'),
      staticDir: uiDir,
      log: () => undefined,
    });
  });

  afterEach(async () => {
    await uiServer.close();
  });

  it('serves index.html and assets with a CSP narrowed to this daemon', async () => {
    const index = await raw(uiServer, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>ui</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${uiServer.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    const js = await raw(uiServer, 'GET', '/assets/app.js');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('refuses traversal, dotfiles, symlinks out of the root and foreign Hosts', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/.env',
      '/escape.txt',
      '/assets%5c..%5c..%5csecret.txt',
      '/nope.html',
    ]) {
      const reply = await raw(uiServer, 'GET', path);
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('secret');
    }
    expect((await raw(uiServer, 'GET', '/', { Host: 'evil.example' })).status).toBe(403);
    expect((await raw(uiServer, 'POST', '/')).status).toBe(404);
  });

  it('still requires the token for the API', async () => {
    expect((await raw(uiServer, 'GET', ROUTES.status)).status).toBe(401);
  });
});
