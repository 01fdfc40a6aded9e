import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ReedSolomon,
  generatedKernelsAvailable,
  referenceEncode,
} from '../../src/cess/fid/index.js';
import {
  EXP,
  LOG,
  buildEncodingMatrix,
  el,
  gfInv,
  gfMul,
  matInvert,
  matMul,
} from '../../src/cess/fid/gf256.js';

describe('fid: GF(2^8)', () => {
  it('has a log/exp pair for the 0x11d field with generator 2', () => {
    expect(EXP[0]).toBe(1);
    expect(EXP[8]).toBe(0x1d);
    for (let a = 1; a < 256; a++) expect(EXP[LOG[a] ?? -1]).toBe(a);
    for (let a = 1; a < 256; a++) expect(gfMul(a, gfInv(a))).toBe(1);
  });

  it('builds a systematic matrix whose square sub-matrices are invertible', () => {
    const m = buildEncodingMatrix(4, 12);
    expect(m.slice(0, 4)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    // Any 4 of the 12 rows can rebuild the data: spot-check a few row choices.
    for (const rows of [
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [0, 5, 9, 11],
      [1, 2, 7, 10],
    ]) {
      const sub = rows.map((r) => m[r] ?? []);
      expect(matMul(sub, matInvert(sub))).toEqual(m.slice(0, 4));
    }
  });
});

describe('fid: Reed-Solomon encoder', () => {
  it('uses generated kernels here', () => {
    expect(generatedKernelsAvailable()).toBe(true);
  });

  it('matches the table-based reference on random data, any shard size and offset, both kernels', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 3 }),
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
        fc.integer(),
        fc.boolean(),
        (size, offset, [k, m], seed, generatedKernels) => {
          const rs = new ReedSolomon(k, m, { generatedKernels });
          let x = seed | 1;
          const mk = () => {
            const backing = new Uint8Array(size + offset);
            const s = backing.subarray(offset);
            for (let i = 0; i < size; i++) {
              x = Math.imul(x, 1103515245) + 12345;
              s[i] = x >>> 24;
            }
            return s;
          };
          const shards = Array.from({ length: k + m }, mk);
          const ref = shards.map((s) => s.slice());
          rs.encode(shards);
          referenceEncode(rs.parityMatrix, ref);
          expect(shards).toEqual(ref);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('can rebuild the data from any 4 of the 12 shards (it is an MDS code)', () => {
    const rs = new ReedSolomon(4, 8);
    const size = 64;
    const shards = Array.from({ length: 12 }, (_, i) =>
      Uint8Array.from({ length: size }, (_, b) => (i < 4 ? (i * 97 + b * 13) & 0xff : 0)),
    );
    rs.encode(shards);
    const full = buildEncodingMatrix(4, 12);
    const rows = [2, 6, 9, 11];
    const inv = matInvert(rows.map((r) => full[r] ?? []));
    for (let b = 0; b < size; b++) {
      for (let j = 0; j < 4; j++) {
        let v = 0;
        rows.forEach((r, t) => (v ^= gfMul(el(inv, j, t), shards[r]?.[b] ?? -1)));
        expect(v).toBe(shards[j]?.[b]);
      }
    }
  });

  it('rejects bad parameters', () => {
    expect(() => new ReedSolomon(0, 2)).toThrow(RangeError);
    expect(() => new ReedSolomon(200, 57)).toThrow(RangeError);
    expect(() => new ReedSolomon(4, 8).encode([new Uint8Array(1)])).toThrow(RangeError);
  });
});
