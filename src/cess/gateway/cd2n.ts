/**
 * Client of the CD²N retriever gateway (CESSProject/CD2N retriever/server; reference client
 * CESSProject/go-sdk retriever/gateway.go): token login, single and batch (resumable) uploads
 * with local fid check, Range downloads with resume, PReT capsule and re-encryption.
 */
import type { Readable } from 'node:stream';

import {
  decodeCapsuleJson,
  encodeCapsuleJson,
  encodeReKeyText,
  type Capsule,
} from '../pret/index.js';
import {
  download,
  type DownloadOptions,
  type DownloadResult,
  type DownloadTarget,
} from './download.js';
import {
  FidMismatchError,
  GatewayClientError,
  GatewayError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayProtocolError,
  TimeoutError,
  isRetryable,
} from './errors.js';
import {
  Call,
  DEFAULTS,
  httpError,
  joinUrl,
  parseEnvelope,
  readSmall,
  runCall,
  send,
  withRetries,
  type CallOptions,
  type ClientDefaults,
  type ClientEvent,
  type Envelope,
  type ProgressCallback,
  type RetryOptions,
} from './http.js';
import { multipartBody } from './multipart.js';
import { cd2nLoginPayload, toHex, type Signer } from './signer.js';
import {
  FidTracker,
  openSource,
  payloadTap,
  type OpenedSource,
  type UploadSource,
} from './source.js';

/** response/response.go */
export const CD2N_CODE = {
  UP_SUCCESS: 10100,
  UP_ERROR: 10110,
  UP_NOT_AUTH: 10111,
  UP_INVALID_NAME: 10112,
  UP_INSUFF_SPACE: 10113,
  UP_FILE_EXIST: 10114,
} as const;

/** go-sdk DEFAULT_PART_SIZE. */
export const DEFAULT_BATCH_CHUNK = 32 * 1024 * 1024;

export interface GatewayClientOptions {
  /** e.g. http://127.0.0.1:8080 or https://retriever.cess.network */
  baseUrl: string;
  signer: Signer;
  retry?: RetryOptions;
  /** Per-attempt idle timeout default (ms). */
  idleTimeoutMs?: number;
  /** Deadline default of small requests (login, capsule, metadata...), ms. */
  requestTimeoutMs?: number;
  onEvent?: (e: ClientEvent) => void;
  /** ms clock, for tests. */
  clock?: () => number;
}

export interface Cd2nClientOptions extends GatewayClientOptions {
  /** Token lifetime to ask for, in hours (the gateway takes 1..168); default: the gateway's. */
  tokenHours?: number;
  /** Refresh a cached token this long before it expires; default 5 min. */
  tokenRefreshMarginMs?: number;
}

export interface Cd2nUploadOptions extends CallOptions {
  territory: string;
  /** Name stored on chain (3..63 bytes, plaintext!); default: a path source's base name. */
  fileName?: string;
  onProgress?: ProgressCallback;
  /** Gateway-side encryption (`encrypt=true`). Not private: the gateway sees the plaintext.
   * The gateway's fid is then over ciphertext and cannot be checked locally. */
  gatewayEncrypt?: boolean;
  /** Go `async` / `async_upload`: the gateway answers before it declared the file. */
  async?: boolean;
  /** Go `noProxy` / `no_tx_proxy`. */
  noProxy?: boolean;
}

export interface Cd2nBatchOptions extends Cd2nUploadOptions {
  /** Bytes per chunk; default 32 MiB. Memory does not depend on it (chunks are streamed). */
  chunkSize?: number;
}

export interface UploadResult {
  fid: string;
  size: number;
  /** Whether the fid was checked against the bytes sent (false with gatewayEncrypt). */
  verified: boolean;
  /** The gateway said the user already owned this fid (CD²N 10114). */
  alreadyOwned?: boolean;
  /** Upload sessions used (resumable uploads; >1 after a restart). */
  sessions?: number;
}

export interface CapsuleInfo {
  capsule: Capsule;
  /** The capsule JSON exactly as the gateway stores it. */
  capsuleJson: string;
  /** The gateway's PReT public key (32 bytes). */
  gatewayPublicKey: Uint8Array;
}

