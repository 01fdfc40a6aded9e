/**
 * An independent check of a record pack's test vector (test/vectors/compaction-record.json,
 * share-record.json), without src/sync/format: the one blob's id is HMAC-SHA256 over type 3
 * (tree) and the plaintext, and the blob is AES-256-GCM (12-byte nonce first, tag last) under
 * `key` with the AD (format version 1, type 3, id).
 */
import { createDecipheriv } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { expect } from 'vitest';

export interface RecordPackVector {
  plaintextUtf8: string;
  blobId: string;
  pack: {
    packId: string;
    name: string;
    hex: string;
    entries: { type: string; id: string; offset: number; length: number }[];
  };
}

export function expectTreeBlobVector(
  v: RecordPackVector,
  blobIdKey: Uint8Array,
  key: Uint8Array,
): void {
  const plain = new TextEncoder().encode(v.plaintextUtf8);
  const id = bytesToHex(hmac(sha256, blobIdKey, new Uint8Array([3, ...plain])));
  expect(id).toBe(v.blobId);
  const e = v.pack.entries[0]!;
  expect(v.pack.entries).toHaveLength(1);
  expect(e).toMatchObject({ type: 'tree', id, offset: 5 });
  const blob = hexToBytes(v.pack.hex).subarray(e.offset, e.offset + e.length);
  const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  d.setAAD(new Uint8Array([1, 3, ...hexToBytes(id)]));
  d.setAuthTag(blob.subarray(blob.length - 16));
  const out = Buffer.concat([d.update(blob.subarray(12, blob.length - 16)), d.final()]);
  expect(out.toString('utf8')).toBe(v.plaintextUtf8);
}
