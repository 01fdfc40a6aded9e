/**
 * Server basics of the local gateway (loopback only, routing) and every fault-injection knob.
 */
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { cd2nFid, deossFid, hashBytes } from '../../src/cess/fid/index.js';
import { createGatewayServer } from '../../src/devnet/gateway/index.js';
import {
  FakeBackend,
  bytes,
  deossHeaders,
  fileForm,
  login,
  rawRequest,
  startHarness,
  type Harness,
} from './gateway-helpers.js';

let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness();
  token = await login(h, h.alice);
});
afterAll(async () => h.close());
beforeEach(() => {
  h.gw.faults.clear();
  h.backend.authorized.clear();
  h.backend.territories.clear();
  h.backend.setup(h.aliceAddr);
  h.backend.declared.length = 0;
});

/** GET that reports what arrived before the connection died. */
function download(
  url: string,
): Promise<{ status: number; received: number; complete: boolean; error?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => (received += c.length));
      const finish = (error?: string) =>
        resolve({
          status: res.statusCode ?? 0,
          received,
          complete: res.complete,
          ...(error ? { error } : {}),
        });
      res.on('end', () => finish());
      res.on('aborted', () => finish('aborted'));
      res.on('error', (e) => finish(e.message));
    });
    req.on('error', (e) => resolve({ status: 0, received: 0, complete: false, error: e.message }));
    req.end();
  });
}

async function waitFor(cond: () => Promise<boolean>, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('server', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(new URL(h.gw.url).hostname).toBe('127.0.0.1');
    const { Keyring } = await import('@polkadot/keyring');
    const backend = new FakeBackend(new Keyring({ type: 'sr25519' }).addFromUri('//X'));
    for (const host of ['0.0.0.0', '192.168.1.2', 'example.com', '::']) {
      await expect(createGatewayServer({ backend, dataDir: h.dataDir, host })).rejects.toThrow(
        /loopback/,
      );
    }
  });

  it('answers 404 for unknown routes and 204 to CORS preflights', async () => {
    const r = await rawRequest(`${h.gw.url}/nope`);
    expect(r.status).toBe(404);
    expect(r.body.toString()).toBe('404 page not found');
    expect((await rawRequest(`${h.gw.url}/gateway/nope`, { method: 'POST' })).status).toBe(404);
    const pre = await rawRequest(`${h.gw.url}/gateway/upload/file`, { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('failNext', () => {
  it('fails the next matching requests with the status, then lets them through', async () => {
    h.gw.faults.failNext({ count: 2, status: 503, path: '/gateway/download' });
    const other = await rawRequest(`${h.gw.url}/file/metadata/${'0'.repeat(64)}`);
    expect(other.status).toBe(200); // another path is not affected
    for (let i = 0; i < 2; i++) {
      const r = await rawRequest(`${h.gw.url}/gateway/download/${'0'.repeat(64)}`);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body.toString())).toEqual({
        code: 503,
        msg: 'injected fault',
        data: null,
      });
    }
    expect((await rawRequest(`${h.gw.url}/gateway/download/${'0'.repeat(64)}`)).status).toBe(500); // real answer
    const snap = h.gw.faults.snapshot();
    expect(snap.fail).toEqual([]);
    expect(snap.fired.map((f) => [f.kind, f.value, f.path])).toEqual([
      ['fail', 503, `/gateway/download/${'0'.repeat(64)}`],
      ['fail', 503, `/gateway/download/${'0'.repeat(64)}`],
    ]);
  });

  it('a failed upload stores and declares nothing', async () => {
    h.gw.faults.failNext({ status: 500 });
    const r = await fetch(`${h.gw.url}/gateway/upload/file`, {
      method: 'POST',
      headers: { token: `Bearer ${token}` },
      body: fileForm(bytes(5000), 'x.bin', { territory: 'terr1' }),
    });
    expect(r.status).toBe(500);
    expect(h.backend.declared).toHaveLength(0);
  });

  it('is driven over HTTP by POST /__devnet/faults', async () => {
    const set = await fetch(`${h.gw.url}/__devnet/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'failNext', status: 502, path: '/file/metadata' }),
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { data: { fail: unknown[] } }).data.fail).toEqual([
      { count: 1, status: 502, path: '/file/metadata' },
    ]);
    expect((await rawRequest(`${h.gw.url}/file/metadata/${'0'.repeat(64)}`)).status).toBe(502);
    const snap = (await (await fetch(`${h.gw.url}/__devnet/faults`)).json()) as {
      data: { fired: { kind: string }[] };
    };
    expect(snap.data.fired).toHaveLength(1);
    const bad = await fetch(`${h.gw.url}/__devnet/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'explode' }),
    });
    expect(bad.status).toBe(400);
    const bad2 = await fetch(`${h.gw.url}/__devnet/faults`, { method: 'POST', body: '{' });
    expect(bad2.status).toBe(400);
    // the admin route is never faulted itself
    h.gw.faults.failNext({ count: 5, status: 500 });
    expect(
      (await fetch(`${h.gw.url}/__devnet/faults`, { method: 'POST', body: '{"action":"clear"}' }))
        .status,
    ).toBe(200);
    expect(h.gw.faults.snapshot()).toEqual({ fail: [], cut: [], delay: [], fired: [] });
  });
});

