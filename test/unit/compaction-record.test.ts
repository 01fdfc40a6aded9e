// Compaction records (src/sync/compaction/record.ts) against test/vectors/compaction-record.json
// (tools/compaction-vectors.ts), with the blob id and the AEAD re-derived independently, and a
// Repository that finds records in its packs and stops deduplicating against doomed packs.
import { readFileSync } from 'node:fs';

import { hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import {
  decodeRecord,
  encodeRecord,
  isRecordPackId,
  latestRecords,
  openRecord,
  writeRecordPack,
  type CompactionRecord,
} from '../../src/sync/compaction/index.js';
import {
  FormatError,
  MemorySink,
  PackReader,
  bufferSource,
  deriveKeys,
  storeSnapshot,
  Packer,
} from '../../src/sync/format/index.js';
import { Repository } from '../../src/sync/remote/repository.js';
import {
  PACK_ID_TAIL,
  RECORD_VECTOR,
  buildCompactionVectors,
} from '../../tools/compaction-vectors.js';
import { VECTOR_SEED } from '../../tools/format-vectors.js';
import { MemoryStore } from '../support/memory-store.js';
import { expectTreeBlobVector, type RecordPackVector } from '../support/record-vector.js';

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/compaction-record.json', import.meta.url), 'utf8'),
) as RecordPackVector;
const keys = deriveKeys(VECTOR_SEED);

describe('compaction record', () => {
  it('matches the stored vectors byte for byte', async () => {
    expect(await buildCompactionVectors()).toEqual(
      JSON.parse(
        readFileSync(new URL('../vectors/compaction-record.json', import.meta.url), 'utf8'),
      ),
    );
  });

  it('is canonical JSON: lists sorted, fixed key order', () => {
    const text = new TextDecoder().decode(encodeRecord(RECORD_VECTOR));
    expect(text).toBe(vectors.plaintextUtf8);
    expect(text.startsWith('{"v":1,"deviceId":')).toBe(true);
    expect(text.indexOf('"a'.padEnd(10, 'a'))).toBeLessThan(text.indexOf('"b'.padEnd(10, 'b')));
    expect(decodeRecord(encodeRecord(RECORD_VECTOR))).toEqual({
      ...RECORD_VECTOR,
      doomed: [...RECORD_VECTOR.doomed].sort(),
      pins: [{ ...RECORD_VECTOR.pins[0]!, packs: [...RECORD_VECTOR.pins[0]!.packs].sort() }],
    });
  });

  it('the blob id and encryption re-derive independently (HMAC type 3, AES-256-GCM, AD)', () => {
    expectTreeBlobVector(vectors, keys.blobId, keys.metadata);
    expect(vectors.pack.packId).toBe(`43535243${Buffer.from(PACK_ID_TAIL).toString('hex')}`);
  });

  it('a reader recognises the pack from its header and opens the record', async () => {
    const pack = hexToBytes(vectors.pack.hex);
    const r = await PackReader.open(keys, bufferSource(pack), { expectedName: vectors.pack.name });
    expect(isRecordPackId(r.packId)).toBe(true);
    const e = r.entries[0]!;
    expect(openRecord(keys, e.id, await r.readSealed(e)).seq).toBe(7);
  });

  it('refuses non-canonical or malformed records', () => {
    const good = vectors.plaintextUtf8;
    const bad = [
      good.replace('{"v":1,', '{"v":1 ,'),
      good.replace('"v":1', '"v":2'),
      good.replace('"seq":7', '"seq":0'),
      good.replace(
        `"doomed":["${'a'.repeat(64)}","${'b'.repeat(64)}"]`,
        `"doomed":["${'b'.repeat(64)}","${'a'.repeat(64)}"]`,
      ),
      good.replace(`"released":["${'9'.repeat(64)}"]`, '"released":["0x12"]'),
      good.replace('}', ',"extra":1}'),
      '[]',
      'not json',
    ];
    for (const b of bad)
      expect(() => decodeRecord(new TextEncoder().encode(b)), b).toThrow(FormatError);
    expect(() =>
      encodeRecord({ ...RECORD_VECTOR, pins: [RECORD_VECTOR.pins[0]!, RECORD_VECTOR.pins[0]!] }),
    ).toThrow(/pinned twice/);
  });

  it('the newest record per device wins (seq, then fid)', () => {
    const rec = (deviceId: string, seq: number): CompactionRecord => ({
      ...RECORD_VECTOR,
      deviceId,
      seq,
    });
    const latest = latestRecords([
      { fid: '1', record: rec('a', 1) },
      { fid: '2', record: rec('a', 3) },
      { fid: '3', record: rec('a', 2) },
      { fid: '4', record: rec('b', 5) },
      { fid: '5', record: rec('b', 5) },
    ]);
    expect(latest.get('a')?.fid).toBe('2');
    expect(latest.get('b')?.fid).toBe('5');
  });
});

