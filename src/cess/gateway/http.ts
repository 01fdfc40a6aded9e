/**
 * The HTTP layer both clients share: node:http requests with streamed bodies (backpressure,
 * no buffering), per-attempt idle timeouts, a per-call deadline, AbortSignal support, the
 * `{code,msg,data}` envelope, and retries with exponential backoff and jitter.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

import {
  AbortError,
  GatewayClientError,
  GatewayError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayProtocolError,
  TimeoutError,
  isRetryable,
} from './errors.js';

export interface RetryOptions {
  /** Attempts in all (first try included); default 5. 1 disables retries. */
  attempts?: number;
  /** First backoff delay; default 250 ms. Doubles per attempt, with jitter. */
  baseDelayMs?: number;
  /** Largest backoff delay; default 15 s (a Retry-After header may ask for up to 60 s). */
  maxDelayMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline for the whole call, retries and backoff included. Default: none for transfers,
   * 60 s for small requests. */
  timeoutMs?: number;
  /** An attempt fails (retryably) when no byte moves either way for this long; default 60 s. */
  idleTimeoutMs?: number;
  retry?: RetryOptions;
}

export interface TransferProgress {
  /** Bytes of the payload confirmed (upload: sent; download: written). */
  bytes: number;
  /** Payload size, when known. */
  total: number | undefined;
}

export type ProgressCallback = (p: TransferProgress) => void;

/** Observability: what the client decided, in order. */
export type ClientEvent =
  | { type: 'retry'; route: string; attempt: number; delayMs: number; error: GatewayError }
  | { type: 'token'; refreshed: boolean }
  | { type: 'session'; route: string; id: string; offset: number }
  | { type: 'resume'; route: string; id: string; offset: number; error: GatewayError }
  | { type: 'restart'; route: string; oldId: string; reason: string };

export interface ClientDefaults {
  retry: Required<RetryOptions>;
  idleTimeoutMs: number;
  smallTimeoutMs: number;
}

export const DEFAULTS: ClientDefaults = {
  retry: { attempts: 5, baseDelayMs: 250, maxDelayMs: 15_000 },
  idleTimeoutMs: 60_000,
  smallTimeoutMs: 60_000,
};

/**
 * One public call (which may make several HTTP attempts): its abort signal combines the
 * caller's signal and the deadline.
 */
export class Call {
  private readonly ctl = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly unlink: (() => void) | undefined;
  private deadlineHit = false;
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly idleTimeoutMs: number;

