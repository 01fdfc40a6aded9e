/**
 * The local CESS network end to end: the real CESS runtime under chopsticks and the project's
 * gateway, driven over the wire protocols exactly as a client would (raw HTTP, no client
 * library), with chain state read back through @polkadot/api.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { KeyringPair } from '@polkadot/keyring/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOf, txOf } from '../../src/cess/chain/metadata.js';
import { signAndWait } from '../../src/cess/chain/tx.js';
import { setStorage } from '../../src/devnet/chain/dev-storage.js';
import { encodeStorageValue, readJson, storageKey } from '../../src/devnet/chain/storage-codec.js';
import { startTestDevnet, eventually, type TestDevnet } from '../support/devnet.js';
import {
  bytes,
  deossHeaders,
  fileForm,
  gentokenForm,
  rawRequest,
} from '../unit/gateway-helpers.js';

const SEG = 32 * 1024 * 1024;
const MiB = 1024 * 1024;

/** An independent fid computation (not src/cess/fid): zero-padded 32 MiB segments, SHA-256 each. */
function segmentDigests(data: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += SEG) {
    const seg = Buffer.alloc(SEG);
    seg.set(data.subarray(off, Math.min(off + SEG, data.length)));
    out.push(createHash('sha256').update(seg).digest());
  }
  return out;
}
const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
function cd2nFidOf(data: Uint8Array): string {
  return sha(...segmentDigests(data)).toString('hex');
}
function deossFidOf(data: Uint8Array): string {
  let level = segmentDigests(data);
  if (level.length === 1) return sha(level[0]!, level[0]!).toString('hex');
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha(level[i]!, level[i + 1] ?? level[i]!));
    level = next;
  }
  return level[0]!.toString('hex');
}

interface Envelope<T = unknown> {
  code: number;
  msg: string;
  data: T;
}

let net: TestDevnet;
let alice: KeyringPair; // territory 'home', gateway authorized
let bob: KeyringPair; // nothing: gateway not authorized
let charlie: KeyringPair; // gateway authorized, no territory
let dave: KeyringPair; // territory 'small' with 10 MiB left
let eve: KeyringPair; // territory 'cold', Frozen

async function token(pair: KeyringPair): Promise<string> {
  const r = await fetch(`${net.gatewayUrl}/gateway/gentoken`, {
    method: 'POST',
    body: gentokenForm(pair),
  });
  const body = (await r.json()) as Envelope<string>;
  expect(body.code, body.msg).toBe(200);
  return body.data;
}

async function cd2nUpload(
  pair: KeyringPair,
  data: Uint8Array,
  name: string,
  territory: string,
): Promise<{ status: number; body: Envelope }> {
  const r = await fetch(`${net.gatewayUrl}/gateway/upload/file`, {
    method: 'POST',
    headers: { token: `Bearer ${await token(pair)}` },
    body: fileForm(data, name, { territory }),
  });
  return { status: r.status, body: (await r.json()) as Envelope };
}

async function deossPut(
  pair: KeyringPair,
  data: Uint8Array,
  name: string,
  territory: string,
): Promise<Envelope> {
  const r = await fetch(`${net.gatewayUrl}/file`, {
    method: 'PUT',
    headers: { ...deossHeaders(pair), Territory: territory },
    body: fileForm(data, name),
  });
  expect(r.status).toBe(200); // DeOSS answers 200 and puts the real status in `code`
  return (await r.json()) as Envelope;
}

async function territoryOf(owner: string, name: string) {
  return readJson<{
    usedSpace: string | number;
    lockedSpace: string | number;
    remainingSpace: string | number;
    state: string;
  }>(net.api, 'storageHandler', 'territory', owner, name);
}

async function heldBy(owner: string): Promise<string[]> {
  const list = (await queryOf(net.api, 'fileBank', 'userHoldFileList')(owner)).toHuman() as {
    fileHash: string;
  }[];
  return list.map((f) => f.fileHash);
}

async function fileOnChain(
  fid: string,
): Promise<{ owner: { user: string }[]; stat: string } | null> {
  return readJson(net.api, 'fileBank', 'file', fid);
}

