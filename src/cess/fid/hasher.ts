/**
 * Segments, fragments and file ids exactly as the CESS Go gateways compute them.
 *
 * Sources (see README.md for the line-by-line reading):
 * - CD²N: CESSProject/CD2N retriever/gateway/gateway.go `(*Gateway).ProcessFile`, with
 *   CESSProject/go-sdk libs/utils `FillZeroData`, `ReedSolomonWithHandle`.
 * - DeOSS: node/put_file.go -> CESSProject/cess-go-sdk core/process/process.go
 *   `FullProcessing` = `FillAndCut` + `Redundancy`, core/erasure `ReedSolomon`,
 *   core/hashtree `BuildSimpleMerkelRootHash` / `BuildMerkelRootHash`.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ReedSolomon } from './reedsolomon.js';

/** Gateways cut uploads into 32 MiB segments; the last one is zero-padded to full size. */
export const SEGMENT_SIZE = 32 * 1024 * 1024;
/** Each segment is split into 4 data fragments of 8 MiB and gets 8 parity fragments. */
export const DATA_SHARDS = 4;
export const PARITY_SHARDS = 8;
export const FRAGMENT_COUNT = DATA_SHARDS + PARITY_SHARDS;
export const FRAGMENT_SIZE = SEGMENT_SIZE / DATA_SHARDS;
/** SHA-256 of an all-zero 8 MiB fragment (CD2N `EMPTY_FRAGMENT_HASH`, cess-go-sdk `ZeroFileHash_8M`). */
export const ZERO_FRAGMENT_HASH =
  '2daeb1f36095b44b318410b3f4e8b5d989dcc7bb023d1426c492dab0a3053e74';

/** One segment as declared on chain: lower-case hex SHA-256 of the padded 32 MiB segment and of
 * its 12 fragments (4 data, then 8 parity), or no fragments if they were not asked for. */
export interface SegmentInfo {
  hash: string;
  fragments: string[];
}

export interface FileHashes {
  /** Bytes fed in (before padding). */
  size: number;
  segments: SegmentInfo[];
}

export interface HashOptions {
  /** Also compute the 12 fragment hashes per segment (Reed-Solomon parity: 10-15x slower, and
   * 64 MiB of parity buffers). Default false: `fragments` is []. */
  fragments?: boolean;
}

export interface StreamHashOptions extends HashOptions {
  signal?: AbortSignal;
}

const STAGE_SIZE = 1024 * 1024; // divides FRAGMENT_SIZE, a multiple of 4
const ZEROS = new Uint8Array(1024 * 1024);

let sharedRs: ReedSolomon | undefined;
function rs(): ReedSolomon {
  return (sharedRs ??= new ReedSolomon(DATA_SHARDS, PARITY_SHARDS));
}

function updateZeros(h: Hash, n: number): void {
  while (n > 0) {
    const k = Math.min(n, ZEROS.length);
    h.update(ZEROS.subarray(0, k));
    n -= k;
  }
}

/** Buffers for the fragments of the current segment, allocated once per hasher. */
class FragmentState {
  readonly parity = new Uint8Array(PARITY_SHARDS * FRAGMENT_SIZE);
  readonly parityWords: Int32Array[] = [];
  readonly stage = new Uint8Array(STAGE_SIZE);
  readonly stageWords = new Int32Array(this.stage.buffer);
  /** Hashes of the finished data fragments of the current segment. */
  dataHashes: string[] = [];
  /** Hash of the data fragment being filled. */
  hash: Hash = createHash('sha256');
  /** Bytes staged, and where in the current data fragment the stage starts. */
  stageFill = 0;
  stageBase = 0;

  constructor() {
    for (let i = 0; i < PARITY_SHARDS; i++) {
      this.parityWords.push(
        new Int32Array(this.parity.buffer, i * FRAGMENT_SIZE, FRAGMENT_SIZE / 4),
      );
    }
  }

  startSegment(): void {
    this.dataHashes = [];
    this.hash = createHash('sha256');
    this.stageFill = 0;
    this.stageBase = 0;
  }

