/**
 * Packs (docs/format.md "Pack"): one pack is one CESS object.
 *
 *   "CSPK" | version u8 = 1 | blob_1 | ... | blob_n | encrypted header | u32le(len(encrypted header)) | "CSPK"
 *
 * Each blob is nonce || ciphertext || tag (aead.ts). The header is sealed with the metadata key
 * (AD "CSPK" || 0x01 || 0x7f) over
 *
 *   packId[16] | count u32le | count x ( type u8 | length u32le | id[32] )
 *
 * Offsets are not stored: blob i starts where blob i-1 ends (the first at 5), and the lengths
 * must add up exactly to the space between prefix and header, so a header cannot point outside
 * its pack or at overlapping ranges. The pack's on-chain name is derived from packId
 * (ids.ts packName), and a reader that knows the name checks it against the header.
 */
import type { Writable } from 'node:stream';
import { open as openFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

import {
  HEADER_AD,
  blobAssociatedData,
  open,
  randomNonce,
  sealParts,
  sealPieces,
  type NonceSource,
} from './aead.js';
import { checkKey, fromHex, toHex } from './bytes.js';
import {
  BLOB_OVERHEAD,
  BlobType,
  CESS_SEGMENT_SIZE,
  FORMAT_VERSION,
  ID_LENGTH,
  MAX_BLOB_PLAINTEXT,
  PACK_ID_LENGTH,
  PACK_MAGIC,
  PACK_PREFIX_LENGTH,
  PACK_TRAILER_LENGTH,
  BLOB_TYPE_NAMES,
  blobTypeFromByte,
  type BlobTypeName,
} from './constants.js';
import { FormatError } from './errors.js';
import { IdTable } from './id-table.js';
import { packName, type BlobId } from './ids.js';
import type { FormatKeys } from './keys.js';

const HEADER_FIXED = PACK_ID_LENGTH + 4;
const HEADER_ENTRY = 1 + 4 + ID_LENGTH;
/**
 * A bound on blob indexes far above what a pack holds (each blob takes at least 28 bytes of
 * body and 37 of header): a header claiming more is refused.
 */
const MAX_PACK_BLOBS = 1 << 23;

function readU32(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) +
    (b[o + 3] as number) * 2 ** 24
  );
}

/** Pack size v1 aims at: one CESS segment. Finishing at or below it locks 96 MiB, not 192. */
export const PACK_TARGET_SIZE = CESS_SEGMENT_SIZE;

export interface PackEntry {
  readonly type: BlobTypeName;
  readonly id: BlobId;
  /** Byte offset of the encrypted blob in the pack. */
  readonly offset: number;
  /** Encrypted length (nonce + ciphertext + tag). */
  readonly length: number;
  /** Plaintext length (length - 28 in v1: no compression). */
  readonly plaintextLength: number;
}

export interface PackInfo {
  /** 16 random bytes as hex; only inside the encrypted header. */
  readonly packId: string;
  /** The opaque on-chain object name ("cs" + 32 hex). */
  readonly name: string;
  readonly size: number;
  readonly entries: readonly PackEntry[];
}

/** Where a PackWriter's bytes go, in order. write may be async (backpressure). */
export interface PackSink {
  write(bytes: Uint8Array): Promise<void> | void;
  /**
   * Optional: takes over a blob's encryption, e.g. on a worker thread (src/sync/packfile). Must
   * put exactly sealPieces(key, ad, plaintext, nonce) in order with the writes, and be done
   * reading `plaintext` when the returned promise settles (the caller may then reuse it).
   */
  seal?(
    key: Uint8Array,
    ad: Uint8Array,
    plaintext: Uint8Array,
    nonce: Uint8Array,
  ): Promise<void> | void;
}

/** A sink over a Node Writable, honouring backpressure. The caller ends the stream. */
export function writableSink(stream: Writable): PackSink {
  return {
    write(bytes) {
      if (stream.write(bytes)) return;
      return new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          stream.off('error', onError);
          resolve();
        };
        const onError = (err: Error): void => {
          stream.off('drain', onDrain);
          reject(err);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    },
  };
}

/** A sink collecting everything in memory (tests, small packs). */
export class MemorySink implements PackSink {
  private readonly parts: Uint8Array[] = [];
  private n = 0;
  write(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.n += bytes.length;
  }
  get size(): number {
    return this.n;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts, this.n));
  }
}

