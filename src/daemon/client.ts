/**
 * A small typed client for the daemon's local API (fetch + ws), used by the CLI. Every reply is
 * validated with the same zod schemas the server validates against (src/sync/api/schema.ts,
 * ./protocol.ts). Finds the daemon through `<stateDir>/daemon.json`.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import {
  eventSchema,
  folderStatusSchema,
  receivedShareSchema,
  receivedShareListSchema,
  settingsSchema,
  shareInfoSchema,
  shareListSchema,
  statusSchema,
  type Activity,
  type AddFolderRequest,
  type DaemonEvent,
  type FolderStatus,
  type ProblemActionRequest,
  type ReceiveShareRequest,
  type ReceivedShare,
  type ReceivedShareEntry,
  type Settings,
  type ShareInfo,
  type ShareRequest,
  type Status,
  versionListSchema,
  integrationListSchema,
  shareRequestEventSchema,
  type IntegrationList,
  type IntegrationRequest,
  type ShareRequestEvent,
  type FileVersion,
  type RestoreRequest,
  type VersionsRequest,
  fileListSchema,
  type FileList,
  type FilesQuery,
  type OpenFileRequest,
  compactionReportSchema,
  type CompactRequest,
  type CompactionReportInfo,
} from '../sync/api/schema.js';
import { ROUTES, activityListSchema, errorReplySchema, wsProtocols } from './protocol.js';
import { UNLOCK_ROUTE, unlockStateSchema, type UnlockState } from '../sync/api/unlock-schema.js';
import { daemonFilePath, processExists, readDaemonFile } from './state-file.js';

/** How to start the daemon, for "not running" messages. */
export const START_HINT =
  'start it by opening the CESS Sync app, or headless with: cess-sync daemon';

/** The daemon is not running (no daemon.json, a stale one, or nothing listening). */
export class DaemonNotRunningError extends Error {
  constructor(
    readonly stateDir: string | null,
    detail: string,
  ) {
    super(`cess-sync daemon is not running (${detail}); ${START_HINT}`);
    this.name = 'DaemonNotRunningError';
  }
}

/** What to do when the daemon runs in setup mode (its routes answer 409 `not_set_up`). */
export const NOT_SET_UP_HINT = 'not set up: open the UI or run cess-sync setup';

/** The daemon answered with an error reply. */
export class DaemonApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DaemonApiError';
  }
  /** The daemon runs in setup mode: the device has no account yet (docs/daemon-api.md). */
  get notSetUp(): boolean {
    return this.status === 409 && this.code === 'not_set_up';
  }
}

/** The daemon answered with something the contract does not allow (version skew, a bug). */
export class DaemonProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DaemonProtocolError';
  }
}

export interface DaemonClientOptions {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
}

export interface EventSubscription {
  close(): void;
  /** Resolves when the connection ends (daemon stopped, close() called, network error). */
  readonly closed: Promise<{ code: number; reason: string }>;
}

