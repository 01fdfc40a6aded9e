/**
 * CD²N retriever protocol of the local gateway (HTTP layer, fake chain backend).
 */
import { u8aToHex } from '@polkadot/util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { cd2nFid, hashBytes } from '../../src/cess/fid/index.js';
import {
  decapsulate,
  decapsulateReEncrypted,
  decodeCapsuleJson,
  encapsulate,
  encodeCapsuleJson,
  encodeReKeyText,
  generateReKey,
  secretScalarFromKeyringPair,
} from '../../src/cess/pret/index.js';
import {
  bytes,
  chainError,
  fileForm,
  gentokenForm,
  login,
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
let token: string;

beforeAll(async () => {
  h = await startHarness({ maxUploadSize: 64 * 1024 });
  token = await login(h, h.alice);
});
afterAll(async () => h.close());
function reset(): void {
  h.backend.authorized.clear();
  h.backend.territories.clear();
  h.backend.setup(h.aliceAddr);
  h.backend.failCheck = undefined;
  h.backend.failDeclare = undefined;
  h.backend.declared.length = 0;
}
beforeEach(reset);

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  const r = await fetch(`${h.gw.url}${path}`, {
    method: 'POST',
    body,
    headers,
    redirect: 'manual',
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Env };
}

function upload(
  data: Uint8Array,
  name = 'file.bin',
  fields: Record<string, string> = { territory: 'terr1' },
  tok = token,
) {
  return post('/gateway/upload/file', fileForm(data, name, fields), { token: `Bearer ${tok}` });
}

describe('POST /gateway/gentoken', () => {
  it('issues an HS256 JWT carrying the account public key', async () => {
    const r = await post('/gateway/gentoken', gentokenForm(h.alice, undefined, '2'));
    expect(r.status).toBe(200);
    expect(r.body.code).toBe(200);
    expect(r.body.msg).toBe('success');
    const [head = '', payload = ''] = (r.body.data as string).split('.');
    expect(JSON.parse(Buffer.from(head, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      user: { account: string };
      exp: number;
      nbf: number;
    };
    expect(Buffer.from(claims.user.account, 'base64').equals(Buffer.from(h.alice.publicKey))).toBe(
      true,
    );
    expect(claims.exp - claims.nbf).toBe(2 * 3600);
  });

  it('accepts a multipart form too, and uses the default lifetime for a bad exp', async () => {
    const fd = new FormData();
    for (const [k, v] of gentokenForm(h.alice, undefined, '999')) fd.set(k, v);
    const r = await post('/gateway/gentoken', fd);
    expect(r.body.code).toBe(200);
    const claims = JSON.parse(
      Buffer.from((r.body.data as string).split('.')[1] ?? '', 'base64url').toString(),
    ) as {
      exp: number;
      nbf: number;
    };
    expect(claims.exp - claims.nbf).toBe(3600); // tokenTtl of the harness
  });

  it('refuses missing fields, a non-numeric message, stale and future messages', async () => {
    const missing = await post('/gateway/gentoken', new URLSearchParams({ account: h.aliceAddr }));
    expect(missing).toMatchObject({
      status: 400,
      body: { code: 400, msg: 'login error', data: 'bad request params' },
    });

    const text = await post('/gateway/gentoken', gentokenForm(h.alice, 'hello'));
    expect(text).toMatchObject({
      status: 500,
      body: { code: 500, msg: 'login error', data: 'The timestamp format is incorrect' },
    });

    const now = Math.floor(Date.now() / 1000);
    for (const m of [now - 600, now + 600]) {
      const r = await post('/gateway/gentoken', gentokenForm(h.alice, String(m)));
      expect(r).toMatchObject({
        status: 400,
        body: { code: 400, msg: 'login error', data: 'invalid timestamp' },
      });
    }
  });

  it('verifies the sr25519 signature over <Bytes>sha256(message)</Bytes> only', async () => {
    const message = String(Math.floor(Date.now() / 1000));
    // signed by Bob, claimed by Alice
    const forged = gentokenForm(h.bob, message);
    forged.set('account', h.aliceAddr);
    const r1 = await post('/gateway/gentoken', forged);
    expect(r1).toMatchObject({
      status: 400,
      body: {
        code: 400,
        msg: 'login error',
        data: 'parsing and verifying account error: verify sign error',
      },
    });
    // a signature of the raw message is not what CD²N verifies
    const raw = new URLSearchParams({
      account: h.aliceAddr,
      message,
      sign: u8aToHex(h.alice.sign(new TextEncoder().encode(message))),
    });
    expect((await post('/gateway/gentoken', raw)).body.data).toBe(
      'parsing and verifying account error: verify sign error',
    );
    const badHex = new URLSearchParams({ account: h.aliceAddr, message, sign: 'zz' });
    expect((await post('/gateway/gentoken', badHex)).status).toBe(400);
  });

  it('refuses accounts that are not CESS (cX/ce) addresses', async () => {
    const form = gentokenForm(h.alice);
    form.set('account', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    const r = await post('/gateway/gentoken', form);
    expect(r).toMatchObject({
      status: 400,
      body: { data: 'parsing and verifying account error: bad account' },
    });
  });
});

describe('token middleware', () => {
  it('answers 403 Invalid token without or with a bad token', async () => {
    const none = await post(
      '/gateway/upload/file',
      fileForm(bytes(10), 'abc.txt', { territory: 'terr1' }),
    );
    expect(none).toMatchObject({
      status: 403,
      body: { code: 403, msg: 'Invalid token', data: 'invalid token' },
    });
    const bad = await upload(
      bytes(10),
      'abc.txt',
      { territory: 'terr1' },
      token.slice(0, -3) + 'AAA',
    );
    expect(bad).toMatchObject({
      status: 403,
      body: { code: 403, msg: 'Invalid token', data: 'signature is invalid' },
    });
  });

  it('refuses an expired token', async () => {
    let now = Date.now();
    const h2 = await startHarness({ clock: () => now, tokenTtl: 60 });
    try {
      h2.backend.setup(h2.aliceAddr);
      const t = await login(h2, h2.alice);
      now += 61_000;
      const r = await fetch(`${h2.gw.url}/gateway/upload/file`, {
        method: 'POST',
        headers: { token: `Bearer ${t}` },
        body: fileForm(bytes(10), 'abc.txt', { territory: 'terr1' }),
      });
      expect(r.status).toBe(403);
      expect(await r.json()).toEqual({ code: 403, msg: 'Invalid token', data: 'token is expired' });
    } finally {
      await h2.close();
    }
  });
});

describe('POST /gateway/upload/file', () => {
  it('stores, declares and returns the CD²N fid', async () => {
    const data = bytes(3000, 7);
    const r = await upload(data, 'photo.jpg');
    const fid = cd2nFid(hashBytes(data).segments.map((s) => s.hash));
    expect(r).toMatchObject({ status: 200, body: { code: 200, msg: 'success', data: fid } });
    expect(h.backend.declared).toHaveLength(1);
    const d = h.backend.declared[0];
    expect(d).toMatchObject({
      owner: h.aliceAddr,
      territory: 'terr1',
      fileName: 'photo.jpg',
      fid,
      size: 3000,
    });
    expect(d?.segments[0]?.fragments).toHaveLength(12);
    const dl = await fetch(`${h.gw.url}/gateway/download/${fid}`);
    expect(Buffer.from(await dl.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
  });

  it('reads fields sent after the file', async () => {
    const r = await post(
      '/gateway/upload/file',
      fileForm(bytes(100, 3), 'late.txt', { territory: 'terr1' }, true),
      {
        token: `Bearer ${token}`,
      },
    );
    expect(r.body.code).toBe(200);
  });

  it('answers bad params, a missing file, a bad name and an empty file', async () => {
    expect(await upload(bytes(10), 'abc.txt', {})).toMatchObject({
      status: 400,
      body: { code: 400, msg: 'upload user file error', data: 'bad file params' },
    });
    const fd = new FormData();
    fd.set('territory', 'terr1');
    expect(await post('/gateway/upload/file', fd, { token: `Bearer ${token}` })).toMatchObject({
      status: 400,
      body: { code: 400, msg: 'upload user file error', data: 'http: no such file' },
    });
    expect(await upload(bytes(10), 'ab')).toMatchObject({
      status: 400,
      body: { code: 10112, msg: 'upload user file error', data: 'invalid file name' },
    });
    expect((await upload(bytes(10), 'x'.repeat(64))).body.code).toBe(10112);
    expect(await upload(new Uint8Array(0), 'empty.txt')).toMatchObject({
      status: 400,
      body: { data: 'empty file' },
    });
    expect(h.backend.declared).toHaveLength(0);
  });

  it('refuses a body over the size limit with 413', async () => {
    const r = await upload(bytes(64 * 1024 + 1), 'big.bin');
    expect(r).toMatchObject({ status: 413, body: { code: 413, msg: 'upload user file error' } });
  });

  it('maps chain preconditions to 10111/10110/10113 before taking data', async () => {
    h.backend.authorized.clear();
    const unauth = await upload(bytes(10), 'abc.txt');
    expect(unauth).toMatchObject({
      status: 400,
      body: { code: 10111, msg: 'The user has not authorized the gateway', data: null },
    });
    // checked with 1 byte before the body was taken
    expect(h.backend.checks.at(-1)).toEqual({ owner: h.aliceAddr, territory: 'terr1', size: 1 });

    h.backend.setup(h.aliceAddr);
    const noTerr = await upload(bytes(10), 'abc.txt', { territory: 'nope' });
    expect(noTerr).toMatchObject({ status: 400, body: { code: 10110 } });

    h.backend.territory(h.aliceAddr).state = 'Frozen';
    const frozen = await upload(bytes(10), 'abc.txt');
    expect(frozen).toMatchObject({
      status: 400,
      body: { code: 10113, msg: 'Insufficient territory space or not activated' },
    });

    h.backend.setup(h.aliceAddr);
    h.backend.territory(h.aliceAddr).remaining = 1000n;
    expect((await upload(bytes(10), 'abc.txt')).body.code).toBe(10113);
    expect(h.backend.declared).toHaveLength(0);
  });

  it('answers 500/10110 on chain errors, at the check and at the declaration', async () => {
    h.backend.failCheck = chainError('rpc down');
    expect(await upload(bytes(10), 'abc.txt')).toMatchObject({
      status: 500,
      body: { code: 10110, msg: 'rpc down' },
    });
    h.backend.failCheck = undefined;
    h.backend.failDeclare = chainError('extrinsic failed');
    expect(await upload(bytes(10), 'abc.txt')).toMatchObject({
      status: 500,
      body: { code: 10110, msg: 'upload file error', data: 'extrinsic failed' },
    });
  });

  it('async: 10100 with the fid; async+noProxy: the file info and no declaration', async () => {
    const data = bytes(500, 9);
    const fid = cd2nFid(hashBytes(data).segments.map((s) => s.hash));
    const a = await upload(data, 'a.bin', { territory: 'terr1', async: 'true' });
    expect(a).toMatchObject({ status: 200, body: { code: 10100, msg: 'success', data: fid } });
    h.backend.declared.length = 0;
    const b = await upload(data, 'a.bin', { territory: 'terr1', async: 'true', noProxy: 'true' });
    expect(b.status).toBe(200);
    expect(b.body.code).toBe(200);
    expect(b.body.data).toMatchObject({
      fid,
      file_name: 'a.bin',
      file_size: 500,
      territory: 'terr1',
    });
    expect((b.body.data as { fragments: string[][] }).fragments[0]).toHaveLength(12);
    expect(h.backend.declared).toHaveLength(0);
  });

  it('takes concurrent uploads', async () => {
    const datas = [1, 2, 3, 4].map((i) => bytes(2000 + i, 100 + i));
    const rs = await Promise.all(datas.map((d, i) => upload(d, `c${i}.bin`)));
    const fids = rs.map((r) => r.body.data);
    expect(new Set(fids).size).toBe(4);
    for (const [i, d] of datas.entries()) {
      expect(fids[i]).toBe(cd2nFid(hashBytes(d).segments.map((s) => s.hash)));
    }
  });
});

describe('batch upload', () => {
  async function request(info: Record<string, unknown>, tok = token) {
    return post('/gateway/upload/batch/request', JSON.stringify(info), {
      token: `Bearer ${tok}`,
      'Content-Type': 'application/json',
    });
  }
  function chunk(hash: string, data: Uint8Array, range: string, tok = token) {
    const fd = new FormData();
    fd.set('file', new Blob([new Uint8Array(data)]), 'part');
    return post('/gateway/upload/batch/file', fd, { token: `Bearer ${tok}`, hash, Range: range });
  }

  it('request: returns a session hash (body and header)', async () => {
    const r = await request({ file_name: 'big.bin', territory: 'terr1', total_size: 100 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: 200, msg: 'success' });
    expect(r.body.data).toMatch(/^[0-9a-f]{64}$/);
    expect(r.headers.get('hash')).toBe(r.body.data);
  });

  it('request: refuses bad JSON, missing fields, bad names and preconditions', async () => {
    expect(
      await request({ file_name: 'x.bin', territory: 'terr1', total_size: 'ten' }),
    ).toMatchObject({
      status: 400,
      body: { code: 500, msg: 'request batch upload error' },
    });
    const notJson = await post('/gateway/upload/batch/request', '{', { token: `Bearer ${token}` });
    expect(notJson).toMatchObject({ status: 400, body: { code: 500 } });
    expect(await request({ file_name: 'x.bin', territory: 'terr1' })).toMatchObject({
      status: 500,
      body: { code: 500, data: 'bad request params' },
    });
    expect((await request({ file_name: 'xy', territory: 'terr1', total_size: 5 })).body.code).toBe(
      10112,
    );
    h.backend.authorized.clear();
    expect(await request({ file_name: 'x.bin', territory: 'terr1', total_size: 5 })).toMatchObject({
      status: 400,
      body: { code: 10111 },
    });
    h.backend.setup(h.aliceAddr);
    expect(
      (await request({ file_name: 'x.bin', territory: 'terr1', total_size: 10 ** 9 })).status,
    ).toBe(413);
  });

  it('308 until complete, then the same fid as a single upload; ranges are end-exclusive', async () => {
    const data = bytes(1000, 42);
    const fid = cd2nFid(hashBytes(data).segments.map((s) => s.hash));
    const hash = (await request({ file_name: 'batch.bin', territory: 'terr1', total_size: 1000 }))
      .body.data as string;
    const r1 = await chunk(hash, data.subarray(0, 400), 'bytes=0-400');
    expect(r1.status).toBe(308);
    expect(r1.body).toEqual({
      code: 200,
      msg: 'success',
      data: expect.objectContaining({ fid: '', chunk_end: 400 }),
    });
    const r2 = await chunk(hash, data.subarray(400, 700), 'bytes=400-700');
    expect(r2.body.data).toMatchObject({ chunk_end: 700 });
    const r3 = await chunk(hash, data.subarray(700), 'bytes=700-');
    expect(r3.status).toBe(200);
    expect(r3.body).toMatchObject({ code: 200, msg: 'success', data: { fid, chunk_end: 0 } });
    expect(h.backend.declared.at(-1)).toMatchObject({ fid, fileName: 'batch.bin', size: 1000 });
    // the answer to a re-sent last chunk is the same fid, not a second declaration
    const again = await chunk(hash, data.subarray(700), 'bytes=700-1000');
    expect(again.body).toMatchObject({ code: 200, data: { fid } });
    expect(h.backend.declared).toHaveLength(1);
    const dl = await fetch(`${h.gw.url}/gateway/download/${fid}`);
    expect(Buffer.from(await dl.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses re-sent, out-of-order, oversized and short ranges without corrupting', async () => {
    const data = bytes(600, 5);
    const hash = (await request({ file_name: 'strict.bin', territory: 'terr1', total_size: 600 }))
      .body.data as string;
    expect((await chunk(hash, data.subarray(0, 200), 'bytes=0-200')).status).toBe(308);
    const dup = await chunk(hash, data.subarray(0, 200), 'bytes=0-200');
    expect(dup).toMatchObject({ status: 400, body: { code: 400, msg: 'batch upload error' } });
    expect(dup.body.data).toMatch(/^duplicate range/);
    const gap = await chunk(hash, data.subarray(300, 400), 'bytes=300-400');
    expect(gap.status).toBe(400);
    expect(gap.body.data).toMatch(/^out-of-order range/);
    expect((await chunk(hash, data.subarray(200, 600), 'bytes=200-700')).status).toBe(400);
    const short = await chunk(hash, data.subarray(200, 250), 'bytes=200-400');
    expect(short).toMatchObject({ status: 500, body: { data: 'bad data' } });
    expect((await chunk(hash, data.subarray(200, 400), 'bytes=0-0')).body.data).toBe(
      'bad data range',
    );
    expect((await chunk(hash, data.subarray(200, 400), 'items=1-2')).body.data).toBe(
      'parse file range error: invalid range',
    );
    // nothing of the refused chunks was kept: the next in-order chunks complete the file
    expect((await chunk(hash, data.subarray(200, 400), 'bytes=200-400')).status).toBe(308);
    const last = await chunk(hash, data.subarray(400), 'bytes=400-600');
    expect(last.body.data).toMatchObject({
      fid: cd2nFid(hashBytes(data).segments.map((s) => s.hash)),
    });
  });

  it('refuses unknown sessions and other users', async () => {
    const unknown = await chunk('ab'.repeat(32), bytes(10), 'bytes=0-10');
    expect(unknown).toMatchObject({ status: 500, body: { code: 500, msg: 'batch upload error' } });
    const hash = (await request({ file_name: 'mine.bin', territory: 'terr1', total_size: 10 })).body
      .data as string;
    const bobToken = await login(h, h.bob);
    expect((await chunk(hash, bytes(10), 'bytes=0-10', bobToken)).body.data).toBe(
      'unauthorized access',
    );
  });
});

describe('GET/HEAD /gateway/download', () => {
  let fid: string;
  let seg: string;
  const data = bytes(1000, 77);
  beforeAll(async () => {
    reset();
    fid = (await upload(data, 'dl.bin')).body.data as string;
    seg = hashBytes(data).segments[0]?.hash ?? '';
  });

  it('serves the whole file with its name', async () => {
    const r = await rawRequest(`${h.gw.url}/gateway/download/${fid}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('1000');
    expect(r.headers['content-disposition']).toBe('attachment; filename="dl.bin"');
    expect(r.body.equals(Buffer.from(data))).toBe(true);
  });

  it('keeps UTF-8 names (multipart filename) and sends them RFC 5987-encoded', async () => {
    const d = bytes(50, 123);
    const f = (await upload(d, '照片.jpg')).body.data as string;
    expect(h.backend.declared.at(-1)?.fileName).toBe('照片.jpg');
    for (const range of [undefined, 'bytes=0-10']) {
      const r = await rawRequest(`${h.gw.url}/gateway/download/${f}`, {
        headers: range ? { Range: range } : {},
      });
      expect(r.headers['content-disposition']).toBe(
        `attachment; filename*=UTF-8''${encodeURIComponent('照片.jpg')}`,
      );
    }
  });

  it('bytes=S-E (E > S) is end-exclusive, as the Go RangeResponse', async () => {
    const r = await rawRequest(`${h.gw.url}/gateway/download/${fid}`, {
      headers: { Range: 'bytes=10-20' },
    });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 10-20/1000');
    expect(r.body.equals(Buffer.from(data.subarray(10, 20)))).toBe(true);
    const clamp = await rawRequest(`${h.gw.url}/gateway/download/${fid}`, {
      headers: { Range: 'bytes=990-5000' },
    });
    expect(clamp.headers['content-range']).toBe('bytes 990-1000/1000');
    expect(clamp.body).toHaveLength(10);
  });

  it('other ranges follow RFC 7233 (http.ServeContent)', async () => {
    const open = await rawRequest(`${h.gw.url}/gateway/download/${fid}`, {
      headers: { Range: 'bytes=900-' },
    });
    expect(open.status).toBe(206);
    expect(open.headers['content-range']).toBe('bytes 900-999/1000');
    expect(open.body.equals(Buffer.from(data.subarray(900)))).toBe(true);
    const one = await rawRequest(`${h.gw.url}/gateway/download/${fid}`, {
      headers: { Range: 'bytes=5-5' },
    });
    expect(one.body.equals(Buffer.from(data.subarray(5, 6)))).toBe(true);
    for (const bad of [
      'bytes=20-10',
      'bytes=1000-',
      'bytes=-5',
      'bytes=0-1,5-6',
      'lines=1-2',
      'bytes=2000-3000',
    ]) {
      const r = await rawRequest(`${h.gw.url}/gateway/download/${fid}`, {
        headers: { Range: bad },
      });
      expect([bad, r.status]).toEqual([bad, 416]);
      expect(r.headers['content-range']).toBe('bytes */1000');
    }
  });

  it('HEAD gives the headers only; a segment id gives that segment', async () => {
    const head = await rawRequest(`${h.gw.url}/gateway/download/${fid}/${seg}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
    expect(head.body).toHaveLength(0);
    const s = await rawRequest(`${h.gw.url}/gateway/download/${fid}/${seg}`);
    expect(s.body.equals(Buffer.from(data))).toBe(true);
  });

  it('bad ids are 400, unknown data 500 as the Go gateway', async () => {
    const bad = await rawRequest(`${h.gw.url}/gateway/download/../../etc/passwd`);
    expect(bad.status).toBe(404);
    const bad2 = await rawRequest(`${h.gw.url}/gateway/download/XYZ`);
    expect(bad2.status).toBe(400);
    expect(JSON.parse(bad2.body.toString())).toEqual({
      code: 400,
      msg: 'download file error',
      data: 'bad file id',
    });
    const unknown = await rawRequest(`${h.gw.url}/gateway/download/${'0'.repeat(64)}`);
    expect(unknown.status).toBe(500);
    expect(JSON.parse(unknown.body.toString())).toMatchObject({
      code: 500,
      msg: 'download file error',
    });
    const noSeg = await rawRequest(`${h.gw.url}/gateway/download/${fid}/${'1'.repeat(64)}`);
    expect(noSeg.status).toBe(500);
  });
});

describe('PReT: encrypt=true, capsule, reencrypt', () => {
  const plain = bytes(2500, 11);
  let fid: string;
  let capsuleText: string;
  let gatewayPk: Uint8Array;

  beforeAll(async () => {
    reset();
    const r = await upload(plain, 'secret.txt', { territory: 'terr1', encrypt: 'true' });
    expect(r.body.code).toBe(200);
    fid = r.body.data as string;
    const c = await fetch(`${h.gw.url}/gateway/capsule/${fid}`);
    const body = (await c.json()) as Env<{ capsule: string; pubkey: string }>;
    expect(body.code).toBe(200);
    capsuleText = Buffer.from(body.data.capsule, 'base64').toString('utf8');
    gatewayPk = new Uint8Array(Buffer.from(body.data.pubkey, 'base64'));
  });

  it('stores ciphertext (AES-GCM blocks: +16 bytes) under the ciphertext fid', async () => {
    const dl = Buffer.from(
      await (await fetch(`${h.gw.url}/gateway/download/${fid}`)).arrayBuffer(),
    );
    expect(dl.length).toBe(plain.length + 16);
    expect(fid).toBe(cd2nFid(hashBytes(dl).segments.map((s) => s.hash)));
    expect(JSON.parse(capsuleText)).toEqual({
      E: expect.any(String),
      V: expect.any(String),
      S: expect.any(String),
    });
    expect(gatewayPk).toHaveLength(32);
  });

  it('re-encrypts a stored capsule (by did) for a recipient', async () => {
    const skA = secretScalarFromKeyringPair(h.alice);
    const skB = secretScalarFromKeyringPair(h.bob);
    const { rk, X } = generateReKey(skA, h.bob.publicKey);
    const r = await post(
      '/gateway/reencrypt',
      JSON.stringify({
        did: fid,
        capsule: null,
        rk: Buffer.from(encodeReKeyText(rk)).toString('base64'),
      }),
    );
    expect(r.status).toBe(200);
    const newCapsule = decodeCapsuleJson(
      Buffer.from(r.body.data as string, 'base64').toString('utf8'),
    );
    const original = decodeCapsuleJson(capsuleText);
    expect(Buffer.from(decapsulateReEncrypted(skB, X, newCapsule))).toEqual(
      Buffer.from(decapsulate(skA, original)),
    );
  });

  it('re-encrypts a capsule sent in the body', async () => {
    const skA = secretScalarFromKeyringPair(h.alice);
    const { capsule } = encapsulate(h.alice.publicKey);
    const { rk } = generateReKey(skA, h.bob.publicKey);
    const r = await post(
      '/gateway/reencrypt',
      JSON.stringify({
        did: '',
        capsule: Buffer.from(encodeCapsuleJson(capsule)).toString('base64'),
        rk: Buffer.from(encodeReKeyText(rk)).toString('base64'),
      }),
    );
    expect(r.body.code).toBe(200);
  });

  it('downloads decrypted with Rkb/Pkx headers (re-key to the gateway PReT key)', async () => {
    const skA = secretScalarFromKeyringPair(h.alice);
    const { rk, X } = generateReKey(skA, gatewayPk);
    const { encodeAddress } = await import('@polkadot/util-crypto');
    const r = await rawRequest(`${h.gw.url}/gateway/download/${fid}`, {
      headers: { Rkb: encodeReKeyText(rk), Pkx: encodeAddress(X, 11330) },
    });
    expect(r.status).toBe(200);
    expect(r.body.equals(Buffer.from(plain))).toBe(true);
  });

  it('answers the Go error shapes for bad input', async () => {
    const bad = await post('/gateway/reencrypt', '{"rk": 5}');
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 400, msg: 're-encrypt key error', data: 'bad request params' },
    });
    const notB64 = await post('/gateway/reencrypt', '{"capsule": "***"}');
    expect(notB64.body.data).toBe('bad request params');
    const junk = await post(
      '/gateway/reencrypt',
      JSON.stringify({
        capsule: Buffer.from('{"E":"x"}').toString('base64'),
        rk: Buffer.from('abc').toString('base64'),
      }),
    );
    expect(junk.status).toBe(400);
    expect(junk.body.data).toMatch(/^re-encrypt key error: re-encrypt pre key error: /);
    // a capsule whose proof does not hold (tampered S)
    const c = JSON.parse(capsuleText) as { E: string; V: string; S: string };
    const tampered = JSON.stringify({
      ...c,
      S: c.E === c.S ? c.V : Buffer.alloc(32, 1).toString('base64'),
    });
    const { rk } = generateReKey(secretScalarFromKeyringPair(h.alice), h.bob.publicKey);
    const t = await post(
      '/gateway/reencrypt',
      JSON.stringify({
        capsule: Buffer.from(tampered).toString('base64'),
        rk: Buffer.from(encodeReKeyText(rk)).toString('base64'),
      }),
    );
    expect(t.body.data).toBe(
      're-encrypt key error: re-encrypt pre key error: re-encrypt key error: invalid params',
    );
    const unknown = await fetch(`${h.gw.url}/gateway/capsule/${'0'.repeat(64)}`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      code: 400,
      msg: 'get proxy re-encryption capsule error',
    });
  });
});
