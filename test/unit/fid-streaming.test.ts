import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FRAGMENT_SIZE,
  SEGMENT_SIZE,
  SegmentHasher,
  hashBytes,
  hashFile,
  hashStream,
  type FileHashes,
} from '../../src/cess/fid/index.js';
import { patternBytes } from '../../tools/fid-vectors/pattern.js';

// Crosses a segment boundary, then ends inside the second data fragment of the last segment,
// on a byte that is not word-aligned.
const SIZE = SEGMENT_SIZE + FRAGMENT_SIZE + 5;
const data = patternBytes(SIZE);
// Random bytes too, so parity is not periodic.
const noise = new Uint8Array(SIZE);
for (let i = 0, x = 0x9e3779b9; i < SIZE; i++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  noise[i] = x & 0xff;
}

const once = new Map<string, FileHashes>();
function reference(name: 'pattern' | 'noise', fragments: boolean): FileHashes {
  const key = `${name}/${fragments}`;
  let r = once.get(key);
  if (!r) {
    r = hashBytes(name === 'pattern' ? data : noise, { fragments });
    once.set(key, r);
  }
  return r;
}

/** Cut points: random ones, plus some next to the fragment and segment boundaries. */
const boundaries: number[] = [];
for (let b = FRAGMENT_SIZE; b < SIZE; b += FRAGMENT_SIZE) boundaries.push(b);
const cutArb = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: SIZE - 1 }), { maxLength: 25 }),
    fc.array(
      fc
        .tuple(fc.constantFrom(...boundaries), fc.integer({ min: -5, max: 5 }))
        .map(([b, d]) => b + d),
      { maxLength: 8 },
    ),
  )
  .map(([a, b]) => [...new Set([...a, ...b])].sort((x, y) => x - y));

function hashInChunks(bytes: Uint8Array, cuts: number[], fragments: boolean): FileHashes {
  const h = new SegmentHasher({ fragments });
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    h.update(bytes.subarray(prev, c));
    prev = c;
  }
  return h.finish();
}

describe('fid: chunk-boundary independence', () => {
  it('gives the same hashes for any chunking (segment hashes only)', () => {
    fc.assert(
      fc.property(cutArb, fc.constantFrom('pattern' as const, 'noise' as const), (cuts, name) => {
        const bytes = name === 'pattern' ? data : noise;
        expect(hashInChunks(bytes, cuts, false)).toEqual(reference(name, false));
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same hashes for any chunking (with fragments)', () => {
    fc.assert(
      fc.property(cutArb, fc.constantFrom('pattern' as const, 'noise' as const), (cuts, name) => {
        const bytes = name === 'pattern' ? data : noise;
        expect(hashInChunks(bytes, cuts, true)).toEqual(reference(name, true));
      }),
      { numRuns: 6 },
    );
  });

  it('handles 1-byte updates across a fragment boundary', () => {
    const small = noise.subarray(0, FRAGMENT_SIZE + 7);
    const h = new SegmentHasher({ fragments: true });
    h.update(small.subarray(0, FRAGMENT_SIZE - 9));
    for (let i = FRAGMENT_SIZE - 9; i < small.length; i++) h.update(small.subarray(i, i + 1));
    expect(h.finish()).toEqual(hashBytes(small, { fragments: true }));
  });

  it('refuses use after finish', () => {
    const h = new SegmentHasher();
    h.update(new Uint8Array(3));
    h.finish();
    expect(() => h.update(new Uint8Array(1))).toThrow();
    expect(() => h.finish()).toThrow();
  });
});

describe('fid: streaming from disk', () => {
  let dir = '';
  let path = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fid-test-'));
    path = join(dir, 'noise.bin');
    await writeFile(path, noise);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hashFile equals hashing in memory', async () => {
    expect(await hashFile(path, { fragments: true })).toEqual(reference('noise', true));
  });

  it('hashStream over a read stream equals hashing in memory', async () => {
    const stream = createReadStream(path, { highWaterMark: 100_003 });
    expect(await hashStream(stream)).toEqual(reference('noise', false));
  });

  it('hashFile of an empty file has no segments', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, new Uint8Array(0));
    expect(await hashFile(empty, { fragments: true })).toEqual({ size: 0, segments: [] });
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(hashFile(path, { signal: ac.signal })).rejects.toThrow();
  });
});