  /** Feeds bytes that start at byte `pos` of the current segment. */
  feed(piece: Uint8Array, pos: number): void {
    let off = 0;
    while (off < piece.length) {
      const inFrag = pos % FRAGMENT_SIZE;
      const n = Math.min(piece.length - off, FRAGMENT_SIZE - inFrag, STAGE_SIZE - this.stageFill);
      const part = piece.subarray(off, off + n);
      this.hash.update(part);
      this.stage.set(part, this.stageFill);
      this.stageFill += n;
      off += n;
      pos += n;
      // STAGE_SIZE divides FRAGMENT_SIZE: a full stage never spans two data fragments.
      if (this.stageFill === STAGE_SIZE) this.flushStage();
      if (pos % FRAGMENT_SIZE === 0) {
        this.dataHashes.push(this.hash.digest('hex'));
        this.hash = createHash('sha256');
        this.stageBase = 0;
      }
    }
  }

  /** Runs the staged bytes of the current data fragment through the parity kernel. */
  private flushStage(): void {
    const j = this.dataHashes.length;
    const words = Math.ceil(this.stageFill / 4);
    // A partial last word is completed with zeros, which is what the padding is.
    this.stage.fill(0, this.stageFill, words * 4);
    const w0 = this.stageBase / 4;
    const parity = this.parityWords.map((p) => p.subarray(w0, w0 + words));
    rs().accumulate(j, this.stageWords.subarray(0, words), parity, j === 0);
    this.stageBase += this.stageFill;
    this.stageFill = 0;
  }

  /** The 12 fragment hashes of a segment that ended after `segBytes` bytes (then zeros). */
  finishSegment(segBytes: number): string[] {
    if (segBytes < SEGMENT_SIZE) {
      // The current data fragment is partial: flush what is staged, pad its hash with zeros.
      const j = this.dataHashes.length;
      if (this.stageFill > 0) this.flushStage();
      if (j === 0) {
        // Data fragment 0 assigns the parity words; past its end the parity is zero.
        const w = Math.ceil(this.stageBase / 4);
        for (const p of this.parityWords) p.fill(0, w);
      }
      updateZeros(this.hash, FRAGMENT_SIZE - (segBytes % FRAGMENT_SIZE));
      this.dataHashes.push(this.hash.digest('hex'));
      // Data fragments past the end are all zeros and add nothing to the parity.
      while (this.dataHashes.length < DATA_SHARDS) this.dataHashes.push(ZERO_FRAGMENT_HASH);
    }
    const parityHashes: string[] = [];
    for (let i = 0; i < PARITY_SHARDS; i++) {
      const p = this.parity.subarray(i * FRAGMENT_SIZE, (i + 1) * FRAGMENT_SIZE);
      parityHashes.push(createHash('sha256').update(p).digest('hex'));
    }
    return [...this.dataHashes, ...parityHashes];
  }
}

/**
 * Incremental segment/fragment hasher. Feed the file's bytes in order with `update` (any chunk
 * sizes), then call `finish` once. Memory: constant without fragments; with fragments, the 8
 * parity fragments of the current segment (64 MiB, allocated on first use) plus a 1 MiB
 * staging buffer. Parity is accumulated as the data arrives, so the CPU work is spread evenly
 * over `update` calls; only the 8 parity hashes are computed at the end of each segment.
 */
export class SegmentHasher {
  private readonly withFragments: boolean;
  private readonly segments: SegmentInfo[] = [];
  private size = 0;
  private finished = false;
  /** Hash of the current segment, null between segments. */
  private segHash: Hash | null = null;
  private segPos = 0;
  private frag: FragmentState | null = null;

  constructor(opts: HashOptions = {}) {
    this.withFragments = opts.fragments ?? false;
  }