describe('delay', () => {
  it('holds matching requests for ms, count times', async () => {
    h.gw.faults.delay({ ms: 300, count: 1, path: '/file/metadata' });
    let t = Date.now();
    await rawRequest(`${h.gw.url}/file/metadata/${'0'.repeat(64)}`);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    t = Date.now();
    await rawRequest(`${h.gw.url}/file/metadata/${'0'.repeat(64)}`);
    expect(Date.now() - t).toBeLessThan(250);
    expect(h.gw.faults.snapshot().fired.map((f) => f.kind)).toEqual(['delay']);
  });

  it('without count stays until clear()', async () => {
    h.gw.faults.delay({ ms: 100 });
    for (let i = 0; i < 2; i++) {
      const t = Date.now();
      await rawRequest(`${h.gw.url}/nope`);
      expect(Date.now() - t).toBeGreaterThanOrEqual(90);
    }
    expect(h.gw.faults.snapshot().delay).toHaveLength(1);
    h.gw.faults.clear();
    expect(h.gw.faults.snapshot().delay).toHaveLength(0);
  });
});

describe('cutNext', () => {
  it('cuts a download after afterBytes (headers sent), once', async () => {
    const data = bytes(200_000, 4);
    const put = await fetch(`${h.gw.url}/file`, {
      method: 'PUT',
      headers: { ...deossHeaders(h.alice), Territory: 'terr1' },
      body: fileForm(data, 'dl.bin'),
    });
    const { fid } = ((await put.json()) as { data: { fid: string } }).data;
    h.gw.faults.cutNext({ afterBytes: 1000, path: '/file/download' });
    const cut = await download(`${h.gw.url}/file/download/${fid}`);
    expect(cut.status).toBe(200);
    expect(cut.complete).toBe(false);
    expect(cut.received).toBeLessThanOrEqual(1000);
    expect(h.gw.faults.snapshot().fired).toEqual([
      expect.objectContaining({ kind: 'cut-response', value: 1000, path: `/file/download/${fid}` }),
    ]);
    const whole = await download(`${h.gw.url}/file/download/${fid}`);
    expect(whole).toEqual({ status: 200, received: 200_000, complete: true });
  });

  it('cuts an upload mid-body: nothing is kept and the chunk can be sent again (DeOSS resume)', async () => {
    const data = bytes(300_000, 5);
    const send = (start: number, end: number) =>
      rawRequest(`${h.gw.url}/resume/cut.bin`, {
        method: 'PUT',
        headers: {
          ...deossHeaders(h.alice),
          Territory: 'terr1',
          'Content-Range': `bytes ${start}-${end - 1}/${data.length}`,
        },
        body: data.subarray(start, end),
      });
    expect((await send(0, 100_000)).status).toBe(308);
    h.gw.faults.cutNext({ afterBytes: 50_000, path: '/resume/' });
    await expect(send(100_000, 200_000)).rejects.toThrow();
    expect(h.gw.faults.snapshot().fired[0]).toMatchObject({ kind: 'cut-request', value: 50_000 });
    // the gateway rolled back to 100000: the same chunk is accepted again
    await waitFor(async () => (await send(100_000, 200_000)).status === 308);
    const last = await send(200_000, 300_000);
    expect(JSON.parse(last.body.toString())).toEqual({
      code: 200,
      msg: 'ok',
      data: { fid: deossFid(hashBytes(data).segments.map((s) => s.hash)) },
    });
  });

  it('cuts an upload far into a large body (the request keeps flowing until the cut)', async () => {
    // Regression: a second, unread body wrapper once stalled requests after ~32 KB, so a cut
    // beyond that point never fired and the client hung.
    const data = bytes(4_000_000, 6);
    h.gw.faults.cutNext({ afterBytes: 3_000_000, path: '/resume/' });
    await expect(
      rawRequest(`${h.gw.url}/resume/big-cut.bin`, {
        method: 'PUT',
        headers: {
          ...deossHeaders(h.alice),
          Territory: 'terr1',
          'Content-Range': `bytes 0-${data.length - 1}/${data.length}`,
        },
        body: data,
      }),
    ).rejects.toThrow();
    expect(h.gw.faults.snapshot().fired.at(-1)).toMatchObject({
      kind: 'cut-request',
      value: 3_000_000,
    });
  });

  it('cuts a CD²N batch chunk mid-body; the same range is then accepted', async () => {
    const data = bytes(200_000, 6);
    const req = await fetch(`${h.gw.url}/gateway/upload/batch/request`, {
      method: 'POST',
      headers: { token: `Bearer ${token}` },
      body: JSON.stringify({ file_name: 'batch.bin', territory: 'terr1', total_size: data.length }),
    });
    const hash = ((await req.json()) as { data: string }).data;
    const chunk = (s: number, e: number) =>
      fetch(`${h.gw.url}/gateway/upload/batch/file`, {
        method: 'POST',
        headers: { token: `Bearer ${token}`, hash, Range: `bytes=${s}-${e}` },
        body: fileForm(data.subarray(s, e), 'part'),
        redirect: 'manual',
      });
    h.gw.faults.cutNext({ afterBytes: 30_000, path: '/gateway/upload/batch/file' });
    await expect(chunk(0, 100_000)).rejects.toThrow();
    let r = await chunk(0, 100_000);
    for (let i = 0; r.status !== 308 && i < 20; i++) r = await chunk(0, 100_000); // the cut handler may still hold the lock
    expect(r.status).toBe(308);
    const last = await chunk(100_000, 200_000);
    expect(((await last.json()) as { data: { fid: string } }).data.fid).toBe(
      cd2nFid(hashBytes(data).segments.map((s) => s.hash)),
    );
  });

  it('a cut single-shot upload leaves no temp file and declares nothing', async () => {
    h.gw.faults.cutNext({ afterBytes: 20_000 });
    await expect(
      fetch(`${h.gw.url}/gateway/upload/file`, {
        method: 'POST',
        headers: { token: `Bearer ${token}` },
        body: fileForm(bytes(100_000, 7), 'gone.bin', { territory: 'terr1' }),
      }),
    ).rejects.toThrow();
    await waitFor(async () => (await readdir(join(h.dataDir, 'tmp'))).length === 0);
    expect(h.backend.declared).toHaveLength(0);
  });

  it('a body shorter than afterBytes is processed but its reply is lost', async () => {
    const data = bytes(2000, 8);
    const hdr = (s: number, e: number) => ({
      ...deossHeaders(h.alice),
      Territory: 'terr1',
      'Content-Range': `bytes ${s}-${e - 1}/${data.length}`,
    });
    h.gw.faults.cutNext({ afterBytes: 1_000_000, path: '/resume/' });
    await expect(
      rawRequest(`${h.gw.url}/resume/lost.bin`, {
        method: 'PUT',
        headers: hdr(0, 1000),
        body: data.subarray(0, 1000),
      }),
    ).rejects.toThrow();
    // the ambiguity a client must resolve: re-sending is refused and says how far the gateway is
    const again = await rawRequest(`${h.gw.url}/resume/lost.bin`, {
      method: 'PUT',
      headers: hdr(0, 1000),
      body: data.subarray(0, 1000),
    });
    expect(JSON.parse(again.body.toString())).toEqual({
      code: 400,
      msg: 'Illegal Content-Range content',
      data: { received: 1000 },
    });
    const rest = await rawRequest(`${h.gw.url}/resume/lost.bin`, {
      method: 'PUT',
      headers: hdr(1000, 2000),
      body: data.subarray(1000),
    });
    expect(JSON.parse(rest.body.toString()).code).toBe(200);
  });
});