beforeAll(async () => {
  net = await startTestDevnet();
  ({ Alice: alice, Bob: bob, Charlie: charlie, Dave: dave, Eve: eve } = net.keys.users);
  const { api } = net;
  const mint = (p: KeyringPair, name: string) =>
    signAndWait(api, txOf(api, 'storageHandler', 'mintTerritory')(1, name, 30), p);
  const authorize = (p: KeyringPair) =>
    signAndWait(api, txOf(api, 'oss', 'authorize')(net.keys.gateway.address), p);
  // Different signers in parallel; each signer's own transactions are queued by signAndWait.
  await Promise.all([
    mint(alice, 'home').then(() => authorize(alice)),
    authorize(charlie),
    mint(dave, 'small').then(() => authorize(dave)),
    mint(eve, 'cold').then(() => authorize(eve)),
  ]);
  // Dave's territory nearly full, Eve's frozen: states a real chain reaches with time and use.
  const small = await territoryOf(dave.address, 'small');
  const cold = await territoryOf(eve.address, 'cold');
  await setStorage(net.rpc, [
    [
      storageKey(api, 'storageHandler', 'territory', dave.address, 'small'),
      encodeStorageValue(api, 'storageHandler', 'territory', {
        ...small,
        usedSpace: 1024 * MiB - 10 * MiB,
        remainingSpace: 10 * MiB,
      }),
    ],
    [
      storageKey(api, 'storageHandler', 'territory', eve.address, 'cold'),
      encodeStorageValue(api, 'storageHandler', 'territory', { ...cold, state: 'Frozen' }),
    ],
  ]);
});

afterAll(async () => {
  await net?.stop();
});