  update(chunk: Uint8Array): void {
    if (this.finished) throw new Error('SegmentHasher: update after finish');
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError('SegmentHasher: chunk must be a Uint8Array');
    }
    let off = 0;
    while (off < chunk.length) {
      const segHash = this.segHash ?? this.startSegment();
      const n = Math.min(chunk.length - off, SEGMENT_SIZE - this.segPos);
      const piece = chunk.subarray(off, off + n);
      segHash.update(piece);
      this.frag?.feed(piece, this.segPos);
      this.segPos += n;
      this.size += n;
      off += n;
      if (this.segPos === SEGMENT_SIZE) this.closeSegment(segHash);
    }
  }

  finish(): FileHashes {
    if (this.finished) throw new Error('SegmentHasher: finish called twice');
    if (this.segHash) this.closeSegment(this.segHash);
    this.finished = true;
    this.frag = null; // release the 65 MiB of buffers
    return { size: this.size, segments: this.segments };
  }

  private startSegment(): Hash {
    this.segHash = createHash('sha256');
    this.segPos = 0;
    if (this.withFragments) {
      this.frag ??= new FragmentState();
      this.frag.startSegment();
    }
    return this.segHash;
  }

  private closeSegment(segHash: Hash): void {
    updateZeros(segHash, SEGMENT_SIZE - this.segPos);
    const hash = segHash.digest('hex');
    const fragments = this.frag ? this.frag.finishSegment(this.segPos) : [];
    this.segments.push({ hash, fragments });
    this.segHash = null;
    this.segPos = 0;
  }
}

function segmentDigests(segmentHashes: readonly string[]): Buffer[] {
  return segmentHashes.map((h, i) => {
    if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new TypeError(`segment hash ${i} is not 64 hex digits`);
    return Buffer.from(h, 'hex');
  });
}

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/**
 * CD²N fid: lower-case hex SHA-256 over the concatenated 32-byte segment digests (raw bytes,
 * hex-decoded; not the hex text). No segments (an empty upload) gives SHA-256 of nothing,
 * as ProcessFile does, though such an upload has nothing to declare on chain.
 */
export function cd2nFid(segmentHashes: readonly string[]): string {
  const h = createHash('sha256');
  for (const d of segmentDigests(segmentHashes)) h.update(d);
  return h.digest('hex');
}

/**
 * DeOSS fid: one segment -> SHA-256(d || d) with d its raw digest; more -> a Merkle root over
 * the raw digests: hash neighbours pairwise (d0||d1, d2||d3, ...), an odd last digest with
 * itself, repeat until one digest is left (which is not hashed again). DeOSS refuses empty
 * files, so no segments throws.
 */
export function deossFid(segmentHashes: readonly string[]): string {
  let level = segmentDigests(segmentHashes);
  const [first] = level;
  if (!first) throw new RangeError('deossFid: DeOSS has no fid for an empty file');
  if (level.length === 1) return sha256(Buffer.concat([first, first])).toString('hex');
  while (level.length > 1) {
    const next: Buffer[] = [];
    level.forEach((a, i) => {
      if (i % 2 === 0) next.push(sha256(Buffer.concat([a, level[i + 1] ?? a])));
    });
    level = next;
  }
  return (level[0] ?? first).toString('hex');
}

/** Hashes bytes already in memory. */
export function hashBytes(data: Uint8Array, opts: HashOptions = {}): FileHashes {
  const h = new SegmentHasher(opts);
  h.update(data);
  return h.finish();
}

/** Hashes a stream of byte chunks (e.g. a Node Readable without encoding, or a web stream). */
export async function hashStream(
  src: AsyncIterable<Uint8Array>,
  opts: StreamHashOptions = {},
): Promise<FileHashes> {
  const h = new SegmentHasher(opts);
  for await (const chunk of src) {
    opts.signal?.throwIfAborted();
    h.update(chunk);
  }
  opts.signal?.throwIfAborted();
  return h.finish();
}

const READ_SIZE = 4 * 1024 * 1024;

/** Hashes a file, reading it in 4 MiB blocks (memory as for SegmentHasher, plus one block). */
export async function hashFile(path: string, opts: StreamHashOptions = {}): Promise<FileHashes> {
  const h = new SegmentHasher(opts);
  const buf = new Uint8Array(READ_SIZE);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.finish();
}