/** Encrypted size of a pack header with `count` entries. */
export function headerSealedLength(count: number): number {
  return HEADER_FIXED + HEADER_ENTRY * count + BLOB_OVERHEAD;
}

export interface PackWriterOptions {
  /** Size to stay within (default 32 MiB: one CESS segment). */
  target?: number;
  nonce?: NonceSource;
  /** Fixed pack id (test vectors); random otherwise. */
  packId?: Uint8Array;
}

/**
 * Streams blobs into one pack. Blobs are encrypted and written as they are added; only the
 * header entries stay in memory. Await each call before the next.
 */
export class PackWriter {
  private readonly keys: FormatKeys;
  private readonly sink: PackSink;
  private readonly nonce: NonceSource;
  private readonly packIdBytes: Uint8Array;
  readonly target: number;
  private readonly list: PackEntry[] = [];
  private readonly ids = new Set<string>();
  private written = 0;
  private state: 'idle' | 'busy' | 'done' = 'idle';

  constructor(keys: FormatKeys, sink: PackSink, options: PackWriterOptions = {}) {
    this.keys = keys;
    this.sink = sink;
    this.nonce = options.nonce ?? randomNonce;
    this.target = options.target ?? PACK_TARGET_SIZE;
    this.packIdBytes = options.packId
      ? new Uint8Array(options.packId)
      : new Uint8Array(randomBytes(PACK_ID_LENGTH));
    if (this.packIdBytes.length !== PACK_ID_LENGTH)
      throw new FormatError('BAD_ARGUMENT', 'pack id: expected 16 bytes');
  }

  get count(): number {
    return this.list.length;
  }

  get entries(): readonly PackEntry[] {
    return this.list;
  }

  /** The pack's size if it were finished now. */
  get projectedSize(): number {
    return (
      Math.max(this.written, PACK_PREFIX_LENGTH) +
      headerSealedLength(this.list.length) +
      PACK_TRAILER_LENGTH
    );
  }

  /** Whether a blob of this plaintext length still fits the target (always true when empty). */
  fits(plaintextLength: number): boolean {
    if (this.list.length === 0) return true;
    return this.projectedSize + HEADER_ENTRY + plaintextLength + BLOB_OVERHEAD <= this.target;
  }

  has(type: BlobTypeName, id: BlobId): boolean {
    return this.ids.has(`${type}:${id}`);
  }

  /** Encrypts and appends one blob (key: chunk key, K_f or the metadata key). */
  async add(
    type: BlobTypeName,
    id: BlobId | Uint8Array,
    key: Uint8Array,
    plaintext: Uint8Array,
  ): Promise<PackEntry> {
    checkKey(key, `${type} key`);
    if (plaintext.length > MAX_BLOB_PLAINTEXT)
      throw new FormatError('BAD_ARGUMENT', `${type} blob: plaintext too large`);
    const idBytes = typeof id === 'string' ? fromHex(id, ID_LENGTH, 'blob id') : id;
    const ad = blobAssociatedData(type, idBytes);
    const nonce = this.nonce();
    const sink = this.sink;
    if (sink.seal) {
      const length = plaintext.length + BLOB_OVERHEAD;
      return this.append(type, idBytes, async () => {
        await sink.seal?.(key, ad, plaintext, nonce);
        this.written += length;
        return length;
      });
    }
    return this.append(type, idBytes, sealPieces(key, ad, plaintext, nonce));
  }

  /** Appends an already encrypted blob (repacking copies ciphertext without the key). */
  async addSealed(type: BlobTypeName, id: BlobId, sealed: Uint8Array): Promise<PackEntry> {
    if (sealed.length < BLOB_OVERHEAD || sealed.length > MAX_BLOB_PLAINTEXT + BLOB_OVERHEAD) {
      throw new FormatError('BAD_ARGUMENT', `${type} blob: sealed length out of range`);
    }
    return this.append(type, fromHex(id, ID_LENGTH, 'blob id'), [sealed]);
  }