describe('local CESS network', () => {
  it('runs the real CESS runtime and registers the gateway on chain', async () => {
    expect(net.api.runtimeVersion.specName.toString()).toBe('cess-node');
    expect(net.ss58Format).toBe(11330);
    const oss = (await queryOf(net.api, 'oss', 'oss')(net.keys.gateway.address)).toHuman() as {
      domain: string;
    };
    expect(oss.domain).toBe(net.gateway.url);
    const auth = (
      await queryOf(net.api, 'oss', 'authorityList')(alice.address)
    ).toJSON() as string[];
    expect(auth).toContain(net.keys.gateway.address);
  });

  it('CD²N: upload, the gateway fid equals an independent computation, download is identical, the chain stores it', async () => {
    const data = bytes(300 * 1024, 11);
    const up = await cd2nUpload(alice, data, 'photo.jpg', 'home');
    expect(up.status).toBe(200);
    expect(up.body.data).toBe(cd2nFidOf(data));
    const fid = up.body.data as string;

    const down = await rawRequest(`${net.gatewayUrl}/gateway/download/${fid}`);
    expect(down.status).toBe(200);
    expect(Buffer.compare(down.body, Buffer.from(data))).toBe(0);

    // The real CD²N gateway answers "bytes=S-E" (E > S) with its own RangeResponse, whose end
    // is exclusive (docs/gateway-protocols.md); ours does the same.
    const ranged = await rawRequest(`${net.gatewayUrl}/gateway/download/${fid}`, {
      headers: { Range: 'bytes=1000-2000' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 1000-2000/${data.length}`);
    expect(Buffer.compare(ranged.body, Buffer.from(data.subarray(1000, 2000)))).toBe(0);
    const tail = await rawRequest(`${net.gatewayUrl}/gateway/download/${fid}`, {
      headers: { Range: `bytes=${data.length - 10}-` },
    });
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body, Buffer.from(data.subarray(data.length - 10)))).toBe(0);

    const stored = await eventually(
      async () => (await fileOnChain(fid)) ?? undefined,
      15_000,
      'File entry',
    );
    expect(stored.stat).toBe('Active');
    expect(stored.owner.map((o) => o.user)).toEqual([alice.address]);
    expect(await heldBy(alice.address)).toContain(fid);
  });

  it('DeOSS: PUT /file, metadata, download, then DELETE removes it on chain', async () => {
    const data = bytes(70 * 1024, 12);
    const up = await deossPut(alice, data, 'notes.txt', 'home');
    expect(up.code).toBe(200);
    const fid = (up.data as { fid: string }).fid;
    expect(fid).toBe(deossFidOf(data));

    const down = await rawRequest(`${net.gatewayUrl}/file/download/${fid}`);
    expect(Buffer.compare(down.body, Buffer.from(data))).toBe(0);

    await eventually(async () => (await fileOnChain(fid)) ?? undefined, 15_000, 'File entry');
    const meta = (await (
      await fetch(`${net.gatewayUrl}/file/metadata/${fid}`)
    ).json()) as Envelope<{ fid: string; size: number; owner: unknown }>;
    expect(meta.code).toBe(200);
    expect(meta.data.fid).toBe(fid);
    expect(Number(meta.data.size)).toBe(data.length);

    const del = await fetch(`${net.gatewayUrl}/file/${fid}`, {
      method: 'DELETE',
      headers: deossHeaders(alice),
    });
    const delBody = (await del.json()) as Envelope;
    expect(delBody.code, delBody.msg).toBe(200);
    expect(await fileOnChain(fid)).toBeNull();
    expect(await heldBy(alice.address)).not.toContain(fid);
  });

  it('a declared file is a pending deal (space locked) until the miners report, then a stored file (space used)', async () => {
    net.backend.setMinerDelay('never');
    try {
      const before = await territoryOf(alice.address, 'home');
      const data = bytes(5000, 13);
      const up = await cd2nUpload(alice, data, 'pending.bin', 'home');
      const fid = up.body.data as string;
      expect(await readJson(net.api, 'fileBank', 'dealMap', fid)).not.toBeNull();
      expect(await fileOnChain(fid)).toBeNull();
      const locked = await territoryOf(alice.address, 'home');
      expect(BigInt(locked!.lockedSpace) - BigInt(before!.lockedSpace)).toBe(96n * 1024n * 1024n);

      expect(await net.backend.completeNow(fid)).toBe(true);
      expect(await readJson(net.api, 'fileBank', 'dealMap', fid)).toBeNull();
      expect((await fileOnChain(fid))?.stat).toBe('Active');
      const used = await territoryOf(alice.address, 'home');
      expect(BigInt(used!.lockedSpace)).toBe(BigInt(before!.lockedSpace));
      expect(BigInt(used!.usedSpace) - BigInt(before!.usedSpace)).toBe(96n * 1024n * 1024n);
    } finally {
      net.backend.setMinerDelay(0);
    }
  });

  it('deals completed at once, while another file is declared, all count: none is lost from the hold list or the space', async () => {
    net.backend.setMinerDelay('never');
    try {
      const before = await territoryOf(alice.address, 'home');
      const fids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const up = await cd2nUpload(alice, bytes(3000 + i, 20 + i), `race-${i}.bin`, 'home');
        fids.push(up.body.data as string);
      }
      // The miners report the three while a fourth upload declares itself.
      const [late] = await Promise.all([
        cd2nUpload(alice, bytes(4000, 30), 'race-late.bin', 'home'),
        ...fids.map((f) => net.backend.completeNow(f)),
      ]);
      const held = await heldBy(alice.address);
      for (const f of fids) expect(held).toContain(f);
      const after = await territoryOf(alice.address, 'home');
      const segment = 96n * 1024n * 1024n;
      expect(BigInt(after!.usedSpace) - BigInt(before!.usedSpace)).toBe(3n * segment);
      expect(BigInt(after!.lockedSpace) - BigInt(before!.lockedSpace)).toBe(segment);
      expect(await net.backend.completeNow(late.body.data as string)).toBe(true);
    } finally {
      net.backend.setMinerDelay(0);
    }
  });

  it('with a miner delay the deal completes by itself', async () => {
    net.backend.setMinerDelay(1500);
    try {
      const up = await cd2nUpload(alice, bytes(999, 14), 'later.bin', 'home');
      const fid = up.body.data as string;
      expect(await readJson(net.api, 'fileBank', 'dealMap', fid)).not.toBeNull();
      await eventually(
        async () => (await fileOnChain(fid)) ?? undefined,
        15_000,
        'miners to report',
      );
      expect(await readJson(net.api, 'fileBank', 'dealMap', fid)).toBeNull();
    } finally {
      net.backend.setMinerDelay(0);
    }
  });

  describe('each precondition failure gives the real error', () => {
    const data = bytes(1000, 15);
    it('gateway not authorized', async () => {
      const cd2n = await cd2nUpload(bob, data, 'x.bin', 'home');
      expect(cd2n.body).toMatchObject({
        code: 10111,
        msg: 'The user has not authorized the gateway',
      });
      const deoss = await deossPut(bob, data, 'x.bin', 'home');
      expect(deoss.code).toBe(403);
      expect(deoss.msg).toContain(net.keys.gateway.address);
    });
    it('no such territory', async () => {
      const cd2n = await cd2nUpload(charlie, data, 'x.bin', 'nowhere');
      expect(cd2n.body.code).toBe(10110);
      expect(cd2n.body.msg).toContain('nowhere');
      const deoss = await deossPut(charlie, data, 'x.bin', 'nowhere');
      expect(deoss).toMatchObject({ code: 400, msg: 'please purchase territory first' });
    });
    it('not enough space (96 MiB per segment)', async () => {
      const cd2n = await cd2nUpload(dave, data, 'x.bin', 'small');
      expect(cd2n.body).toMatchObject({
        code: 10113,
        msg: 'Insufficient territory space or not activated',
      });
      const deoss = await deossPut(dave, data, 'x.bin', 'small');
      expect(deoss.code).toBe(400);
      expect(deoss.msg).toBe(`remaining space in the territory is less than ${96 * MiB}`);
    });
    it('territory not Active', async () => {
      const cd2n = await cd2nUpload(eve, data, 'x.bin', 'cold');
      expect(cd2n.body.code).toBe(10113);
      const deoss = await deossPut(eve, data, 'x.bin', 'cold');
      expect(deoss).toMatchObject({ code: 400, msg: 'territory will expire soon' });
    });
    it('bad signature and expired message', async () => {
      const form = gentokenForm(alice);
      form.set('sign', `0x${'00'.repeat(64)}`);
      const bad = (await (
        await fetch(`${net.gatewayUrl}/gateway/gentoken`, { method: 'POST', body: form })
      ).json()) as Envelope;
      expect(bad.code).toBe(400);
      const stale = gentokenForm(alice, String(Math.floor(Date.now() / 1000) - 3600));
      const old = (await (
        await fetch(`${net.gatewayUrl}/gateway/gentoken`, { method: 'POST', body: stale })
      ).json()) as Envelope;
      expect(old).toMatchObject({ code: 400, data: 'invalid timestamp' });
      const expired = deossHeaders(alice, { message: String(Math.floor(Date.now() / 1000) - 1) });
      const r = await fetch(`${net.gatewayUrl}/file`, {
        method: 'PUT',
        headers: { ...expired, Territory: 'home' },
        body: fileForm(data, 'x.bin'),
      });
      expect(await r.json()).toMatchObject({ code: 403, msg: 'no permission' });
    });
  });

  it('DeOSS: a resumable upload cut mid-chunk is completed by resending from the confirmed offset', async () => {
    const data = bytes(3 * MiB + 123, 16);
    const name = 'resumed.bin';
    const chunk = MiB;
    const put = (start: number, end: number) =>
      rawRequest(`${net.gatewayUrl}/resume/${name}`, {
        method: 'PUT',
        headers: {
          ...deossHeaders(alice),
          Territory: 'home',
          'Content-Range': `bytes ${start}-${end}/${data.length}`,
        },
        body: data.subarray(start, end + 1),
      });
    expect((await put(0, chunk - 1)).status).toBe(308);
    // The connection dies while the second chunk is being received.
    net.gateway.faults.cutNext({ count: 1, afterBytes: 4096, path: '/resume/' });
    await expect(put(chunk, 2 * chunk - 1)).rejects.toThrow();
    // The gateway kept only what it confirmed; the chunk is sent again, then the rest.
    expect((await put(chunk, 2 * chunk - 1)).status).toBe(308);
    expect((await put(2 * chunk, 3 * chunk - 1)).status).toBe(308);
    const last = await put(3 * chunk, data.length - 1);
    const body = JSON.parse(last.body.toString()) as Envelope<{ fid: string }>;
    expect(body.code).toBe(200);
    expect(body.data.fid).toBe(deossFidOf(data));
    const down = await rawRequest(`${net.gatewayUrl}/file/download/${body.data.fid}`);
    expect(Buffer.compare(down.body, Buffer.from(data))).toBe(0);
  });

  describe('fault injection', () => {
    it('fails the next N requests with a given status', async () => {
      net.gateway.faults.failNext({ count: 2, status: 503, path: '/gateway/download/' });
      const url = `${net.gatewayUrl}/gateway/download/${'0'.repeat(64)}`;
      expect((await rawRequest(url)).status).toBe(503);
      expect((await rawRequest(url)).status).toBe(503);
      expect((await rawRequest(url)).status).not.toBe(503);
    });
    it('cuts a download body mid-transfer', async () => {
      const data = bytes(200 * 1024, 17);
      const fid = (await cd2nUpload(alice, data, 'cut.bin', 'home')).body.data as string;
      net.gateway.faults.cutNext({ count: 1, afterBytes: 50_000, path: '/gateway/download/' });
      await expect(rawRequest(`${net.gatewayUrl}/gateway/download/${fid}`)).rejects.toThrow();
      const whole = await rawRequest(`${net.gatewayUrl}/gateway/download/${fid}`);
      expect(whole.body.length).toBe(data.length);
    });
    it('delays replies', async () => {
      net.gateway.faults.delay({ ms: 800, count: 1, path: '/file/metadata/' });
      const t0 = performance.now();
      await rawRequest(`${net.gatewayUrl}/file/metadata/${'0'.repeat(64)}`);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(790);
    });
    it('is driven over HTTP too (POST /__devnet/faults)', async () => {
      const r = await fetch(`${net.gatewayUrl}/__devnet/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'failNext',
          count: 1,
          status: 502,
          path: '/file/metadata/',
        }),
      });
      expect(r.status).toBe(200);
      expect((await rawRequest(`${net.gatewayUrl}/file/metadata/${'0'.repeat(64)}`)).status).toBe(
        502,
      );
    });
  });

  it('nothing listens beyond 127.0.0.1', () => {
    const pids = new Set([process.pid, net.chainPid]);
    const lines = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n');
    const ours = lines.filter((l) =>
      [...l.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1]))),
    );
    expect(ours.length).toBeGreaterThanOrEqual(2); // the chain RPC and the gateway at least
    for (const line of ours) {
      const local = line.trim().split(/\s+/)[3] ?? '';
      expect(local, line).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });
});
