/**
 * DeOSS v0.4 protocol of the local gateway (HTTP layer, fake chain backend).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { deossFid, hashBytes } from '../../src/cess/fid/index.js';
import {
  bytes,
  chainError,
  deossHeaders,
  fileForm,
  rawRequest,
  startHarness,
  type Harness,
} from './gateway-helpers.js';

interface Env<T = unknown> {
  code: number;
  msg: string;
  data: T;
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ maxUploadSize: 64 * 1024 });
});
afterAll(async () => h.close());
function reset(): void {
  h.backend.authorized.clear();
  h.backend.territories.clear();
  h.backend.setup(h.aliceAddr);
  h.backend.failCheck = undefined;
  h.backend.failDeclare = undefined;
  h.backend.failInfo = undefined;
  h.backend.declared.length = 0;
}
beforeEach(reset);

const fidOf = (d: Uint8Array) => deossFid(hashBytes(d).segments.map((s) => s.hash));

async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: BodyInit,
) {
  const r = await fetch(`${h.gw.url}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: JSON.parse(text) as Env };
}

function putFile(
  data: Uint8Array,
  name: string,
  headers: Record<string, string> = deossHeaders(h.alice),
  territory = 'terr1',
) {
  return call('PUT', '/file', { ...headers, Territory: territory }, fileForm(data, name));
}

describe('signed headers (Account, Message = expiry, Signature)', () => {
  it('accepts raw-message signatures as hex and base58, and <Bytes>-wrapped as hex', async () => {
    const data = bytes(700, 1);
    for (const hdr of [
      deossHeaders(h.alice),
      deossHeaders(h.alice, { encoding: 'base58' }),
      deossHeaders(h.alice, { wrap: true }),
      deossHeaders(h.alice, { message: String(Date.now() + 60_000) }), // milliseconds
      deossHeaders(h.alice, {
        message: new Date(Date.now() + 60_000).toISOString().slice(0, 19).replace('T', ' '),
      }),
    ]) {
      const r = await putFile(data, 'signed.bin', hdr);
      expect(r).toMatchObject({
        status: 200,
        body: { code: 200, msg: 'ok', data: { fid: fidOf(data) } },
      });
    }
  });

  it('refuses expired, non-time and badly signed messages with HTTP 200 / code 403', async () => {
    const past = deossHeaders(h.alice, { message: String(Math.floor(Date.now() / 1000) - 1) });
    const text = deossHeaders(h.alice, { message: 'hello world' });
    const forged = { ...deossHeaders(h.bob), Account: h.aliceAddr };
    const wrappedBase58 = deossHeaders(h.alice, { wrap: true, encoding: 'base58' });
    for (const hdr of [past, text, forged, wrappedBase58, {}]) {
      const r = await putFile(bytes(10), 'abc.bin', hdr);
      expect(r).toEqual(
        expect.objectContaining({
          status: 200,
          body: { code: 403, msg: 'no permission', data: null },
        }),
      );
    }
    expect(h.backend.declared).toHaveLength(0);
  });
});

describe('PUT /file', () => {
  it('stores and declares under the DeOSS fid; the Filename header overrides the part name', async () => {
    const data = bytes(1200, 2);
    const r = await call(
      'PUT',
      '/file',
      { ...deossHeaders(h.alice), Territory: 'terr1', Filename: 'my%20doc.txt' },
      fileForm(data, 'ignored.bin'),
    );
    expect(r.body).toEqual({ code: 200, msg: 'ok', data: { fid: fidOf(data) } });
    expect(h.backend.declared[0]).toMatchObject({
      owner: h.aliceAddr,
      territory: 'terr1',
      fileName: 'my doc.txt',
      size: 1200,
    });
  });

  it('checks names (3..63 bytes)', async () => {
    expect((await putFile(bytes(10), 'ab')).body).toEqual({
      code: 400,
      msg: 'The file name must be at least 3 characters long',
      data: null,
    });
    expect((await putFile(bytes(10), 'a'.repeat(64))).body.msg).toBe(
      'The file name length cannot exceed 63 characters',
    );
  });

  it('answers a missing file part, a non-form body and an empty file', async () => {
    const fd = new FormData();
    fd.set('other', 'x');
    expect(
      (await call('PUT', '/file', { ...deossHeaders(h.alice), Territory: 'terr1' }, fd)).body,
    ).toEqual({
      code: 400,
      msg: 'http: no such file',
      data: null,
    });
    expect(
      (await call('PUT', '/file', { ...deossHeaders(h.alice), Territory: 'terr1' }, 'raw')).body
        .code,
    ).toBe(400);
    expect((await putFile(new Uint8Array(0), 'empty.bin')).body).toMatchObject({
      code: 400,
      msg: 'InvalidBody.EmptyFile',
    });
    expect((await putFile(bytes(64 * 1024 + 10), 'big.bin')).body).toMatchObject({
      code: 400,
      msg: 'server unsupported file size',
    });
  });

  it('maps chain preconditions as CheckAuthorize / CheckTerritory', async () => {
    h.backend.authorized.clear();
    expect((await putFile(bytes(10), 'abc.bin')).body).toEqual({
      code: 403,
      msg: `Please authorize this gateway account: ${h.backend.account}`,
      data: null,
    });
    h.backend.setup(h.aliceAddr);
    expect((await putFile(bytes(10), 'abc.bin', deossHeaders(h.alice), 'nope')).body.msg).toBe(
      'please purchase territory first',
    );
    h.backend.territory(h.aliceAddr).state = 'Expired';
    expect((await putFile(bytes(10), 'abc.bin')).body.msg).toBe('territory will expire soon');
    h.backend.setup(h.aliceAddr);
    h.backend.territory(h.aliceAddr).remaining = 10n;
    expect((await putFile(bytes(10), 'abc.bin')).body.msg).toBe(
      `remaining space in the territory is less than ${96 * 1024 * 1024}`,
    );
    h.backend.setup(h.aliceAddr);
    h.backend.failCheck = chainError();
    expect((await putFile(bytes(10), 'abc.bin')).body).toMatchObject({
      code: 500,
      msg: 'Failed to connect to rpc, please try again later.',
    });
    h.backend.failCheck = undefined;
    for (const e of [new Error('boom'), chainError('extrinsic failed')]) {
      h.backend.failDeclare = e;
      expect((await putFile(bytes(10), 'abc.bin')).body).toMatchObject({
        code: 500,
        msg: 'system error',
      });
    }
    expect(h.backend.declared).toHaveLength(0);
  });
});

describe('GET /file/download, /file/metadata; DELETE /file', () => {
  const data = bytes(900, 3);
  let fid: string;
  beforeAll(async () => {
    reset();
    fid = ((await putFile(data, 'keep.bin')).body.data as { fid: string }).fid;
  });

  it('downloads whole and by range (inclusive end)', async () => {
    const r = await rawRequest(`${h.gw.url}/file/download/${fid}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.body.equals(Buffer.from(data))).toBe(true);
    const p = await rawRequest(`${h.gw.url}/file/download/${fid}`, {
      headers: { Range: 'bytes=100-199' },
    });
    expect(p.status).toBe(206);
    expect(p.headers['content-range']).toBe('bytes 100-199/900');
    expect(p.body.equals(Buffer.from(data.subarray(100, 200)))).toBe(true);
    const open = await rawRequest(`${h.gw.url}/file/download/${fid}`, {
      headers: { Range: 'bytes=800-' },
    });
    expect(open.body).toHaveLength(100);
    for (const [range, msg] of <[string, string][]>[
      ['bytes=5-900', 'invalid range end'],
      ['bytes=x-5', 'invalid range start'],
      ['bytes=0-1,3-4', 'invalid range value'],
      ['bytes=950-', 'invalid range start'],
    ]) {
      const bad = await rawRequest(`${h.gw.url}/file/download/${fid}`, {
        headers: { Range: range },
      });
      expect(bad.status).toBe(200);
      expect(JSON.parse(bad.body.toString())).toEqual({ code: 416, msg, data: null });
    }
  });

  it('unknown fids are code 404 Not found', async () => {
    for (const f of ['0'.repeat(64), 'nothex']) {
      const r = await rawRequest(`${h.gw.url}/file/download/${f}`);
      expect(JSON.parse(r.body.toString())).toEqual({ code: 404, msg: 'Not found', data: null });
    }
  });

  it('metadata: owners with their file names; errors', async () => {
    const r = await call('GET', `/file/metadata/${fid}`, {});
    expect(r.body).toEqual({
      code: 200,
      msg: 'ok',
      data: { fid, size: 900, owner: [{ user: h.aliceAddr, file_name: 'keep.bin' }] },
    });
    expect((await call('GET', `/file/metadata/${'1'.repeat(64)}`, {})).body).toMatchObject({
      code: 403,
    });
    expect((await call('GET', '/file/metadata/zzz', {})).body).toEqual({
      code: 400,
      msg: 'invalid fid',
      data: null,
    });
    h.backend.failInfo = chainError();
    expect((await call('GET', `/file/metadata/${fid}`, {})).body.code).toBe(500);
  });

  it('delete: signed, owner only; the file is gone afterwards', async () => {
    const other = bytes(333, 33);
    const f2 = ((await putFile(other, 'gone.bin')).body.data as { fid: string }).fid;
    const notOwner = await call('DELETE', `/file/${f2}`, deossHeaders(h.bob));
    expect(notOwner).toMatchObject({
      status: 400,
      body: { code: 400, msg: 'system error', data: 'fileBank.NotOwner' },
    });
    expect(
      (await call('DELETE', `/file/${f2}`, deossHeaders(h.alice, { message: 'x' }))).body.code,
    ).toBe(403);
    expect((await call('DELETE', '/file/abc', deossHeaders(h.alice))).body).toMatchObject({
      code: 400,
      msg: 'invalid fid',
    });
    const ok = await call('DELETE', `/file/${f2}`, deossHeaders(h.alice));
    expect(ok.body).toEqual({ code: 200, msg: 'ok', data: { 'block hash': '' } });
    expect((await call('GET', `/file/metadata/${f2}`, {})).body.code).toBe(403);
    expect(
      JSON.parse((await rawRequest(`${h.gw.url}/file/download/${f2}`)).body.toString()).code,
    ).toBe(404);
  });
});

describe('PUT /resume/:name', () => {
  function chunk(
    name: string,
    data: Uint8Array,
    start: number,
    total: number,
    hdr = deossHeaders(h.alice),
    extra: Record<string, string> = {},
  ) {
    return rawRequest(`${h.gw.url}/resume/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: {
        ...hdr,
        Territory: 'terr1',
        'Content-Range': `bytes ${start}-${start + data.length - 1}/${total}`,
        ...extra,
      },
      body: data,
    });
  }
  const json = (r: { body: Buffer }) => JSON.parse(r.body.toString()) as Env;

  it('308 with the range echoed until the last chunk, then the fid', async () => {
    const data = bytes(2500, 8);
    const r1 = await chunk('resume one.bin', data.subarray(0, 1000), 0, 2500);
    expect(r1.status).toBe(308);
    expect(r1.headers['content-range']).toBe('bytes 0-999/2500');
    expect(r1.body.toString()).toBe('null');
    expect((await chunk('resume one.bin', data.subarray(1000, 2000), 1000, 2500)).status).toBe(308);
    const last = await chunk('resume one.bin', data.subarray(2000), 2000, 2500);
    expect(last.status).toBe(200);
    expect(json(last)).toEqual({ code: 200, msg: 'ok', data: { fid: fidOf(data) } });
    expect(h.backend.declared.at(-1)).toMatchObject({ fileName: 'resume one.bin', size: 2500 });
    // the last chunk again: same answer, no second declaration
    expect(json(await chunk('resume one.bin', data.subarray(2000), 2000, 2500)).data).toEqual({
      fid: fidOf(data),
    });
    expect(h.backend.declared).toHaveLength(1);
    // a new upload under the same name and size starts over (first chunk at 0)
    const other = bytes(2500, 18);
    expect((await chunk('resume one.bin', other.subarray(0, 2000), 0, 2500)).status).toBe(308);
    const fresh = await chunk('resume one.bin', other.subarray(2000), 2000, 2500);
    expect(json(fresh).data).toEqual({ fid: fidOf(other) });
  });

  it('refuses duplicate and out-of-order chunks, saying how far it is', async () => {
    const data = bytes(300, 9);
    expect((await chunk('strict.bin', data.subarray(0, 100), 0, 300)).status).toBe(308);
    const dup = await chunk('strict.bin', data.subarray(0, 100), 0, 300);
    expect(json(dup)).toEqual({
      code: 400,
      msg: 'Illegal Content-Range content',
      data: { received: 100 },
    });
    const gap = await chunk('strict.bin', data.subarray(200), 200, 300);
    expect(json(gap)).toEqual({
      code: 400,
      msg: 'Illegal Content-Range content',
      data: { received: 100 },
    });
    expect((await chunk('strict.bin', data.subarray(100, 200), 100, 300)).status).toBe(308);
    expect(json(await chunk('strict.bin', data.subarray(200), 200, 300)).data).toEqual({
      fid: fidOf(data),
    });
  });

  it('checks the body length against Content-Range', async () => {
    const data = bytes(200, 10);
    const send = (body: Uint8Array, range: string) =>
      rawRequest(`${h.gw.url}/resume/len.bin`, {
        method: 'PUT',
        headers: { ...deossHeaders(h.alice), Territory: 'terr1', 'Content-Range': range },
        body,
      });
    expect(json(await send(data.subarray(0, 50), 'bytes 0-99/200')).msg).toBe(
      'received less file content',
    );
    expect(json(await send(data.subarray(0, 150), 'bytes 0-99/200')).msg).toBe(
      'received more file content',
    );
    expect((await send(data.subarray(0, 100), 'bytes 0-99/200')).status).toBe(308);
  });

  it('answers header errors', async () => {
    const hdr = { ...deossHeaders(h.alice), Territory: 'terr1' };
    const noRange = await rawRequest(`${h.gw.url}/resume/abc.bin`, {
      method: 'PUT',
      headers: hdr,
      body: 'x',
    });
    expect(json(noRange)).toEqual({
      code: 400,
      msg: 'Content-Range is missing from the request header',
      data: null,
    });
    for (const range of ['bytes=0-1/2', 'bytes 5-1/10', 'bytes 0-10/10', 'bytes a-b/c']) {
      const r = await rawRequest(`${h.gw.url}/resume/abc.bin`, {
        method: 'PUT',
        headers: { ...hdr, 'Content-Range': range },
        body: 'xx',
      });
      expect(json(r).msg).toBe('Illegal Content-Range content');
    }
    expect(json(await chunk('ab', bytes(2), 0, 2)).msg).toBe(
      'The file name must be at least 3 characters long',
    );
    expect(json(await chunk('late.bin', bytes(2), 10, 20)).msg).toBe(
      'Illegal Content-Range content',
    );
  });

  it('checks the chain preconditions on the first chunk, for the whole size', async () => {
    h.backend.authorized.clear();
    expect(json(await chunk('pre.bin', bytes(10), 0, 20)).code).toBe(403);
    h.backend.setup(h.aliceAddr);
    h.backend.territory(h.aliceAddr).remaining = 96n * 1024n * 1024n;
    expect(json(await chunk('pre.bin', bytes(10), 0, 40 * 1024 * 1024)).msg).toBe(
      'server unsupported file size',
    );
    const h2size = 20;
    expect((await chunk('pre.bin', bytes(10), 0, h2size)).status).toBe(308);
    expect(h.backend.checks.at(-1)).toEqual({ owner: h.aliceAddr, territory: 'terr1', size: 20 });
  });
});
