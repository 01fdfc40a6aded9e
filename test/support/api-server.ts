/**
 * The daemon's real HTTP server (src/daemon/server.ts: token, routes, reply checks) over a
 * service stub, and single requests to a daemon's API with its bearer token, for tests of
 * routes that do not need a running engine.
 */
import {
  startDaemonServer,
  type DaemonServer,
  type DaemonServerOptions,
} from '../../src/daemon/server.js';
import { StubSyncService } from './sync-service-stub.js';

/** The server with `o` on top of an idle stub engine and a silent log. */
export function startApiServer(
  o: Partial<DaemonServerOptions> & { stateDir: string },
): Promise<DaemonServer> {
  return startDaemonServer({ service: new StubSyncService(), log: () => undefined, ...o });
}

export interface ApiReply {
  status: number;
  /** The body as sent ('' for none). */
  text: string;
}

/** One request to the API at `daemon.url` with its token; a body goes as JSON. */
export async function callApi(
  daemon: { url: string; token: string },
  method: string,
  route: string,
  body?: unknown,
): Promise<ApiReply> {
  const res = await fetch(`${daemon.url}${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${daemon.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

/** callApi with the reply parsed, for assertions that read it field by field. */
export async function callApiJson(
  daemon: { url: string; token: string },
  method: string,
  route: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; json: Record<string, any> }> {
  const r = await callApi(daemon, method, route, body);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: r.status, json: JSON.parse(r.text) as Record<string, any> };
}
