/**
 * Streamed downloads with Range, shared by both clients: to a file (resumable from the bytes
 * already on disk) or to a Writable; a cut body is resumed from the bytes already written;
 * whole-file downloads are checked against the fid.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

import { FidTracker, READ_CHUNK } from './source.js';
import {
  FidMismatchError,
  GatewayClientError,
  GatewayError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayProtocolError,
} from './errors.js';
import {
  httpError,
  parseEnvelope,
  readSmall,
  send,
  withRetries,
  type Call,
  type CallOptions,
  type HttpResponse,
  type ProgressCallback,
} from './http.js';

export interface DownloadOptions extends CallOptions {
  /** Bytes [start, end) of the file (end exclusive, optional: to the end). Default: all. */
  range?: { start: number; end?: number };
  /** File targets: keep the bytes already in the file and fetch only the rest. Default false
   * (the file is truncated). */
  resume?: boolean;
  onProgress?: ProgressCallback;
  /** Whole-file downloads: hash what arrives and compare with the fid. Default true. */
  verifyFid?: boolean;
}

export interface DownloadResult {
  /** Bytes of the requested range now in the target (resumed bytes included). */
  bytes: number;
  /** The whole file's size, when the gateway said. */
  fileSize: number | undefined;
}

/** A file path (created or truncated, or continued with `resume`) or a Writable (ended on success). */
export type DownloadTarget = string | Writable;

interface Sink {
  /** Bytes already present before this download (resume). */
  initial: number;
  write(chunk: Buffer): Promise<void>;
  /** Drops anything past `length` (a failed attempt may have written a partial chunk). */
  reset(length: number): Promise<void>;
  finish(): Promise<void>;
  close(): Promise<void>;
  /** Re-reads bytes [0, n) already in the target (to hash them on resume). */
  readBack?(n: number, each: (b: Buffer, offset: number) => void): Promise<void>;
}

