/**
 * Share records (docs/format.md §11): the owner's list of shares, kept on CESS so that every
 * device of the account lists, and can revoke, a share made on any of them.
 *
 * A record is one small blob in a pack of its own, like a compaction record (§10.3):
 * - the pack's 16-byte id (inside the encrypted header) starts with "CSSH"; the other 12 bytes
 *   are random, so the on-chain name (an HMAC of the pack id) says nothing;
 * - the blob has type 3 (tree), so a format-v1 reader of an older build indexes the pack and
 *   never reads it; it is sealed under its own key, HKDF(master, "cess-sync/v1",
 *   "share-records"), not the metadata key, so it can never be opened as a tree or a
 *   compaction record;
 * - its plaintext is canonical JSON: the writing device's whole merged list (share-merge.ts).
 * Each device publishes a new record when it knows something the records on CESS do not say,
 * and deletes its own older records once the newest is stored.
 */
import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import { shareInfoSchema, type ShareInfo } from '../api/schema.js';
import {
  KDF_SALT,
  openBlob,
  type FormatKeys,
  type PackInfo,
  type PackSink,
} from '../format/index.js';
import { fromHex, utf8 } from '../format/bytes.js';
import {
  badRecord,
  decodeCanonicalRecord,
  hasRecordMarker,
  looksLikeRecordPack,
  writeRecordPackOf,
  type RecordPackKind,
  type RecordPackOptions,
} from '../remote/record-pack.js';
import type { AccountShare } from './share-merge.js';

export const SHARE_RECORD_VERSION = 1;
/** "CSSH": first 4 bytes of a share record pack's id. */
export const SHARE_RECORD_MARKER = new Uint8Array([0x43, 0x53, 0x53, 0x48]);
const KIND: RecordPackKind = {
  marker: SHARE_RECORD_MARKER,
  name: 'share record',
  tailName: 'share record pack id tail',
};
/** HKDF info of the share records' key. */
export const SHARE_RECORD_KEY_INFO = 'share-records';

export interface ShareRecordFile {
  v: 1;
  /** The writing device (its manifest's device id). */
  deviceId: string;
  /** Per device, increasing: its newest record supersedes its older ones. */
  seq: number;
  timeMs: number;
  /** Every share the writing device knows, sorted by id. */
  shares: AccountShare[];
}

const stampSchema = z
  .object({
    lamport: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    timeMs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    deviceId: z.string().min(1).max(128),
  })
  .strict();
/** One share's state with its stamp (also how the device keeps its merged view). */
export const accountShareSchema = z.object({ share: shareInfoSchema, stamp: stampSchema }).strict();
const entrySchema = accountShareSchema;
const recordSchema = z
  .object({
    v: z.literal(1),
    deviceId: z.string().min(1).max(128),
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    timeMs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    shares: z.array(entrySchema),
  })
  .strict();

function bad(msg: string): never {
  badRecord(KIND, msg);
}

/** The record `v` holds, checked against the schema. */
function parseShareRecord(v: unknown): ShareRecordFile {
  const p = recordSchema.safeParse(v);
  if (!p.success) bad(p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return p.data;
}

/** The key that seals share records: its own subkey of the master key. */
export function shareRecordKey(keys: FormatKeys): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', keys.master, KDF_SALT, SHARE_RECORD_KEY_INFO, 32));
}

/** A share in canonical key order. */
function canonicalShare(s: ShareInfo): ShareInfo {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    folderId: s.folderId,
    path: s.path,
    recipient: s.recipient,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    message: s.message,
    files: s.files,
    size: s.size,
    contentIds: s.contentIds,
    manifest: {
      fid: s.manifest.fid,
      offset: s.manifest.offset,
      length: s.manifest.length,
      blobId: s.manifest.blobId,
    },
    link: s.link,
    revokedAt: s.revokedAt,
    manifestDeleted: s.manifestDeleted,
  };
}

export function encodeShareRecord(r: ShareRecordFile): Uint8Array {
  const data = parseShareRecord(r);
  const shares = [...data.shares].sort((a, b) =>
    a.share.id < b.share.id ? -1 : a.share.id > b.share.id ? 1 : 0,
  );
  for (let i = 1; i < shares.length; i++)
    if (shares[i]?.share.id === shares[i - 1]?.share.id) bad('a share is listed twice');
  return utf8.encode(
    JSON.stringify({
      v: data.v,
      deviceId: data.deviceId,
      seq: data.seq,
      timeMs: data.timeMs,
      shares: shares.map((e) => ({
        share: canonicalShare(e.share),
        stamp: { lamport: e.stamp.lamport, timeMs: e.stamp.timeMs, deviceId: e.stamp.deviceId },
      })),
    }),
  );
}

/** Parses a record's plaintext; accepts only the canonical encoding. */
export function decodeShareRecord(bytes: Uint8Array): ShareRecordFile {
  return decodeCanonicalRecord(KIND, bytes, parseShareRecord, encodeShareRecord);
}

/** Whether a pack id (hex) marks a share record pack. */
export function isShareRecordPackId(packIdHex: string): boolean {
  return hasRecordMarker(KIND, packIdHex);
}

/** Whether an indexed pack is shaped like a share record pack (marker, one tree blob). */
export function looksLikeShareRecordPack(p: {
  packId: string;
  entries: readonly { type: string }[];
}): boolean {
  return looksLikeRecordPack(KIND, p);
}

/** Opens a share record blob read from a share record pack. */
export function openShareRecord(keys: FormatKeys, id: string, sealed: Uint8Array): ShareRecordFile {
  return decodeShareRecord(
    openBlob(shareRecordKey(keys), 'tree', fromHex(id, 32, 'share record id'), sealed),
  );
}

/**
 * Writes a share record pack to `sink`: one tree-typed blob under the share records' key, pack
 * id "CSSH" + 12 random bytes (or `packIdTail` for test vectors).
 */
export async function writeShareRecordPack(
  keys: FormatKeys,
  record: ShareRecordFile,
  sink: PackSink,
  opts: RecordPackOptions = {},
): Promise<PackInfo & { blobId: string }> {
  return writeRecordPackOf(KIND, keys, shareRecordKey(keys), encodeShareRecord(record), sink, opts);
}