  /** `parts`: the sealed blob's bytes, or a function writing them and returning their length. */
  private async append(
    type: BlobTypeName,
    idBytes: Uint8Array,
    parts: Uint8Array[] | (() => Promise<number>),
  ): Promise<PackEntry> {
    const id = toHex(idBytes);
    if (this.ids.has(`${type}:${id}`))
      throw new FormatError('BAD_ARGUMENT', `${type} blob ${id} already in this pack`);
    this.enter();
    try {
      if (this.written === 0) await this.out(new Uint8Array([...PACK_MAGIC, FORMAT_VERSION]));
      const offset = this.written;
      let length = 0;
      if (typeof parts === 'function') length = await parts();
      else {
        for (const p of parts) {
          await this.out(p);
          length += p.length;
        }
      }
      const entry: PackEntry = {
        type,
        id,
        offset,
        length,
        plaintextLength: length - BLOB_OVERHEAD,
      };
      this.list.push(entry);
      this.ids.add(`${type}:${id}`);
      return entry;
    } finally {
      this.state = 'idle';
    }
  }

  /** Writes header and trailer. The sink then holds the complete pack. */
  async finish(): Promise<PackInfo> {
    this.enter();
    try {
      if (this.written === 0) await this.out(new Uint8Array([...PACK_MAGIC, FORMAT_VERSION]));
      const header = new Uint8Array(HEADER_FIXED + HEADER_ENTRY * this.list.length);
      const dv = new DataView(header.buffer);
      header.set(this.packIdBytes, 0);
      dv.setUint32(PACK_ID_LENGTH, this.list.length, true);
      let o = HEADER_FIXED;
      for (const e of this.list) {
        header[o] = BlobType[e.type];
        dv.setUint32(o + 1, e.length, true);
        header.set(fromHex(e.id, ID_LENGTH, 'blob id'), o + 5);
        o += HEADER_ENTRY;
      }
      const parts = sealParts(this.keys.metadata, HEADER_AD, header, this.nonce());
      let sealedLen = 0;
      for (const p of parts) {
        await this.out(p);
        sealedLen += p.length;
      }
      const trailer = new Uint8Array(PACK_TRAILER_LENGTH);
      new DataView(trailer.buffer).setUint32(0, sealedLen, true);
      trailer.set(PACK_MAGIC, 4);
      await this.out(trailer);
      this.state = 'done';
      return {
        packId: toHex(this.packIdBytes),
        name: packName(this.keys, this.packIdBytes),
        size: this.written,
        entries: this.list,
      };
    } finally {
      if (this.state === 'busy') this.state = 'idle';
    }
  }

  private enter(): void {
    if (this.state === 'done') throw new FormatError('BAD_ARGUMENT', 'pack already finished');
    if (this.state === 'busy')
      throw new FormatError('BAD_ARGUMENT', 'pack writer: await the previous call first');
    this.state = 'busy';
  }

  private async out(bytes: Uint8Array): Promise<void> {
    await this.sink.write(bytes);
    this.written += bytes.length;
  }
}

/** Random access to a stored pack (a file, a buffer, HTTP Range requests to a gateway). */
export interface RandomAccessSource {
  readonly size: number;
  /** Must return exactly `length` bytes; fewer is treated as truncation. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bufferSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: (offset, length) =>
      Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
  };
}

/** Opens a file as a source; close() releases the handle. */
export async function fileSource(
  path: string,
): Promise<RandomAccessSource & { close(): Promise<void> }> {
  const fh = await openFile(path, 'r');
  const { size } = await fh.stat();
  return {
    size,
    async read(offset, length) {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    },
    close: () => fh.close(),
  };
}

async function readExact(
  src: RandomAccessSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > src.size) {
    throw new FormatError(
      'TRUNCATED',
      `${what}: range ${offset}+${length} outside ${src.size} bytes`,
    );
  }
  const b = await src.read(offset, length);
  if (b.length !== length)
    throw new FormatError('TRUNCATED', `${what}: read ${b.length} of ${length} bytes`);
  return b;
}

function isMagic(b: Uint8Array, at: number): boolean {
  return b[at] === 0x43 && b[at + 1] === 0x53 && b[at + 2] === 0x50 && b[at + 3] === 0x4b;
}

export interface PackReaderOptions {
  /** The object's on-chain name: checked against the header (NAME_MISMATCH). */
  expectedName?: string;
  /** Bytes read from the end in the first request (default 64 KiB). */
  tailRead?: number;
}

