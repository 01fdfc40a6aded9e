// The compaction planner (src/sync/compaction/plan.ts), unit cases and properties over random
// pack/snapshot graphs run through a simulator: two devices compacting the same repository
// without a lock, writers that reuse blobs (deduplication) between their check and their
// snapshot, snapshots forgotten over time, share pins.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COMPACTION_OPTIONS,
  HEADER_ENTRY_BYTES,
  PACK_FIXED_BYTES,
  planCompaction,
  type CompactionOptions,
  type CompactionPlan,
  type PlanBlob,
  type PlanPack,
} from '../../src/sync/compaction/index.js';

const GRACE = 1000;
const TARGET = 64 * 1024;
const OPTS: CompactionOptions = {
  ...DEFAULT_COMPACTION_OPTIONS,
  graceMs: GRACE,
  packTarget: TARGET,
  maxRepackBytes: Number.MAX_SAFE_INTEGER,
  unknownShareGraceMs: 10 * GRACE,
};

const keyOf = (b: { type: string; id: string }): string => `${b.type}:${b.id}`;

function packOf(
  fid: string,
  blobs: { id: string; length: number; type?: PlanBlob['type'] }[],
  o: Partial<PlanPack> = {},
): PlanPack {
  let off = 5;
  const list: PlanBlob[] = blobs.map((b) => {
    const x: PlanBlob = { type: b.type ?? 'data', id: b.id, offset: off, length: b.length };
    off += b.length;
    return x;
  });
  return {
    fid,
    size: off + PACK_FIXED_BYTES - 5 + HEADER_ENTRY_BYTES * blobs.length,
    stored: true,
    firstSeenMs: 0,
    blobs: list,
    ...o,
  };
}

function plan(
  packs: PlanPack[],
  live: string[],
  o: {
    now?: number;
    pinned?: string[];
    myDoomed?: [string, number][];
    others?: string[];
    explained?: string[];
    options?: Partial<CompactionOptions>;
  } = {},
): CompactionPlan {
  return planCompaction({
    now: o.now ?? 10 * GRACE,
    packs,
    live: new Set(live),
    pinned: new Set(o.pinned ?? []),
    explainedShares: new Set(o.explained ?? []),
    doomedByOthers: new Set(o.others ?? []),
    myDoomed: new Map(o.myDoomed ?? []),
    options: { ...OPTS, ...o.options },
  });
}

const fid = (n: number): string => n.toString(16).padStart(64, '0');

