/**
 * The local CESS gateway's HTTP server: one node:http server that speaks both gateway
 * protocols (CD²N retriever under /gateway/*, DeOSS v0.4 under /file*, /resume/*), plus the
 * devnet admin route /__devnet/faults. Loopback only. See docs/gateway-protocols.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { Transform, type Readable } from 'node:stream';

import { cryptoWaitReady } from '@polkadot/util-crypto';

import { hashToScalar, publicKeyFromSecretScalar } from '../../cess/pret/index.js';
import { JwtHelper } from './auth.js';
import type { GatewayBackend } from './backend.js';
import type { GatewayLog, GatewayShared, RouteContext } from './context.js';
import { handleCd2n } from './cd2n.js';
import { handleDeoss } from './deoss.js';
import { GatewayFaults, faultCommandSchema } from './faults.js';
import {
  BodyAbortedError,
  BodyTooLargeError,
  envelope,
  errorText,
  hasRequestBody,
  readSmallBody,
  sendJson,
  sendText,
  sleep,
} from './http-util.js';
import { GatewayStore, KeyedLock } from './store.js';

export interface GatewayServerOptions {
  backend: GatewayBackend;
  /** Where files, metadata and temp files live. Created if missing. */
  dataDir: string;
  /** Must be a loopback address; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** HS256 key of the CD²N tokens; default: random per start (as the Go gateway without JwtKey). */
  jwtSecret?: string;
  /** Default CD²N token lifetime in seconds when gentoken has no valid `exp`; default 72 h. */
  tokenTtl?: number;
  log?: GatewayLog;
  /** Largest upload accepted, in bytes; default 1 GiB. */
  maxUploadSize?: number;
  /** CD²N gentoken freshness window in seconds (|now - message|); default 300. */
  loginWindowSeconds?: number;
  /** Clock in ms, for tests; default Date.now. */
  clock?: () => number;
}

export interface GatewayServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  faults: GatewayFaults;
  /** Stops accepting, ends open connections, resolves when the server is closed. */
  close(): Promise<void>;
}

const ADMIN_PATH = '/__devnet/faults';
const DEFAULT_MAX_UPLOAD = 1024 * 1024 * 1024;

