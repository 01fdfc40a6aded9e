/**
 * Test vectors of the compaction record (docs/format.md §10.3): `npx tsx tools/compaction-vectors.ts`
 * writes test/vectors/compaction-record.json (then `npx prettier --write` it);
 * test/unit/compaction-record.test.ts recomputes it.
 * Deterministic: the format vectors' seed and counter nonces, a fixed pack id tail.
 */
import { writeFileSync } from 'node:fs';

import { deriveKeys, MemorySink } from '../src/sync/format/index.js';
import {
  encodeRecord,
  writeRecordPack,
  type CompactionRecord,
} from '../src/sync/compaction/record.js';
import { VECTOR_SEED, counterNonces } from './format-vectors.js';

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
  const keys = deriveKeys(VECTOR_SEED);
  const sink = new MemorySink();
  const info = await writeRecordPack(keys, RECORD_VECTOR, sink, {
    packIdTail: PACK_ID_TAIL,
    nonce: counterNonces(),
  });
  return {
    record: RECORD_VECTOR,
    plaintextUtf8: new TextDecoder().decode(encodeRecord(RECORD_VECTOR)),
    blobId: info.blobId,
    pack: {
      packId: info.packId,
      name: info.name,
      hex: Buffer.from(sink.bytes()).toString('hex'),
      entries: info.entries.map((e) => ({
        type: e.type,
        id: e.id,
        offset: e.offset,
        length: e.length,
      })),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const v = await buildCompactionVectors();
  writeFileSync(
    new URL('../test/vectors/compaction-record.json', import.meta.url),
    `${JSON.stringify(v, null, 2)}\n`,
  );
}