describe('compaction planner', () => {
  it('dooms a pack with no live blob, merges sparse packs when it frees an object, keeps full ones', () => {
    const packs = [
      packOf(fid(1), [{ id: 'a', length: 30_000 }]), // dead
      packOf(fid(2), [
        { id: 'b', length: 5_000 },
        { id: 'x', length: 25_000 },
      ]), // sparse
      packOf(fid(3), [
        { id: 'c', length: 5_000 },
        { id: 'y', length: 25_000 },
      ]), // sparse
      packOf(fid(4), [{ id: 'd', length: 40_000 }]), // full
    ];
    const p = plan(packs, ['data:b', 'data:c', 'data:d']);
    expect(p.doom).toEqual([fid(1)]);
    expect(p.repack.sources).toEqual([fid(2), fid(3)]);
    expect(p.repack.groups).toHaveLength(1);
    expect(p.repack.groups[0]!.blobs.map((b) => b.blob.id).sort()).toEqual(['b', 'c']);
    expect(p.stats.segmentsFreed).toBe(2);
    expect(p.delete).toEqual([]);
  });

  it('does not rewrite a lone sparse pack (no object saved)', () => {
    const packs = [
      packOf(fid(2), [
        { id: 'b', length: 5_000 },
        { id: 'x', length: 25_000 },
      ]),
    ];
    const p = plan(packs, ['data:b']);
    expect(p.repack.sources).toEqual([]);
    expect(p.doom).toEqual([]);
  });

  it('never touches young, pending, pinned or record packs, nor a share manifest pack', () => {
    const now = 10 * GRACE;
    const packs = [
      packOf(fid(1), [{ id: 'a', length: 100 }], { firstSeenMs: now - GRACE + 1 }),
      packOf(fid(2), [{ id: 'b', length: 100 }], { stored: false }),
      packOf(fid(3), [{ id: 'c', length: 100 }]),
      packOf(fid(4), [{ id: 'r', length: 100, type: 'tree' }], { record: true }),
      packOf(fid(5), [{ id: 'm', length: 300, type: 'filenode' }]),
    ];
    const p = plan(packs, [], { pinned: [fid(3)], explained: [fid(5)] });
    expect(p.doom).toEqual([]);
    expect(p.blocked).toBeNull();
  });

  it('deletes an announced pack only after the grace period, and only if copies are stored', () => {
    const packs = [
      packOf(fid(1), [{ id: 'a', length: 100 }]),
      packOf(fid(2), [{ id: 'a', length: 100 }], { stored: false }),
    ];
    const now = 10 * GRACE;
    expect(plan(packs, ['data:a'], { now, myDoomed: [[fid(1), now - GRACE + 1]] }).delete).toEqual(
      [],
    );
    const waiting = plan(packs, ['data:a'], { now, myDoomed: [[fid(1), now - GRACE]] });
    expect(waiting.delete).toEqual([]);
    expect(waiting.waiting[0]!.reason).toMatch(/not stored/);
    packs[1] = { ...packs[1]!, stored: true };
    expect(plan(packs, ['data:a'], { now, myDoomed: [[fid(1), now - GRACE]] }).delete).toEqual([
      fid(1),
    ]);
  });

  it('takes a doom back when the pack holds the only copy of a blob that became live again', () => {
    const packs = [packOf(fid(1), [{ id: 'a', length: 100 }])];
    const p = plan(packs, ['data:a'], { myDoomed: [[fid(1), 0]] });
    expect(p.undoom).toEqual([fid(1)]);
    expect(p.delete).toEqual([]);
  });

  it('a copy in a pack another device dooms does not count', () => {
    const packs = [
      packOf(fid(1), [{ id: 'a', length: 100 }]),
      packOf(fid(2), [{ id: 'a', length: 100 }]),
    ];
    const p = plan(packs, ['data:a'], { myDoomed: [[fid(1), 0]], others: [fid(2)] });
    expect(p.undoom).toEqual([fid(1)]);
  });

  it('an unregistered share from another device holds back deleting data packs for a while', () => {
    const now = 10 * GRACE;
    const packs = [
      packOf(fid(1), [{ id: 'a', length: 100 }]),
      packOf(fid(2), [{ id: 'b', length: 100 }]),
      packOf(fid(5), [{ id: 'm', length: 300, type: 'filenode' }], { firstSeenMs: now - 1 }),
    ];
    const p = plan(packs, ['data:b'], { now, myDoomed: [[fid(1), 0]] });
    expect(p.blocked).toMatch(/not registered/);
    expect(p.delete).toEqual([]);
    expect(p.waiting.map((w) => w.fid)).toEqual([fid(1)]);
    const later = plan(packs, ['data:b'], { now: now + 10 * GRACE, myDoomed: [[fid(1), 0]] });
    expect(later.delete).toEqual([fid(1)]);
  });

  it('a live blob in no listed pack stops every doom and delete', () => {
    const packs = [packOf(fid(1), [{ id: 'a', length: 100 }])];
    const p = plan(packs, ['data:zzz'], { myDoomed: [[fid(1), 0]] });
    expect(p.stats.missing).toBe(1);
    expect(p.doom).toEqual([]);
    expect(p.delete).toEqual([]);
    expect(p.blocked).toMatch(/no listed pack/);
  });

  it('respects the per-run repack budget', () => {
    const packs = Array.from({ length: 6 }, (_, i) =>
      packOf(fid(i + 1), [
        { id: `l${i}`, length: 3_000 },
        { id: `d${i}`, length: 30_000 },
      ]),
    );
    const live = packs.map((_, i) => `data:l${i}`);
    const p = plan(packs, live, { options: { maxRepackBytes: 3 * (3_000 + HEADER_ENTRY_BYTES) } });
    expect(p.repack.sources).toHaveLength(3);
  });
});

// ---------------------------------------------------------------------------------------------
// The simulator

interface SimPack extends PlanPack {
  /** Which device wrote it (for the record of who deleted what). */
  writer: string;
}

interface Device {
  name: string;
  firstSeen: Map<string, number>;
  doomed: Map<string, number>;
}

interface Sim {
  now: number;
  packs: Map<string, SimPack>;
  lengths: Map<string, number>;
  /** Snapshots: the blob keys each references, and whether retention keeps it. */
  snapshots: { keys: Set<string>; kept: boolean }[];
  pinned: Set<string>;
  devices: Device[];
  nextFid: number;
  nextBlob: number;
  /** A writer between its dedup check and its snapshot. */
  pending: Set<string> | null;
  deletedLog: { fid: string; by: string; at: number; doomedAt: number; firstSeen: number }[];
}

