/**
 * The daemon's wire protocol around the contract in src/sync/api/schema.ts: route paths, the
 * reply envelopes that schema.ts does not define (lists, errors), the daemon.json discovery file
 * and the WebSocket authentication scheme. Shared by the server and the typed client, so both
 * sides validate the same shapes (docs/daemon-api.md).
 */
import { z } from 'zod';
import { activitySchema } from '../sync/api/schema.js';

export const API_PREFIX = '/api/v1';

export const ROUTES = {
  status: `${API_PREFIX}/status`,
  pause: `${API_PREFIX}/pause`,
  resume: `${API_PREFIX}/resume`,
  sync: `${API_PREFIX}/sync`,
  folders: `${API_PREFIX}/folders`,
  problemAction: `${API_PREFIX}/problems/action`,
  settings: `${API_PREFIX}/settings`,
  activity: `${API_PREFIX}/activity`,
  events: `${API_PREFIX}/events`,
  shares: `${API_PREFIX}/shares`,
  sharesRevoke: `${API_PREFIX}/shares/revoke`,
  sharesReceive: `${API_PREFIX}/shares/receive`,
  sharesReceived: `${API_PREFIX}/shares/received`,
  versions: `${API_PREFIX}/versions`,
  versionsRestore: `${API_PREFIX}/versions/restore`,
  files: `${API_PREFIX}/files`,
  filesOpen: `${API_PREFIX}/files/open`,
  sharesRequest: `${API_PREFIX}/shares/request`,
  integrations: `${API_PREFIX}/integrations`,
  compact: `${API_PREFIX}/compact`,
} as const;

/** Reply of GET /api/v1/activity (an object, so fields can be added later). */
export const activityListSchema = z.object({ activity: z.array(activitySchema) }).strict();
export type ActivityList = z.infer<typeof activityListSchema>;

/** Every non-2xx reply from the daemon. */
export const errorReplySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** GET /api/v1/activity?limit=N: default and bounds. */
export const ACTIVITY_DEFAULT_LIMIT = 50;
export const ACTIVITY_MAX_LIMIT = 1000;

/** Largest request body the daemon reads (every request schema fits in far less). */
export const MAX_BODY_BYTES = 64 * 1024;

/** The Electron renderer's origin (src/main/security/origins.ts APP_ORIGIN). */
export const APP_ORIGIN = 'app://cess-sync';

/**
 * WebSocket authentication: browsers cannot set headers on a WebSocket, so the client offers two
 * subprotocols, `cess-sync.v1` and `cess-sync.auth.<token>`. The server checks the token entry and
 * selects `cess-sync.v1`, so the token is never echoed back in the handshake reply and never
 * appears in a URL (or a log of one).
 */
export const WS_PROTOCOL = 'cess-sync.v1';
export const WS_TOKEN_PROTOCOL_PREFIX = 'cess-sync.auth.';

export function wsProtocols(token: string): string[] {
  return [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`];
}

/**
 * Tokens are base64url (32 random bytes = 43 characters when the daemon makes one). Given tokens
 * must be long enough to guess-proof and fit in a subprotocol (an HTTP token: no spaces, commas).
 */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

/** `<stateDir>/daemon.json`: how local clients find the daemon. Written with mode 0600. */
export const DAEMON_FILE = 'daemon.json';

export const daemonFileSchema = z.object({
  url: z.string().regex(/^http:\/\/127\.0\.0\.1:\d{1,5}$/),
  token: z.string().regex(TOKEN_PATTERN),
  pid: z.number().int().positive(),
});
export type DaemonFile = z.infer<typeof daemonFileSchema>;
