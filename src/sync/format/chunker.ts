/**
 * Content-defined chunking: FastCDC (Xia et al., USENIX ATC '16) with normalized chunking
 * (level 2), a 32-bit gear hash, and cut points after the matching byte (docs/format.md
 * "Chunking"). v1 parameters: min 512 KiB, normal ("avg") 1 MiB, max 8 MiB — restic's sizes:
 * ~30 chunks fill one 32 MiB pack, a 1 GiB file needs ~1,000 file-node entries (68 KiB), and
 * an edit rewrites ~1 MiB of data, not the file.
 *
 * Streaming: a Chunker holds at most `max` bytes of the current chunk (in its own WebAssembly
 * memory) plus the caller's current read buffer. Every emitted chunk is a fresh Uint8Array the
 * caller owns.
 */
import { createHash } from 'node:crypto';

import { FormatError } from './errors.js';

export interface ChunkerParams {
  /** No cut before this many bytes (and the gear hash starts there). */
  readonly min: number;
  /** Normal size (a power of two): stricter mask before, looser after. */
  readonly avg: number;
  /** Forced cut at this many bytes. */
  readonly max: number;
}

export const CHUNKER_V1: ChunkerParams = Object.freeze({
  min: 512 * 1024,
  avg: 1024 * 1024,
  max: 8 * 1024 * 1024,
});

/**
 * The gear table: entry i is the first four bytes (big-endian) of
 * SHA-256("cess-sync/v1/gear" || byte i). Fixed forever for format v1.
 */
export const GEAR: Uint32Array = (() => {
  const t = new Uint32Array(256);
  const prefix = Buffer.from('cess-sync/v1/gear', 'ascii');
  for (let i = 0; i < 256; i++) {
    const d = createHash('sha256').update(prefix).update(Uint8Array.of(i)).digest();
    t[i] = d.readUInt32BE(0);
  }
  return t;
})();

/** The masks of normalized chunking level 2: log2(avg)+2 top bits before avg, log2(avg)-2 after. */
export function chunkerMasks(avg: number): { maskS: number; maskL: number } {
  const bits = Math.log2(avg);
  if (!Number.isInteger(bits) || bits < 4 || bits > 28) {
    throw new FormatError('BAD_ARGUMENT', 'chunker avg: expected a power of two in 2^4..2^28');
  }
  // Top bits of the 32-bit hash: bit k of the gear hash depends on the last k+1 bytes.
  return { maskS: -1 << (32 - (bits + 2)), maskL: -1 << (32 - (bits - 2)) };
}

/**
 * The gear loop in WebAssembly (hand-assembled below, ~2x the JIT'd JavaScript loop): scans
 * data[i..end) at memory offset 1024 with the gear table (256 x i32 LE) at offset 0 and the
 * running hash in the exported global "f"; returns (index of the matching byte) + 1, or 0.
 *
 *   (func $s (param $i i32) (param $end i32) (param $mask i32) (result i32) (local $fp i32)
 *     fp = global f
 *     block  br_if (i >= end)
 *       loop  fp = (fp << 1) + i32.load((i32.load8_u offset=1024 i) << 2)
 *             if ((fp & mask) == 0) { global f = fp; return i + 1 }
 *             i = i + 1; br_if loop (i < end)
 *     global f = fp; return 0)
 */
const SCAN_CODE = [
  0x01, 0x01, 0x7f, 0x23, 0x00, 0x21, 0x03, 0x02, 0x40, 0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x00,
  0x03, 0x40, 0x20, 0x03, 0x41, 0x01, 0x74, 0x20, 0x00, 0x2d, 0x00, 0x80, 0x08, 0x41, 0x02, 0x74,
  0x28, 0x02, 0x00, 0x6a, 0x22, 0x03, 0x20, 0x02, 0x71, 0x45, 0x04, 0x40, 0x20, 0x03, 0x24, 0x00,
  0x20, 0x00, 0x41, 0x01, 0x6a, 0x0f, 0x0b, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x22, 0x00, 0x20, 0x01,
  0x49, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x03, 0x24, 0x00, 0x41, 0x00, 0x0b,
];
const DATA_OFFSET = 1024;

