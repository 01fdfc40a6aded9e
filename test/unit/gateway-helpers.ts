/**
 * Helpers for the gateway HTTP-layer unit tests: an in-memory GatewayBackend with the same
 * precondition rules as the chain side (unit speed only; the lead's integration tests run the
 * same routes against the real CESS runtime), real sr25519 keys, and small HTTP clients.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';

import {
  ChainError,
  PreconditionError,
  createGatewayServer,
  type ChainFileInfo,
  type DeclareRequest,
  type GatewayBackend,
  type GatewayServer,
  type GatewayServerOptions,
  cd2nLoginMessage,
} from '../../src/devnet/gateway/index.js';

export const SS58 = 11330;
export const SEG = 32 * 1024 * 1024;
export const LOCK_PER_SEGMENT = 96n * 1024n * 1024n;

interface Territory {
  state: string;
  remaining: bigint;
}

export class FakeBackend implements GatewayBackend {
  readonly account: string;
  readonly publicKey: Uint8Array;
  readonly ss58Format = SS58;
  readonly authorized = new Set<string>();
  readonly territories = new Map<string, Territory>();
  readonly files = new Map<
    string,
    { size: number; owners: string[]; state: 'pending' | 'stored' }
  >();
  readonly declared: DeclareRequest[] = [];
  readonly checks: { owner: string; territory: string; size: number }[] = [];
  /** Makes the next calls throw (ChainError by default). */
  failCheck: Error | undefined;
  failDeclare: Error | undefined;
  failInfo: Error | undefined;

  constructor(gatewayPair: KeyringPair) {
    this.publicKey = gatewayPair.publicKey;
    this.account = encodeAddress(gatewayPair.publicKey, SS58);
  }

  /** Owner authorizes this gateway and buys a territory with `gib` GiB. */
  setup(owner: string, territory = 'terr1', gib = 10): void {
    this.authorized.add(owner);
    this.territories.set(`${owner}/${territory}`, {
      state: 'Active',
      remaining: BigInt(gib) * 1024n * 1024n * 1024n,
    });
  }

  territory(owner: string, name = 'terr1'): Territory {
    const t = this.territories.get(`${owner}/${name}`);
    if (!t) throw new Error(`no territory ${owner}/${name}`);
    return t;
  }

  async checkUpload(owner: string, territory: string, size: number): Promise<void> {
    this.checks.push({ owner, territory, size });
    if (this.failCheck) throw this.failCheck;
    if (!this.authorized.has(owner)) {
      throw new PreconditionError({ kind: 'unauthorized', owner, gateway: this.account });
    }
    const t = this.territories.get(`${owner}/${territory}`);
    if (!t) throw new PreconditionError({ kind: 'no-territory', owner, territory });
    if (t.state !== 'Active')
      throw new PreconditionError({ kind: 'territory-inactive', owner, territory, state: t.state });
    const needed = BigInt(Math.max(1, Math.ceil(size / SEG))) * LOCK_PER_SEGMENT;
    if (t.remaining < needed) {
      throw new PreconditionError({
        kind: 'no-space',
        owner,
        territory,
        remaining: t.remaining,
        needed,
      });
    }
  }

  async declare(req: DeclareRequest): Promise<void> {
    if (this.failDeclare) throw this.failDeclare;
    await this.checkUpload(req.owner, req.territory, req.size);
    this.declared.push(req);
    const f = this.files.get(req.fid);
    if (f) {
      if (!f.owners.includes(req.owner)) f.owners.push(req.owner);
      return;
    }
    const t = this.territory(req.owner, req.territory);
    t.remaining -= BigInt(req.segments.length) * LOCK_PER_SEGMENT;
    this.files.set(req.fid, { size: req.size, owners: [req.owner], state: 'stored' });
  }

  async deleteFile(owner: string, fid: string): Promise<void> {
    const f = this.files.get(fid);
    if (!f || !f.owners.includes(owner)) throw new Error('fileBank.NotOwner');
    f.owners = f.owners.filter((o) => o !== owner);
    if (f.owners.length === 0) this.files.delete(fid);
  }

  async fileInfo(fid: string): Promise<ChainFileInfo | null> {
    if (this.failInfo) throw this.failInfo;
    const f = this.files.get(fid);
    return f ? { fid, size: f.size, owners: [...f.owners], state: f.state } : null;
  }
}

export interface Harness {
  gw: GatewayServer;
  backend: FakeBackend;
  alice: KeyringPair;
  bob: KeyringPair;
  aliceAddr: string;
  bobAddr: string;
  dataDir: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startHarness(extra: Partial<GatewayServerOptions> = {}): Promise<Harness> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58 });
  const gatewayPair = keyring.addFromUri('//GatewayTest');
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const backend = new FakeBackend(gatewayPair);
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-test-'));
  const logs: string[] = [];
  const gw = await createGatewayServer({
    backend,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    jwtSecret: 'test-secret',
    tokenTtl: 3600,
    log: (level, msg) => logs.push(`${level} ${msg}`),
    ...extra,
  });
  return {
    gw,
    backend,
    alice,
    bob,
    aliceAddr: alice.address,
    bobAddr: bob.address,
    dataDir,
    logs,
    async close() {
      await gw.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function chainError(msg = 'rpc disconnected'): ChainError {
  return new ChainError(msg);
}

// --- CD²N client bits -------------------------------------------------------------------------

export function gentokenForm(
  pair: KeyringPair,
  message = String(Math.floor(Date.now() / 1000)),
  exp?: string,
): URLSearchParams {
  const sign = u8aToHex(pair.sign(cd2nLoginMessage(message)));
  const form = new URLSearchParams({ account: pair.address, message, sign });
  if (exp !== undefined) form.set('exp', exp);
  return form;
}

export async function login(h: Harness, pair: KeyringPair): Promise<string> {
  const r = await fetch(`${h.gw.url}/gateway/gentoken`, {
    method: 'POST',
    body: gentokenForm(pair),
  });
  const body = (await r.json()) as { code: number; data: string };
  if (body.code !== 200) throw new Error(`login failed: ${JSON.stringify(body)}`);
  return body.data;
}

export function fileForm(
  data: Uint8Array,
  filename: string,
  fields: Record<string, string> = {},
  fieldsAfter = false,
): FormData {
  const fd = new FormData();
  if (!fieldsAfter) for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  fd.set('file', new Blob([new Uint8Array(data)]), filename);
  if (fieldsAfter) for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

// --- DeOSS client bits ------------------------------------------------------------------------

export function deossHeaders(
  pair: KeyringPair,
  opts: { message?: string; wrap?: boolean; encoding?: 'hex' | 'base58' } = {},
): Record<string, string> {
  const message = opts.message ?? String(Math.floor(Date.now() / 1000) + 300);
  const bytes = new TextEncoder().encode(opts.wrap ? `<Bytes>${message}</Bytes>` : message);
  const sig = pair.sign(bytes);
  let signature: string = u8aToHex(sig);
  if (opts.encoding === 'base58') signature = base58(sig);
  return { Account: pair.address, Message: message, Signature: signature };
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

// --- raw HTTP ---------------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request over node:http; resolves with whatever arrived, rejects if the connection died. */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
        res.on('end', () => {
          if (!res.complete) reject(new Error('response incomplete'));
          else
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
