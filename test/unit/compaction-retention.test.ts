// Retention (src/sync/compaction/retention.ts): restic `forget` semantics per folder, plus each
// device's newest snapshot always kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETENTION,
  RetentionError,
  applyRetention,
  bucketOf,
  retentionPolicy,
  type RetentionPolicy,
  type RetentionSnapshot,
} from '../../src/sync/compaction/index.js';

const H = 3_600_000;
const D = 24 * H;
const NONE: RetentionPolicy = retentionPolicy({
  keepWithinMs: 0,
  keepWithinDailyMs: 0,
  keepWithinWeeklyMs: 0,
  keepWithinMonthlyMs: 0,
});
const T0 = Date.UTC(2026, 0, 5, 12); // a Monday

function snap(i: number, timeMs: number, o: Partial<RetentionSnapshot> = {}): RetentionSnapshot {
  return {
    id: `s${String(i).padStart(6, '0')}`,
    folderId: 'f',
    deviceId: 'laptop',
    seq: i + 1,
    timeMs,
    ...o,
  };
}

describe('retention', () => {
  it('keeps each device newest snapshot per folder even when the policy keeps nothing', () => {
    const list = [
      snap(0, T0),
      snap(1, T0 + H),
      snap(2, T0 + 2 * H, { deviceId: 'desktop' }),
      snap(3, T0 + 3 * H),
      snap(4, T0, { folderId: 'g' }),
    ];
    const r = applyRetention(list, NONE);
    expect([...r.keep.keys()].sort()).toEqual(['s000002', 's000003', 's000004']);
    expect(r.keep.get('s000003')).toEqual(['device-latest']);
    expect(r.forget).toEqual(['s000000', 's000001']);
  });

  it('device-latest follows the Lamport seq, not the clock (a device with a slow clock)', () => {
    const list = [snap(0, T0 + 10 * H, { seq: 1 }), snap(1, T0, { seq: 2 })];
    expect([...applyRetention(list, NONE).keep.keys()]).toEqual(['s000001']);
  });

  it('keep-last, keep-daily (counted buckets) and keep-within (from the newest, not now)', () => {
    const list = Array.from({ length: 10 * 24 }, (_, i) => snap(i, T0 + i * H));
    const last = applyRetention(list, { ...NONE, keepLast: 5 });
    expect(last.keep.size).toBe(5);
    const daily = applyRetention(list, { ...NONE, keepDaily: 3 });
    // the newest of each of the 3 newest days: (the newest is also device-latest)
    expect([...daily.keep.keys()].sort()).toEqual(
      [list[239]!, list[227]!, list[203]!].map((s) => s.id).sort(),
    );
    for (const s of [list[227]!, list[203]!]) expect(new Date(s.timeMs + H).getUTCHours()).toBe(0); // last snapshot of its UTC day
    const within = applyRetention(list, { ...NONE, keepWithinMs: 5 * H });
    expect(within.keep.size).toBe(6); // newest and the 5 hours before it, inclusive
  });

  it('the defaults: everything for a day, then daily, weekly, monthly for two years', () => {
    // Hourly snapshots for three years.
    const n = 3 * 365 * 24;
    const list = Array.from({ length: n }, (_, i) => snap(i, T0 + i * H));
    const r = applyRetention(list, DEFAULT_RETENTION);
    const newest = list[n - 1]!.timeMs;
    const kept = list.filter((s) => r.keep.has(s.id));
    expect(kept.filter((s) => newest - s.timeMs <= D)).toHaveLength(25);
    const days = new Set(
      kept.filter((s) => newest - s.timeMs <= 30 * D).map((s) => bucketOf('daily', s.timeMs)),
    );
    expect(days.size).toBe(31);
    expect(kept.some((s) => newest - s.timeMs > 731 * D)).toBe(false);
    expect(kept.length).toBeGreaterThan(25 + 29 + 20 + 15);
    expect(kept.length).toBeLessThan(25 + 31 + 28 + 26);
  });

  it('weekly buckets are ISO weeks starting Monday (UTC)', () => {
    const sunday = Date.UTC(2026, 0, 4, 23, 59);
    const monday = Date.UTC(2026, 0, 5, 0, 0);
    expect(bucketOf('weekly', monday)).toBe(bucketOf('weekly', sunday) + 1);
    expect(bucketOf('weekly', monday + 6 * D)).toBe(bucketOf('weekly', monday));
    expect(
      bucketOf('monthly', Date.UTC(2026, 1, 1)) - bucketOf('monthly', Date.UTC(2025, 11, 31)),
    ).toBe(2);
  });

  it('refuses a policy with a negative or fractional value', () => {
    expect(() => retentionPolicy({ keepLast: -1 })).toThrow(RetentionError);
    expect(() => retentionPolicy({ keepWithinMs: 1.5 })).toThrow(/whole number/);
  });

  it('property: keep and forget partition the input; the result does not depend on order', () => {
    const arb = fc.array(
      fc.record({
        folder: fc.constantFrom('a', 'b'),
        device: fc.constantFrom('x', 'y', 'z'),
        seq: fc.integer({ min: 1, max: 50 }),
        time: fc.integer({ min: 0, max: 400 * D }),
      }),
      { maxLength: 60 },
    );
    const policy = fc.record({
      keepLast: fc.integer({ min: 0, max: 4 }),
      keepDaily: fc.integer({ min: 0, max: 4 }),
      keepWithinWeeklyMs: fc.integer({ min: 0, max: 60 * D }),
    });
    fc.assert(
      fc.property(arb, policy, fc.integer(), (raw, p, seed) => {
        const list = raw.map((r, i) =>
          snap(i, T0 + r.time, { folderId: r.folder, deviceId: r.device, seq: r.seq }),
        );
        const pol = { ...NONE, ...p };
        const r = applyRetention(list, pol);
        expect(r.keep.size + r.forget.length).toBe(list.length);
        for (const id of r.forget) expect(r.keep.has(id)).toBe(false);
        const shuffled = [...list].sort(
          (a, b) => ((a.seq * 7919 + seed) % 101) - ((b.seq * 7919 + seed) % 101),
        );
        const again = applyRetention(shuffled, pol);
        expect([...again.keep.keys()].sort()).toEqual([...r.keep.keys()].sort());
        // Every (folder, device) pair keeps at least one snapshot.
        const pairs = new Set(list.map((s) => `${s.folderId}/${s.deviceId}`));
        const keptPairs = new Set(
          list.filter((s) => r.keep.has(s.id)).map((s) => `${s.folderId}/${s.deviceId}`),
        );
        expect(keptPairs).toEqual(pairs);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