function liveOf(sim: Sim): Set<string> {
  const out = new Set<string>();
  for (const s of sim.snapshots) if (s.kept) for (const k of s.keys) out.add(k);
  return out;
}

function holdersOf(sim: Sim, key: string): string[] {
  return [...sim.packs.values()]
    .filter((p) => p.blobs.some((b) => keyOf(b) === key))
    .map((p) => p.fid);
}

function newPack(sim: Sim, keys: string[], writer: string): SimPack {
  const f = fid(sim.nextFid++);
  const p = packOf(
    f,
    keys.map((k) => ({ id: k.slice(5), length: sim.lengths.get(k) as number })),
  );
  const sp: SimPack = { ...p, firstSeenMs: 0, writer };
  sim.packs.set(f, sp);
  return sp;
}

/** What `Repository.has` answers: some copy is in a pack no device dooms. */
function has(sim: Sim, key: string): boolean {
  const doomed = new Set(sim.devices.flatMap((d) => [...d.doomed.keys()]));
  return holdersOf(sim, key).some((h) => !doomed.has(h));
}

function devicePlan(sim: Sim, dev: Device, opts: CompactionOptions): CompactionPlan {
  for (const f of sim.packs.keys()) if (!dev.firstSeen.has(f)) dev.firstSeen.set(f, sim.now);
  const others = new Set<string>();
  for (const d of sim.devices)
    if (d !== dev) for (const f of d.doomed.keys()) if (sim.packs.has(f)) others.add(f);
  return planCompaction({
    now: sim.now,
    packs: [...sim.packs.values()].map((p) => ({
      ...p,
      firstSeenMs: dev.firstSeen.get(p.fid) as number,
    })),
    live: liveOf(sim),
    pinned: sim.pinned,
    explainedShares: new Set(),
    doomedByOthers: others,
    myDoomed: dev.doomed,
    options: opts,
  });
}

/** Carries out a plan as run.ts does: deletes, undooms, new packs, then announces dooms. */
function apply(sim: Sim, dev: Device, p: CompactionPlan): void {
  for (const f of p.delete) {
    const pack = sim.packs.get(f);
    expect(pack, `deleting a pack that is gone: ${f}`).toBeDefined();
    expect(sim.pinned.has(f), 'a pinned pack was deleted').toBe(false);
    sim.deletedLog.push({
      fid: f,
      by: dev.name,
      at: sim.now,
      doomedAt: dev.doomed.get(f) as number,
      firstSeen: dev.firstSeen.get(f) as number,
    });
    sim.packs.delete(f);
    dev.doomed.delete(f);
  }
  for (const f of p.gone) dev.doomed.delete(f);
  for (const f of p.undoom) dev.doomed.delete(f);
  for (const g of p.repack.groups) {
    const weight = g.blobs.reduce((s, b) => s + b.blob.length + HEADER_ENTRY_BYTES, 0);
    expect(weight + PACK_FIXED_BYTES).toBeLessThanOrEqual(TARGET);
    for (const b of g.blobs)
      expect(sim.packs.has(b.from), 'copying from a deleted pack').toBe(true);
    const np = newPack(
      sim,
      g.blobs.map((b) => keyOf(b.blob)),
      dev.name,
    );
    dev.firstSeen.set(np.fid, sim.now);
  }
  for (const f of [...p.doom, ...p.repack.sources])
    if (!dev.doomed.has(f)) dev.doomed.set(f, sim.now);
}

/** Every blob retained snapshots (and a writer in flight) reference still has a copy. */
function checkSafe(sim: Sim): void {
  const need = liveOf(sim);
  if (sim.pending) for (const k of sim.pending) need.add(k);
  for (const k of need)
    expect(holdersOf(sim, k).length, `only copy of ${k} deleted`).toBeGreaterThan(0);
  for (const d of sim.deletedLog) {
    expect(d.at - d.doomedAt, 'deleted before the grace period').toBeGreaterThanOrEqual(GRACE);
    expect(
      d.doomedAt - d.firstSeen,
      'doomed before it was known for the grace period',
    ).toBeGreaterThanOrEqual(GRACE);
  }
}

