import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FRAGMENT_SIZE,
  ReedSolomon,
  SEGMENT_SIZE,
  ZERO_FRAGMENT_HASH,
  cd2nFid,
  deossFid,
  hashBytes,
} from '../../src/cess/fid/index.js';
import { patternBytes } from '../../tools/fid-vectors/pattern.js';

// Produced by tools/fid-vectors/main.go with klauspost/reedsolomon (Go); see that file.
interface Vectors {
  parityMatrix: number[][];
  zeroFragmentHash: string;
  rs: { shardSize: number; shards: string[] }[];
  fidFromHashes: { hashes: string[]; cd2nFid: string; deossFid: string | null }[];
  files: {
    name: string;
    size: number;
    segments: { hash: string; fragments: string[] }[];
    cd2nFid: string;
    deossFid: string | null;
  }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/fid.json', import.meta.url), 'utf8'),
) as Vectors;

describe('fid: Go reference vectors', () => {
  it('uses the same parity matrix as klauspost New(4, 8)', () => {
    expect(new ReedSolomon(4, 8).parityMatrix).toEqual(vectors.parityMatrix);
  });

  it('knows the hash of an all-zero fragment', () => {
    expect(ZERO_FRAGMENT_HASH).toBe(vectors.zeroFragmentHash);
    expect(FRAGMENT_SIZE * 4).toBe(SEGMENT_SIZE);
  });

  it.each(vectors.rs.map((v) => [v.shardSize, v] as const))(
    'encodes like klauspost for %i-byte shards',
    (size, v) => {
      const data = patternBytes(size * 4);
      const shards = Array.from({ length: 12 }, (_, i) =>
        i < 4 ? data.slice(i * size, (i + 1) * size) : new Uint8Array(size),
      );
      new ReedSolomon(4, 8).encode(shards);
      expect(shards.map((s) => Buffer.from(s).toString('hex'))).toEqual(v.shards);
    },
  );

  it.each(vectors.fidFromHashes.map((v) => [v.hashes.length, v] as const))(
    'computes both fids from %i segment hashes',
    (_n, v) => {
      expect(cd2nFid(v.hashes)).toBe(v.cd2nFid);
      if (v.deossFid === null) expect(() => deossFid(v.hashes)).toThrow(RangeError);
      else expect(deossFid(v.hashes)).toBe(v.deossFid);
    },
  );

  it.each(vectors.files.map((v) => [v.name, v] as const))(
    'hashes file %s like the gateways',
    (_name, v) => {
      const r = hashBytes(patternBytes(v.size), { fragments: true });
      expect(r.size).toBe(v.size);
      expect(r.segments).toEqual(v.segments);
      const hashes = r.segments.map((s) => s.hash);
      expect(cd2nFid(hashes)).toBe(v.cd2nFid);
      if (v.deossFid === null) expect(() => deossFid(hashes)).toThrow(RangeError);
      else expect(deossFid(hashes)).toBe(v.deossFid);
    },
  );

  it('without fragments gives the same segment hashes and empty fragment lists', () => {
    const v = vectors.files.find((f) => f.name === '70MiB');
    if (!v) throw new Error('no 70MiB vector');
    const r = hashBytes(patternBytes(v.size));
    expect(r.segments).toEqual(v.segments.map((s) => ({ hash: s.hash, fragments: [] })));
  });

  it('rejects malformed segment hashes', () => {
    expect(() => cd2nFid(['abc'])).toThrow(TypeError);
    expect(() => deossFid(['zz'.repeat(32)])).toThrow(TypeError);
  });
});