function section(id: number, body: number[]): number[] {
  return [id, ...leb128(body.length), ...body];
}
function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

let scanModule: WebAssembly.Module | undefined;
function gearModule(): WebAssembly.Module {
  scanModule ??= new WebAssembly.Module(
    new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f]), // (i32 i32 i32) -> i32
      ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x01]), // import memory "e"."m"
      ...section(3, [0x01, 0x00]),
      ...section(6, [0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b]), // global mut i32 = 0
      ...section(7, [0x02, 0x01, 0x73, 0x00, 0x00, 0x01, 0x66, 0x03, 0x00]), // export "s", "f"
      ...section(10, [0x01, ...leb128(SCAN_CODE.length), ...SCAN_CODE]),
    ]),
  );
  return scanModule;
}

export class Chunker {
  private readonly min: number;
  private readonly normal: number;
  private readonly max: number;
  private readonly maskS: number;
  private readonly maskL: number;
  /** The chunk in progress, inside the WebAssembly memory (positions = chunk offsets). */
  private readonly buf: Uint8Array;
  private readonly scan: (i: number, end: number, mask: number) => number;
  private readonly fp: WebAssembly.Global;
  private len = 0;
  /** Bytes of buf already scanned (or skipped below min). */
  private scanned = 0;

  constructor(params: ChunkerParams = CHUNKER_V1) {
    const { min, avg, max } = params;
    if (!(Number.isSafeInteger(min) && min >= 1 && min < avg && avg < max && max <= 1 << 30)) {
      throw new FormatError('BAD_ARGUMENT', 'chunker: expected 1 <= min < avg < max <= 1 GiB');
    }
    const { maskS, maskL } = chunkerMasks(avg);
    this.min = min;
    this.normal = avg;
    this.max = max;
    this.maskS = maskS;
    this.maskL = maskL;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((DATA_OFFSET + max) / 65536) });
    const inst = new WebAssembly.Instance(gearModule(), { e: { m: memory } });
    const dv = new DataView(memory.buffer);
    for (let i = 0; i < 256; i++) dv.setUint32(i * 4, GEAR[i] as number, true);
    this.buf = new Uint8Array(memory.buffer, DATA_OFFSET, max);
    this.scan = inst.exports.s as (i: number, end: number, mask: number) => number;
    this.fp = inst.exports.f as WebAssembly.Global;
  }

  /** Bytes held for the chunk in progress. */
  get pending(): number {
    return this.len;
  }

  /** Drops the chunk in progress: the chunker is as new (for reuse). */
  reset(): void {
    this.len = 0;
    this.scanned = 0;
    this.fp.value = 0;
  }

  /**
   * Feeds bytes; yields every chunk they complete: fresh arrays the caller owns, or with
   * `borrow` views into the chunker's buffer, valid only until the generator is resumed (no
   * allocation and copy per chunk: fresh 1 MiB buffers cost page faults, see aead.ts).
   */
  *push(data: Uint8Array, borrow = false): Generator<Uint8Array, void, undefined> {
    let off = 0;
    while (off < data.length) {
      // At most STEP bytes at a time, so the tail moved after a cut stays small.
      const n = Math.min(data.length - off, this.max - this.len, STEP);
      this.buf.set(data.subarray(off, off + n), this.len);
      this.len += n;
      off += n;
      for (let cut = this.findCut(); cut > 0; cut = this.findCut()) {
        if (borrow) yield this.buf.subarray(0, cut);
        const chunk = borrow ? undefined : this.buf.slice(0, cut);
        this.buf.copyWithin(0, cut, this.len);
        this.len -= cut;
        this.scanned = 0;
        this.fp.value = 0;
        if (chunk) yield chunk;
      }
    }
  }

  /**
   * Ends the stream: the last (possibly short) chunk, or undefined when nothing is pending.
   * With `borrow`, a view valid until the next push.
   */
  finish(borrow = false): Uint8Array | undefined {
    if (this.len === 0) return undefined;
    const chunk = borrow ? this.buf.subarray(0, this.len) : this.buf.slice(0, this.len);
    this.len = 0;
    this.scanned = 0;
    this.fp.value = 0;
    return chunk;
  }

  /** Where the current chunk ends (exclusive), or 0 when the data so far does not end it. */
  private findCut(): number {
    const end = this.len;
    let i = Math.max(this.scanned, this.min);
    if (i < this.normal && i < end) {
      const lim = Math.min(end, this.normal);
      const r = this.scan(i, lim, this.maskS);
      if (r) return r;
      i = lim;
    }
    if (i >= this.normal && i < end) {
      const lim = Math.min(end, this.max);
      const r = this.scan(i, lim, this.maskL);
      if (r) return r;
      i = lim;
    }
    if (i >= this.max) return this.max;
    this.scanned = Math.max(i, this.scanned);
    return 0;
  }
}