const simArb = fc.record({
  blobs: fc.array(fc.integer({ min: 29, max: 20_000 }), { minLength: 1, maxLength: 40 }),
  packs: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), {
    minLength: 1,
    maxLength: 14,
  }),
  snapshots: fc.array(fc.array(fc.nat(), { maxLength: 12 }), { minLength: 1, maxLength: 6 }),
  pins: fc.array(fc.nat(), { maxLength: 2 }),
  steps: fc.array(
    fc.record({
      device: fc.integer({ min: 0, max: 1 }),
      advance: fc.integer({ min: 1, max: GRACE - 1 }),
      forget: fc.array(fc.nat(), { maxLength: 2 }),
      write: fc.option(
        fc.record({
          reuse: fc.array(fc.nat(), { maxLength: 4 }),
          fresh: fc.array(fc.integer({ min: 29, max: 20_000 }), { maxLength: 3 }),
        }),
      ),
    }),
    { maxLength: 24 },
  ),
});

function buildSim(g: SimInput): Sim {
  const sim: Sim = {
    now: 0,
    packs: new Map(),
    lengths: new Map(),
    snapshots: [],
    pinned: new Set(),
    devices: [
      { name: 'A', firstSeen: new Map(), doomed: new Map() },
      { name: 'B', firstSeen: new Map(), doomed: new Map() },
    ],
    nextFid: 1,
    nextBlob: 0,
    pending: null,
    deletedLog: [],
  };
  const keys = g.blobs.map((len, i) => {
    const k = `data:b${i}`;
    sim.lengths.set(k, len + 28);
    return k;
  });
  sim.nextBlob = keys.length;
  for (const idx of g.packs) {
    const ks = [...new Set(idx.map((i) => keys[i % keys.length] as string))];
    // Fill packs like a writer would: split when the target would be exceeded.
    let cur: string[] = [];
    let w = PACK_FIXED_BYTES;
    for (const k of ks) {
      const kw = (sim.lengths.get(k) as number) + HEADER_ENTRY_BYTES;
      if (cur.length > 0 && w + kw > TARGET) {
        newPack(sim, cur, 'writer');
        cur = [];
        w = PACK_FIXED_BYTES;
      }
      cur.push(k);
      w += kw;
    }
    if (cur.length > 0) newPack(sim, cur, 'writer');
  }
  const present = [...new Set([...sim.packs.values()].flatMap((p) => p.blobs.map(keyOf)))];
  for (const s of g.snapshots)
    sim.snapshots.push({
      keys: new Set(s.map((i) => present[i % present.length] as string)),
      kept: true,
    });
  const fids = [...sim.packs.keys()];
  for (const i of g.pins) sim.pinned.add(fids[i % fids.length] as string);
  return sim;
}

type SimInput = {
  blobs: number[];
  packs: number[][];
  snapshots: number[][];
  pins: number[];
  steps: {
    device: number;
    advance: number;
    forget: number[];
    write: { reuse: number[]; fresh: number[] } | null;
  }[];
};

function step(sim: Sim, s: SimInput['steps'][number]): void {
  // A writer in flight publishes its snapshot (it checked `has` less than a grace period ago).
  if (sim.pending) {
    sim.snapshots.push({ keys: sim.pending, kept: true });
    sim.pending = null;
  }
  for (const i of s.forget) {
    const kept = sim.snapshots.filter((x) => x.kept);
    const victim = kept[i % Math.max(1, kept.length)];
    if (victim && kept.length > 1) victim.kept = false;
  }
  if (s.write) {
    // Deduplicate against what `has` says exists, write fresh blobs in a new pack.
    const all = [...new Set([...sim.packs.values()].flatMap((p) => p.blobs.map(keyOf)))];
    const reuse = s.write.reuse
      .map((i) => all[i % Math.max(1, all.length)])
      .filter((k): k is string => k !== undefined && has(sim, k));
    const fresh = s.write.fresh.map((len) => {
      const k = `data:n${sim.nextBlob++}`;
      sim.lengths.set(k, len + 28);
      return k;
    });
    if (fresh.length > 0) newPack(sim, fresh, 'writer');
    sim.pending = new Set([...reuse, ...fresh]);
  }
  const dev = sim.devices[s.device] as Device;
  apply(sim, dev, devicePlan(sim, dev, OPTS));
  checkSafe(sim);
  sim.now += s.advance;
}

const empty = (p: CompactionPlan): boolean =>
  p.delete.length === 0 &&
  p.doom.length === 0 &&
  p.repack.groups.length === 0 &&
  p.undoom.length === 0;

