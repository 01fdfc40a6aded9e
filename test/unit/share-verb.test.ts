/**
 * `cess-sync share <path...>` without --to, and `cess-sync integrations`, against the real daemon
 * server with a small fake engine: POST /api/v1/shares/request answers 202 with the request and
 * pushes it to WebSocket subscribers, 409 `no_ui` when nobody listens, the engine's refusals
 * pass through; the CLI makes one request per path, reports each, turns file:// URIs into paths
 * and, with --notify, reports failures as a desktop notification. The integrations routes list,
 * install and remove through the real service in a temporary XDG data directory.
 * (test/integration/share-verb.test.ts does the same against the real engine and network.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DaemonApiError, DaemonClient, type EventSubscription } from '../../src/daemon/client.js';
import { ROUTES } from '../../src/daemon/protocol.js';
import type { DaemonServer } from '../../src/daemon/server.js';
import { createIntegrationService } from '../../src/integrations/service.js';
import type { DaemonEvent, ShareRequestEvent } from '../../src/sync/api/schema.js';
import { ShareError } from '../../src/sync/share/errors.js';
import { startApiServer } from '../support/api-server.js';
import { StubSyncService } from '../support/sync-service-stub.js';

class FakeEngine extends StubSyncService {
  requested: string[] = [];
  /** Like SyncEngine.requestShare: paths under /sync are synced, the rest refused. */
  async requestShare(absPath: string): Promise<ShareRequestEvent> {
    this.requested.push(absPath);
    if (!absPath.startsWith('/sync/'))
      throw new ShareError('BAD_PATH', `${absPath} is not inside a synced folder`);
    const request: ShareRequestEvent = {
      folderId: 'f1',
      path: absPath.slice('/sync/'.length),
      absPath,
      name: path.basename(absPath),
      kind: 'file',
    };
    this.emit({ type: 'shareRequest', request });
    return request;
  }
}

let work: string;
let engine: FakeEngine;
let server: DaemonServer;
let client: DaemonClient;
let events: DaemonEvent[];
let sub: EventSubscription | null = null;

function cli(args: string[], notes: [string, string][] = []) {
  const out: string[] = [];
  const err: string[] = [];
  return runCli(args, {
    io: {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      cwd: '/sync/here',
      now: () => 0,
    },
    connect: async () => client,
    notify: async (title, body) => {
      notes.push([title, body]);
    },
  }).then((code) => ({ code, out, err }));
}

async function subscribe(): Promise<void> {
  events = [];
  sub = await client.subscribe((e) => {
    if (e.type === 'shareRequest') events.push(e);
  });
}

async function settle(): Promise<void> {
  await new Promise((done) => setTimeout(done, 100));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-share-verb-'));
  engine = new FakeEngine();
  server = await startApiServer({
    service: engine,
    shareRequests: engine,
    integrations: createIntegrationService({
      stateDir: path.join(work, 'state'),
      command: ['/usr/bin/cess-sync'],
      env: { XDG_DATA_HOME: path.join(work, 'data') },
      platform: 'linux',
    }),
    stateDir: path.join(work, 'state'),
  });
  client = new DaemonClient({ url: server.url, token: server.token });
});

afterEach(async () => {
  // Wait until the server has dropped the socket: the next test may need no subscriber.
  sub?.close();
  await sub?.closed;
  sub = null;
  await settle();
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('POST /api/v1/shares/request', () => {
  it('without a subscriber: 409 no_ui, nothing asked of the engine', async () => {
    engine.requested = [];
    const err = await client.requestShare('/sync/a.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonApiError);
    expect(err).toMatchObject({ status: 409, code: 'no_ui' });
    expect((err as Error).message).toMatch(/no cess-sync window is open/);
    expect(engine.requested).toEqual([]);
  });

  it('with a subscriber: 202 with the request, which the subscriber receives', async () => {
    await subscribe();
    const res = await fetch(server.url + ROUTES.sharesRequest, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: '/sync/docs/a.txt' }),
    });
    expect(res.status).toBe(202);
    const request = {
      folderId: 'f1',
      path: 'docs/a.txt',
      absPath: '/sync/docs/a.txt',
      name: 'a.txt',
      kind: 'file',
    };
    expect(await res.json()).toEqual(request);
    await settle();
    expect(events).toEqual([{ type: 'shareRequest', request }]);
  });

  it("passes the engine's refusal on (400 BAD_PATH) and emits nothing", async () => {
    await subscribe();
    await expect(client.requestShare('/elsewhere/x')).rejects.toMatchObject({
      status: 400,
      code: 'BAD_PATH',
      message: '/elsewhere/x is not inside a synced folder',
    });
    await expect(client.requestShare('')).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    await settle();
    expect(events).toEqual([]);
  });
});

