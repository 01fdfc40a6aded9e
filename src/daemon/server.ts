/**
 * The daemon's local API (design.md, "Processes"): HTTP + WebSocket on 127.0.0.1 only, in front
 * of a SyncService. Every API request carries the daemon's token; Host and Origin are checked
 * against DNS rebinding and cross-site requests; every body is validated with the zod schemas of
 * src/sync/api/schema.ts and every reply is validated before it is sent. Optionally serves the UI
 * (headless mode). Wire format: docs/daemon-api.md.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import {
  addFolderRequestSchema,
  eventSchema,
  folderStatusSchema,
  pauseRequestSchema,
  problemActionRequestSchema,
  receiveShareRequestSchema,
  receivedShareSchema,
  receivedShareListSchema,
  openReceivedRequestSchema,
  revokeShareRequestSchema,
  settingsSchema,
  shareInfoSchema,
  shareListSchema,
  shareRequestSchema,
  statusSchema,
  integrationListSchema,
  integrationRequestSchema,
  shareIntentRequestSchema,
  shareRequestEventSchema,
  type DaemonEvent,
  type IntegrationList,
  type IntegrationRequest,
  type ShareRequestEvent,
  type ShareService,
  type SyncService,
  restoreRequestSchema,
  versionListSchema,
  versionsRequestSchema,
  type VersionService,
  fileListSchema,
  filesQuerySchema,
  openFileRequestSchema,
  type FileService,
  type FilesQuery,
  compactRequestSchema,
  compactionReportSchema,
  type CompactionService,
} from '../sync/api/schema.js';
import {
  ACTIVITY_DEFAULT_LIMIT,
  ACTIVITY_MAX_LIMIT,
  API_PREFIX,
  APP_ORIGIN,
  MAX_BODY_BYTES,
  ROUTES,
  TOKEN_PATTERN,
  WS_PROTOCOL,
  WS_TOKEN_PROTOCOL_PREFIX,
  activityListSchema,
} from './protocol.js';
import { removeDaemonFile, writeDaemonFile } from './state-file.js';

export interface DaemonServerOptions {
  service: SyncService;
  /** Sharing routes (/api/v1/shares...); absent: those routes answer 404. */
  shares?: ShareService;
  /** File versions and restore; the routes exist only when given. */
  versions?: VersionService;
  /** POST /compact (`cess-sync compact [--dry-run]`); the route exists only when given. */
  compaction?: CompactionService;
  /** The per-file list and opening files with the OS; the routes exist only when given. */
  files?: FileService;
  /** POST /shares/request (`cess-sync share <path>`): checks a path, emits a shareRequest event. */
  shareRequests?: { requestShare(absPath: string): Promise<ShareRequestEvent> };
  /** The OS file-manager entries (src/integrations/service.ts); absent: 404. */
  integrations?: {
    list(): Promise<IntegrationList>;
    apply(req: IntegrationRequest): Promise<IntegrationList>;
  };
  /** More routes (path -> method -> route), e.g. the onboarding routes of setup mode. */
  extraRoutes?: RouteTable;
  /** Loopback only: anything but '127.0.0.1' is refused. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** base64url, at least 32 characters; a random 32-byte token is made when absent. */
  token?: string;
  /** Where daemon.json is written (created 0700 if missing). */
  stateDir: string;
  /** Serve the UI from this directory at / (headless mode). */
  staticDir?: string;
  /** Diagnostics (internal errors, rejected events). Defaults to stderr. */
  log?: (line: string) => void;
}

export interface DaemonServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  token: string;
  /** Stops listening, closes every connection and WebSocket, removes daemon.json. Idempotent. */
  close(): Promise<void>;
}

export const LOOPBACK_HOST = '127.0.0.1';

/** Close WebSocket clients that fall this far behind instead of buffering without bound. */
const WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const WS_MAX_CLIENTS = 64;
const WS_HEARTBEAT_MS = 30_000;

/** An error with an HTTP status, for the reply to a request that cannot be served. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type Method = 'GET' | 'POST' | 'PUT';

export interface Route {
  /** Request body schema; absent for bodiless routes (GET). */
  body?: z.ZodType;
  /** An empty body stands for {} (pause/resume/sync with no folder). */
  emptyBodyIsObject?: boolean;
  reply: z.ZodType;
  status?: number;
  run(body: unknown, url: URL): Promise<unknown> | unknown;
}

export type RouteTable = Record<string, Partial<Record<Method, Route>>>;

