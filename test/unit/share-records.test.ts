// The owner's share list on CESS (docs/format.md §11): the record format against
// test/vectors/share-record.json (tools/share-record-vectors.ts) with the key, blob id and AEAD
// re-derived independently; the merge rule's algebra (fast-check); and two devices of one
// account converging through an in-memory object store.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ShareInfo } from '../../src/sync/api/schema.js';
import {
  FormatError,
  PackReader,
  bufferSource,
  deriveKeys,
  deriveMasterKey,
} from '../../src/sync/format/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { Repository } from '../../src/sync/remote/repository.js';
import {
  decodeShareRecord,
  encodeShareRecord,
  looksLikeShareRecordPack,
  openShareRecord,
} from '../../src/sync/share/account-records.js';
import {
  accountShares,
  noteShareState,
  syncShareRecords,
  type ShareSyncContext,
} from '../../src/sync/share/account-sync.js';
import { addShareRecord, listShareRecords } from '../../src/sync/share/records.js';
import {
  mergeShare,
  mergeShareLists,
  sameShareLists,
  type AccountShare,
} from '../../src/sync/share/share-merge.js';
import { VECTOR_SEED } from '../../tools/format-vectors.js';
import {
  SHARE_PACK_ID_TAIL,
  SHARE_RECORD_VECTOR,
  buildShareRecordVectors,
} from '../../tools/share-record-vectors.js';
import { MemoryStore } from '../support/memory-store.js';
import { expectTreeBlobVector, type RecordPackVector } from '../support/record-vector.js';

interface Vectors extends RecordPackVector {
  shareRecordKey: string;
}
const vectorText = readFileSync(new URL('../vectors/share-record.json', import.meta.url), 'utf8');
const vectors = JSON.parse(vectorText) as Vectors;
const keys = deriveKeys(VECTOR_SEED);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('share record format', () => {
  it('matches the stored vectors byte for byte', async () => {
    expect(await buildShareRecordVectors()).toEqual(JSON.parse(vectorText));
  });

  it('re-derives independently: HKDF key, HMAC type-3 id, AES-256-GCM with AD', () => {
    const key = hkdf(
      sha256,
      deriveMasterKey(VECTOR_SEED),
      enc('cess-sync/v1'),
      enc('share-records'),
      32,
    );
    expect(bytesToHex(key)).toBe(vectors.shareRecordKey);
    expectTreeBlobVector(vectors, keys.blobId, key);
    expect(vectors.pack.packId).toBe(`43535348${Buffer.from(SHARE_PACK_ID_TAIL).toString('hex')}`);
  });

  it('is recognised from the pack header and opened; the metadata key does not open it', async () => {
    const r = await PackReader.open(keys, bufferSource(hexToBytes(vectors.pack.hex)), {
      expectedName: vectors.pack.name,
    });
    expect(looksLikeShareRecordPack(r)).toBe(true);
    const e = r.entries[0]!;
    const sealed = await r.readSealed(e);
    expect(openShareRecord(keys, e.id, sealed).shares.map((s) => s.share.id)).toEqual([
      'a'.repeat(32),
      'e'.repeat(32),
    ]);
    await expect(r.readBlob(e, keys.metadata)).rejects.toThrow(FormatError);
    const other = deriveKeys(new Uint8Array(32).fill(9));
    expect(() => openShareRecord(other, e.id, sealed)).toThrow(FormatError);
  });

  it('is canonical JSON (shares sorted by id, fixed key order) and refuses anything else', () => {
    const good = vectors.plaintextUtf8;
    expect(good.startsWith('{"v":1,"deviceId":')).toBe(true);
    expect(good.indexOf('a'.repeat(32))).toBeLessThan(good.indexOf('e'.repeat(32)));
    expect(decodeShareRecord(enc(good)).seq).toBe(3);
    const bad = [
      good.replace('{"v":1,', '{"v":1 ,'),
      good.replace('"v":1', '"v":2'),
      good.replace('"seq":3', '"seq":0'),
      good.replace('"lamport":42', '"lamport":-1'),
      good.replace('"manifestDeleted":true', '"manifestDeleted":1'),
      good.replace('"kind":"file"', '"kind":"dir"'),
      good.replace('}', ',"extra":1}'),
      good.replace('"stamp":{"lamport":7,', '"stamp":{"lamport":7,"x":1,'),
      '[]',
      'not json',
    ];
    for (const b of bad) expect(() => decodeShareRecord(enc(b)), b).toThrow(FormatError);
    // Out of order: the same shares listed e before a.
    const o = JSON.parse(good) as { shares: unknown[] };
    const swapped = JSON.stringify({ ...o, shares: [...o.shares].reverse() });
    expect(() => decodeShareRecord(enc(swapped))).toThrow(/canonical/);
    const s0 = SHARE_RECORD_VECTOR.shares[0]!;
    expect(() => encodeShareRecord({ ...SHARE_RECORD_VECTOR, shares: [s0, s0] })).toThrow(
      /listed twice/,
    );
  });
});