const STEP = 256 * 1024;

/**
 * The same cut points in plain JavaScript over a whole buffer: the reference the WebAssembly
 * chunker is tested against (and the definition in docs/format.md).
 */
export function referenceChunkLengths(
  data: Uint8Array,
  params: ChunkerParams = CHUNKER_V1,
): number[] {
  const { min, avg, max } = params;
  const { maskS, maskL } = chunkerMasks(avg);
  const out: number[] = [];
  let start = 0;
  while (start < data.length) {
    const n = Math.min(max, data.length - start);
    let len = n;
    let fp = 0;
    for (let i = min; i < n; i++) {
      fp = ((fp << 1) + (GEAR[data[start + i] as number] as number)) | 0;
      if ((fp & (i < avg ? maskS : maskL)) === 0) {
        len = i + 1;
        break;
      }
    }
    out.push(len);
    start += len;
  }
  return out;
}

/**
 * Chunks a stream. Files smaller than `min` are one chunk; an empty stream gives no chunks.
 * With `borrow`, each chunk is a view valid only until the next one is asked for (Chunker.push).
 * A piece of the source is copied in before the next is read, so a source may reuse one buffer.
 */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: ChunkerParams = CHUNKER_V1,
  borrow = false,
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunker = takeChunker(params);
  try {
    for await (const piece of source) yield* chunker.push(piece, borrow);
    const last = chunker.finish(borrow);
    if (last) yield last;
  } finally {
    giveChunker(params, chunker);
  }
}

/**
 * Idle chunkers, by parameters. A chunker owns a WebAssembly memory of `max` bytes (8 MiB):
 * making one per file made a first sync of 10 KiB files spend most of its time in the garbage
 * collector (measured: 2,000 files, GC 10.6 s of a 23 s pass). Two (the scan hashes two files
 * at a time) are kept for reuse.
 */
const idle = new Map<string, Chunker[]>();
const IDLE_CHUNKERS = 2;
const paramsKey = (p: ChunkerParams): string => `${p.min}/${p.avg}/${p.max}`;

function takeChunker(params: ChunkerParams): Chunker {
  return idle.get(paramsKey(params))?.pop() ?? new Chunker(params);
}

function giveChunker(params: ChunkerParams, c: Chunker): void {
  c.reset();
  const key = paramsKey(params);
  const list = idle.get(key) ?? [];
  if (list.length < IDLE_CHUNKERS) list.push(c);
  idle.set(key, list);
}

/** Chunk lengths of an in-memory buffer (same cuts as chunkStream, whatever the read sizes). */
export function chunkLengths(data: Uint8Array, params: ChunkerParams = CHUNKER_V1): number[] {
  const chunker = new Chunker(params);
  const out: number[] = [];
  for (const c of chunker.push(data)) out.push(c.length);
  const last = chunker.finish();
  if (last) out.push(last.length);
  return out;
}
