/**
 * The UI's client for the daemon's local API (docs/daemon-api.md): fetch with the bearer token and
 * the events WebSocket authenticated by subprotocols. Every reply and event is validated with the
 * contract's own zod schemas (src/sync/api/schema.ts, src/daemon/protocol.ts), the same ones the
 * daemon validates against before sending.
 */
import type { z } from 'zod';
import { activityListSchema, errorReplySchema, ROUTES, wsProtocols } from '../daemon/protocol.js';
import {
  eventSchema,
  folderStatusSchema,
  settingsSchema,
  statusSchema,
  type Activity,
  type DaemonEvent,
  type FolderStatus,
  type Settings,
  type Status,
} from '../sync/api/schema.js';

/** A failed API call. status 0: the daemon could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export interface EventSubscription {
  close(): void;
}

export interface SubscribeHandlers {
  onEvent(event: DaemonEvent): void;
  /** true once the socket is open, false each time it closes (it reconnects by itself). */
  onConnection(open: boolean): void;
}

export class ApiClient {
  /** origin: `http://127.0.0.1:<port>` (or the page's own origin in headless mode). */
  constructor(
    readonly origin: string,
    private readonly token: string,
  ) {}

  status(): Promise<Status> {
    return this.call('GET', ROUTES.status, statusSchema);
  }
  pause(folderId?: string): Promise<Status> {
    return this.call(
      'POST',
      ROUTES.pause,
      statusSchema,
      folderId === undefined ? {} : { folderId },
    );
  }
  resume(folderId?: string): Promise<Status> {
    return this.call(
      'POST',
      ROUTES.resume,
      statusSchema,
      folderId === undefined ? {} : { folderId },
    );
  }
  syncNow(folderId?: string): Promise<Status> {
    return this.call('POST', ROUTES.sync, statusSchema, folderId === undefined ? {} : { folderId });
  }
  addFolder(root: string): Promise<FolderStatus> {
    return this.call('POST', ROUTES.folders, folderStatusSchema, { root });
  }
  problemAction(problemId: string, action: string): Promise<Status> {
    return this.call('POST', ROUTES.problemAction, statusSchema, { problemId, action });
  }
  settings(): Promise<Settings> {
    return this.call('GET', ROUTES.settings, settingsSchema);
  }
  saveSettings(settings: Settings): Promise<Settings> {
    return this.call('PUT', ROUTES.settings, settingsSchema, settings);
  }
  async activity(limit = 50): Promise<Activity[]> {
    const reply = await this.call('GET', `${ROUTES.activity}?limit=${limit}`, activityListSchema);
    return reply.activity;
  }

  private async call<T>(
    method: string,
    route: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.origin + route, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new ApiError(0, 'unreachable', 'The sync engine is not reachable.');
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new ApiError(
        res.status,
        'invalid_reply',
        `The sync engine sent an unreadable reply (HTTP ${res.status}).`,
      );
    }
    if (!res.ok) {
      const err = errorReplySchema.safeParse(json);
      if (err.success) throw new ApiError(res.status, err.data.error.code, err.data.error.message);
      throw new ApiError(res.status, 'error', `HTTP ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(
        res.status,
        'invalid_reply',
        'The sync engine sent a reply this page does not understand (version mismatch?).',
      );
    }
    return parsed.data;
  }

  /** Live events; reconnects with backoff (1 s doubling to 15 s) until closed. */
  subscribe(handlers: SubscribeHandlers): EventSubscription {
    const url = `${this.origin.replace(/^http/, 'ws')}${ROUTES.events}`;
    let socket: WebSocket | null = null;
    let closed = false;
    let delay = 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      if (closed) return;
      const ws = new WebSocket(url, wsProtocols(this.token));
      socket = ws;
      ws.addEventListener('open', () => {
        delay = 1000;
        handlers.onConnection(true);
      });
      ws.addEventListener('message', (msg: MessageEvent) => {
        if (typeof msg.data !== 'string') return;
        let data: unknown;
        try {
          data = JSON.parse(msg.data);
        } catch {
          return;
        }
        const event = eventSchema.safeParse(data);
        if (event.success) handlers.onEvent(event.data);
      });
      ws.addEventListener('close', () => {
        if (socket === ws) socket = null;
        handlers.onConnection(false);
        if (closed) return;
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15_000);
      });
    };
    connect();
    return {
      close: () => {
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        socket?.close(1000);
      },
    };
  }
}