async function packWith(fill: (p: Packer) => Promise<unknown>): Promise<Uint8Array> {
  let out: Uint8Array | undefined;
  const sink = new MemorySink();
  const packer = new Packer(keys, {
    openSink: () => sink,
    onPack: () => {
      out = sink.bytes();
    },
  });
  await fill(packer);
  await packer.flush();
  return out as Uint8Array;
}

describe('repository and records', () => {
  it('indexes records, avoids doomed packs for dedup and reads, hides their snapshots, forgets deleted packs', async () => {
    const store = new MemoryStore();
    const data = new TextEncoder().encode('chunk');
    const chunkId = 'c'.repeat(64);
    const key = new Uint8Array(32).fill(7);
    const snap = {
      version: 1 as const,
      folderId: 'f',
      deviceId: 'd',
      seq: 1,
      parents: [],
      timeMs: 1,
      tree: '0'.repeat(64),
    };
    const p1 = store.add(
      await packWith(async (p) => {
        await p.add('data', chunkId, key, data);
        await storeSnapshot(keys, snap, p);
      }),
    );
    const p2 = store.add(await packWith((p) => p.add('data', chunkId, key, data)), 'pending');
    const repo = new Repository(store, keys);
    await repo.refresh();
    expect(repo.has('data', chunkId)).toBe(true);
    expect(repo.locate('data', chunkId)?.fid).toBe(p1); // stored before pending
    expect(await repo.snapshots('f')).toHaveLength(1);

    // A device dooms p1: reads go to p2, dedup still has a copy; the snapshot only in p1 is hidden.
    const sink = new MemorySink();
    await writeRecordPack(keys, { ...RECORD_VECTOR, doomed: [p1], pins: [], released: [] }, sink);
    const rec = store.add(sink.bytes());
    await repo.refresh();
    expect(repo.compactionRecords().map((r) => r.fid)).toEqual([rec]);
    expect([...repo.avoidedPacks]).toEqual([p1]);
    expect(repo.locate('data', chunkId)?.fid).toBe(p2);
    expect(repo.has('data', chunkId)).toBe(true);
    expect(await repo.snapshots('f')).toHaveLength(0);
    expect(await repo.allSnapshots()).toHaveLength(1);

    // Doomed everywhere: not deduplicated against any more, still readable.
    const sink2 = new MemorySink();
    await writeRecordPack(
      keys,
      { ...RECORD_VECTOR, seq: 8, doomed: [p1, p2], pins: [], released: [] },
      sink2,
    );
    store.add(sink2.bytes());
    await repo.refresh();
    expect(repo.has('data', chunkId)).toBe(false);
    expect(await repo.readBlob('data', chunkId, key)).toEqual(data);

    // Deleted: gone from the index.
    await store.delete(p1);
    await store.delete(p2);
    await repo.refresh();
    expect(repo.locate('data', chunkId)).toBeUndefined();
    expect(repo.packs().map((p) => p.fid)).not.toContain(p1);
  });
});
