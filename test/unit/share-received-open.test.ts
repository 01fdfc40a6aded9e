/**
 * POST /api/v1/shares/received/open (src/sync/share/received-open.ts) against the real daemon
 * server, with the real opener checks and a recording opener (CESS_SYNC_OPENER): a received
 * file opens or is revealed; a file inside a received folder opens; a path leaving the share's
 * directory ('..', absolute, through a symbolic link) is refused with 400; a program or
 * launcher is refused with 409 would_run (revealing it is fine); unknown ids are 404.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/daemon/protocol.js';
import type { DaemonServer } from '../../src/daemon/server.js';
import type {
  OpenReceivedRequest,
  ReceivedShareEntry,
  ShareService,
} from '../../src/sync/api/schema.js';
import { openReceived } from '../../src/sync/share/received-open.js';
import { callApi, startApiServer } from '../support/api-server.js';
import { installRecordingOpener, type RecordingOpener } from '../support/recording-opener.js';

const ID_FILE = '1'.repeat(32);
const ID_FOLDER = '2'.repeat(32);
const ID_GONE = '3'.repeat(32);

let work: string;
let base: string;
let server: DaemonServer;
let opener: RecordingOpener;
let received: ReceivedShareEntry[];

const entry = (id: string, kind: 'file' | 'folder', p: string): ReceivedShareEntry => ({
  id,
  kind,
  owner: 'cXowner',
  message: null,
  name: path.basename(p),
  size: 1,
  fileCount: 1,
  createdAt: 1,
  expiresAt: null,
  path: p,
  receivedAt: 2,
});

async function post(body: unknown): Promise<{ status: number; code?: string }> {
  const res = await callApi(server, 'POST', `${ROUTES.sharesReceived}/open`, body);
  if (res.status === 204) return { status: 204 };
  const j = JSON.parse(res.text) as { error: { code: string } };
  return { status: res.status, code: j.error.code };
}

const calls = (): Promise<string> => opener.calls();

beforeAll(async () => {
  work = await realpath(await mkdtemp(path.join(tmpdir(), 'cess-sync-received-open-')));
  base = path.join(work, 'Shared with me', 'cXowner12345');
  await mkdir(path.join(base, 'Album', 'sub'), { recursive: true });
  await writeFile(path.join(base, 'report.pdf'), 'pdf');
  await writeFile(path.join(base, 'Album', 'sub', 'b c.txt'), 'b');
  await writeFile(path.join(base, 'Album', 'run.sh'), '#!/bin/sh\necho hi\n');
  await writeFile(path.join(work, 'outside.txt'), 'secret');
  await symlink(work, path.join(base, 'Album', 'escape'));
  received = [
    entry(ID_FILE, 'file', path.join(base, 'report.pdf')),
    entry(ID_FOLDER, 'folder', path.join(base, 'Album')),
    entry(ID_GONE, 'file', path.join(base, 'moved-away.txt')),
  ];
  opener = await installRecordingOpener(work);
  const shares: ShareService = {
    share: () => Promise.reject(new Error('not here')),
    shares: () => [],
    revokeShare: () => Promise.reject(new Error('not here')),
    receive: () => Promise.reject(new Error('not here')),
    receivedShares: () => received,
    openReceived: (req: OpenReceivedRequest) => openReceived(received, req),
  };
  server = await startApiServer({ shares, stateDir: path.join(work, 'state') });
});

beforeEach(async () => {
  await opener.clear();
});

afterAll(async () => {
  opener?.restore();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('POST /api/v1/shares/received/open', () => {
  it('opens a received file, and reveals it', async () => {
    expect(await post({ id: ID_FILE })).toEqual({ status: 204 });
    await expect.poll(calls).toBe(`${path.join(base, 'report.pdf')}\n`);
    await opener.clear();
    expect(await post({ id: ID_FILE, reveal: true })).toEqual({ status: 204 });
    await expect.poll(calls).toBe(`--reveal\n${path.join(base, 'report.pdf')}\n`);
  });

  it('opens a received folder, and a file inside it', async () => {
    expect(await post({ id: ID_FOLDER })).toEqual({ status: 204 });
    expect(await post({ id: ID_FOLDER, path: 'sub/b c.txt' })).toEqual({ status: 204 });
    await expect
      .poll(calls)
      .toBe(`${path.join(base, 'Album')}\n${path.join(base, 'Album', 'sub', 'b c.txt')}\n`);
  });

  it('refuses paths that leave the share directory, and says why', async () => {
    for (const p of [
      '../report.pdf',
      'sub/../../report.pdf',
      path.join(work, 'outside.txt'),
      'escape/outside.txt',
      'sub\\b c.txt',
    ])
      expect(await post({ id: ID_FOLDER, path: p }), p).toEqual({ status: 400, code: 'bad_path' });
    expect(await post({ id: ID_FILE, path: 'x.txt' })).toEqual({ status: 400, code: 'bad_path' });
    expect(await calls()).toBe('');
  });

  it('never opens a program or launcher (409 would_run); revealing it is fine', async () => {
    expect(await post({ id: ID_FOLDER, path: 'run.sh' })).toEqual({
      status: 409,
      code: 'would_run',
    });
    expect(await calls()).toBe('');
    expect(await post({ id: ID_FOLDER, path: 'run.sh', reveal: true })).toEqual({ status: 204 });
    await expect.poll(calls).toBe(`--reveal\n${path.join(base, 'Album', 'run.sh')}\n`);
  });

  it('unknown, malformed and vanished shares', async () => {
    expect(await post({ id: 'f'.repeat(32) })).toEqual({ status: 404, code: 'unknown_share' });
    expect((await post({ id: 'nope' })).status).toBe(400);
    expect((await post({ id: ID_FILE, extra: 1 })).status).toBe(400);
    expect(await post({ id: ID_GONE })).toEqual({ status: 404, code: 'not_found' });
    expect(await calls()).toBe('');
  });
});
