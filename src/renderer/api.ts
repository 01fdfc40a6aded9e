/**
 * The UI's client for the daemon's local API (docs/daemon-api.md): fetch with the bearer token and
 * the events WebSocket authenticated by subprotocols. Every reply and event is validated with the
 * contract's own zod schemas (src/sync/api/schema.ts, src/daemon/protocol.ts), the same ones the
 * daemon validates against before sending.
 */
import type { z } from 'zod';
import { activityListSchema, ROUTES, wsProtocols } from '../daemon/protocol.js';
import {
  eventSchema,
  folderStatusSchema,
  receivedShareListSchema,
  receivedShareSchema,
  settingsSchema,
  shareInfoSchema,
  shareListSchema,
  statusSchema,
  type Activity,
  type DaemonEvent,
  type FolderStatus,
  type OpenReceivedRequest,
  type ReceivedShare,
  type ReceivedShareEntry,
  type ReceiveShareRequest,
  type Settings,
  type ShareInfo,
  type ShareRequest,
  type Status,
} from '../sync/api/schema.js';
import {
  ACCOUNT_ROUTES,
  accountInfoSchema,
  territoryOpQuoteSchema,
  type AccountInfo,
  type TerritoryOpQuote,
  type TerritoryOpQuoteRequest,
} from '../sync/api/account-schema.js';
import {
  FOLDER_SETTINGS_ROUTES,
  folderSettingsSchema,
  folderTreeSchema,
  removedFolderSchema,
  type FolderSettings,
  type FolderTree,
  type RemovedFolder,
} from '../sync/api/folder-settings-schema.js';
import { callApi } from './http.js';

export { ApiError } from './http.js';

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
    readonly token: string,
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
  // Sharing (docs/sharing.md): the owner's list, create, revoke, open a link.
  async shares(): Promise<ShareInfo[]> {
    return (await this.call('GET', ROUTES.shares, shareListSchema)).shares;
  }
  share(req: ShareRequest): Promise<ShareInfo> {
    return this.call('POST', ROUTES.shares, shareInfoSchema, req);
  }
  revokeShare(id: string): Promise<ShareInfo> {
    return this.call('POST', ROUTES.sharesRevoke, shareInfoSchema, { id });
  }
  receiveShare(req: ReceiveShareRequest): Promise<ReceivedShare> {
    return this.call('POST', ROUTES.sharesReceive, receivedShareSchema, req);
  }
  async receivedShares(): Promise<ReceivedShareEntry[]> {
    return (await this.call('GET', ROUTES.sharesReceived, receivedShareListSchema)).shares;
  }
  /** Opens a received share (or a file in a received folder) with the OS, or reveals it; 204. */
  async openReceived(req: OpenReceivedRequest): Promise<void> {
    await callApi(this, 'POST', `${ROUTES.sharesReceived}/open`, null, req);
  }

  // Account and space (settings/account.ts): balance, territory, gateway; paid ops carry the quote.
  account(): Promise<AccountInfo> {
    return this.call('GET', ACCOUNT_ROUTES.info, accountInfoSchema);
  }
  territoryQuote(req: TerritoryOpQuoteRequest): Promise<TerritoryOpQuote> {
    return this.call('POST', ACCOUNT_ROUTES.territoryQuote, territoryOpQuoteSchema, req);
  }
  renewTerritory(days: number, maxCost: string): Promise<AccountInfo> {
    return this.call('POST', ACCOUNT_ROUTES.territoryRenew, accountInfoSchema, { days, maxCost });
  }
  expandTerritory(gib: number, maxCost: string): Promise<AccountInfo> {
    return this.call('POST', ACCOUNT_ROUTES.territoryExpand, accountInfoSchema, { gib, maxCost });
  }
  authorizeGateway(): Promise<AccountInfo> {
    return this.call('POST', ACCOUNT_ROUTES.gatewayAuthorize, accountInfoSchema, {});
  }

  // Folder settings (settings/folders.ts): selective sync, .cessignore, stop syncing.
  folderSettings(folderId: string): Promise<FolderSettings> {
    const q = `?folderId=${encodeURIComponent(folderId)}`;
    return this.call('GET', FOLDER_SETTINGS_ROUTES.settings + q, folderSettingsSchema);
  }
  setExcluded(folderId: string, excluded: string[]): Promise<FolderSettings> {
    const body = { folderId, excluded };
    return this.call('PUT', FOLDER_SETTINGS_ROUTES.settings, folderSettingsSchema, body);
  }
  setIgnoreRules(folderId: string, rules: string): Promise<FolderSettings> {
    const body = { folderId, rules };
    return this.call('PUT', FOLDER_SETTINGS_ROUTES.ignore, folderSettingsSchema, body);
  }
  removeFolder(folderId: string): Promise<RemovedFolder> {
    return this.call('POST', FOLDER_SETTINGS_ROUTES.remove, removedFolderSchema, { folderId });
  }
  folderTree(folderId: string, path: string): Promise<FolderTree> {
    const q = `?folderId=${encodeURIComponent(folderId)}&path=${encodeURIComponent(path)}`;
    return this.call('GET', FOLDER_SETTINGS_ROUTES.tree + q, folderTreeSchema);
  }

  private call<T>(method: string, route: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    return callApi(this, method, route, schema, body);
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