export class DaemonClient {
  readonly url: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: DaemonClientOptions) {
    this.url = options.url.replace(/\/$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** A client for the daemon whose daemon.json is in stateDir; DaemonNotRunningError if none. */
  static async fromStateDir(stateDir: string): Promise<DaemonClient> {
    const file = await readDaemonFile(stateDir);
    if (file.kind === 'missing') {
      throw new DaemonNotRunningError(stateDir, `no ${daemonFilePath(stateDir)}`);
    }
    if (file.kind === 'invalid') {
      throw new DaemonNotRunningError(
        stateDir,
        `${daemonFilePath(stateDir)} is unreadable: ${file.reason}`,
      );
    }
    if (!processExists(file.info.pid)) {
      throw new DaemonNotRunningError(
        stateDir,
        `stale ${daemonFilePath(stateDir)}: process ${file.info.pid} is gone`,
      );
    }
    return new DaemonClient({ url: file.info.url, token: file.info.token });
  }

  /**
   * The web UI's address in headless mode, with the token in the fragment: browsers never send a
   * fragment to the server, so it stays out of request lines and logs; the page reads it.
   */
  uiUrl(): string {
    return `${this.url}/#token=${encodeURIComponent(this.token)}`;
  }

  status(): Promise<Status> {
    return this.request('GET', ROUTES.status, statusSchema);
  }

  pause(folderId?: string): Promise<Status> {
    return this.request('POST', ROUTES.pause, statusSchema, folderBody(folderId));
  }

  resume(folderId?: string): Promise<Status> {
    return this.request('POST', ROUTES.resume, statusSchema, folderBody(folderId));
  }

  syncNow(folderId?: string): Promise<Status> {
    return this.request('POST', ROUTES.sync, statusSchema, folderBody(folderId));
  }

  addFolder(req: AddFolderRequest): Promise<FolderStatus> {
    return this.request('POST', ROUTES.folders, folderStatusSchema, req);
  }

  resolveProblem(req: ProblemActionRequest): Promise<Status> {
    return this.request('POST', ROUTES.problemAction, statusSchema, req);
  }

  getSettings(): Promise<Settings> {
    return this.request('GET', ROUTES.settings, settingsSchema);
  }

  setSettings(settings: Settings): Promise<Settings> {
    return this.request('PUT', ROUTES.settings, settingsSchema, settings);
  }

  share(req: ShareRequest): Promise<ShareInfo> {
    return this.request('POST', ROUTES.shares, shareInfoSchema, req);
  }

  async shares(): Promise<ShareInfo[]> {
    return (await this.request('GET', ROUTES.shares, shareListSchema)).shares;
  }

  revokeShare(id: string): Promise<ShareInfo> {
    return this.request('POST', ROUTES.sharesRevoke, shareInfoSchema, { id });
  }

  async versions(req: VersionsRequest): Promise<FileVersion[]> {
    return (await this.request('POST', ROUTES.versions, versionListSchema, req)).versions;
  }

  restoreVersion(req: RestoreRequest): Promise<Status> {
    return this.request('POST', ROUTES.versionsRestore, statusSchema, req);
  }

  compact(req: CompactRequest = {}): Promise<CompactionReportInfo> {
    return this.request('POST', ROUTES.compact, compactionReportSchema, req);
  }

  /** The per-file list: every item of the synced folders with its state, searched and paged. */
  files(query: FilesQuery = {}): Promise<FileList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    return this.request('GET', `${ROUTES.files}${qs === '' ? '' : `?${qs}`}`, fileListSchema);
  }

  /** Opens a synced item with the OS (or reveals it in its folder); resolves on 204. */
  async openFile(req: OpenFileRequest): Promise<void> {
    await this.request('POST', ROUTES.filesOpen, z.undefined(), req);
  }

  receiveShare(req: ReceiveShareRequest): Promise<ReceivedShare> {
    return this.request('POST', ROUTES.sharesReceive, receivedShareSchema, req);
  }

  async receivedShares(): Promise<ReceivedShareEntry[]> {
    return (await this.request('GET', ROUTES.sharesReceived, receivedShareListSchema)).shares;
  }

  /** Asks the running app to open its share dialog for an absolute path (`cess-sync share`). */
  requestShare(path: string): Promise<ShareRequestEvent> {
    return this.request('POST', ROUTES.sharesRequest, shareRequestEventSchema, { path });
  }

  integrations(): Promise<IntegrationList> {
    return this.request('GET', ROUTES.integrations, integrationListSchema);
  }

  setIntegration(req: IntegrationRequest): Promise<IntegrationList> {
    return this.request('POST', ROUTES.integrations, integrationListSchema, req);
  }

  /** Locked mode (docs/daemon-api.md): whether the key file still waits for its passphrase. */
  unlockState(): Promise<UnlockState> {
    return this.request('GET', UNLOCK_ROUTE, unlockStateSchema);
  }

  unlock(passphrase: string): Promise<UnlockState> {
    return this.request('POST', UNLOCK_ROUTE, unlockStateSchema, { passphrase });
  }

  async recentActivity(limit?: number): Promise<Activity[]> {
    const query = limit === undefined ? '' : `?limit=${encodeURIComponent(String(limit))}`;
    const reply = await this.request('GET', `${ROUTES.activity}${query}`, activityListSchema);
    return reply.activity;
  }

  /**
   * Opens the event stream. Resolves once connected (the daemon then sends the current status
   * first); rejects with DaemonNotRunningError / DaemonApiError when it cannot connect. Events
   * that break the contract are reported to onInvalid (default: ignored), not to listener.
   */
  subscribe(
    listener: (event: DaemonEvent) => void,
    onInvalid?: (error: DaemonProtocolError) => void,
  ): Promise<EventSubscription> {
    const wsUrl = `${this.url.replace(/^http:/, 'ws:')}${ROUTES.events}`;
    const ws = new WebSocket(wsUrl, wsProtocols(this.token), {
      handshakeTimeout: this.timeoutMs,
      maxPayload: 16 * 1024 * 1024,
    });
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      ws.on('close', (code, reason) => done({ code, reason: reason.toString('utf8') }));
    });
    ws.on('message', (data) => {
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        onInvalid?.(new DaemonProtocolError('event is not JSON'));
        return;
      }
      const parsed = eventSchema.safeParse(json);
      if (!parsed.success) {
        onInvalid?.(new DaemonProtocolError(`invalid event: ${z.prettifyError(parsed.error)}`));
        return;
      }
      listener(parsed.data);
    });
    return new Promise<EventSubscription>((resolveOpen, rejectOpen) => {
      let opened = false;
      ws.once('open', () => {
        opened = true;
        resolveOpen({ close: () => ws.close(1000), closed });
      });
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        rejectOpen(
          new DaemonApiError(
            status,
            'websocket_refused',
            `daemon refused the event stream (HTTP ${status})`,
          ),
        );
      });
      ws.on('error', (error) => {
        if (opened) return; // reported through `closed`
        rejectOpen(this.connectionError(error));
      });
    });
  }

  /** Any other route of the API, validated by `schema` (the account commands use it). */
  call<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    return this.request(method, path, schema, body);
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw this.connectionError(error);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new DaemonProtocolError(`daemon replied with non-JSON (HTTP ${res.status})`);
    }
    if (!res.ok) {
      const error = errorReplySchema.safeParse(json);
      if (error.success) {
        throw new DaemonApiError(res.status, error.data.error.code, error.data.error.message);
      }
      throw new DaemonApiError(res.status, 'http_error', `daemon replied HTTP ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new DaemonProtocolError(
        `unexpected reply from ${method} ${path}: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  private connectionError(error: unknown): Error {
    const code = errorCode(error);
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
      return new DaemonNotRunningError(null, `nothing answers at ${this.url}`);
    }
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return new Error(`the daemon at ${this.url} did not answer in time`);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function folderBody(folderId: string | undefined): { folderId?: string } {
  return folderId === undefined ? {} : { folderId };
}

/** `code` of a Node error, or of its cause (undici's fetch wraps the socket error). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