export function isLoopback(host: string): boolean {
  if (host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function randomSecretScalar(): Uint8Array {
  // A uniformly random non-zero scalar, little-endian, as schnorrkel.GenerateKeypair would give.
  for (;;) {
    let n = hashToScalar(randomBytes(64));
    if (n === 0n) continue;
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) {
      out[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return out;
  }
}

export async function createGatewayServer(opts: GatewayServerOptions): Promise<GatewayServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host))
    throw new Error(`gateway: refusing to listen on ${host}: loopback addresses only`);
  await cryptoWaitReady();
  const clock = opts.clock ?? Date.now;
  const log: GatewayLog = opts.log ?? (() => undefined);
  const store = new GatewayStore(opts.dataDir);
  await store.init();
  const faults = new GatewayFaults(clock);
  const pretSecret = randomSecretScalar();
  const gw: GatewayShared = {
    backend: opts.backend,
    store,
    faults,
    jwt: new JwtHelper(
      opts.jwtSecret ?? randomBytes(32).toString('base64'),
      opts.tokenTtl ?? 72 * 3600,
      clock,
    ),
    log,
    clock,
    maxUploadSize: opts.maxUploadSize ?? DEFAULT_MAX_UPLOAD,
    loginWindowSeconds: opts.loginWindowSeconds ?? 300,
    locks: new KeyedLock(),
    pret: { secret: pretSecret, publicKey: publicKeyFromSecretScalar(pretSecret) },
  };

  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    handle(gw, req, res).catch((err: unknown) => {
      log('error', `gateway: unhandled ${req.method} ${req.url}: ${errorText(err)}`);
      if (!res.headersSent)
        sendJson(res, 500, envelope(500, 'internal server error', errorText(err)));
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  if (!isLoopback(addr.address)) {
    server.close();
    throw new Error(`gateway: bound to non-loopback ${addr.address}`);
  }
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log('info', `gateway: listening on http://${urlHost}:${addr.port}`);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${addr.port}`,
    port: addr.port,
    faults,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers':
    'Content-Type,AccessToken,X-CSRF-Token, Authorization, Token, token, hash, Range, Account, Message, Signature, Territory, Filename, Content-Range',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, DELETE, PATCH, PUT, HEAD',
  'Access-Control-Expose-Headers':
    'Content-Length, Access-Control-Allow-Origin, Access-Control-Allow-Headers, Content-Type, Content-Range, hash',
};

async function handle(gw: GatewayShared, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    req.resume();
    sendText(res, 400, 'bad request');
    return;
  }
  const path = url.pathname;
  for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
  const started = gw.clock();
  res.on('close', () => {
    const outcome = res.writableFinished ? String(res.statusCode) : 'connection closed';
    gw.log('debug', `${method} ${path} -> ${outcome} (${gw.clock() - started} ms)`);
  });

  try {
    if (path === ADMIN_PATH) {
      await handleAdmin(gw, req, res, method);
      return;
    }
    if (method === 'OPTIONS') {
      req.resume();
      res.writeHead(204).end();
      return;
    }

    const withBody = hasRequestBody(req);
    const decision = gw.faults.decide(method, path, withBody);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (decision.fail) {
      req.resume();
      gw.log('info', `fault: failing ${method} ${path} with ${decision.fail.status}`);
      sendJson(res, decision.fail.status, envelope(decision.fail.status, 'injected fault', null));
      return;
    }
    // One wrapper per request: a second one would also be piped from req, and the unread
    // one would stall the request once its buffer filled.
    const cutUpload = decision.cut && withBody ? decision.cut.afterBytes : undefined;
    const body: Readable = wrapBody(req, cutUpload);
    if (decision.cut) {
      gw.log('info', `fault: cutting ${method} ${path} after ${decision.cut.afterBytes} bytes`);
      if (withBody) {
        // Cut the upload after afterBytes; if the body is shorter, the reply is lost instead.
        armResponseCut(res, 0, false);
      } else {
        armResponseCut(res, decision.cut.afterBytes, true);
      }
    }

    const ctx: RouteContext = { req, res, method, path, query: url.searchParams, body, gw };
    const handled = (await handleCd2n(ctx)) || (await handleDeoss(ctx));
    if (!handled) sendText(res, 404, '404 page not found');
  } finally {
    // Whatever a handler left unread is discarded so the reply can reach the client.
    if (!req.complete && !req.destroyed) {
      req.unpipe();
      req.resume();
    }
  }
}

/**
 * The body handlers read. With `cutAfter`, it passes that many bytes, then resets the
 * connection and errors, as a network failure mid-upload would.
 */
function wrapBody(req: IncomingMessage, cutAfter: number | undefined): Readable {
  let seen = 0;
  let cut = false;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (cut) return cb();
      if (cutAfter !== undefined && seen + chunk.length > cutAfter) {
        const keep = cutAfter - seen;
        seen = cutAfter;
        cut = true;
        if (keep > 0) this.push(chunk.subarray(0, keep));
        const socket = req.socket;
        setImmediate(() => {
          if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
          else socket.destroy();
          t.destroy(new BodyAbortedError('connection cut by fault injection'));
        });
        return cb();
      }
      seen += chunk.length;
      cb(null, chunk);
    },
  });
  // Consumers see errors through pipeline / async iteration; this keeps a body nobody reads
  // (yet) from turning a dropped connection into an uncaught exception.
  t.on('error', () => undefined);
  const onAbort = (why: string) => {
    if (!t.destroyed && !t.writableFinished) t.destroy(new BodyAbortedError(why));
  };
  req.on('error', (err) => onAbort(err.message));
  req.on('close', () => {
    if (!req.complete) onAbort('aborted');
  });
  req.pipe(t);
  return t;
}

/**
 * Makes the response die after `afterBytes` body bytes. With `sendHeaders` the status line and
 * headers go out first and a body shorter than the limit is delivered intact (a download cut
 * mid-body); without, the connection is reset before anything is sent (a reply lost).
 */
function armResponseCut(res: ServerResponse, afterBytes: number, sendHeaders: boolean): void {
  let sent = 0;
  let cut = false;
  const origWrite = res.write.bind(res) as (chunk: unknown, cb?: () => void) => boolean;
  const origEnd = res.end.bind(res) as (cb?: () => void) => ServerResponse;
  const kill = () => {
    cut = true;
    const socket = res.socket;
    if (!socket || socket.destroyed) return;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  };
  const toBuffer = (chunk: unknown): Buffer =>
    chunk === undefined || chunk === null || typeof chunk === 'function'
      ? Buffer.alloc(0)
      : Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk)
          : Buffer.from(chunk as Uint8Array);
  /** Writes what fits; returns false once the connection is (being) cut. */
  const take = (chunk: unknown): boolean => {
    if (cut) return false;
    if (!sendHeaders) {
      kill();
      return false;
    }
    const buf = toBuffer(chunk);
    const room = afterBytes - sent;
    if (buf.length < room) {
      sent += buf.length;
      return buf.length > 0 ? origWrite(buf) : true;
    }
    cut = true;
    if (room > 0) origWrite(buf.subarray(0, room), () => kill());
    else {
      res.flushHeaders();
      setImmediate(kill);
    }
    return false;
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    const ok = take(chunk);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb) setImmediate(cb);
    return ok;
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    // A limit of 0 is reached even by an empty body (HEAD): headers go out, then the reset.
    if (take(chunk) && !cut) origEnd(cb);
    else if (cb) setImmediate(cb);
    return res;
  }) as typeof res.end;
}

async function handleAdmin(
  gw: GatewayShared,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
): Promise<void> {
  const remote = req.socket.remoteAddress ?? '';
  if (!isLoopback(remote.replace(/^::ffff:/, ''))) {
    req.resume();
    sendJson(res, 403, envelope(403, 'loopback only', null));
    return;
  }
  if (method === 'GET') {
    req.resume();
    sendJson(res, 200, envelope(200, 'ok', gw.faults.snapshot()));
    return;
  }
  if (method !== 'POST') {
    req.resume();
    sendJson(res, 405, envelope(405, 'method not allowed', null));
    return;
  }
  let raw: Buffer;
  try {
    raw = await readSmallBody(wrapBody(req, undefined), 64 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError) sendJson(res, 413, envelope(413, 'body too large', null));
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    sendJson(res, 400, envelope(400, 'invalid JSON', null));
    return;
  }
  const cmd = faultCommandSchema.safeParse(parsed);
  if (!cmd.success) {
    sendJson(
      res,
      400,
      envelope(
        400,
        'invalid fault command',
        cmd.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      ),
    );
    return;
  }
  gw.faults.apply(cmd.data);
  sendJson(res, 200, envelope(200, 'ok', gw.faults.snapshot()));
}