/** The simulation after the input's steps, its last pending snapshot published. */
function simAfterSteps(g: SimInput): ReturnType<typeof buildSim> {
  const sim = buildSim(g);
  for (const s of g.steps) step(sim, s);
  if (sim.pending) {
    sim.snapshots.push({ keys: sim.pending, kept: true });
    sim.pending = null;
  }
  return sim;
}

describe('compaction planner: properties (simulated devices, seeded)', () => {
  const runs = { seed: 20260105, numRuns: 300 };

  it('never deletes the only copy of a referenced blob, respects the grace period, never deletes a pinned pack', () => {
    fc.assert(
      fc.property(simArb, (g) => {
        const sim = simAfterSteps(g as SimInput);
        // Then time passes in large steps until both devices have nothing left to do.
        for (let i = 0; i < 12; i++) {
          for (const dev of sim.devices) apply(sim, dev, devicePlan(sim, dev, OPTS));
          checkSafe(sim);
          sim.now += GRACE + 1;
        }
      }),
      runs,
    );
  });

  it('terminates: a quiet repository reaches a state where no device plans anything', () => {
    fc.assert(
      fc.property(simArb, (g) => {
        const sim = simAfterSteps(g as SimInput);
        let quietFor = 0;
        for (let i = 0; i < 16 && quietFor < 2; i++) {
          let quiet = true;
          for (const dev of sim.devices) {
            const p = devicePlan(sim, dev, OPTS);
            if (!empty(p) || p.waiting.length > 0 || dev.doomed.size > 0) quiet = false;
            apply(sim, dev, p);
          }
          quietFor = quiet ? quietFor + 1 : 0;
          sim.now += GRACE + 1;
        }
        expect(quietFor, 'still planning after 16 grace periods').toBe(2);
        checkSafe(sim);
      }),
      runs,
    );
  });

  it('idempotent: once one full cycle (doom, grace, delete) has run, the next deletes nothing more', () => {
    fc.assert(
      fc.property(simArb, (g) => {
        const sim = buildSim(g as SimInput);
        const [a] = sim.devices as [Device];
        sim.now += 1;
        devicePlan(sim, a, OPTS); // first sight
        sim.now += GRACE + 1;
        // Cycle 1: doom and repack, then delete after the grace period.
        apply(sim, a, devicePlan(sim, a, OPTS));
        sim.now += GRACE + 1;
        apply(sim, a, devicePlan(sim, a, OPTS));
        sim.now += GRACE + 1;
        const before = sim.packs.size;
        // Cycle 2 and later: nothing is doomed, rewritten or deleted.
        for (let i = 0; i < 3; i++) {
          const p = devicePlan(sim, a, OPTS);
          expect(p.doom, 'doomed more after a full cycle').toEqual([]);
          expect(p.repack.groups, 'rewrote more after a full cycle').toEqual([]);
          expect(p.delete, 'deleted more after a full cycle').toEqual([]);
          apply(sim, a, p);
          sim.now += GRACE + 1;
        }
        expect(sim.packs.size).toBe(before);
        // Planning the same state twice gives the same plan, in any pack order.
        const input = (order: (x: SimPack[]) => SimPack[]) =>
          planCompaction({
            now: sim.now,
            packs: order([...sim.packs.values()]).map((p) => ({
              ...p,
              firstSeenMs: a.firstSeen.get(p.fid) as number,
            })),
            live: liveOf(sim),
            pinned: sim.pinned,
            explainedShares: new Set(),
            doomedByOthers: new Set(),
            myDoomed: a.doomed,
            options: OPTS,
          });
        expect(input((x) => [...x].reverse())).toEqual(input((x) => x));
      }),
      runs,
    );
  });

  it('a repack frees objects: many sparse packs become fewer, all live blobs kept', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 29, max: 4_000 }), { minLength: 3, maxLength: 30 }),
        (lens) => {
          const packs = lens.map((len, i) =>
            packOf(fid(i + 1), [
              { id: `l${i}`, length: len + 28 },
              { id: `d${i}`, length: 30_000 },
            ]),
          );
          const live = lens.map((_, i) => `data:l${i}`);
          const p = plan(packs, live);
          const copied = p.repack.groups.flatMap((g) => g.blobs.map((b) => keyOf(b.blob))).sort();
          expect(copied).toEqual([...live].sort());
          expect(p.repack.groups.length).toBeLessThan(packs.length);
          expect(
            p.repack.groups.filter((g) => g.weight <= (TARGET - PACK_FIXED_BYTES) / 2).length,
          ).toBeLessThanOrEqual(1);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