  constructor(
    readonly route: string,
    opts: CallOptions,
    defaults: ClientDefaults,
    small: boolean,
    readonly onEvent?: (e: ClientEvent) => void,
  ) {
    this.attempts = Math.max(1, Math.floor(opts.retry?.attempts ?? defaults.retry.attempts));
    this.baseDelayMs = opts.retry?.baseDelayMs ?? defaults.retry.baseDelayMs;
    this.maxDelayMs = opts.retry?.maxDelayMs ?? defaults.retry.maxDelayMs;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? defaults.idleTimeoutMs;
    const deadline = opts.timeoutMs ?? (small ? defaults.smallTimeoutMs : undefined);
    if (deadline !== undefined && deadline > 0 && Number.isFinite(deadline)) {
      this.timer = setTimeout(() => {
        this.deadlineHit = true;
        this.ctl.abort(new TimeoutError('deadline', deadline, route));
      }, deadline);
      this.timer.unref?.();
    }
    const user = opts.signal;
    if (user) {
      const onAbort = () => this.ctl.abort(new AbortError(route, user.reason));
      if (user.aborted) onAbort();
      else {
        user.addEventListener('abort', onAbort, { once: true });
        this.unlink = () => user.removeEventListener('abort', onAbort);
      }
    }
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  /** The error that ended the call (abort or deadline), if it ended. */
  abortError(): GatewayError | undefined {
    if (!this.ctl.signal.aborted) return undefined;
    const r: unknown = this.ctl.signal.reason;
    if (r instanceof GatewayError) return r;
    return this.deadlineHit
      ? new TimeoutError('deadline', 0, this.route)
      : new AbortError(this.route, r);
  }

  throwIfDone(): void {
    const e = this.abortError();
    if (e) throw e;
  }

  /** The caller-facing error for anything thrown during the call. */
  normalize(err: unknown): Error {
    const done = this.abortError();
    if (done) return done;
    if (err instanceof Error) return err;
    return new GatewayClientError(String(err));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = this.abortError();
      if (done) return reject(done);
      const t = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(this.abortError() ?? new AbortError(this.route));
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Backoff before attempt `attempt + 1`: exponential, "equal jitter" (half fixed, half random). */
  backoff(attempt: number, err: unknown): number {
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    let delay = exp / 2 + Math.random() * (exp / 2);
    if (err instanceof GatewayHttpError && err.retryAfterSeconds !== undefined) {
      delay = Math.max(delay, Math.min(60_000, err.retryAfterSeconds * 1000));
    }
    return Math.round(delay);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.unlink?.();
  }
}

/** Runs `fn` in a Call; always disposes it; turns aborts into AbortError/TimeoutError. */
export async function runCall<T>(call: Call, fn: (call: Call) => Promise<T>): Promise<T> {
  try {
    call.throwIfDone();
    return await fn(call);
  } catch (err) {
    throw call.normalize(err);
  } finally {
    call.dispose();
  }
}

/**
 * Retries `fn` while it fails retryably, up to call.attempts. `budget` lets several loops
 * share one attempt counter (an upload's chunks).
 */
export async function withRetries<T>(
  call: Call,
  fn: (attempt: number) => Promise<T>,
  budget: { failures: number } = { failures: 0 },
): Promise<T> {
  for (;;) {
    try {
      return await fn(budget.failures + 1);
    } catch (raw) {
      const err = call.normalize(raw);
      budget.failures++;
      if (!isRetryable(err) || budget.failures >= call.attempts) throw err;
      const delayMs = call.backoff(budget.failures, err);
      call.onEvent?.({
        type: 'retry',
        route: call.route,
        attempt: budget.failures,
        delayMs,
        error: err as GatewayError,
      });
      await call.sleep(delayMs);
    }
  }
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** A fresh stream per attempt, or bytes. */
  body?: Readable | Uint8Array;
  /** Route name for errors. */
  route: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** Whether the whole request body had been handed to the OS when the answer came. */
  requestSent: boolean;
  /** Destroys the request and the response (stop sending, stop reading). */
  destroy(): void;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/**
 * One HTTP attempt. Resolves when the status line and headers arrived; the body is the
 * caller's to read (the call's abort signal and the idle timeout keep applying to it).
 */
export function send(call: Call, r: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const early = call.abortError();
    if (early) {
      if (r.body && !(r.body instanceof Uint8Array)) r.body.destroy();
      reject(early);
      return;
    }
    const mod = r.url.protocol === 'https:' ? https : http;
    const headers = { ...r.headers };
    if (r.body instanceof Uint8Array) headers['Content-Length'] = String(r.body.byteLength);
    else if (!r.body && r.method !== 'GET' && r.method !== 'HEAD') headers['Content-Length'] = '0';
    const req = mod.request(r.url, {
      method: r.method,
      headers,
      agent: r.url.protocol === 'https:' ? agents.https : agents.http,
    });
    let written = 0;
    let requestSent = false;
    let responded = false;
    let res: IncomingMessage | undefined;
    const stream = r.body && !(r.body instanceof Uint8Array) ? r.body : undefined;

    const destroyAll = (err?: Error) => {
      stream?.unpipe(req);
      stream?.destroy();
      req.destroy();
      if (res && !res.destroyed) res.destroy(err);
    };
    const cleanup = () => call.signal.removeEventListener('abort', onAbort);
    const fail = (err: GatewayError) => {
      if (responded) {
        // Failing while the caller reads the body: surface it on the body stream.
        cleanup();
        destroyAll(err);
        return;
      }
      responded = true;
      cleanup();
      destroyAll();
      reject(err);
    };
    const onAbort = () => fail(call.abortError() ?? new AbortError(r.route));
    call.signal.addEventListener('abort', onAbort, { once: true });

    req.setTimeout(call.idleTimeoutMs, () =>
      fail(new TimeoutError('idle', call.idleTimeoutMs, r.route, requestSent)),
    );
    req.on('error', (e) => {
      if (e instanceof GatewayError) return fail(e);
      fail(new GatewayNetworkError(e.message, r.route, requestSent, written, { cause: e }));
    });
    req.on('finish', () => {
      requestSent = true;
    });
    req.on('response', (incoming) => {
      res = incoming;
      if (responded) {
        incoming.destroy();
        return;
      }
      responded = true;
      incoming.on('close', () => {
        cleanup();
        // The answer is in: stop sending whatever is left of the body.
        if (!requestSent) {
          stream?.unpipe(req);
          stream?.destroy();
          req.destroy();
        }
      });
      incoming.on('aborted', () => {
        if (!incoming.destroyed) {
          incoming.destroy(new GatewayNetworkError('response cut', r.route, requestSent, written));
        }
      });
      resolve({
        status: incoming.statusCode ?? 0,
        headers: incoming.headers,
        body: incoming,
        requestSent,
        destroy: () => destroyAll(),
      });
    });

    if (r.body instanceof Uint8Array) {
      written = r.body.byteLength;
      req.end(r.body);
    } else if (stream) {
      stream.on('data', (chunk: Buffer) => {
        written += chunk.length;
      });
      stream.on('error', (e) => {
        const err =
          e instanceof GatewayError
            ? e
            : new GatewayClientError(`${r.route}: reading the upload source failed: ${e.message}`, {
                cause: e,
              });
        fail(err);
      });
      stream.pipe(req);
    } else {
      req.end();
    }
  });
}

/** Reads a small body (replies, errors); refuses more than `limit` bytes. */
export async function readSmall(
  res: HttpResponse,
  route: string,
  limit = 4 * 1024 * 1024,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      n += b.length;
      if (n > limit) {
        res.destroy();
        throw new GatewayProtocolError(`reply larger than ${limit} bytes`, route);
      }
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayNetworkError(
      `reading the reply failed: ${(err as Error).message}`,
      route,
      res.requestSent,
      0,
      { cause: err },
    );
  }
  const expected = Number(res.headers['content-length']);
  if (Number.isFinite(expected) && res.headers['content-length'] !== undefined && n !== expected) {
    throw new GatewayNetworkError(
      `reply cut after ${n} of ${expected} bytes`,
      route,
      res.requestSent,
      0,
    );
  }
  return Buffer.concat(chunks);
}

