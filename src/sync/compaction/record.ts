/**
 * Compaction records (docs/format.md §10.3): how a device tells the account's other devices,
 * through CESS alone, which packs it is about to delete ("doomed") and which packs its shares
 * point at ("pins"), so that nobody deduplicates against a pack that is going away and nobody
 * deletes or moves what a share link needs.
 *
 * A record is one small blob in a pack of its own:
 * - the blob is sealed under the metadata key with blob type 3 (tree), not a new type: a
 *   format-v1 reader refuses a whole pack with an unknown type byte, while an unreferenced tree
 *   blob is never read by anyone. Its plaintext is canonical JSON (below), never a tree.
 * - the pack's 16-byte id (inside the encrypted header) starts with the 4 bytes "CSRC", so a
 *   device recognises a record pack from the header it reads anyway, with no extra download.
 *   The other 12 bytes are random. A data pack's random id starts with "CSRC" once in 2^32
 *   packs; such a pack simply fails to decode as a record and stays an ordinary pack.
 *
 * Each device's record with the highest `seq` supersedes its older ones.
 */
import { openBlob, type FormatKeys, type PackInfo, type PackSink } from '../format/index.js';
import { fromHex, utf8 } from '../format/bytes.js';
import {
  badRecord,
  decodeCanonicalRecord,
  hasRecordMarker,
  writeRecordPackOf,
  type RecordPackKind,
  type RecordPackOptions,
} from '../remote/record-pack.js';

export const RECORD_VERSION = 1;
/** "CSRC": first 4 bytes of a record pack's id. */
export const RECORD_PACK_MARKER = new Uint8Array([0x43, 0x53, 0x52, 0x43]);
const KIND: RecordPackKind = {
  marker: RECORD_PACK_MARKER,
  name: 'compaction record',
  tailName: 'record pack id tail',
};

export interface SharePin {
  /** The share's id (32 hex). */
  share: string;
  /** The fid of the pack holding the share manifest. */
  manifest: string;
  /** Every pack the manifest's chunk locations point at (fids, sorted). */
  packs: string[];
}

export interface CompactionRecord {
  v: 1;
  /** The writing device (its manifest's device id). */
  deviceId: string;
  /** Per device, increasing: the highest supersedes the rest. */
  seq: number;
  timeMs: number;
  /** Packs this device will delete once the grace period has passed (fids, sorted). */
  doomed: string[];
  /** Unrevoked shares made on this device, by share id. */
  pins: SharePin[];
  /** Manifest packs of revoked shares, awaiting deletion by this device (fids, sorted). */
  released: string[];
}

const FID = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;

function bad(msg: string): never {
  badRecord(KIND, msg);
}

function fidList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string' && FID.test(x)))
    bad(`${what} must be a list of fids`);
  return v;
}

function sortedUnique(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

/** The record in canonical form (sorted, deduplicated lists), checked. */
function canonical(r: CompactionRecord): CompactionRecord {
  if (r.v !== RECORD_VERSION) bad(`version ${String(r.v)}`);
  if (typeof r.deviceId !== 'string' || r.deviceId.length === 0 || r.deviceId.length > 128)
    bad('deviceId');
  if (!Number.isSafeInteger(r.seq) || r.seq < 1) bad('seq');
  if (!Number.isSafeInteger(r.timeMs) || r.timeMs < 0) bad('timeMs');
  const pins = r.pins
    .map((p) => {
      if (typeof p.share !== 'string' || !HEX32.test(p.share)) bad('pin share id');
      if (typeof p.manifest !== 'string' || !FID.test(p.manifest)) bad('pin manifest');
      return {
        share: p.share,
        manifest: p.manifest,
        packs: sortedUnique(fidList(p.packs, 'pin packs')),
      };
    })
    .sort((a, b) => (a.share < b.share ? -1 : a.share > b.share ? 1 : 0));
  for (let i = 1; i < pins.length; i++)
    if (pins[i]?.share === pins[i - 1]?.share) bad('a share is pinned twice');
  return {
    v: 1,
    deviceId: r.deviceId,
    seq: r.seq,
    timeMs: r.timeMs,
    doomed: sortedUnique(fidList(r.doomed, 'doomed')),
    pins,
    released: sortedUnique(fidList(r.released, 'released')),
  };
}

export function encodeRecord(r: CompactionRecord): Uint8Array {
  const c = canonical(r);
  return utf8.encode(
    JSON.stringify({
      v: c.v,
      deviceId: c.deviceId,
      seq: c.seq,
      timeMs: c.timeMs,
      doomed: c.doomed,
      pins: c.pins.map((p) => ({ share: p.share, manifest: p.manifest, packs: p.packs })),
      released: c.released,
    }),
  );
}

/** Parses a record's plaintext; accepts only the canonical encoding. */
export function decodeRecord(bytes: Uint8Array): CompactionRecord {
  return decodeCanonicalRecord(KIND, bytes, parseRecord, encodeRecord);
}

/** The record a parsed JSON value holds: exactly the record's fields, checked. */
function parseRecord(v: unknown): CompactionRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('expected an object');
  const o = v as Record<string, unknown>;
  const keys = ['v', 'deviceId', 'seq', 'timeMs', 'doomed', 'pins', 'released'];
  if (Object.keys(o).length !== keys.length || !keys.every((k) => k in o)) bad('fields');
  if (!Array.isArray(o.pins)) bad('pins');
  const pins = o.pins.map((p: unknown) => {
    if (typeof p !== 'object' || p === null) bad('pin');
    const q = p as Record<string, unknown>;
    if (Object.keys(q).length !== 3) bad('pin fields');
    return { share: q.share, manifest: q.manifest, packs: q.packs } as SharePin;
  });
  return canonical({
    v: o.v as 1,
    deviceId: o.deviceId as string,
    seq: o.seq as number,
    timeMs: o.timeMs as number,
    doomed: o.doomed as string[],
    pins,
    released: o.released as string[],
  });
}

/** Whether a pack id (hex) marks a record pack. */
export function isRecordPackId(packIdHex: string): boolean {
  return hasRecordMarker(KIND, packIdHex);
}

/** Opens a record blob (type tree, metadata key) read from a record pack. */
export function openRecord(keys: FormatKeys, id: string, sealed: Uint8Array): CompactionRecord {
  return decodeRecord(openBlob(keys.metadata, 'tree', fromHex(id, 32, 'record id'), sealed));
}

/**
 * Writes a record pack to `sink`: one tree-typed blob under the metadata key, pack id
 * "CSRC" + 12 random bytes (or `packIdTail` for test vectors).
 */
export async function writeRecordPack(
  keys: FormatKeys,
  record: CompactionRecord,
  sink: PackSink,
  opts: RecordPackOptions = {},
): Promise<PackInfo & { blobId: string }> {
  return writeRecordPackOf(KIND, keys, keys.metadata, encodeRecord(record), sink, opts);
}

/** Each device's newest record (highest seq; ties: the larger fid, so all devices agree). */
export function latestRecords(
  records: Iterable<{ fid: string; record: CompactionRecord }>,
): Map<string, { fid: string; record: CompactionRecord }> {
  const out = new Map<string, { fid: string; record: CompactionRecord }>();
  for (const r of records) {
    const cur = out.get(r.record.deviceId);
    if (
      !cur ||
      r.record.seq > cur.record.seq ||
      (r.record.seq === cur.record.seq && r.fid > cur.fid)
    )
      out.set(r.record.deviceId, r);
  }
  return out;
}
