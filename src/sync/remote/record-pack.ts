/**
 * Record packs (docs/format.md §10.3, §11): one small canonical-JSON blob of type 3 (tree) in a
 * pack of its own, whose 16-byte id starts with a 4-byte marker naming the kind of record, so a
 * device recognises one from the pack header it reads anyway. The other 12 bytes are random.
 * Compaction records and share records are the two kinds; each module keeps its own JSON
 * layout and sealing key, and shares the pack id, the pack shape and the canonical check here.
 */
import { randomBytes } from 'node:crypto';
import {
  FormatError,
  PACK_TARGET_SIZE,
  PackWriter,
  blobIdBytes,
  type FormatKeys,
  type PackInfo,
  type PackSink,
} from '../format/index.js';
import { toHex, utf8Strict } from '../format/bytes.js';

/** One kind of record pack. */
export interface RecordPackKind {
  /** The first 4 bytes of the pack id. */
  marker: Uint8Array;
  /** What errors call a record of this kind ("compaction record"). */
  name: string;
  /** What errors call the pack id tail ("record pack id tail"). */
  tailName: string;
}

/** Test vectors fix the pack id tail and the nonces. */
export interface RecordPackOptions {
  packIdTail?: Uint8Array;
  nonce?: () => Uint8Array;
}

/** Throws the format error for a record of `kind` that does not decode. */
export function badRecord(kind: RecordPackKind, msg: string): never {
  throw new FormatError('BAD_ENCODING', `${kind.name}: ${msg}`);
}

/** Whether a pack id (hex) starts with the kind's marker. */
export function hasRecordMarker(kind: RecordPackKind, packIdHex: string): boolean {
  return packIdHex.startsWith(toHex(kind.marker));
}

/** Whether an indexed pack is shaped like a record pack of `kind` (marker, one tree blob). */
export function looksLikeRecordPack(
  kind: RecordPackKind,
  p: { packId: string; entries: readonly { type: string }[] },
): boolean {
  return hasRecordMarker(kind, p.packId) && p.entries.length === 1 && p.entries[0]?.type === 'tree';
}

/**
 * Decodes a record's plaintext: UTF-8 JSON, checked by `parse`, accepted only when `encode`
 * gives back the very same bytes (the canonical encoding).
 */
export function decodeCanonicalRecord<T>(
  kind: RecordPackKind,
  bytes: Uint8Array,
  parse: (json: unknown) => T,
  encode: (record: T) => Uint8Array,
): T {
  let v: unknown;
  try {
    v = JSON.parse(utf8Strict.decode(bytes));
  } catch {
    badRecord(kind, 'not UTF-8 JSON');
  }
  const r = parse(v);
  const again = encode(r);
  if (again.length !== bytes.length || Buffer.compare(again, bytes) !== 0)
    badRecord(kind, 'not in canonical form');
  return r;
}

/**
 * Writes a record pack to `sink`: the plaintext as one tree-typed blob sealed under `key`, pack
 * id marker + 12 random bytes (or `packIdTail` for test vectors).
 */
export async function writeRecordPackOf(
  kind: RecordPackKind,
  keys: FormatKeys,
  key: Uint8Array,
  plaintext: Uint8Array,
  sink: PackSink,
  opts: RecordPackOptions = {},
): Promise<PackInfo & { blobId: string }> {
  const tail = opts.packIdTail ?? new Uint8Array(randomBytes(12));
  if (tail.length !== 12) throw new FormatError('BAD_ARGUMENT', `${kind.tailName}: 12 bytes`);
  const packId = new Uint8Array(16);
  packId.set(kind.marker, 0);
  packId.set(tail, 4);
  const w = new PackWriter(keys, sink, {
    target: PACK_TARGET_SIZE,
    packId,
    ...(opts.nonce ? { nonce: opts.nonce } : {}),
  });
  const idBytes = blobIdBytes(keys, 'tree', plaintext);
  await w.add('tree', idBytes, key, plaintext);
  const info = await w.finish();
  return { ...info, blobId: toHex(idBytes) };
}