describe('robustness', () => {
  it('survives malformed bodies, bad encodings and clients that vanish mid-upload', async () => {
    const tok = { token: `Bearer ${token}` };
    const badForm = await rawRequest(`${h.gw.url}/gateway/upload/file`, {
      method: 'POST',
      headers: { ...tok, 'Content-Type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc',
    });
    expect(badForm.status).toBe(400);
    const noBoundary = await rawRequest(`${h.gw.url}/gateway/upload/file`, {
      method: 'POST',
      headers: { ...tok, 'Content-Type': 'multipart/form-data' },
      body: 'whatever',
    });
    expect(noBoundary.status).toBe(400);
    const huge = await rawRequest(`${h.gw.url}/gateway/reencrypt`, {
      method: 'POST',
      body: 'x'.repeat(200_000),
    });
    expect(JSON.parse(huge.body.toString())).toMatchObject({
      code: 400,
      data: 'bad request params',
    });
    const badName = await rawRequest(`${h.gw.url}/resume/%zz`, {
      method: 'PUT',
      headers: { ...deossHeaders(h.alice), 'Content-Range': 'bytes 0-1/2' },
      body: 'ab',
    });
    expect(JSON.parse(badName.body.toString()).code).toBe(400);
    const badJson = await rawRequest(`${h.gw.url}/gateway/upload/batch/request`, {
      method: 'POST',
      headers: tok,
      body: '[1,2,3]',
    });
    expect(badJson.status).toBe(400);

    // a client that sends half of a declared body and disappears
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${h.gw.url}/file`, {
        method: 'PUT',
        agent: false,
        headers: {
          ...deossHeaders(h.alice),
          Territory: 'terr1',
          'Content-Type': 'multipart/form-data; boundary=B',
          'Content-Length': '100000',
        },
      });
      req.on('error', () => resolve());
      req.write('--B\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\n\r\n');
      req.write(Buffer.alloc(10_000, 1));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await waitFor(async () => (await readdir(join(h.dataDir, 'tmp'))).length === 0);
    expect(h.backend.declared).toHaveLength(0);
    // still serving
    const ok = await fetch(`${h.gw.url}/file`, {
      method: 'PUT',
      headers: { ...deossHeaders(h.alice), Territory: 'terr1' },
      body: fileForm(bytes(1000, 99), 'after.bin'),
    });
    expect(((await ok.json()) as { code: number }).code).toBe(200);
  });

  it('takes concurrent uploads of both protocols', async () => {
    const cd = [1, 2, 3].map((i) => bytes(3000 + i, 200 + i));
    const de = [1, 2, 3].map((i) => bytes(4000 + i, 300 + i));
    const results = await Promise.all([
      ...cd.map((d, i) =>
        fetch(`${h.gw.url}/gateway/upload/file`, {
          method: 'POST',
          headers: { token: `Bearer ${token}` },
          body: fileForm(d, `cd${i}.bin`, { territory: 'terr1' }),
        }).then(async (r) => ((await r.json()) as { data: string }).data),
      ),
      ...de.map((d, i) =>
        fetch(`${h.gw.url}/file`, {
          method: 'PUT',
          headers: { ...deossHeaders(h.alice), Territory: 'terr1' },
          body: fileForm(d, `de${i}.bin`),
        }).then(async (r) => ((await r.json()) as { data: { fid: string } }).data.fid),
      ),
    ]);
    expect(results).toEqual([
      ...cd.map((d) => cd2nFid(hashBytes(d).segments.map((s) => s.hash))),
      ...de.map((d) => deossFid(hashBytes(d).segments.map((s) => s.hash))),
    ]);
    expect(h.backend.declared).toHaveLength(6);
  });
});