export async function startDaemonServer(options: DaemonServerOptions): Promise<DaemonServer> {
  const host = options.host ?? LOOPBACK_HOST;
  if (host !== LOOPBACK_HOST) {
    throw new Error(`the daemon binds to ${LOOPBACK_HOST} only, not ${JSON.stringify(host)}`);
  }
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`invalid port ${String(requestedPort)}`);
  }
  if (options.token !== undefined && !TOKEN_PATTERN.test(options.token)) {
    throw new Error('token must be 32-256 base64url characters');
  }
  const token = options.token ?? randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  const { service } = options;
  const log = options.log ?? ((line: string) => console.error(`cess-sync daemon: ${line}`));
  const staticRoot = options.staticDir === undefined ? null : await realpath(options.staticDir);

  let port = 0;
  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = (): Set<string> =>
    new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, APP_ORIGIN]);

  const tokenMatches = (candidate: string): boolean =>
    timingSafeEqual(digest(candidate), tokenDigest);

  const routes: RouteTable = {
    [ROUTES.status]: { GET: { reply: statusSchema, run: () => service.status() } },
    [ROUTES.pause]: {
      POST: statusAfter(pauseRequestSchema, (b) => service.pause(b.folderId)),
    },
    [ROUTES.resume]: {
      POST: statusAfter(pauseRequestSchema, (b) => service.resume(b.folderId)),
    },
    [ROUTES.sync]: {
      POST: statusAfter(pauseRequestSchema, (b) => service.syncNow(b.folderId)),
    },
    [ROUTES.folders]: {
      POST: {
        body: addFolderRequestSchema,
        reply: folderStatusSchema,
        status: 201,
        run: (b) => service.addFolder(addFolderRequestSchema.parse(b)),
      },
    },
    [ROUTES.problemAction]: {
      POST: {
        body: problemActionRequestSchema,
        reply: statusSchema,
        run: async (b) => {
          await service.resolveProblem(problemActionRequestSchema.parse(b));
          return service.status();
        },
      },
    },
    [ROUTES.settings]: {
      GET: { reply: settingsSchema, run: () => service.getSettings() },
      PUT: {
        body: settingsSchema,
        reply: settingsSchema,
        run: (b) => service.setSettings(settingsSchema.parse(b)),
      },
    },
    [ROUTES.activity]: {
      GET: {
        reply: activityListSchema,
        run: (_b, url) => ({ activity: service.recentActivity(activityLimit(url)) }),
      },
    },
  };

  const versions = options.versions;
  if (versions !== undefined) {
    routes[ROUTES.versions] = {
      POST: {
        body: versionsRequestSchema,
        reply: versionListSchema,
        run: async (b) => ({ versions: await versions.versions(versionsRequestSchema.parse(b)) }),
      },
    };
    routes[ROUTES.versionsRestore] = {
      POST: {
        body: restoreRequestSchema,
        reply: statusSchema,
        run: async (b) => {
          await versions.restoreVersion(restoreRequestSchema.parse(b));
          return service.status();
        },
      },
    };
  }

  const files = options.files;
  if (files !== undefined) {
    routes[ROUTES.files] = {
      GET: { reply: fileListSchema, run: (_b, url) => files.files(filesQuery(url)) },
    };
    routes[ROUTES.filesOpen] = {
      POST: {
        body: openFileRequestSchema,
        reply: z.undefined(),
        status: 204,
        run: (b) => files.openFile(openFileRequestSchema.parse(b)),
      },
    };
  }

  const shares = options.shares;
  if (shares !== undefined) {
    routes[ROUTES.shares] = {
      GET: { reply: shareListSchema, run: () => ({ shares: shares.shares() }) },
      POST: {
        body: shareRequestSchema,
        reply: shareInfoSchema,
        status: 201,
        run: (b) => shares.share(shareRequestSchema.parse(b)),
      },
    };
    routes[ROUTES.sharesRevoke] = {
      POST: {
        body: revokeShareRequestSchema,
        reply: shareInfoSchema,
        run: (b) => shares.revokeShare(revokeShareRequestSchema.parse(b).id),
      },
    };
    routes[ROUTES.sharesReceive] = {
      POST: {
        body: receiveShareRequestSchema,
        reply: receivedShareSchema,
        run: (b) => shares.receive(receiveShareRequestSchema.parse(b)),
      },
    };
    routes[ROUTES.sharesReceived] = {
      GET: {
        reply: receivedShareListSchema,
        run: () => ({ shares: shares.receivedShares?.() ?? [] }),
      },
    };
    const openReceived = shares.openReceived?.bind(shares);
    if (openReceived !== undefined)
      routes[`${ROUTES.sharesReceived}/open`] = {
        POST: {
          body: openReceivedRequestSchema,
          reply: z.undefined(),
          status: 204,
          run: (b) => openReceived(openReceivedRequestSchema.parse(b)),
        },
      };
  }

  const shareRequests = options.shareRequests;
  if (shareRequests !== undefined) {
    routes[ROUTES.sharesRequest] = {
      POST: {
        body: shareIntentRequestSchema,
        reply: shareRequestEventSchema,
        status: 202,
        run: (b) => {
          // The event only reaches WebSocket subscribers: with none, no dialog would open, and
          // a 202 would be a silent no-op for the file manager's user.
          if (wss.clients.size === 0)
            throw new HttpError(
              409,
              'no_ui',
              'no cess-sync window is open to show the share dialog; open the app and try again',
            );
          return shareRequests.requestShare(shareIntentRequestSchema.parse(b).path);
        },
      },
    };
  }

  const integrations = options.integrations;
  if (integrations !== undefined) {
    routes[ROUTES.integrations] = {
      GET: { reply: integrationListSchema, run: () => integrations.list() },
      POST: {
        body: integrationRequestSchema,
        reply: integrationListSchema,
        run: (b) => integrations.apply(integrationRequestSchema.parse(b)),
      },
    };
  }

  const compaction = options.compaction;
  if (compaction !== undefined) {
    routes[ROUTES.compact] = {
      POST: {
        body: compactRequestSchema,
        emptyBodyIsObject: true,
        reply: compactionReportSchema,
        run: (b) => compaction.compact(compactRequestSchema.parse(b)),
      },
    };
  }

  for (const [path, methods] of Object.entries(options.extraRoutes ?? {})) {
    if (routes[path] !== undefined) throw new Error(`route ${path} is defined twice`);
    routes[path] = methods;
  }

  function statusAfter(
    schema: typeof pauseRequestSchema,
    action: (body: z.infer<typeof pauseRequestSchema>) => Promise<void>,
  ): Route {
    return {
      body: schema,
      emptyBodyIsObject: true,
      reply: statusSchema,
      run: async (b) => {
        await action(schema.parse(b));
        return service.status();
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    checkHostAndOrigin(req);
    const origin = req.headers.origin;
    if (origin === APP_ORIGIN) {
      // The Electron renderer (app://cess-sync) is cross-origin to the daemon: exactly that
      // origin is allowed, never a wildcard.
      res.setHeader('Access-Control-Allow-Origin', APP_ORIGIN);
    }
    const url = parseRequestUrl(req.url);
    const pathname = url.pathname;
    const isApi = pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`);

    if (isApi && req.method === 'OPTIONS') {
      // CORS preflight (carries no credentials); only reached from an allowed origin.
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
      if (req.headers['access-control-request-private-network'] === 'true') {
        res.setHeader('Access-Control-Allow-Private-Network', 'true');
      }
      res.writeHead(204).end();
      return;
    }
    if (isApi) {
      res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
      if (!authorized(req.headers.authorization)) {
        throw new HttpError(401, 'unauthorized', 'missing or wrong bearer token', {
          'WWW-Authenticate': 'Bearer realm="cess-sync"',
        });
      }
      await handleApi(req, res, url);
      return;
    }
    if (staticRoot !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      await serveStatic(req, res, staticRoot, pathname, port);
      return;
    }
    throw new HttpError(404, 'not_found', 'not found');
  }

  function checkHostAndOrigin(req: IncomingMessage): void {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts().has(hostHeader)) {
      // DNS rebinding: a page on evil.example resolved to 127.0.0.1 still says Host: evil.example.
      throw new HttpError(403, 'forbidden_host', 'unexpected Host header');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin.toLowerCase())) {
      throw new HttpError(403, 'forbidden_origin', 'requests from this origin are not allowed');
    }
  }

  function authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const match = /^Bearer +(\S+) *$/i.exec(header);
    return match?.[1] !== undefined && tokenMatches(match[1]);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const methods = routes[url.pathname];
    if (methods === undefined || url.pathname === ROUTES.events) {
      throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
    }
    const route = methods[req.method as Method];
    if (route === undefined) {
      throw new HttpError(405, 'method_not_allowed', `${req.method ?? '?'} not allowed here`, {
        Allow: Object.keys(methods).join(', '),
      });
    }
    let body: unknown = undefined;
    if (route.body !== undefined) {
      const raw = await readJsonBody(req);
      const input = raw === undefined ? (route.emptyBodyIsObject === true ? {} : undefined) : raw;
      if (input === undefined)
        throw new HttpError(400, 'invalid_request', 'a JSON body is required');
      const parsed = route.body.safeParse(input);
      if (!parsed.success) {
        throw new HttpError(
          400,
          'invalid_request',
          `invalid request: ${z.prettifyError(parsed.error)}`,
        );
      }
      body = parsed.data;
    } else {
      await drainEmptyBody(req);
    }
    let result: unknown;
    try {
      result = await route.run(body, url);
    } catch (error) {
      throw serviceError(error);
    }
    const reply = route.reply.safeParse(result);
    if (!reply.success) {
      log(
        `reply for ${req.method ?? '?'} ${url.pathname} breaks the contract: ${z.prettifyError(reply.error)}`,
      );
      throw new HttpError(500, 'invalid_reply', 'the sync engine returned an invalid reply');
    }
    if (route.status === 204) {
      res.writeHead(204).end();
      return;
    }
    sendJson(res, route.status ?? 200, reply.data);
  }

  function serviceError(error: unknown): HttpError {
    if (error instanceof HttpError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
      const code = (error as { code?: unknown }).code;
      return new HttpError(status, typeof code === 'string' ? code : 'rejected', message);
    }
    log(`sync service error: ${error instanceof Error ? (error.stack ?? message) : message}`);
    return new HttpError(500, 'internal', message);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const httpError =
        error instanceof HttpError ? error : new HttpError(500, 'internal', 'internal error');
      if (!(error instanceof HttpError)) log(`request failed: ${String(error)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      for (const [name, value] of Object.entries(httpError.headers)) res.setHeader(name, value);
      if (httpError.status === 413) res.setHeader('Connection', 'close');
      sendJson(res, httpError.status, {
        error: { code: httpError.code, message: httpError.message },
      });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  // --- WebSocket: /api/v1/events ---------------------------------------------------------------
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * 1024,
    clientTracking: true,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const alive = new WeakSet<WebSocket>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let first: ReturnType<SyncService['status']>;
    try {
      checkHostAndOrigin(req);
      const url = parseRequestUrl(req.url);
      if (url.pathname !== ROUTES.events) throw new HttpError(404, 'not_found', 'not found');
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      const tokenEntry = offered.find((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
      if (
        tokenEntry === undefined ||
        !tokenMatches(tokenEntry.slice(WS_TOKEN_PROTOCOL_PREFIX.length))
      ) {
        throw new HttpError(401, 'unauthorized', 'missing or wrong token');
      }
      if (!offered.includes(WS_PROTOCOL)) {
        throw new HttpError(400, 'invalid_request', `the ${WS_PROTOCOL} subprotocol is required`);
      }
      if (wss.clients.size >= WS_MAX_CLIENTS) {
        throw new HttpError(503, 'too_many_clients', 'too many event subscribers');
      }
      try {
        // Before upgrading: a service that cannot answer yet (setup mode: 409 not_set_up)
        // refuses the socket with its own error.
        first = service.status();
      } catch (error) {
        throw serviceError(error);
      }
    } catch (error) {
      const e =
        error instanceof HttpError ? error : new HttpError(400, 'bad_request', 'bad request');
      rejectUpgrade(socket, e);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('message', () => undefined); // clients have nothing to say; maxPayload bounds it
      ws.on('error', () => ws.terminate());
      sendEvent(ws, { type: 'status', status: first });
    });
  });

  function sendEvent(ws: WebSocket, event: DaemonEvent): void {
    const checked = eventSchema.safeParse(event);
    if (!checked.success) {
      log(`dropping an invalid ${event.type} event: ${z.prettifyError(checked.error)}`);
      return;
    }
    sendRaw(ws, JSON.stringify(checked.data));
  }

  function sendRaw(ws: WebSocket, data: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > WS_MAX_BUFFERED_BYTES) {
      ws.close(1008, 'too slow');
      return;
    }
    ws.send(data);
  }

  const unsubscribe = service.subscribe((event) => {
    if (wss.clients.size === 0) return;
    const checked = eventSchema.safeParse(event);
    if (!checked.success) {
      log(`dropping an invalid event: ${z.prettifyError(checked.error)}`);
      return;
    }
    const data = JSON.stringify(checked.data);
    for (const ws of wss.clients) sendRaw(ws, data);
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, WS_HEARTBEAT_MS);
  heartbeat.unref();

  // --- start --------------------------------------------------------------------------------
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(requestedPort, LOOPBACK_HOST, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
    port = (server.address() as AddressInfo).port;
  } catch (error) {
    clearInterval(heartbeat);
    unsubscribe();
    throw error;
  }
  const url = `http://${LOOPBACK_HOST}:${port}`;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(heartbeat);
      unsubscribe();
      for (const ws of wss.clients) ws.close(1001, 'daemon stopping');
      await new Promise<void>((done) => wss.close(() => done()));
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      // Give WebSocket close frames a moment, then cut whatever is left.
      setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
      }, 250).unref();
      await closed;
      await removeDaemonFile(options.stateDir, token);
    })();
    return closing;
  };

  try {
    await writeDaemonFile(options.stateDir, { url, token, pid: process.pid });
  } catch (error) {
    await close();
    throw error;
  }
  return { url, port, token, close };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function parseRequestUrl(raw: string | undefined): URL {
  if (raw === undefined || !raw.startsWith('/')) {
    throw new HttpError(400, 'bad_request', 'bad request target');
  }
  try {
    return new URL(raw, 'http://127.0.0.1');
  } catch {
    throw new HttpError(400, 'bad_request', 'bad request target');
  }
}