async function fileSink(path: string, resume: boolean): Promise<Sink> {
  let fh: FileHandle;
  try {
    fh = await open(path, resume ? 'a+' : 'w');
  } catch (err) {
    throw new GatewayClientError(`cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  // 'a+' appends on Linux whatever the position; reopen r+ for positioned writes.
  let initial = 0;
  if (resume) {
    initial = (await fh.stat()).size;
    await fh.close();
    fh = await open(path, 'r+');
  }
  let pos = initial;
  return {
    initial,
    async write(chunk) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, pos);
        off += bytesWritten;
        pos += bytesWritten;
      }
    },
    async reset(length) {
      await fh.truncate(length);
      pos = length;
    },
    async finish() {
      await fh.sync().catch(() => undefined);
    },
    async close() {
      await fh.close().catch(() => undefined);
    },
    async readBack(n, each) {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (let o = 0; o < n;) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, n - o), o);
        if (bytesRead === 0) throw new GatewayClientError(`${path} shrank while resuming`);
        each(buf.subarray(0, bytesRead), o);
        o += bytesRead;
      }
    },
  };
}

function writableSink(w: Writable): Sink {
  let failed: Error | undefined;
  const onError = (e: Error) => {
    failed = e;
  };
  w.on('error', onError);
  return {
    initial: 0,
    async write(chunk) {
      if (failed || w.destroyed)
        throw new GatewayClientError(`download target failed: ${failed?.message ?? 'destroyed'}`);
      if (!w.write(chunk)) {
        await Promise.race([
          once(w, 'drain'),
          once(w, 'close').then(() =>
            Promise.reject(new GatewayClientError('download target closed')),
          ),
        ]);
      }
    },
    async reset() {
      // A Writable cannot take bytes back; chunks are counted only once written, so there is
      // never anything past the resume point.
    },
    async finish() {
      await new Promise<void>((resolve, reject) => {
        w.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
    },
    async close() {
      w.off('error', onError);
    },
  };
}

export interface DownloadRequest {
  route: string;
  url: URL;
  /** Which fid the file's bytes must hash to (null: do not check). */
  fid: { kind: 'cd2n' | 'deoss'; value: string } | null;
}

function parseContentRange(
  v: string | undefined,
): { start: number; end: number; total: number | undefined } | null {
  if (!v) return null;
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim());
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/**
 * Downloads with resume. Ranges are always asked open-ended (`bytes=S-`) and cut on our side:
 * the CD²N gateway reads "bytes=S-E" with E > S as END-EXCLUSIVE (its own RangeResponse) but
 * other forms per RFC 7233, so closed ranges are ambiguous across gateway versions.
 */
export async function download(
  call: Call,
  req: DownloadRequest,
  target: DownloadTarget,
  opts: DownloadOptions,
): Promise<DownloadResult> {
  const start = opts.range?.start ?? 0;
  const end = opts.range?.end;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new GatewayClientError(`${req.route}: bad range ${start}-${String(end)}`);
  }
  const whole = start === 0 && end === undefined;
  const sink =
    typeof target === 'string'
      ? await fileSink(target, opts.resume ?? false)
      : writableSink(target);
  try {
    let done = sink.initial;
    const wanted = end === undefined ? undefined : end - start;
    if (wanted !== undefined && done > wanted)
      throw new GatewayClientError(`${req.route}: the target already holds more than the range`);
    let tracker: FidTracker | undefined;
    let fileSize: number | undefined;
    const verify = whole && (opts.verifyFid ?? true) && req.fid !== null;
    const startTracker = async (size: number) => {
      if (!verify || tracker || size === 0) return;
      tracker = new FidTracker(size);
      const t = tracker;
      if (done > 0) {
        if (!sink.readBack)
          throw new GatewayClientError('cannot verify a resumed download into a stream');
        await sink.readBack(done, (b, o) => t.feed(b, o));
      }
    };
    const budget = { failures: 0 };
    if (wanted === 0) {
      await sink.finish();
      return { bytes: 0, fileSize: undefined };
    }
    for (;;) {
      const before = done;
      try {
        const finished = await withRetries(
          call,
          async () => {
            await sink.reset(done);
            return attempt();
          },
          budget,
        );
        if (finished) break;
      } catch (err) {
        if (done > before && err instanceof GatewayError && err.retryable) {
          budget.failures = 0; // progress was made: the budget counts failures in a row
          continue;
        }
        throw err;
      }
    }

    async function attempt(): Promise<boolean> {
      const from = start + done;
      const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
      if (from > 0) headers['Range'] = `bytes=${from}-`;
      const res = await send(call, { method: 'GET', url: req.url, headers, route: req.route });
      try {
        return await consume(res, from);
      } finally {
        res.destroy();
      }
    }

    async function consume(res: HttpResponse, from: number): Promise<boolean> {
      const ct = String(res.headers['content-type'] ?? '');
      if (res.status === 416 && from > 0) {
        // Already complete? (CD²N: "Content-Range: bytes */size")
        const m = /^bytes \*\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
        if (m && Number(m[1]) === from && end === undefined) {
          fileSize = from;
          await startTracker(from);
          return true;
        }
      }
      if (res.status >= 300)
        throw httpError(req.route, res.status, res.headers, await readSmall(res, req.route));
      if (ct.includes('application/json')) {
        // DeOSS answers errors as HTTP 200 + envelope; a data file is never served as JSON.
        const body = await readSmall(res, req.route);
        const env = parseEnvelope(body);
        if (env && env.code !== 200)
          throw new GatewayHttpError(env.code, env.code, env.msg, env.data, req.route);
        throw new GatewayProtocolError(
          `expected file bytes, got JSON: ${body.toString('utf8').slice(0, 200)}`,
          req.route,
        );
      }
      let skip = 0;
      let total: number | undefined;
      if (res.status === 206) {
        const cr = parseContentRange(res.headers['content-range']);
        if (!cr) throw new GatewayProtocolError(`206 without a usable Content-Range`, req.route);
        if (cr.start > from)
          throw new GatewayProtocolError(
            `asked bytes from ${from}, got from ${cr.start}`,
            req.route,
          );
        skip = from - cr.start;
        total = cr.total;
      } else {
        // 200: the whole file (a gateway that ignores Range): skip what we have.
        skip = from;
        const cl = Number(res.headers['content-length']);
        if (res.headers['content-length'] !== undefined && Number.isFinite(cl)) total = cl;
      }
      if (total !== undefined) {
        fileSize = total;
        if (end !== undefined && end > total)
          throw new GatewayClientError(
            `${req.route}: range end ${end} is past the file size ${total}`,
          );
      }
      const expectTotal = wanted ?? (total !== undefined ? total - start : undefined);
      if (fileSize !== undefined) await startTracker(fileSize);
      try {
        for await (const raw of res.body) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const k = Math.min(skip, chunk.length);
            skip -= k;
            chunk = chunk.subarray(k);
            if (chunk.length === 0) continue;
          }
          if (expectTotal !== undefined && done + chunk.length > expectTotal)
            chunk = chunk.subarray(0, expectTotal - done);
          await sink.write(chunk);
          tracker?.feed(chunk, start + done);
          done += chunk.length;
          opts.onProgress?.({ bytes: done, total: expectTotal });
          if (expectTotal !== undefined && done >= expectTotal) return true;
        }
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        throw new GatewayNetworkError(
          `download cut after ${done} bytes: ${(err as Error).message}`,
          req.route,
          true,
          0,
          { cause: err },
        );
      }
      if (expectTotal !== undefined && done < expectTotal) {
        throw new GatewayNetworkError(
          `download cut after ${done} of ${expectTotal} bytes`,
          req.route,
          true,
          0,
        );
      }
      return true;
    }

    if (tracker && req.fid) {
      const fids = tracker.fids();
      const local = req.fid.kind === 'cd2n' ? fids.cd2n : fids.deoss;
      if (local !== req.fid.value)
        throw new FidMismatchError(local ?? '(none)', req.fid.value, req.route);
    }
    await sink.finish();
    return { bytes: done, fileSize };
  } finally {
    await sink.close();
  }
}
