/** What every route handler gets: the request, the gateway's shared state, and helpers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

import type { JwtHelper } from './auth.js';
import {
  ChainError,
  PreconditionError,
  type GatewayBackend,
  type UploadRejection,
} from './backend.js';
import type { GatewayFaults } from './faults.js';
import { BodyAbortedError, BodyTooLargeError } from './http-util.js';
import type { GatewayStore } from './store.js';
import { KeyedLock } from './store.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type GatewayLog = (level: LogLevel, message: string) => void;

export interface GatewayShared {
  backend: GatewayBackend;
  store: GatewayStore;
  faults: GatewayFaults;
  jwt: JwtHelper;
  log: GatewayLog;
  clock: () => number;
  maxUploadSize: number;
  /** CD²N gentoken: |now - message| must be within this many seconds. */
  loginWindowSeconds: number;
  locks: KeyedLock;
  /** The CD²N gateway's own PReT key pair (random per start, as the Go gateway's). */
  pret: { secret: Uint8Array; publicKey: Uint8Array };
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The request body to read (instead of req): fault injection may cut it. */
  body: Readable;
  gw: GatewayShared;
}

export type ErrorClass =
  | { kind: 'precondition'; rejection: UploadRejection; message: string }
  | { kind: 'chain'; message: string }
  | { kind: 'aborted'; message: string }
  | { kind: 'too-large'; message: string }
  | { kind: 'other'; message: string };

export function classify(err: unknown): ErrorClass {
  if (err instanceof PreconditionError)
    return { kind: 'precondition', rejection: err.rejection, message: err.message };
  if (err instanceof ChainError) return { kind: 'chain', message: err.message };
  if (err instanceof BodyAbortedError) return { kind: 'aborted', message: err.message };
  if (err instanceof BodyTooLargeError) return { kind: 'too-large', message: err.message };
  const e = err as { code?: unknown; message?: unknown } | null;
  if (
    e &&
    (e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted')
  ) {
    return { kind: 'aborted', message: String(e.message) };
  }
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}