// --- merge --------------------------------------------------------------------------------

const ids = ['1'.repeat(32), '2'.repeat(32), '3'.repeat(32)];
const shareArb: fc.Arbitrary<AccountShare> = fc
  .record({
    id: fc.constantFrom(...ids),
    name: fc.constantFrom('a.txt', 'b.txt'),
    message: fc.option(fc.constantFrom('hi', 'yo'), { nil: null }),
    revokedAt: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    manifestDeleted: fc.boolean(),
    lamport: fc.integer({ min: 0, max: 3 }),
    timeMs: fc.integer({ min: 0, max: 3 }),
    deviceId: fc.constantFrom('A', 'B'),
  })
  .map((r) => ({
    share: {
      id: r.id,
      kind: 'file' as const,
      name: r.name,
      folderId: 'f',
      path: r.name,
      recipient: 'cX',
      createdAt: 1,
      expiresAt: null,
      message: r.message,
      files: 1,
      size: 1,
      contentIds: [],
      manifest: { fid: 'x', offset: 0, length: 1, blobId: 'y' },
      link: 'l',
      revokedAt: r.manifestDeleted && r.revokedAt === null ? 9 : r.revokedAt,
      manifestDeleted: r.manifestDeleted,
    },
    stamp: { lamport: r.lamport, timeMs: r.timeMs, deviceId: r.deviceId },
  }));
const listArb = fc.array(shareArb, { maxLength: 6 });
const same = (a: AccountShare[], b: AccountShare[]): boolean => sameShareLists(a, b);

