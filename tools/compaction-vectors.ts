/**
 * Test vectors of the compaction record (docs/format.md §10.3): `npx tsx tools/compaction-vectors.ts`
 * writes test/vectors/compaction-record.json (then `npx prettier --write` it);
 * test/unit/compaction-record.test.ts recomputes it.
 * Deterministic: the format vectors' seed and counter nonces, a fixed pack id tail.
 */
import {
  encodeRecord,
  writeRecordPack,
  type CompactionRecord,
} from '../src/sync/compaction/record.js';
import { recordPackVector, writeVectorsWhenRun } from './vector-lib.js';

const fid = (c: string): string => c.repeat(64);

export const RECORD_VECTOR: CompactionRecord = {
  v: 1,
  deviceId: '0123456789abcdef0123456789abcdef',
  seq: 7,
  timeMs: 1767614400000,
  doomed: [fid('b'), fid('a')],
  pins: [{ share: 'f'.repeat(32), manifest: fid('c'), packs: [fid('e'), fid('d')] }],
  released: [fid('9')],
};
export const PACK_ID_TAIL = new Uint8Array(12).map((_, i) => 0xa0 + i);

export async function buildCompactionVectors(): Promise<Record<string, unknown>> {
  const { blobId, pack } = await recordPackVector(PACK_ID_TAIL, (k, sink, opts) =>
    writeRecordPack(k, RECORD_VECTOR, sink, opts),
  );
  return {
    record: RECORD_VECTOR,
    plaintextUtf8: new TextDecoder().decode(encodeRecord(RECORD_VECTOR)),
    blobId,
    pack,
  };
}

await writeVectorsWhenRun(import.meta.url, 'compaction-record.json', buildCompactionVectors);
