/**
 * The daemon's files routes (GET /api/v1/files, POST /api/v1/files/open): query and body
 * validation (400 before the service is called), replies checked against the contract, service
 * refusals passed through, and the typed client's files()/openFile().
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonApiError, DaemonClient } from '../../src/daemon/client.js';
import { ROUTES, errorReplySchema } from '../../src/daemon/protocol.js';
import type { DaemonServer } from '../../src/daemon/server.js';
import {
  fileListSchema,
  type FileList,
  type FileService,
  type FilesQuery,
  type OpenFileRequest,
} from '../../src/sync/api/schema.js';
import { startApiServer } from '../support/api-server.js';

class FakeFiles implements FileService {
  queries: FilesQuery[] = [];
  opened: OpenFileRequest[] = [];
  reply: FileList = {
    files: [
      {
        folderId: 'f1',
        path: 'docs/a.txt',
        kind: 'file',
        size: 5,
        mtimeMs: 1_700_000_000_000,
        state: 'synced',
      },
    ],
    total: 1,
  };
  files(q: FilesQuery): FileList {
    this.queries.push(q);
    if (q.folderId === 'missing')
      throw Object.assign(new Error('no synced folder with id missing'), {
        statusCode: 404,
        code: 'no_such_folder',
      });
    return this.reply;
  }
  async openFile(req: OpenFileRequest): Promise<void> {
    this.opened.push(req);
    if (req.path === 'tool.sh')
      throw Object.assign(new Error('tool.sh is a program or launcher'), {
        statusCode: 409,
        code: 'would_run',
      });
  }
}

let stateDir: string;
let server: DaemonServer;
let files: FakeFiles;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'cess-sync-files-routes-'));
  files = new FakeFiles();
  server = await startApiServer({ files, stateDir });
});
afterEach(async () => {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
});

function get(query: string): Promise<Response> {
  return fetch(`${server.url}${ROUTES.files}${query}`, {
    headers: { Authorization: `Bearer ${server.token}` },
  });
}
function post(body: unknown, raw?: string): Promise<Response> {
  return fetch(`${server.url}${ROUTES.filesOpen}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
}
async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  const err = errorReplySchema.parse(await res.json());
  expect(err.error.code).toBe(code);
  return err.error.message;
}

describe('GET /api/v1/files', () => {
  it('passes a valid query on as a FilesQuery and returns the list', async () => {
    const res = await get('?folderId=f1&q=report%202024&offset=100&limit=50');
    expect(res.status).toBe(200);
    expect(fileListSchema.parse(await res.json())).toEqual(files.reply);
    expect(files.queries).toEqual([{ folderId: 'f1', q: 'report 2024', offset: 100, limit: 50 }]);
    const bare = await get('');
    expect(bare.status).toBe(200);
    expect(files.queries[1]).toEqual({});
  });

  it.each([
    ['?offset=-1', /offset must be a whole number/],
    ['?offset=1.5', /offset must be a whole number/],
    ['?limit=abc', /limit must be a whole number/],
    ['?limit=', /limit must be a whole number/],
    ['?limit=0', /limit/],
    ['?limit=1001', /limit/],
    ['?offset=9999999999', /offset must be a whole number/],
    ['?folderId=', /folderId/],
    [`?q=${'x'.repeat(1025)}`, /q/],
    ['?q=a&q=b', /q is given more than once/],
    ['?sort=name', /sort|unrecognized/i],
  ])('%s -> 400', async (query, message) => {
    expect(await expectError(await get(query), 400, 'invalid_request')).toMatch(message);
    expect(files.queries).toEqual([]);
  });

  it("passes the service's 404 for an unknown folder through", async () => {
    await expectError(await get('?folderId=missing'), 404, 'no_such_folder');
  });

  it('a reply that breaks the contract is a 500, not sent as is', async () => {
    files.reply = { files: [{ ...files.reply.files[0]!, state: 'weird' as 'synced' }], total: 1 };
    await expectError(await get(''), 500, 'invalid_reply');
  });

  it('needs the token', async () => {
    const res = await fetch(`${server.url}${ROUTES.files}`);
    expect(res.status).toBe(401);
  });
});

describe('POST /api/v1/files/open', () => {
  it('answers 204 without a body', async () => {
    const res = await post({ folderId: 'f1', path: 'docs/a.txt', reveal: true });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(files.opened).toEqual([{ folderId: 'f1', path: 'docs/a.txt', reveal: true }]);
  });

  it.each([
    ['no folder', { path: 'a.txt' }],
    ['an empty folder id', { folderId: '', path: 'a.txt' }],
    ['no path', { folderId: 'f1' }],
    ['a path too long', { folderId: 'f1', path: 'a'.repeat(4097) }],
    ['reveal not a boolean', { folderId: 'f1', path: 'a.txt', reveal: 'yes' }],
    ['an unknown field', { folderId: 'f1', path: 'a.txt', command: 'rm -rf /' }],
  ])('%s -> 400', async (_name, body) => {
    await expectError(await post(body), 400, 'invalid_request');
    expect(files.opened).toEqual([]);
  });

  it('no body, bad JSON -> 400', async () => {
    await expectError(await post(undefined, ''), 400, 'invalid_request');
    await expectError(await post(undefined, '{nope'), 400, 'invalid_json');
  });

  it('GET is not allowed (405)', async () => {
    const res = await fetch(`${server.url}${ROUTES.filesOpen}`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    expect(res.status).toBe(405);
  });

  it("passes the service's refusal through", async () => {
    const msg = await expectError(
      await post({ folderId: 'f1', path: 'tool.sh' }),
      409,
      'would_run',
    );
    expect(msg).toContain('launcher');
  });
});

describe('the typed client', () => {
  it('files() builds the query string; openFile() resolves on 204 and throws on refusals', async () => {
    const client = new DaemonClient({ url: server.url, token: server.token });
    expect(await client.files({ q: 'a b&c', limit: 10 })).toEqual(files.reply);
    expect(files.queries.at(-1)).toEqual({ q: 'a b&c', limit: 10 });
    await expect(client.openFile({ folderId: 'f1', path: 'docs/a.txt' })).resolves.toBeUndefined();
    await expect(client.openFile({ folderId: 'f1', path: 'tool.sh' })).rejects.toBeInstanceOf(
      DaemonApiError,
    );
  });
});

describe('without a file service', () => {
  it('the routes do not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cess-sync-files-routes-none-'));
    const bare = await startApiServer({ stateDir: dir });
    try {
      const res = await fetch(`${bare.url}${ROUTES.files}`, {
        headers: { Authorization: `Bearer ${bare.token}` },
      });
      expect(res.status).toBe(404);
    } finally {
      await bare.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