export interface ReencryptRequest {
  /** The fid whose stored capsule to use when `capsule` is not given. */
  did?: string;
  capsule?: Capsule | string;
  /** The re-encryption key: the 32-byte scalar, or its text form (encodeReKeyText). */
  rk: Uint8Array | string;
}

const FID_RE = /^[0-9a-f]{64}$/;

/** The fid in a reply's data: a string, `{fid}`, or `{file_info: {fid}}`. */
export function fidInData(data: unknown): string | null {
  if (typeof data === 'string') return FID_RE.test(data) ? data : null;
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    if (typeof o['fid'] === 'string' && FID_RE.test(o['fid'])) return o['fid'];
    const fi = o['file_info'];
    if (fi && typeof fi === 'object') {
      const f = (fi as Record<string, unknown>)['fid'];
      if (typeof f === 'string' && FID_RE.test(f)) return f;
    }
  }
  return null;
}

function jwtExpiry(jwt: string): number | undefined {
  const part = jwt.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** A failure the gateway may have acted on: the whole request went out, no answer came. */
export function isAmbiguous(err: unknown): boolean {
  return (
    (err instanceof GatewayNetworkError || (err instanceof TimeoutError && err.kind === 'idle')) &&
    err.requestSent
  );
}

type UploadReply =
  { kind: 'done'; fid: string; alreadyOwned: boolean } | { kind: 'progress'; chunkEnd: number };

export class Cd2nClient {
  readonly baseUrl: string;
  private readonly signer: Signer;
  private readonly defaults: ClientDefaults;
  private readonly clock: () => number;
  private token: { jwt: string; expiresAt: number } | undefined;
  private login: Promise<string> | undefined;

  constructor(private readonly opts: Cd2nClientOptions) {
    this.baseUrl = opts.baseUrl;
    this.signer = opts.signer;
    this.clock = opts.clock ?? Date.now;
    this.defaults = {
      retry: { ...DEFAULTS.retry, ...opts.retry },
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      smallTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.smallTimeoutMs,
    };
  }

  private call(route: string, o: CallOptions, small: boolean): Call {
    return new Call(`cd2n ${route}`, o, this.defaults, small, this.opts.onEvent);
  }

  // -------------------------------------------------------------------------------------------
  // token

  /** A valid token (cached; a new one when none, near expiry, or `force`). */
  async getToken(o: CallOptions = {}, force = false): Promise<string> {
    const call = this.call('gentoken', o, true);
    return runCall(call, (c) => this.tokenIn(c, force));
  }

  /** Forgets the cached token. */
  invalidateToken(): void {
    this.token = undefined;
  }

  private async tokenIn(call: Call, force: boolean): Promise<string> {
    const margin = this.opts.tokenRefreshMarginMs ?? 5 * 60_000;
    const t = this.token;
    if (!force && t && this.clock() < t.expiresAt - margin) return t.jwt;
    // One login at a time; concurrent callers share it.
    this.login ??= withRetries(call, () => this.gentoken(call)).finally(() => {
      this.login = undefined;
    });
    return this.login;
  }

  private async gentoken(call: Call): Promise<string> {
    const message = String(Math.floor(this.clock() / 1000));
    const sign = toHex(this.signer.sign(cd2nLoginPayload(message)));
    const form = new URLSearchParams({ account: this.signer.address, message, sign });
    if (this.opts.tokenHours !== undefined)
      form.set('exp', String(Math.floor(this.opts.tokenHours)));
    const body = Buffer.from(form.toString(), 'utf8');
    const route = 'cd2n gentoken';
    const res = await send(call, {
      method: 'POST',
      url: joinUrl(this.baseUrl, '/gateway/gentoken'),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      route,
    });
    const env = this.okEnvelope(route, res.status, res.headers, await readSmall(res, route));
    if (typeof env.data !== 'string' || env.data.split('.').length !== 3) {
      throw new GatewayProtocolError('gentoken answered no JWT', route);
    }
    const jwt = env.data;
    const expiresAt = jwtExpiry(jwt) ?? this.clock() + 3600_000;
    const refreshed = this.token !== undefined;
    this.token = { jwt, expiresAt };
    this.opts.onEvent?.({ type: 'token', refreshed });
    return jwt;
  }

  /** Runs `fn` with a token; on 401/403 gets a fresh token and runs it once more. */
  private async authed<T>(call: Call, fn: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokenIn(call, false);
    try {
      return await fn(token);
    } catch (err) {
      if (err instanceof GatewayHttpError && (err.status === 401 || err.status === 403)) {
        if (this.token?.jwt === token) this.token = undefined;
        return fn(await this.tokenIn(call, true));
      }
      throw err;
    }
  }

  private okEnvelope(
    route: string,
    status: number,
    headers: Parameters<typeof httpError>[2],
    body: Buffer,
  ): Envelope {
    if (status >= 300) throw httpError(route, status, headers, body);
    const env = parseEnvelope(body);
    if (!env)
      throw new GatewayProtocolError(
        `not a {code,msg,data} reply: ${body.toString('utf8').slice(0, 200)}`,
        route,
      );
    if (env.code !== 200 && env.code !== CD2N_CODE.UP_SUCCESS) {
      throw new GatewayHttpError(
        env.code >= 10000 ? 400 : env.code,
        env.code,
        env.msg,
        env.data,
        route,
      );
    }
    return env;
  }

  /** The answer to an upload (single, or a batch chunk). */
  private uploadReply(
    route: string,
    status: number,
    headers: Parameters<typeof httpError>[2],
    body: Buffer,
  ): UploadReply {
    const env = parseEnvelope(body);
    if (status === 308) {
      const d = env?.data as Record<string, unknown> | null | undefined;
      const end = d && typeof d === 'object' ? d['chunk_end'] : undefined;
      if (typeof end !== 'number' || !Number.isSafeInteger(end))
        throw new GatewayProtocolError('308 without data.chunk_end', route);
      return { kind: 'progress', chunkEnd: end };
    }
    if (env?.code === CD2N_CODE.UP_FILE_EXIST) {
      const fid = fidInData(env.data);
      if (fid) return { kind: 'done', fid, alreadyOwned: true };
    }
    const ok = this.okEnvelope(route, status, headers, body);
    const fid = fidInData(ok.data);
    if (!fid)
      throw new GatewayProtocolError(
        `upload answered no fid: ${JSON.stringify(ok.data).slice(0, 200)}`,
        route,
      );
    return { kind: 'done', fid, alreadyOwned: false };
  }

  private nameOf(src: OpenedSource, o: Cd2nUploadOptions): string {
    const name = o.fileName ?? src.fileName;
    if (!name)
      throw new GatewayClientError('fileName is required for a source that is not a file path');
    const n = Buffer.byteLength(name, 'utf8');
    if (n < 3 || n > 63)
      throw new GatewayClientError(
        `file name must be 3..63 bytes (got ${n}); it is stored on chain`,
      );
    return name;
  }

  private check(route: string, tracker: FidTracker, fid: string, o: Cd2nUploadOptions): boolean {
    if (o.gatewayEncrypt) return false;
    const local = tracker.fids().cd2n;
    if (local !== fid) throw new FidMismatchError(local, fid, route);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // POST /gateway/upload/file

  /** One multipart request, streamed from the source; retried whole (the gateway dedups by fid). */
  async uploadFile(source: UploadSource, o: Cd2nUploadOptions): Promise<UploadResult> {
    const call = this.call('upload/file', o, false);
    return runCall(call, async () => {
      const src = await openSource(source);
      const name = this.nameOf(src, o);
      const tracker = new FidTracker(src.size);
      const route = call.route;
      const fields: [string, string][] = [['territory', o.territory]];
      if (o.async) fields.push(['async', 'true']);
      if (o.noProxy) fields.push(['noProxy', 'true']);
      if (o.gatewayEncrypt) fields.push(['encrypt', 'true']);
      const reply = await withRetries(call, () =>
        this.authed(call, async (token) => {
          const data = src.open(0, src.size);
          const tap = payloadTap(tracker, 0, src.size, (n) =>
            o.onProgress?.({ bytes: n, total: src.size }),
          );
          data.on('error', (e) => tap.destroy(e));
          const mp = multipartBody(fields, {
            field: 'file',
            filename: name,
            size: src.size,
            stream: data.pipe(tap) as Readable,
          });
          const res = await send(call, {
            method: 'POST',
            url: joinUrl(this.baseUrl, '/gateway/upload/file'),
            headers: {
              'Content-Type': mp.contentType,
              'Content-Length': String(mp.length),
              token: `Bearer ${token}`,
            },
            body: mp.stream,
            route,
          });
          const r = this.uploadReply(route, res.status, res.headers, await readSmall(res, route));
          if (r.kind !== 'done')
            throw new GatewayProtocolError(`unexpected ${res.status} to a single upload`, route);
          return r;
        }),
      );
      await src.check();
      const verified = this.check(route, tracker, reply.fid, o);
      return {
        fid: reply.fid,
        size: src.size,
        verified,
        ...(reply.alreadyOwned ? { alreadyOwned: true } : {}),
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // POST /gateway/upload/batch/request + /gateway/upload/batch/file

  /**
   * Resumable upload: a session, then `Range: bytes=start-end` (end exclusive) chunks in order.
   * A 308 confirms the gateway's offset (`chunk_end`). A failure the gateway cannot have acted
   * on (an error reply, a body cut before it was fully sent) continues the same session from
   * the confirmed offset; an ambiguous one (everything sent, no answer) starts a NEW session:
   * the Go gateway counts a re-sent range twice.
   */
  async uploadBatch(source: UploadSource, o: Cd2nBatchOptions): Promise<UploadResult> {
    const call = this.call('upload/batch', o, false);
    return runCall(call, async () => {
      const src = await openSource(source);
      const name = this.nameOf(src, o);
      if (src.size === 0)
        throw new GatewayClientError('the gateway refuses empty batch uploads (total_size 0)');
      const chunk = Math.max(1, Math.floor(o.chunkSize ?? DEFAULT_BATCH_CHUNK));
      const tracker = new FidTracker(src.size);
      const budget = { failures: 0 };
      let sessions = 0;
      let session: string | undefined;
      let confirmed = 0;
      let result: UploadReply & { kind: 'done' };

      const fail = async (err: unknown, restart: boolean, why: string): Promise<void> => {
        const e = call.normalize(err);
        budget.failures++;
        if (!isRetryable(e) || budget.failures >= call.attempts) throw e;
        const delayMs = call.backoff(budget.failures, e);
        const id = session ?? '';
        if (restart) {
          this.opts.onEvent?.({ type: 'restart', route: call.route, oldId: id, reason: why });
          session = undefined;
        } else {
          this.opts.onEvent?.({
            type: 'resume',
            route: call.route,
            id,
            offset: confirmed,
            error: e as GatewayError,
          });
        }
        await call.sleep(delayMs);
      };

      for (;;) {
        if (!session) {
          session = await withRetries(
            call,
            () => this.authed(call, (t) => this.batchRequest(call, t, name, src.size, o)),
            budget,
          );
          confirmed = 0;
          sessions++;
          this.opts.onEvent?.({ type: 'session', route: call.route, id: session, offset: 0 });
        }
        const s = confirmed;
        const e = Math.min(src.size, s + chunk);
        let reply: UploadReply;
        try {
          const id = session;
          reply = await this.authed(call, (t) =>
            this.batchChunk(call, t, id, src, tracker, s, e, o.onProgress),
          );
        } catch (err) {
          const e2 = call.normalize(err);
          const expired =
            e2 instanceof GatewayHttpError &&
            /expired|redis: nil|no upload session/i.test(`${e2.msg} ${String(e2.data)}`);
          await fail(
            e2,
            isAmbiguous(e2) || expired,
            expired ? 'session gone' : 'ambiguous failure: the chunk may have landed',
          );
          continue;
        }
        if (reply.kind === 'done') {
          if (e !== src.size) {
            await fail(
              new GatewayNetworkError(
                `gateway completed the session at ${e} of ${src.size} bytes`,
                call.route,
                true,
                0,
              ),
              true,
              'completed early',
            );
            continue;
          }
          result = reply;
          break;
        }
        if (reply.chunkEnd === e && e < src.size) {
          confirmed = e;
          budget.failures = 0; // the budget counts failures in a row
          continue;
        }
        if (reply.chunkEnd > s && reply.chunkEnd < e) {
          confirmed = reply.chunkEnd; // trust the gateway's end
          continue;
        }
        await fail(
          new GatewayNetworkError(
            `gateway reports offset ${reply.chunkEnd} after bytes ${s}-${e}`,
            call.route,
            true,
            0,
          ),
          true,
          'gateway offset does not match what was sent',
        );
      }
      await src.check();
      const verified = this.check(call.route, tracker, result.fid, o);
      return {
        fid: result.fid,
        size: src.size,
        verified,
        sessions,
        ...(result.alreadyOwned ? { alreadyOwned: true } : {}),
      };
    });
  }

  private async batchRequest(
    call: Call,
    token: string,
    name: string,
    size: number,
    o: Cd2nBatchOptions,
  ): Promise<string> {
    const route = `${call.route} request`;
    const body = Buffer.from(
      JSON.stringify({
        file_name: name,
        territory: o.territory,
        total_size: size,
        encrypt: o.gatewayEncrypt ?? false,
        async_upload: o.async ?? false,
        no_tx_proxy: o.noProxy ?? false,
      }),
    );
    const res = await send(call, {
      method: 'POST',
      url: joinUrl(this.baseUrl, '/gateway/upload/batch/request'),
      headers: { 'Content-Type': 'application/json', token: `Bearer ${token}` },
      body,
      route,
    });
    const env = this.okEnvelope(route, res.status, res.headers, await readSmall(res, route));
    const hash =
      typeof env.data === 'string' && env.data !== ''
        ? env.data
        : String(res.headers['hash'] ?? '');
    if (!/^[0-9A-Za-z]{8,128}$/.test(hash))
      throw new GatewayProtocolError('no session hash in the reply', route);
    return hash;
  }

  private async batchChunk(
    call: Call,
    token: string,
    session: string,
    src: OpenedSource,
    tracker: FidTracker,
    s: number,
    e: number,
    onProgress: ProgressCallback | undefined,
  ): Promise<UploadReply> {
    const route = `${call.route} bytes=${s}-${e}`;
    const data = src.open(s, e);
    const tap = payloadTap(tracker, s, e - s, (n) => onProgress?.({ bytes: n, total: src.size }));
    data.on('error', (err) => tap.destroy(err));
    const mp = multipartBody([], {
      field: 'file',
      filename: 'part',
      size: e - s,
      stream: data.pipe(tap) as Readable,
    });
    const res = await send(call, {
      method: 'POST',
      url: joinUrl(this.baseUrl, '/gateway/upload/batch/file'),
      headers: {
        'Content-Type': mp.contentType,
        'Content-Length': String(mp.length),
        token: `Bearer ${token}`,
        hash: session,
        Range: `bytes=${s}-${e}`,
      },
      body: mp.stream,
      route,
    });
    return this.uploadReply(route, res.status, res.headers, await readSmall(res, route));
  }

  // -------------------------------------------------------------------------------------------
  // downloads (unauthenticated)

  /** GET /gateway/download/:fid to a file or Writable, with Range and resume; checks the fid. */
  async download(
    fid: string,
    target: DownloadTarget,
    o: DownloadOptions = {},
  ): Promise<DownloadResult> {
    assertFid(fid);
    const call = this.call('download', o, false);
    return runCall(call, (c) =>
      download(
        c,
        {
          route: c.route,
          url: joinUrl(this.baseUrl, `/gateway/download/${fid}`),
          fid: { kind: 'cd2n', value: fid },
        },
        target,
        o,
      ),
    );
  }

  /** GET /gateway/download/:fid/:segment: one 32 MiB segment (the last one unpadded). */
  async downloadSegment(
    fid: string,
    segment: string,
    target: DownloadTarget,
    o: DownloadOptions = {},
  ): Promise<DownloadResult> {
    assertFid(fid);
    assertFid(segment);
    const call = this.call('download segment', o, false);
    return runCall(call, (c) =>
      download(
        c,
        {
          route: c.route,
          url: joinUrl(this.baseUrl, `/gateway/download/${fid}/${segment}`),
          fid: null,
        },
        target,
        o,
      ),
    );
  }

  /** HEAD /gateway/download/:fid: the file's size, or null when the gateway does not have it. */
  async size(fid: string, o: CallOptions = {}): Promise<number | null> {
    assertFid(fid);
    const call = this.call('head', o, true);
    return runCall(call, (c) =>
      withRetries(c, async () => {
        const res = await send(c, {
          method: 'HEAD',
          url: joinUrl(this.baseUrl, `/gateway/download/${fid}`),
          headers: {},
          route: c.route,
        });
        res.destroy();
        if (res.status === 200) {
          const n = Number(res.headers['content-length']);
          if (!Number.isSafeInteger(n))
            throw new GatewayProtocolError('HEAD without Content-Length', c.route);
          return n;
        }
        if (res.status === 404 || res.status === 500) return null; // Go: 500 "data not found"
        throw new GatewayHttpError(res.status, res.status, 'HEAD failed', null, c.route);
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // PReT

  /** GET /gateway/capsule/:fid: the capsule the gateway made for a gatewayEncrypt upload. */
  async capsule(fid: string, o: CallOptions = {}): Promise<CapsuleInfo> {
    assertFid(fid);
    const call = this.call('capsule', o, true);
    return runCall(call, (c) =>
      withRetries(c, async () => {
        const res = await send(c, {
          method: 'GET',
          url: joinUrl(this.baseUrl, `/gateway/capsule/${fid}`),
          headers: {},
          route: c.route,
        });
        const env = this.okEnvelope(
          c.route,
          res.status,
          res.headers,
          await readSmall(res, c.route),
        );
        const d = env.data as Record<string, unknown> | null;
        if (!d || typeof d['capsule'] !== 'string' || typeof d['pubkey'] !== 'string') {
          throw new GatewayProtocolError('capsule reply without capsule/pubkey', c.route);
        }
        const capsuleJson = Buffer.from(d['capsule'], 'base64').toString('utf8');
        const gatewayPublicKey = new Uint8Array(Buffer.from(d['pubkey'], 'base64'));
        if (gatewayPublicKey.length !== 32)
          throw new GatewayProtocolError('gateway public key is not 32 bytes', c.route);
        return { capsule: this.decodeCapsule(capsuleJson, c.route), capsuleJson, gatewayPublicKey };
      }),
    );
  }

  /** POST /gateway/reencrypt: the capsule re-encrypted under `rk` (by the gateway, as proxy). */
  async reencrypt(
    r: ReencryptRequest,
    o: CallOptions = {},
  ): Promise<{ capsule: Capsule; capsuleJson: string }> {
    const call = this.call('reencrypt', o, true);
    const capsuleText =
      r.capsule === undefined
        ? undefined
        : typeof r.capsule === 'string'
          ? r.capsule
          : encodeCapsuleJson(r.capsule);
    if (capsuleText === undefined && !r.did)
      throw new GatewayClientError('reencrypt needs a capsule or a did');
    const rkText = typeof r.rk === 'string' ? r.rk : encodeReKeyText(r.rk);
    // Go []byte fields: base64 in JSON.
    const body = Buffer.from(
      JSON.stringify({
        did: r.did ?? '',
        capsule:
          capsuleText === undefined ? null : Buffer.from(capsuleText, 'utf8').toString('base64'),
        rk: Buffer.from(rkText, 'utf8').toString('base64'),
      }),
    );
    return runCall(call, (c) =>
      withRetries(c, async () => {
        const res = await send(c, {
          method: 'POST',
          url: joinUrl(this.baseUrl, '/gateway/reencrypt'),
          headers: { 'Content-Type': 'application/json' },
          body,
          route: c.route,
        });
        const env = this.okEnvelope(
          c.route,
          res.status,
          res.headers,
          await readSmall(res, c.route),
        );
        if (typeof env.data !== 'string')
          throw new GatewayProtocolError('reencrypt answered no capsule', c.route);
        const capsuleJson = Buffer.from(env.data, 'base64').toString('utf8');
        return { capsule: this.decodeCapsule(capsuleJson, c.route), capsuleJson };
      }),
    );
  }

  private decodeCapsule(text: string, route: string): Capsule {
    try {
      return decodeCapsuleJson(text);
    } catch (err) {
      throw new GatewayProtocolError(
        `bad capsule from the gateway: ${(err as Error).message}`,
        route,
      );
    }
  }
}

export function assertFid(fid: string): void {
  if (!FID_RE.test(fid))
    throw new GatewayClientError(`not a fid (64 lower-case hex digits): ${fid.slice(0, 80)}`);
}