/** Reads a pack: trailer and header on open, then single blobs by range. */
export class PackReader {
  readonly packId: string;
  readonly name: string;
  readonly size: number;
  /** Blobs in the pack. */
  readonly count: number;
  private readonly source: RandomAccessSource;
  // The decrypted header and each blob's offset: a repository keeps a reader per pack for as
  // long as it runs, so no object or string per blob (IdTable reads ids from here).
  private readonly header: Uint8Array;
  private readonly offsets: Float64Array;

  private constructor(
    source: RandomAccessSource,
    name: string,
    header: Uint8Array,
    offsets: Float64Array,
  ) {
    this.source = source;
    this.size = source.size;
    this.header = header;
    this.packId = toHex(header.subarray(0, PACK_ID_LENGTH));
    this.name = name;
    this.offsets = offsets;
    this.count = offsets.length;
  }

  /** The blobs in header order, as new objects on each call (compaction, tests). */
  get entries(): readonly PackEntry[] {
    return Array.from({ length: this.count }, (_, i) => this.entryAt(i));
  }

  entryAt(i: number): PackEntry {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new RangeError(`pack ${this.name}: no blob ${i}`);
    const o = HEADER_FIXED + i * HEADER_ENTRY;
    const length = readU32(this.header, o + 1);
    return {
      type: this.typeAt(i),
      id: toHex(this.idAt(i)),
      offset: this.offsets[i] as number,
      length,
      plaintextLength: length - BLOB_OVERHEAD,
    };
  }

  typeAt(i: number): BlobTypeName {
    return blobTypeFromByte(this.header[HEADER_FIXED + i * HEADER_ENTRY] as number) as BlobTypeName;
  }

  /** Blob i's id: a view into the header, valid as long as the reader. */
  idAt(i: number): Uint8Array {
    const o = HEADER_FIXED + i * HEADER_ENTRY + 5;
    return this.header.subarray(o, o + ID_LENGTH);
  }

