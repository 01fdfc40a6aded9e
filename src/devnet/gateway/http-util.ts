/** Small node:http helpers shared by the CD²N and DeOSS route handlers. */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { z } from 'zod';

/** The reply body both gateways use: `{code, msg, data}`. */
export interface Envelope {
  code: number;
  msg: string;
  data: unknown;
}

export function envelope(code: number, msg: string, data: unknown = null): Envelope {
  return { code, msg, data };
}

/** gin's c.JSON: the given HTTP status, `application/json; charset=utf-8`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** The request body was cut (client gone or cutNext fault). Nothing can be answered. */
export class BodyAbortedError extends Error {
  override name = 'BodyAbortedError';
}

/** Reads a small body fully; refuses more than `limit` bytes. */
export async function readSmallBody(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) {
        tooLarge = true;
        continue; // keep draining so the reply can still be sent on this connection
      }
      chunks.push(buf);
    }
  } catch (err) {
    throw new BodyAbortedError(err instanceof Error ? err.message : String(err));
  }
  if (tooLarge) throw new BodyTooLargeError(limit);
  return Buffer.concat(chunks);
}

/** Discards whatever is left of a body; never rejects. */
export async function drain(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return;
  await new Promise<void>((resolve) => {
    body.on('end', resolve);
    body.on('error', () => resolve());
    body.on('close', () => resolve());
    body.resume();
  });
}

/** Byte counter with a ceiling, for streaming bodies to disk. */
export function limitStream(limit: number): Transform & { bytes: () => number } {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limit) cb(new BodyTooLargeError(limit));
      else cb(null, chunk);
    },
  }) as Transform & { bytes: () => number };
  t.bytes = () => seen;
  return t;
}

export function headerValue(req: IncomingMessage, name: string): string {
  const v = req.headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0] ?? '';
  return v ?? '';
}

export function hasRequestBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return Number(cl) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Streams bytes [start, endExclusive) of a file (or only the headers for HEAD). */
export async function streamFileRange(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  status: number,
  start: number,
  endExclusive: number,
  headers: Record<string, string>,
): Promise<void> {
  const length = Math.max(0, endExclusive - start);
  res.writeHead(status, { ...headers, 'Content-Length': String(length) });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const src = createReadStream(path, { start, end: endExclusive - 1 });
  try {
    await pipeline(src, res);
  } catch {
    // client went away or the response was cut on purpose: nothing left to answer
    if (!res.destroyed) res.destroy();
  }
}

export const FID_RE = /^[0-9a-f]{64}$/;

/** A fid (or a segment hash): 64 lower-case hex characters, as the chain stores them. */
export const fidSchema = z.string().regex(FID_RE);

export function isFid(s: string): boolean {
  return fidSchema.safeParse(s).success;
}

/** Ensures a promise rejection can never become unhandled; returns the same promise. */
export function settle<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