export interface Envelope {
  code: number;
  msg: string;
  data: unknown;
}

/** Parses `{code,msg,data}`; null when the body is not such an object. */
export function parseEnvelope(body: Buffer): Envelope | null {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o['code'] !== 'number') return null;
  return {
    code: o['code'],
    msg: typeof o['msg'] === 'string' ? o['msg'] : '',
    data: o['data'] ?? null,
  };
}

export function retryAfterOf(headers: IncomingHttpHeaders): number | undefined {
  const v = headers['retry-after'];
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return n;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, (t - Date.now()) / 1000);
}

/** A failure reply as a GatewayHttpError; `status` is the effective status. */
export function httpError(
  route: string,
  status: number,
  headers: IncomingHttpHeaders,
  body: Buffer,
): GatewayHttpError {
  const env = parseEnvelope(body);
  if (env)
    return new GatewayHttpError(status, env.code, env.msg, env.data, route, retryAfterOf(headers));
  let text: unknown = body.toString('utf8').slice(0, 500);
  try {
    text = JSON.parse(text as string); // gin c.JSON(code, "a string")
  } catch {
    // plain text
  }
  return new GatewayHttpError(
    status,
    status,
    typeof text === 'string' ? text : JSON.stringify(text),
    null,
    route,
    retryAfterOf(headers),
  );
}

export function joinUrl(base: string, path: string): URL {
  const u = new URL(base);
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  return u;
}
