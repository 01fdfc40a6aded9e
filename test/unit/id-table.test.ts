/**
 * IdTable (src/sync/format/id-table.ts) against a plain Map keyed by hex: random ids, and ids
 * that share their 30-bit prefix (so the chained path is exercised, not only the common one).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../../src/sync/format/id-table.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Ids whose first 4 bytes come from a small set: many share a prefix. */
const id = fc
  .tuple(fc.constantFrom(0, 1, 0xffffffff), fc.uint8Array({ minLength: 28, maxLength: 28 }))
  .map(([head, tail]) => {
    const b = new Uint8Array(32);
    new DataView(b.buffer).setUint32(0, head);
    b.set(tail, 4);
    return b;
  });
const anyId = fc.oneof(id, fc.uint8Array({ minLength: 32, maxLength: 32 }));

describe('IdTable', () => {
  it('behaves as a Map of ids: set replaces, get finds exactly, size and values agree', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyId, fc.boolean()), { maxLength: 200 }),
        fc.array(anyId, { maxLength: 50 }),
        (ops, probes) => {
          const stored: Uint8Array[] = [];
          const t = new IdTable((v) => stored[v] as Uint8Array);
          const model = new Map<string, number>();
          for (const [k, again] of ops) {
            // `again`: the same id a second time, under a new value.
            for (let n = again ? 2 : 1; n > 0; n--) {
              stored.push(Uint8Array.from(k));
              t.set(k, stored.length - 1);
              model.set(hex(k), stored.length - 1);
            }
          }
          expect(t.size).toBe(model.size);
          for (const [h, v] of model) expect(t.get(Buffer.from(h, 'hex'))).toBe(v);
          for (const p of probes) expect(t.get(p)).toBe(model.get(hex(p)));
          expect([...t.values()].sort((a, b) => a - b)).toEqual(
            [...model.values()].sort((a, b) => a - b),
          );
          t.clear();
          expect(t.size).toBe(0);
          for (const h of model.keys()) expect(t.get(Buffer.from(h, 'hex'))).toBeUndefined();
        },
      ),
    );
  });

  it('two ids with the same prefix are both kept', () => {
    const a = new Uint8Array(32).fill(7);
    const b = Uint8Array.from(a);
    b[31] = 8;
    const c = Uint8Array.from(a);
    c[3] = 4; // byte 3's low two bits are not in the prefix: 7 and 4 share it
    const ids = [a, b, c];
    const t = new IdTable((v) => ids[v] as Uint8Array);
    ids.forEach((x, i) => t.set(x, i));
    expect(t.size).toBe(3);
    ids.forEach((x, i) => expect(t.get(x)).toBe(i));
  });
});