describe('share list merge', () => {
  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(listArb, listArb, listArb, (a, b, c) => {
        const ab = mergeShareLists(a, b);
        expect(same(ab, mergeShareLists(b, a))).toBe(true);
        expect(
          same(
            mergeShareLists(mergeShareLists(a, b), c),
            mergeShareLists(a, mergeShareLists(b, c)),
          ),
        ).toBe(true);
        expect(same(mergeShareLists(ab, ab), ab)).toBe(true);
        expect(same(mergeShareLists(ab, a), ab)).toBe(true);
        // Order of entries inside one list does not matter either.
        expect(same(mergeShareLists([...a].reverse()), mergeShareLists(a))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a revoked share never becomes active; the earliest revocation is kept', () => {
    fc.assert(
      fc.property(listArb, listArb, (a, b) => {
        const merged = mergeShareLists(a, b);
        for (const s of merged) {
          const times = [...a, ...b]
            .filter((x) => x.share.id === s.share.id && x.share.revokedAt !== null)
            .map((x) => x.share.revokedAt as number);
          expect(s.share.revokedAt).toBe(times.length > 0 ? Math.min(...times) : null);
        }
        // Adding any newer active state later does not undo it.
        for (const s of merged.filter((x) => x.share.revokedAt !== null)) {
          const newer: AccountShare = {
            share: { ...s.share, revokedAt: null, manifestDeleted: false },
            stamp: { ...s.stamp, lamport: s.stamp.lamport + 100 },
          };
          const again = mergeShareLists(merged, [newer]).find((x) => x.share.id === s.share.id);
          expect(again?.share.revokedAt).toBe(s.share.revokedAt);
          expect(again?.share.manifestDeleted).toBe(s.share.manifestDeleted);
          expect(again?.stamp.lamport).toBe(s.stamp.lamport + 100);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('other fields: last writer by Lamport, then time, then device', () => {
    const base = SHARE_RECORD_VECTOR.shares[1]!;
    const older: AccountShare = { ...base, stamp: { lamport: 5, timeMs: 99, deviceId: 'Z' } };
    const newer: AccountShare = {
      share: { ...base.share, message: 'edited' },
      stamp: { lamport: 6, timeMs: 1, deviceId: 'A' },
    };
    expect(mergeShare(older, newer).share.message).toBe('edited');
    expect(mergeShare(newer, older).share.message).toBe('edited');
    const tie: AccountShare = { ...newer, stamp: { lamport: 6, timeMs: 2, deviceId: 'A' } };
    expect(
      mergeShare(newer, { ...tie, share: { ...base.share, message: 'x' } }).share.message,
    ).toBe('x');
  });
});

// --- two devices through an object store ---------------------------------------------------

describe('two devices of one account', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'share-records-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('list, revoke from the other device, converge, and delete superseded records', async () => {
    const store = new MemoryStore();
    const device = (name: string): ShareSyncContext => ({
      manifest: Manifest.open(path.join(dir, `${name}.sqlite`)),
      keys,
      repo: new Repository(store, keys),
      store,
      tmpDir: path.join(dir, `${name}-tmp`),
      now: () => 1767700000000,
      cache: new Map(),
    });
    const A = device('A');
    const B = device('B');
    const sync = async (d: ShareSyncContext) => {
      await d.repo.refresh();
      return syncShareRecords(d);
    };
    const made: ShareInfo = SHARE_RECORD_VECTOR.shares[1]!.share;
    addShareRecord(A.manifest, made);
    noteShareState(A.manifest, made, 1767500000000);

    // Nothing known anywhere: B publishes nothing.
    expect((await sync(B)).published).toBeNull();
    const first = await sync(A);
    expect(first.published).not.toBeNull();
    expect((await sync(A)).published).toBeNull(); // CESS already says it all

    // B lists it after reading the records, and revokes it.
    expect((await sync(B)).published).toBeNull();
    expect(accountShares(B.manifest).map((s) => s.share.id)).toEqual([made.id]);
    const cur = accountShares(B.manifest)[0]!.share;
    noteShareState(
      B.manifest,
      { ...cur, revokedAt: 1767650000000, manifestDeleted: true },
      1767650000000,
    );
    expect((await sync(B)).published).not.toBeNull();

    // A learns the revocation, into its own list too (compaction releases the pins from it).
    await sync(A);
    expect(listShareRecords(A.manifest)[0]).toMatchObject({
      revokedAt: 1767650000000,
      manifestDeleted: true,
    });
    expect(accountShares(A.manifest)[0]?.share.revokedAt).toBe(1767650000000);

    // A changes something and publishes again: its first record is superseded and deleted.
    noteShareState(
      A.manifest,
      { ...accountShares(A.manifest)[0]!.share, message: 'bye' },
      1767660000000,
    );
    const second = await sync(A);
    expect(second.published).not.toBeNull();
    const third = await sync(A);
    expect(third.deleted).toEqual([first.published]);
    expect(store.objects.has(first.published!)).toBe(false);
    await sync(B);
    const onB = accountShares(B.manifest)[0]!.share;
    expect(onB).toMatchObject({ message: 'bye', revokedAt: 1767650000000, manifestDeleted: true });
    A.manifest.close();
    B.manifest.close();
  });
});
