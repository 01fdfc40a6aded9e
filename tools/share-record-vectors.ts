/**
 * Test vectors of the share record (docs/format.md §11): `npx tsx tools/share-record-vectors.ts`
 * writes test/vectors/share-record.json (then `npx prettier --write` it);
 * test/unit/share-records.test.ts recomputes it.
 * Deterministic: the format vectors' seed and counter nonces, a fixed pack id tail.
 */
import {
  encodeShareRecord,
  shareRecordKey,
  writeShareRecordPack,
  type ShareRecordFile,
} from '../src/sync/share/account-records.js';
import { recordPackVector, writeVectorsWhenRun } from './vector-lib.js';

const fid = (c: string): string => c.repeat(64);

export const SHARE_RECORD_VECTOR: ShareRecordFile = {
  v: 1,
  deviceId: '0123456789abcdef0123456789abcdef',
  seq: 3,
  timeMs: 1767614400000,
  shares: [
    {
      share: {
        id: 'e'.repeat(32),
        kind: 'folder',
        name: 'Album',
        folderId: 'f'.repeat(32),
        path: 'Photos/Album',
        recipient: 'cXjmuHdBk4J3Zyt2VRzHwDxfqwGNEW8kcJNjJ3YHXS6GJZo7r',
        createdAt: 1767600000000,
        expiresAt: null,
        message: 'for you',
        files: 2,
        size: 12345,
        contentIds: [fid('1'), fid('2')],
        manifest: { fid: fid('c'), offset: 5, length: 777, blobId: fid('d') },
        link: 'cess-sync://share/v1/eyJ2IjoxfQ',
        revokedAt: 1767610000000,
        manifestDeleted: true,
      },
      stamp: { lamport: 42, timeMs: 1767610000000, deviceId: 'fedcba9876543210fedcba9876543210' },
    },
    {
      share: {
        id: 'a'.repeat(32),
        kind: 'file',
        name: 'report.pdf',
        folderId: 'f'.repeat(32),
        path: 'Work/report.pdf',
        recipient: 'cXjmuHdBk4J3Zyt2VRzHwDxfqwGNEW8kcJNjJ3YHXS6GJZo7r',
        createdAt: 1767500000000,
        expiresAt: 1768000000000,
        message: null,
        files: 1,
        size: 2048,
        contentIds: [fid('3')],
        manifest: { fid: fid('b'), offset: 5, length: 300, blobId: fid('4') },
        link: 'cess-sync://share/v1/eyJ2IjoyfQ',
        revokedAt: null,
        manifestDeleted: false,
      },
      stamp: { lamport: 7, timeMs: 1767500000000, deviceId: '0123456789abcdef0123456789abcdef' },
    },
  ],
};
export const SHARE_PACK_ID_TAIL = new Uint8Array(12).map((_, i) => 0xb0 + i);

export async function buildShareRecordVectors(): Promise<Record<string, unknown>> {
  const { keys, blobId, pack } = await recordPackVector(SHARE_PACK_ID_TAIL, (k, sink, opts) =>
    writeShareRecordPack(k, SHARE_RECORD_VECTOR, sink, opts),
  );
  return {
    record: SHARE_RECORD_VECTOR,
    shareRecordKey: Buffer.from(shareRecordKey(keys)).toString('hex'),
    plaintextUtf8: new TextDecoder().decode(encodeShareRecord(SHARE_RECORD_VECTOR)),
    blobId,
    pack,
  };
}

await writeVectorsWhenRun(import.meta.url, 'share-record.json', buildShareRecordVectors);
