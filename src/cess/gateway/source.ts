/**
 * Upload sources (re-readable byte ranges) and the local fid computation over the bytes that
 * are actually sent.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';

import { SegmentHasher, cd2nFid, deossFid } from '../fid/index.js';
import { GatewayClientError } from './errors.js';

/** Default read size: small, so memory stays a few chunks whatever the file size. */
export const READ_CHUNK = 256 * 1024;

/**
 * What an upload reads. It must give the same bytes every time it is opened (retries and
 * resumed sessions re-read ranges):
 * - a file path (read with fs.createReadStream over ranges, never loaded whole),
 * - bytes in memory,
 * - `{ size, open(start, end) }` returning a stream of bytes [start, end).
 */
export type UploadSource =
  | string
  | Uint8Array
  | { size: number; open(start: number, end: number): Readable | AsyncIterable<Uint8Array> };

export interface OpenedSource {
  size: number;
  /** Bytes [start, end) as a byte stream. */
  open(start: number, end: number): Readable;
  /** Throws when a file changed size since it was opened. */
  check(): Promise<void>;
  /** For names: the base name of a file path. */
  fileName?: string;
}

export async function openSource(src: UploadSource): Promise<OpenedSource> {
  if (typeof src === 'string') {
    const st = await stat(src);
    if (!st.isFile()) throw new GatewayClientError(`${src} is not a file`);
    const size = st.size;
    const mtime = st.mtimeMs;
    return {
      size,
      fileName: src.split(/[\\/]/).pop() ?? src,
      open: (start, end) =>
        end <= start
          ? Readable.from([], { objectMode: false })
          : createReadStream(src, { start, end: end - 1, highWaterMark: READ_CHUNK }),
      check: async () => {
        const now = await stat(src);
        if (now.size !== size || now.mtimeMs !== mtime) {
          throw new GatewayClientError(`${src} changed while it was uploaded`);
        }
      },
    };
  }
  if (src instanceof Uint8Array) {
    return {
      size: src.byteLength,
      open: (start, end) => Readable.from(slices(src.subarray(start, end)), { objectMode: false }),
      check: async () => undefined,
    };
  }
  return {
    size: src.size,
    open: (start, end) => {
      const s = src.open(start, end);
      return s instanceof Readable ? s : Readable.from(s, { objectMode: false });
    },
    check: async () => undefined,
  };
}

function* slices(b: Uint8Array): Generator<Buffer> {
  for (let o = 0; o < b.byteLength; o += READ_CHUNK) {
    yield Buffer.from(b.buffer, b.byteOffset + o, Math.min(READ_CHUNK, b.byteLength - o));
  }
}

/**
 * SegmentHasher fed with the bytes as they go out. Bytes are fed once, in order: a range that
 * is sent again (a retry, a resumed or restarted session) only feeds what lies past the
 * frontier, so the fid is that of the payload whatever the retry pattern.
 */
export class FidTracker {
  private readonly hasher = new SegmentHasher();
  private frontier = 0;
  private done: { cd2n: string; deoss: string | null } | undefined;

  constructor(readonly size: number) {}

  /** Feeds `chunk`, which holds the payload bytes starting at `offset`. */
  feed(chunk: Uint8Array, offset: number): void {
    const end = offset + chunk.length;
    if (end <= this.frontier) return;
    if (offset > this.frontier)
      throw new GatewayClientError(`fid: bytes ${this.frontier}..${offset} were skipped`);
    this.hasher.update(chunk.subarray(this.frontier - offset));
    this.frontier = end;
  }

  get hashed(): number {
    return this.frontier;
  }

  /** Both fids of the payload; call when all bytes were fed. */
  fids(): { cd2n: string; deoss: string | null } {
    if (!this.done) {
      if (this.frontier !== this.size)
        throw new GatewayClientError(`fid: ${this.frontier} of ${this.size} bytes hashed`);
      const segs = this.hasher.finish().segments.map((s) => s.hash);
      this.done = { cd2n: cd2nFid(segs), deoss: segs.length ? deossFid(segs) : null };
    }
    return this.done;
  }
}

/**
 * A pass-through over payload bytes [start, ...): feeds the tracker and reports progress.
 * The stream also fails if the source yields more or fewer bytes than `length`.
 */
export function payloadTap(
  tracker: FidTracker,
  start: number,
  length: number,
  onBytes: (sentEnd: number) => void,
): Transform {
  let pos = start;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (pos + chunk.length > start + length) {
        cb(
          new GatewayClientError(`source gave more than the ${length} bytes expected at ${start}`),
        );
        return;
      }
      tracker.feed(chunk, pos);
      pos += chunk.length;
      onBytes(pos);
      cb(null, chunk);
    },
    flush(cb) {
      if (pos !== start + length)
        cb(new GatewayClientError(`source ended at ${pos}, expected ${start + length}`));
      else cb();
    },
  });
}