  /**
   * Verifies prefix, trailer and header. The header comes with one read from the end (two when
   * it is larger than tailRead); the 5-byte prefix is read alongside.
   */
  static async open(
    keys: FormatKeys,
    source: RandomAccessSource,
    options: PackReaderOptions = {},
  ): Promise<PackReader> {
    const size = source.size;
    const minSize = PACK_PREFIX_LENGTH + headerSealedLength(0) + PACK_TRAILER_LENGTH;
    if (!Number.isSafeInteger(size) || size < minSize) {
      throw new FormatError(
        'TRUNCATED',
        `pack: ${size} bytes, smaller than an empty pack (${minSize})`,
      );
    }
    const tailLen = Math.min(
      size,
      Math.max(options.tailRead ?? 64 * 1024, PACK_TRAILER_LENGTH + headerSealedLength(0)),
    );
    const [prefix, tail] =
      tailLen === size
        ? await readExact(source, 0, size, 'pack').then(
            (all) => [all.subarray(0, PACK_PREFIX_LENGTH), all] as const,
          )
        : await Promise.all([
            readExact(source, 0, PACK_PREFIX_LENGTH, 'pack prefix'),
            readExact(source, size - tailLen, tailLen, 'pack tail'),
          ]);
    if (!isMagic(prefix, 0)) throw new FormatError('BAD_MAGIC', 'pack: does not start with "CSPK"');
    if (prefix[4] !== FORMAT_VERSION)
      throw new FormatError('BAD_VERSION', `pack: format version ${prefix[4]}`);
    if (!isMagic(tail, tail.length - 4)) {
      throw new FormatError('TRUNCATED', 'pack: no "CSPK" trailer (truncated or not a pack)');
    }
    const headerLen = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(
      tail.length - PACK_TRAILER_LENGTH,
      true,
    );
    const headerStart = size - PACK_TRAILER_LENGTH - headerLen;
    if (headerLen < headerSealedLength(0) || headerStart < PACK_PREFIX_LENGTH) {
      throw new FormatError(
        'TRUNCATED',
        `pack: header length ${headerLen} does not fit ${size} bytes`,
      );
    }
    const sealed =
      headerLen + PACK_TRAILER_LENGTH <= tail.length
        ? tail.subarray(
            tail.length - PACK_TRAILER_LENGTH - headerLen,
            tail.length - PACK_TRAILER_LENGTH,
          )
        : await readExact(source, headerStart, headerLen, 'pack header');
    const opened = open(keys.metadata, HEADER_AD, sealed, 'pack header');
    // Kept for the reader's life: its own buffer, not a view that pins a larger one.
    const header = opened.byteLength === opened.buffer.byteLength ? opened : opened.slice();
    if ((header.length - HEADER_FIXED) % HEADER_ENTRY !== 0 || header.length < HEADER_FIXED) {
      throw new FormatError('BAD_ENCODING', 'pack header: bad length');
    }
    const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const packId = header.slice(0, PACK_ID_LENGTH);
    const count = dv.getUint32(PACK_ID_LENGTH, true);
    if (HEADER_FIXED + count * HEADER_ENTRY !== header.length)
      throw new FormatError('BAD_ENCODING', 'pack header: count');
    if (count >= MAX_PACK_BLOBS)
      throw new FormatError('BAD_ENCODING', `pack header: ${count} blobs, more than a pack holds`);
    const offsets = new Float64Array(count);
    const seen = BLOB_TYPE_NAMES.map(
      () =>
        new IdTable((i) => {
          const o = HEADER_FIXED + i * HEADER_ENTRY + 5;
          return header.subarray(o, o + ID_LENGTH);
        }),
    );
    let offset = PACK_PREFIX_LENGTH;
    for (let i = 0, o = HEADER_FIXED; i < count; i++, o += HEADER_ENTRY) {
      const typeByte = header[o] as number;
      const length = dv.getUint32(o + 1, true);
      if (!blobTypeFromByte(typeByte))
        throw new FormatError('BAD_ENCODING', `pack header: unknown blob type ${typeByte}`);
      if (length < BLOB_OVERHEAD || length > MAX_BLOB_PLAINTEXT + BLOB_OVERHEAD) {
        throw new FormatError('BAD_ENCODING', 'pack header: blob length out of range');
      }
      const id = header.subarray(o + 5, o + 5 + ID_LENGTH);
      const table = seen[typeByte - 1] as IdTable;
      if (table.get(id) !== undefined)
        throw new FormatError('BAD_ENCODING', 'pack header: duplicate blob');
      table.set(id, i);
      offsets[i] = offset;
      offset += length;
    }
    if (offset !== headerStart) {
      throw new FormatError(
        offset > headerStart ? 'TRUNCATED' : 'BAD_ENCODING',
        'pack: blobs do not fill the space before the header',
      );
    }
    const name = packName(keys, packId);
    if (options.expectedName !== undefined && options.expectedName !== name) {
      throw new FormatError(
        'NAME_MISMATCH',
        `pack: header belongs to ${name}, not ${options.expectedName}`,
      );
    }
    return new PackReader(source, name, header, offsets);
  }

  /** A blob by type and id (a scan of the header: for tests and one-off reads). */
  find(type: BlobTypeName, id: BlobId): PackEntry | undefined {
    const want = fromHex(id, ID_LENGTH, 'blob id');
    for (let i = 0; i < this.count; i++) {
      if (this.typeAt(i) === type && Buffer.compare(this.idAt(i), want) === 0)
        return this.entryAt(i);
    }
    return undefined;
  }

  /** The encrypted bytes of one blob (what a share recipient or a repack needs). */
  readSealed(entry: PackEntry): Promise<Uint8Array> {
    return readExact(this.source, entry.offset, entry.length, `${entry.type} blob`);
  }

  /** Reads and decrypts one blob; AUTH_FAILED on any tampering. */
  async readBlob(entry: PackEntry, key: Uint8Array): Promise<Uint8Array> {
    const sealed = await this.readSealed(entry);
    return open(
      key,
      blobAssociatedData(entry.type, fromHex(entry.id, ID_LENGTH, 'blob id')),
      sealed,
      `${entry.type} blob ${entry.id}`,
    );
  }

  async readBlobById(type: BlobTypeName, id: BlobId, key: Uint8Array): Promise<Uint8Array> {
    const e = this.find(type, id);
    if (!e) throw new FormatError('NOT_FOUND', `pack ${this.name}: no ${type} blob ${id}`);
    return this.readBlob(e, key);
  }
}
