// FastCDC chunker: streaming = reference whatever the read sizes, bounds, insertion stability.
import { createCipheriv } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  CHUNKER_V1,
  Chunker,
  chunkLengths,
  chunkStream,
  type ChunkerParams,
} from '../../src/sync/format/index.js';
import { referenceChunkLengths } from '../../src/sync/format/chunker.js';

function randomBytes(n: number, seed = 1): Uint8Array {
  return new Uint8Array(
    createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16)).update(Buffer.alloc(n)),
  );
}

const SMALL: ChunkerParams = { min: 64, avg: 256, max: 1024 };

async function streamLengths(
  data: Uint8Array,
  cuts: number[],
  params: ChunkerParams,
): Promise<number[]> {
  const pieces: Uint8Array[] = [];
  let o = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    pieces.push(data.subarray(o, Math.max(o, c)));
    o = Math.max(o, c);
  }
  pieces.push(data.subarray(o));
  const out: number[] = [];
  for await (const c of chunkStream(pieces, params)) out.push(c.length);
  return out;
}

describe('chunker', () => {
  it('streams the reference cut points whatever the read sizes (property, small params)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 6000 }),
        fc.array(fc.nat(6000), { maxLength: 12 }),
        fc.boolean(),
        async (raw, cuts, lowEntropy) => {
          const data = lowEntropy ? raw.map((b) => b & 1) : raw;
          const expected = referenceChunkLengths(data, SMALL);
          expect(await streamLengths(data, cuts, SMALL)).toEqual(expected);
          expect(expected.reduce((a, b) => a + b, 0)).toBe(data.length);
          expected.slice(0, -1).forEach((l) => expect(l).toBeGreaterThan(SMALL.min));
          expected.forEach((l) => expect(l).toBeLessThanOrEqual(SMALL.max));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('v1: matches the reference, bounds hold, mean near 1 MiB (24 MiB random)', () => {
    const data = randomBytes(24 << 20);
    const lens = chunkLengths(data);
    expect(lens).toEqual(referenceChunkLengths(data));
    lens.slice(0, -1).forEach((l) => expect(l).toBeGreaterThan(CHUNKER_V1.min));
    lens.forEach((l) => expect(l).toBeLessThanOrEqual(CHUNKER_V1.max));
    const mean = data.length / lens.length;
    expect(mean).toBeGreaterThan(0.9 * 2 ** 20);
    expect(mean).toBeLessThan(1.5 * 2 ** 20);
  });

  it('v1: zeros cut at max; small files are one chunk; empty is none', () => {
    expect(chunkLengths(new Uint8Array(20 << 20))).toEqual([8 << 20, 8 << 20, 4 << 20]);
    expect(chunkLengths(randomBytes(CHUNKER_V1.min - 1))).toEqual([CHUNKER_V1.min - 1]);
    expect(chunkLengths(new Uint8Array(0))).toEqual([]);
  });

  it('an insertion near the start changes only the chunks around it', () => {
    const data = randomBytes(32 << 20, 3);
    const before = new Set(referenceLengthsToKeys(data));
    for (const [at, len] of [
      [1000, 1],
      [100_000, 4096],
      [3 << 20, 77],
    ] as const) {
      const edited = new Uint8Array(data.length + len);
      edited.set(data.subarray(0, at));
      edited.set(randomBytes(len, 9), at);
      edited.set(data.subarray(at), at + len);
      const after = referenceLengthsToKeys(edited);
      const changed = after.filter((k) => !before.has(k)).length;
      // One chunk holds the edit; at most one more resynchronizes (measured: 1-2 of ~28).
      expect(changed).toBeLessThanOrEqual(2);
    }
  });

  it('emitted chunks are fresh copies (the caller may keep them)', () => {
    const ch = new Chunker(SMALL);
    const data = randomBytes(5000, 4);
    const kept = [...ch.push(data)];
    const copy = kept.map((c) => Uint8Array.from(c));
    for (const _c of ch.push(randomBytes(5000, 5))) void _c;
    expect(kept).toEqual(copy);
    data.fill(0);
    expect(kept).toEqual(copy);
  });

  it('refuses bad parameters', () => {
    expect(() => new Chunker({ min: 10, avg: 100, max: 1000 })).toThrow(/power of two/);
    expect(() => new Chunker({ min: 300, avg: 256, max: 1000 })).toThrow(/min < avg/);
  });
});

/** Chunk identities as "offset-independent" keys: content hash of each chunk. */
function referenceLengthsToKeys(data: Uint8Array): string[] {
  const out: string[] = [];
  let o = 0;
  for (const l of referenceChunkLengths(data)) {
    out.push(
      Buffer.from(data.subarray(o, o + l))
        .toString('base64')
        .slice(0, 16) +
        ':' +
        l,
    );
    o += l;
  }
  return out;
}

describe('chunker reuse (chunkStream keeps idle chunkers)', () => {
  it('a stream abandoned mid-chunk leaves nothing behind for the next one', async () => {
    const a = randomBytes(5000, 3);
    const b = randomBytes(7000, 4);
    // Abandon a stream with bytes pending in its chunker (its generator is returned early).
    for await (const c of chunkStream([a], SMALL)) {
      expect(c.length).toBeGreaterThan(0);
      break;
    }
    // Streams in flight together get chunkers of their own, and all cut like the reference.
    const [x, y] = await Promise.all([
      streamLengths(b, [100, 3000], SMALL),
      streamLengths(a, [17], SMALL),
    ]);
    expect(x).toEqual(referenceChunkLengths(b, SMALL));
    expect(y).toEqual(referenceChunkLengths(a, SMALL));
    expect(await streamLengths(b, [], SMALL)).toEqual(referenceChunkLengths(b, SMALL));
  });
});
