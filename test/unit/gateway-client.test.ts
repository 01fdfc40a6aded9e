/**
 * The gateway clients (src/cess/gateway) against the project's real local gateway server
 * (createGatewayServer) with the in-memory FakeBackend, plus tiny fake gateways for replies the
 * real server never gives (a wrong fid).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { Keyring } from '@polkadot/keyring';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { cd2nFid, deossFid, hashBytes } from '../../src/cess/fid/index.js';
import {
  AbortError,
  Cd2nClient,
  DeossClient,
  FidMismatchError,
  GatewayHttpError,
  TimeoutError,
  defaultRestartName,
  keyringSigner,
  type ClientEvent,
} from '../../src/cess/gateway/index.js';
import { startHarness, type Harness } from './gateway-helpers.js';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

let h: Harness;
let dir: string;
let events: ClientEvent[];
let cd2n: Cd2nClient;
let deoss: DeossClient;

function fidsOf(data: Uint8Array): { cd2n: string; deoss: string } {
  const segs = hashBytes(data).segments.map((s) => s.hash);
  return { cd2n: cd2nFid(segs), deoss: deossFid(segs) };
}

async function tmpFile(name: string, data: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, data);
  return p;
}

function collect(): { sink: PassThrough; bytes: () => Buffer } {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  return { sink, bytes: () => Buffer.concat(chunks) };
}

beforeAll(async () => {
  h = await startHarness();
  h.backend.setup(h.aliceAddr);
  dir = await mkdtemp(join(tmpdir(), 'gw-client-'));
});

afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  h.gw.faults.clear();
});

function clients(): void {
  events = [];
  const onEvent = (e: ClientEvent) => events.push(e);
  const common = {
    baseUrl: h.gw.url,
    signer: keyringSigner(h.alice),
    retry: FAST_RETRY,
    idleTimeoutMs: 5000,
    onEvent,
  };
  cd2n = new Cd2nClient(common);
  deoss = new DeossClient(common);
}

describe('signer', () => {
  it('refuses non-sr25519 pairs', () => {
    const ed = new Keyring({ type: 'ed25519' }).addFromUri('//Alice');
    expect(() => keyringSigner(ed)).toThrow(/sr25519/);
  });
  it('restart names stay within 63 bytes', () => {
    expect(defaultRestartName('photo.jpg', 1)).toBe('photo~1.jpg');
    expect(Buffer.byteLength(defaultRestartName('x'.repeat(63), 12))).toBe(63);
  });
});

describe('CD²N client', () => {
  beforeAll(clients);

  it('logs in once and caches the token', async () => {
    clients();
    const t1 = await cd2n.getToken();
    const t2 = await cd2n.getToken();
    expect(t1).toBe(t2);
    expect(events.filter((e) => e.type === 'token')).toHaveLength(1);
  });

  it('uploads a file in one streamed multipart request and reads it back', async () => {
    clients();
    const data = randomBytes(1_500_000);
    const path = await tmpFile('one.bin', data);
    const progress: number[] = [];
    const r = await cd2n.uploadFile(path, {
      territory: 'terr1',
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(r).toMatchObject({ fid: fidsOf(data).cd2n, size: data.length, verified: true });
    expect(progress.at(-1)).toBe(data.length);
    const out = join(dir, 'one.out');
    const d = await cd2n.download(r.fid, out);
    expect(d.bytes).toBe(data.length);
    expect((await readFile(out)).equals(data)).toBe(true);
    expect(await cd2n.size(r.fid)).toBe(data.length);
  });

  it('re-logs in on 403 (expired or revoked token)', async () => {
    clients();
    await cd2n.getToken();
    (cd2n as unknown as { token: { jwt: string; expiresAt: number } }).token = {
      jwt: 'a.b.c',
      expiresAt: Date.now() + 3600_000,
    };
    const data = randomBytes(10_000);
    const r = await cd2n.uploadFile(data, { territory: 'terr1', fileName: 'relogin.bin' });
    expect(r.fid).toBe(fidsOf(data).cd2n);
    expect(events.filter((e) => e.type === 'token')).toHaveLength(2);
  });

  it('batch-uploads in Range chunks with 308 progress', async () => {
    clients();
    const data = randomBytes(1_000_000);
    const path = await tmpFile('batch.bin', data);
    const r = await cd2n.uploadBatch(path, { territory: 'terr1', chunkSize: 256 * 1024 });
    expect(r).toMatchObject({ fid: fidsOf(data).cd2n, sessions: 1, verified: true });
    const { sink, bytes } = collect();
    await cd2n.download(r.fid, sink);
    expect(bytes().equals(data)).toBe(true);
  });

  it('resumes a batch upload in the same session after a cut that cannot have landed', async () => {
    clients();
    const data = randomBytes(10_000_000);
    // The 1st chunk's body is cut after 8 kB, while the client is still sending it (a chunk
    // larger than the loopback socket buffers): it cannot have landed, the client re-sends it.
    h.gw.faults.cutNext({ path: '/gateway/upload/batch/file', afterBytes: 8_000, count: 1 });
    const r = await cd2n.uploadBatch(data, {
      territory: 'terr1',
      fileName: 'resume.bin',
      chunkSize: 4 * 1024 * 1024,
    });
    expect(r.fid).toBe(fidsOf(data).cd2n);
    expect(r.sessions).toBe(1);
    expect(events.some((e) => e.type === 'resume')).toBe(true);
    expect(h.gw.faults.fired.filter((f) => f.kind === 'cut-request')).toHaveLength(1);
    const { sink, bytes } = collect();
    await cd2n.download(r.fid, sink);
    expect(bytes().equals(data)).toBe(true);
  });

  it('starts a NEW session after an ambiguous failure (chunk sent, answer lost)', async () => {
    clients();
    const data = randomBytes(50_000);
    // afterBytes larger than the body: the chunk lands, the reply is lost
    h.gw.faults.cutNext({ path: '/gateway/upload/batch/file', afterBytes: 10_000_000, count: 1 });
    const r = await cd2n.uploadBatch(data, {
      territory: 'terr1',
      fileName: 'ambiguous.bin',
      chunkSize: 10_000,
    });
    expect(r.fid).toBe(fidsOf(data).cd2n);
    expect(r.sessions).toBe(2);
    expect(events.filter((e) => e.type === 'restart')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'session')).toHaveLength(2);
    const { sink, bytes } = collect();
    await cd2n.download(r.fid, sink);
    expect(bytes().equals(data)).toBe(true);
  });

  it('retries injected 500s with backoff', async () => {
    clients();
    await cd2n.getToken();
    const data = randomBytes(50_000);
    h.gw.faults.failNext({ path: '/gateway/upload/file', status: 500, count: 2 });
    const r = await cd2n.uploadFile(data, { territory: 'terr1', fileName: 'retry.bin' });
    expect(r.fid).toBe(fidsOf(data).cd2n);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('gives up after the attempt budget', async () => {
    clients();
    await cd2n.getToken();
    h.gw.faults.failNext({ path: '/gateway/upload/file', status: 503, count: 10 });
    const err = await cd2n
      .uploadFile(randomBytes(1000), {
        territory: 'terr1',
        fileName: 'budget.bin',
        retry: { attempts: 3 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayHttpError);
    expect((err as GatewayHttpError).status).toBe(503);
    expect(h.gw.faults.fired.filter((f) => f.kind === 'fail')).toHaveLength(3);
  });

  it('does not retry 4xx', async () => {
    clients();
    await cd2n.getToken();
    h.gw.faults.failNext({ path: '/gateway/upload/file', status: 400, count: 5 });
    const err = await cd2n
      .uploadFile(randomBytes(1000), { territory: 'terr1', fileName: 'x400.bin' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayHttpError);
    expect((err as GatewayHttpError).retryable).toBe(false);
    expect(h.gw.faults.fired).toHaveLength(1);
  });

  it('reports a precondition failure (gateway not authorized) without retrying', async () => {
    const bob = new Cd2nClient({
      baseUrl: h.gw.url,
      signer: keyringSigner(h.bob),
      retry: FAST_RETRY,
    });
    const err = await bob
      .uploadFile(randomBytes(1000), { territory: 'terr1', fileName: 'bob.bin' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayHttpError);
    expect((err as GatewayHttpError).code).toBe(10111);
    const err2 = await bob
      .uploadBatch(randomBytes(1000), { territory: 'terr1', fileName: 'bob.bin' })
      .catch((e: unknown) => e);
    expect((err2 as GatewayHttpError).code).toBe(10111);
  });

  it('aborts on the caller signal', async () => {
    clients();
    await cd2n.getToken();
    h.gw.faults.delay({ path: '/gateway/upload/file', ms: 2000, count: 1 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    const err = await cd2n
      .uploadFile(randomBytes(1000), {
        territory: 'terr1',
        fileName: 'abort.bin',
        signal: ac.signal,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('times out: deadline for the call, idle per attempt', async () => {
    clients();
    await cd2n.getToken();
    h.gw.faults.delay({ path: '/gateway/upload/file', ms: 1500, count: 1 });
    const err = await cd2n
      .uploadFile(randomBytes(1000), {
        territory: 'terr1',
        fileName: 'deadline.bin',
        timeoutMs: 200,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).kind).toBe('deadline');

    h.gw.faults.delay({ path: '/gateway/capsule', ms: 1500, count: 5 });
    const err2 = await cd2n
      .capsule('ab'.repeat(32), { idleTimeoutMs: 100, retry: { attempts: 2 } })
      .catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(TimeoutError);
    expect((err2 as TimeoutError).kind).toBe('idle');
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1);
  });

  it('downloads a Range, and resumes a partial file and a cut body', async () => {
    clients();
    const data = randomBytes(700_000);
    const { fid } = await cd2n.uploadFile(data, { territory: 'terr1', fileName: 'range.bin' });
    const part = collect();
    const r = await cd2n.download(fid, part.sink, { range: { start: 1000, end: 5000 } });
    expect(r.bytes).toBe(4000);
    expect(part.bytes().equals(data.subarray(1000, 5000))).toBe(true);
    const tail = collect();
    await cd2n.download(fid, tail.sink, { range: { start: 690_000 } });
    expect(tail.bytes().equals(data.subarray(690_000))).toBe(true);

    // a partial file on disk: only the rest is fetched, the whole is checked against the fid
    const out = join(dir, 'partial.out');
    await writeFile(out, data.subarray(0, 123_456));
    const progress: number[] = [];
    await cd2n.download(fid, out, { resume: true, onProgress: (p) => progress.push(p.bytes) });
    expect((await readFile(out)).equals(data)).toBe(true);
    expect(progress[0]).toBeGreaterThan(123_456);

    // the body is cut after 200 kB: the client continues from what it wrote
    h.gw.faults.cutNext({ path: '/gateway/download', afterBytes: 200_000, count: 2 });
    const out2 = join(dir, 'cut.out');
    await cd2n.download(fid, out2);
    expect((await readFile(out2)).equals(data)).toBe(true);
    expect(h.gw.faults.fired.filter((f) => f.kind === 'cut-response')).toHaveLength(2);

    // an already complete file
    await cd2n.download(fid, out2, { resume: true });
    expect((await readFile(out2)).equals(data)).toBe(true);
  });

  it('detects a corrupted resumed download by its fid', async () => {
    clients();
    const data = randomBytes(300_000);
    const { fid } = await cd2n.uploadFile(data, { territory: 'terr1', fileName: 'corrupt.bin' });
    const out = join(dir, 'corrupt.out');
    const bad = Buffer.from(data.subarray(0, 1000));
    bad[10] = (bad[10] ?? 0) ^ 0xff;
    await writeFile(out, bad);
    await expect(cd2n.download(fid, out, { resume: true })).rejects.toBeInstanceOf(
      FidMismatchError,
    );
  });

  it('gateway-side encryption: capsule and re-encryption round trip', async () => {
    clients();
    const data = randomBytes(20_000);
    const r = await cd2n.uploadFile(data, {
      territory: 'terr1',
      fileName: 'enc.bin',
      gatewayEncrypt: true,
    });
    expect(r.verified).toBe(false);
    const cap = await cd2n.capsule(r.fid);
    expect(cap.gatewayPublicKey).toHaveLength(32);
    const { generateReKey, secretScalarFromKeyringPair, publicKeyFromAddress } =
      await import('../../src/cess/pret/index.js');
    const rk = generateReKey(secretScalarFromKeyringPair(h.alice), publicKeyFromAddress(h.bobAddr));
    const re = await cd2n.reencrypt({ did: r.fid, capsule: cap.capsule, rk: rk.rk });
    expect(re.capsule).toBeDefined();
    expect(re.capsuleJson).not.toBe(cap.capsuleJson);
  });
});

describe('DeOSS client', () => {
  beforeAll(clients);

  it('puts a file, reads it back, metadata, delete', async () => {
    clients();
    const data = randomBytes(800_000);
    const path = await tmpFile('deoss.bin', data);
    const r = await deoss.putFile(path, { territory: 'terr1' });
    expect(r).toMatchObject({ fid: fidsOf(data).deoss, verified: true });
    const out = join(dir, 'deoss.out');
    await deoss.download(r.fid, out);
    expect((await readFile(out)).equals(data)).toBe(true);
    const md = await deoss.metadata(r.fid);
    expect(md.size).toBe(data.length);
    expect(md.owners.map((o) => o.user)).toContain(h.aliceAddr);
    await deoss.delete(r.fid);
    expect(h.backend.files.has(r.fid)).toBe(false);
  });

  it('resumable PUT /resume in order, exactly once', async () => {
    clients();
    const data = randomBytes(1_000_000);
    const r = await deoss.resumeUpload(data, {
      territory: 'terr1',
      fileName: 'resume-d.bin',
      chunkSize: 256 * 1024,
    });
    expect(r).toMatchObject({ fid: fidsOf(data).deoss, sessions: 1, fileName: 'resume-d.bin' });
    const part = collect();
    await deoss.download(r.fid, part.sink, { range: { start: 10, end: 20_010 } });
    expect(part.bytes().equals(data.subarray(10, 20_010))).toBe(true);
  });

  it('restarts under a new name after a cut (a partial chunk may have been appended)', async () => {
    clients();
    const data = randomBytes(1_000_000);
    h.gw.faults.cutNext({ path: '/resume/', afterBytes: 8_000, count: 1 });
    const r = await deoss.resumeUpload(data, {
      territory: 'terr1',
      fileName: 'cut-d.bin',
      chunkSize: 300_000,
    });
    expect(r.fid).toBe(fidsOf(data).deoss);
    expect(r.fileName).toBe('cut-d~1.bin');
    expect(events.some((e) => e.type === 'restart')).toBe(true);
    const { sink, bytes } = collect();
    await deoss.download(r.fid, sink);
    expect(bytes().equals(data)).toBe(true);
  });

  it('DeOSS errors inside HTTP 200 envelopes become GatewayHttpError', async () => {
    clients();
    const err = await deoss
      .download('cd'.repeat(32), join(dir, 'none.out'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayHttpError);
    expect((err as GatewayHttpError).status).toBe(404);
    const bob = new DeossClient({
      baseUrl: h.gw.url,
      signer: keyringSigner(h.bob),
      retry: FAST_RETRY,
    });
    const err2 = await bob
      .putFile(randomBytes(100), { territory: 'terr1', fileName: 'bob.bin' })
      .catch((e: unknown) => e);
    expect((err2 as GatewayHttpError).status).toBe(403);
  });

  it('retries a busy gateway (429, refused before the body) in place', async () => {
    clients();
    const data = randomBytes(400_000);
    h.gw.faults.failNext({ path: '/resume/', status: 429, count: 1 });
    const r = await deoss.resumeUpload(data, {
      territory: 'terr1',
      fileName: 'busy.bin',
      chunkSize: 200_000,
    });
    expect(r.fid).toBe(fidsOf(data).deoss);
    expect(r.sessions).toBe(1);
  });
});

describe('fid mismatch', () => {
  let fake: Server;
  let url: string;
  const WRONG = 'ab'.repeat(32);
  beforeAll(async () => {
    fake = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        if (req.url === '/gateway/gentoken') {
          res.end(
            JSON.stringify({ code: 200, msg: 'success', data: 'x.eyJleHAiOjQxMDI0NDQ4MDB9.y' }),
          );
        } else if (req.url === '/gateway/upload/file') {
          res.end(JSON.stringify({ code: 200, msg: 'success', data: WRONG }));
        } else if (req.url === '/file') {
          res.end(JSON.stringify({ code: 200, msg: 'ok', data: { fid: WRONG } }));
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    fake.closeAllConnections();
    await new Promise((r) => fake.close(r));
  });

  it('CD²N and DeOSS uploads fail with FidMismatchError when the gateway fid is not ours', async () => {
    const signer = keyringSigner(h.alice);
    const data = randomBytes(5000);
    const e1 = await new Cd2nClient({ baseUrl: url, signer })
      .uploadFile(data, { territory: 't', fileName: 'mm.bin' })
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(FidMismatchError);
    expect((e1 as FidMismatchError).localFid).toBe(fidsOf(data).cd2n);
    const e2 = await new DeossClient({ baseUrl: url, signer })
      .putFile(data, { territory: 't', fileName: 'mm.bin' })
      .catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(FidMismatchError);
  });
});