function activityLimit(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null) return ACTIVITY_DEFAULT_LIMIT;
  if (!/^\d{1,7}$/.test(raw)) {
    throw new HttpError(400, 'invalid_request', 'limit must be a positive integer');
  }
  const limit = Number(raw);
  if (limit < 1 || limit > ACTIVITY_MAX_LIMIT) {
    throw new HttpError(
      400,
      'invalid_request',
      `limit must be between 1 and ${ACTIVITY_MAX_LIMIT}`,
    );
  }
  return limit;
}

/** GET /files?folderId=&q=&offset=&limit= as a FilesQuery; 400 for anything malformed. */
function filesQuery(url: URL): FilesQuery {
  const raw: Record<string, string | number> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(raw, key))
      throw new HttpError(400, 'invalid_request', `${key} is given more than once`);
    if (key === 'offset' || key === 'limit') {
      if (!/^\d{1,9}$/.test(value))
        throw new HttpError(400, 'invalid_request', `${key} must be a whole number`);
      raw[key] = Number(value);
    } else {
      raw[key] = value;
    }
  }
  const parsed = filesQuerySchema.safeParse(raw);
  if (!parsed.success)
    throw new HttpError(400, 'invalid_request', `invalid query: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Vary', 'Origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a JSON body (Content-Type application/json, at most MAX_BODY_BYTES); undefined if empty. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
    throw new HttpError(413, 'too_large', `request body over ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, 'too_large', `request body over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    // Also keeps "simple" cross-site form posts (text/plain) out, on top of the Origin check.
    throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

async function drainEmptyBody(req: IncomingMessage): Promise<void> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too_large', 'request body too large');
  }
}

function rejectUpgrade(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  const reason = STATUS_TEXT[error.status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\n` +
      'Connection: close\r\n' +
      'Cache-Control: no-store\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// --- static files (headless mode) ---------------------------------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The UI's policy when the daemon serves it: like the renderer's, connect-src narrowed to us. */
export function staticCsp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "worker-src 'self'",
    "frame-ancestors 'none'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
  ].join('; ');
}

async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  pathname: string,
  port: number,
): Promise<void> {
  const notFound = new HttpError(404, 'not_found', 'not found');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new HttpError(400, 'bad_request', 'bad path');
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw notFound;
  const segments = decoded.split('/').filter((s) => s !== '');
  // No traversal and no dotfiles (".git", ".env"), even inside the root.
  if (segments.some((s) => s.startsWith('.'))) throw notFound;
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const candidate = resolve(root, relative);
  if (!candidate.startsWith(root + sep)) throw notFound;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw notFound;
  }
  // A symlink inside the root must not lead outside it.
  if (!real.startsWith(root + sep)) throw notFound;
  const type = CONTENT_TYPES[extname(real).toLowerCase()];
  const info = await stat(real);
  if (type === undefined || !info.isFile()) throw notFound;
  res.setHeader('Content-Security-Policy', staticCsp(port));
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': info.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(real);
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
}