describe('cess-sync share <path...> (no --to)', () => {
  it('one request per path, relative paths and file:// URIs resolved, each reported', async () => {
    await subscribe();
    const r = await cli(['share', 'b.txt', 'file:///sync/with%20space/c%24(x).txt', '/sync/-rf']);
    expect(r).toEqual({
      code: 0,
      out: [
        'The share dialog is open in cess-sync for b.txt.',
        'The share dialog is open in cess-sync for c$(x).txt.',
        'The share dialog is open in cess-sync for -rf.',
      ],
      err: [],
    });
    await settle();
    expect(events.map((e) => e.type === 'shareRequest' && e.request.absPath)).toEqual([
      '/sync/here/b.txt',
      '/sync/with space/c$(x).txt',
      '/sync/-rf',
    ]);
  });

  it('tries every path, reports each failure, exits 1; --notify tells the desktop', async () => {
    await subscribe();
    const notes: [string, string][] = [];
    const r = await cli(
      ['share', '--notify', '--', '/elsewhere/x', '/sync/ok.txt', 'file://host/remote'],
      notes,
    );
    expect(r.code).toBe(1);
    expect(r.out).toEqual(['The share dialog is open in cess-sync for ok.txt.']);
    expect(r.err[0]).toBe('cess-sync: /elsewhere/x is not inside a synced folder');
    expect(r.err[1]).toMatch(/^cess-sync: file:\/\/host\/remote is not a local file/);
    expect(notes).toHaveLength(1);
    expect(notes[0]![0]).toBe('cess-sync cannot share this');
    expect(notes[0]![1]).toContain('/elsewhere/x is not inside a synced folder');
  });

  it('no window open: one clear error, exit 1, notified', async () => {
    const notes: [string, string][] = [];
    const r = await cli(['share', '--notify', '/sync/a.txt', '/sync/b.txt'], notes);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'cess-sync: no cess-sync window is open to show the share dialog; open the app and try again',
    ]);
    expect(notes.map((n) => n[1])).toEqual([
      'no cess-sync window is open to show the share dialog; open the app and try again',
    ]);
  });

  it('the daemon is not running: says how to start it, exit 1, notified', async () => {
    const notes: [string, string][] = [];
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['--state-dir', path.join(work, 'nothing-here'), 'share', '--notify', '/sync/a.txt'],
      {
        io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: '/', now: () => 0 },
        notify: async (t, b) => {
          notes.push([t, b]);
        },
      },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/cess-sync daemon is not running .*cess-sync daemon/);
    expect(notes[0]?.[1]).toMatch(/not running/);
  });

  it('--json prints each result', async () => {
    await subscribe();
    const r = await cli(['--json', 'share', '/sync/j.txt', '/nope']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out.join('\n'))).toEqual([
      {
        path: '/sync/j.txt',
        request: {
          folderId: 'f1',
          path: 'j.txt',
          absPath: '/sync/j.txt',
          name: 'j.txt',
          kind: 'file',
        },
      },
      { path: '/nope', error: '/nope is not inside a synced folder' },
    ]);
  });

  it('usage: --message without --to, --to with several paths', async () => {
    expect((await cli(['share', '/sync/a', '-m', 'hi'])).code).toBe(2);
    const r = await cli(['share', '/sync/a', '/sync/b', '--to', 'cXsomeone']);
    expect(r.code).toBe(2);
    expect(r.err).toEqual(['cess-sync: --to shares one file or folder at a time']);
  });
});

describe('cess-sync integrations', () => {
  it('lists, installs and removes through the daemon', async () => {
    let r = await cli(['integrations']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/^nautilus {2}not installed +GNOME Files \(Nautilus\)/);
    r = await cli(['integrations', 'install', 'dolphin']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('Installed "Share with CESS…" for Dolphin (KDE)');
    expect(r.out.join('\n')).toContain(
      path.join(work, 'data', 'kio/servicemenus/cess-sync-share.desktop'),
    );
    expect(
      (await client.integrations()).integrations.find((i) => i.id === 'dolphin')?.installed,
    ).toBe(true);
    r = await cli(['integrations', 'remove', 'dolphin']);
    expect(r.out.join('\n')).toContain('Removed "Share with CESS…" from Dolphin (KDE)');
    expect((await client.integrations()).integrations.every((i) => !i.installed)).toBe(true);
  });

  it('refuses unknown actions and ids (usage, exit 2)', async () => {
    expect((await cli(['integrations', 'install', 'finder'])).err).toEqual([
      'cess-sync: integrations install needs one of: nautilus, nemo, dolphin, macos',
    ]);
    expect((await cli(['integrations', 'frobnicate'])).code).toBe(2);
    await expect(
      client.setIntegration({ id: 'nope' as 'nemo', install: true }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
