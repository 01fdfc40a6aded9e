/**
 * The compaction planner (docs/format.md §10): from the packs of the account, the blobs still
 * reachable from retained snapshots, share pins and the devices' compaction records, decide
 * which packs to announce as doomed (dead ones, and sparse ones once their live blobs are
 * copied into new packs), which announced packs to delete now, and which to take back.
 *
 * Pure: no I/O, no clock (`now` is an input), the same input in any order gives the same plan.
 *
 * Multi-device safety without a lock (several devices of one account write to the same
 * territory): deletion is two-phase, as in Duplicacy's lock-free "fossil collection".
 * 1. A pack is doomed only when this device has known it for `graceMs`, it is stored, not
 *    pinned by a share, and every live blob it holds has a copy in a pack that stays. Dooming
 *    is announced in a record on CESS; from then on every device stops deduplicating against
 *    the pack (Repository.has) and reads its blobs elsewhere.
 * 2. A doomed pack is deleted only `graceMs` after the announcement, and only if, against the
 *    repository as it is then (snapshots written meanwhile included), each live blob it holds
 *    still has a copy in a stored pack nobody dooms. A blob a pass referenced in the meantime is
 *    live again; if the doomed pack holds its only copy the doom is taken back.
 * The grace period must exceed the longest sync pass (a pass that decided to reuse a blob more
 * than `graceMs` before it publishes its snapshot is the one case this cannot see).
 */
import { CESS_SEGMENT_SIZE, PACK_TARGET_SIZE, type BlobTypeName } from '../format/index.js';

/** Bytes a blob adds to a pack besides its own: its 37-byte header entry. */
export const HEADER_ENTRY_BYTES = 37;
/** Bytes of a pack that are not blobs or entries: prefix 5, header AEAD 28 + 20, trailer 8. */
export const PACK_FIXED_BYTES = 61;

export interface PlanBlob {
  type: BlobTypeName;
  id: string;
  /** Where the encrypted blob is in its pack. */
  offset: number;
  /** Encrypted length. */
  length: number;
}

export interface PlanPack {
  fid: string;
  size: number;
  /** The deal is complete (listed in UserHoldFileList), not pending. */
  stored: boolean;
  /** When this device first saw the pack (its own clock). */
  firstSeenMs: number;
  blobs: readonly PlanBlob[];
  /** A compaction record pack (never touched by the planner; the runner manages its own). */
  record?: boolean;
}

export interface CompactionOptions {
  /** How long a pack must be known before it is doomed, and doomed before it is deleted. */
  graceMs: number;
  /** A pack whose live blobs fill less than this fraction of its segments is sparse. */
  minLiveFraction: number;
  /** Size of the packs a repack writes (one CESS segment). */
  packTarget: number;
  /** At most this many blob bytes copied per run (bounds a run's time and traffic). */
  maxRepackBytes: number;
  /** A repack must free at least this many CESS objects (segments), or it is not done. */
  minSegmentsSaved: number;
  /**
   * A pack that looks like a share manifest made on another device (one file-node-typed blob
   * that no snapshot references) and that no record explains holds deletions of data packs
   * back for this long after it is first seen: its owner device has not published its pins yet.
   */
  unknownShareGraceMs: number;
}

export const DEFAULT_COMPACTION_OPTIONS: CompactionOptions = Object.freeze({
  graceMs: 24 * 3_600_000,
  minLiveFraction: 0.5,
  packTarget: PACK_TARGET_SIZE,
  maxRepackBytes: 512 * 1024 * 1024,
  minSegmentsSaved: 1,
  unknownShareGraceMs: 7 * 24 * 3_600_000,
});

export interface PlanInput {
  now: number;
  packs: readonly PlanPack[];
  /** Blob keys (`type:id`) reachable from retained snapshots. */
  live: ReadonlySet<string>;
  /** Packs share links point at (the manifests' and their chunks'), from every device. */
  pinned: ReadonlySet<string>;
  /** Share-manifest packs some record accounts for (pinned or released by its owner). */
  explainedShares: ReadonlySet<string>;
  /** Packs other devices' newest records doom. */
  doomedByOthers: ReadonlySet<string>;
  /** Packs this device announced as doomed, with when. */
  myDoomed: ReadonlyMap<string, number>;
  options: CompactionOptions;
}

export interface RepackSource {
  from: string;
  blob: PlanBlob;
}

export interface RepackGroup {
  /** Blobs of one new pack, in order, each with the pack it is copied from. */
  blobs: RepackSource[];
  /** Bytes it will hold besides the fixed overhead (blobs + header entries). */
  weight: number;
}

export interface CompactionPlan {
  /** Doomed by this device, grace passed, safe now: delete on chain. */
  delete: string[];
  /** Doomed by this device, grace passed, not deletable yet. */
  waiting: { fid: string; reason: string }[];
  /** Doomed by this device but needed again (the only copy of a live blob): take back. */
  undoom: string[];
  /** Doomed by this device, no longer listed: deleted (by us or another device). */
  gone: string[];
  /** Packs with no live blob that stays only there: announce as doomed now. */
  doom: string[];
  /** Sparse packs to rewrite: write `groups` as new packs, then announce `sources` doomed. */
  repack: { sources: string[]; groups: RepackGroup[] };
  /** Why no pack holding data is deleted this run, if so. */
  blocked: string | null;
  stats: PlanStats;
}

export interface PlanStats {
  packs: number;
  /** CESS objects' segments held now (each locks 96 MiB of territory). */
  segments: number;
  liveBytes: number;
  /** Live blobs found in no listed pack (the listing is incomplete, or data was lost). */
  missing: number;
  /** Segments freed once this plan's dooms and repacks are deleted. */
  segmentsFreed: number;
  repackBytes: number;
}

export function segmentsOf(size: number): number {
  return Math.max(1, Math.ceil(size / CESS_SEGMENT_SIZE));
}

const keyOf = (b: PlanBlob): string => `${b.type}:${b.id}`;
const weightOf = (b: PlanBlob): number => b.length + HEADER_ENTRY_BYTES;
const byFid = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A pack holding one file node no retained snapshot references: a share manifest's pack. */
export function looksLikeShareManifest(p: PlanPack, live: ReadonlySet<string>): boolean {
  const b = p.blobs[0];
  return !p.record && p.blobs.length === 1 && b?.type === 'filenode' && !live.has(keyOf(b));
}

export function planCompaction(input: PlanInput): CompactionPlan {
  const { now, live, pinned, options: o } = input;
  const packs = [...input.packs].sort((a, b) => byFid(a.fid, b.fid));
  const pack = new Map(packs.map((p) => [p.fid, p]));
  const cap = o.packTarget - PACK_FIXED_BYTES;
  const doomedAny = new Set<string>([...input.doomedByOthers, ...input.myDoomed.keys()]);

  // Who holds each live blob (record packs hold none). A blob's sealed length is the same in
  // every pack (same plaintext, same overhead), so its weight is kept once.
  const holders = new Map<string, string[]>();
  const blobLength = new Map<string, number>();
  const liveWeight = new Map<string, number>();
  for (const p of packs) {
    let w = 0;
    if (!p.record)
      for (const b of p.blobs) {
        const k = keyOf(b);
        if (!live.has(k)) continue;
        w += weightOf(b);
        blobLength.set(k, b.length);
        const h = holders.get(k);
        if (h) h.push(p.fid);
        else holders.set(k, [p.fid]);
      }
    liveWeight.set(p.fid, w);
  }
  let missing = 0;
  for (const k of live) if (!holders.has(k)) missing++;

  const shareLike = new Set(packs.filter((p) => looksLikeShareManifest(p, live)).map((p) => p.fid));
  const unknownShares = packs.filter(
    (p) =>
      shareLike.has(p.fid) &&
      !input.explainedShares.has(p.fid) &&
      now - p.firstSeenMs < o.unknownShareGraceMs,
  );
  const isProtected = (p: PlanPack): boolean =>
    p.record === true ||
    shareLike.has(p.fid) ||
    pinned.has(p.fid) ||
    !p.stored ||
    now - p.firstSeenMs < o.graceMs;

  let blocked: string | null = null;
  if (missing > 0)
    blocked = `${missing} blob(s) that retained snapshots reference are in no listed pack (an incomplete listing, or lost data): nothing is doomed or deleted`;
  else if (unknownShares.length > 0)
    blocked = `${unknownShares.length} share(s) made on another device are not registered yet (that device publishes them when it next runs compaction): packs holding file data are kept until then`;

  // --- phase 2: this device's doomed packs ----------------------------------------------------
  const del: string[] = [];
  const deleting = new Set<string>();
  const waiting: { fid: string; reason: string }[] = [];
  const undoom: string[] = [];
  const gone: string[] = [];
  for (const fid of [...input.myDoomed.keys()].sort(byFid)) {
    const p = pack.get(fid);
    if (!p) {
      gone.push(fid);
      continue;
    }
    if (p.record === true || pinned.has(fid) || shareLike.has(fid)) {
      undoom.push(fid);
      continue;
    }
    let needed = false;
    let unstoredCopy = false;
    for (const b of p.blobs) {
      const k = keyOf(b);
      if (!live.has(k)) continue;
      const others = (holders.get(k) ?? []).filter(
        (h) => h !== fid && !doomedAny.has(h) && !deleting.has(h),
      );
      if (others.length === 0) {
        needed = true;
        break;
      }
      if (!others.some((h) => pack.get(h)?.stored === true)) unstoredCopy = true;
    }
    if (needed) {
      undoom.push(fid);
      continue;
    }
    const doomedMs = input.myDoomed.get(fid) ?? now;
    if (now - doomedMs < o.graceMs) continue;
    if (missing > 0) waiting.push({ fid, reason: blocked ?? 'blocked' });
    else if (!p.stored) waiting.push({ fid, reason: 'its upload is still pending on chain' });
    else if (unstoredCopy)
      waiting.push({ fid, reason: 'the new copy of a live blob is not stored on chain yet' });
    else if (blocked && p.blobs.some((b) => b.type === 'data'))
      waiting.push({ fid, reason: blocked });
    else {
      del.push(fid);
      deleting.add(fid);
    }
  }

  // --- phase 1: which packs to doom now --------------------------------------------------------
  // Each live blob counts for one holder only, so duplicate copies (two devices repacked the
  // same pack) do not keep each other alive. Preferred holders: not doomed, kept anyway
  // (protected), fuller, then by fid, so every device with the same view picks the same one.
  const rank = new Map<string, [number, number, number, string]>();
  for (const p of packs)
    rank.set(p.fid, [
      doomedAny.has(p.fid) ? 1 : 0,
      isProtected(p) ? 0 : 1,
      -(liveWeight.get(p.fid) ?? 0),
      p.fid,
    ]);
  const better = (a: string, b: string): boolean => {
    const ra = rank.get(a) as [number, number, number, string];
    const rb = rank.get(b) as [number, number, number, string];
    for (let i = 0; i < 4; i++) if (ra[i] !== rb[i]) return (ra[i] as number) < (rb[i] as number);
    return false;
  };
  const assigned = new Map<string, number>();
  for (const [k, hs] of holders) {
    let best = hs[0] as string;
    for (const h of hs) if (better(h, best)) best = h;
    assigned.set(best, (assigned.get(best) ?? 0) + (blobLength.get(k) ?? 0) + HEADER_ENTRY_BYTES);
  }

  // Packs only other devices doom may be doomed here too when dead (their device may be gone
  // for good); rewriting them is left to the device that doomed them.
  const eligible = packs.filter((p) => !isProtected(p) && !input.myDoomed.has(p.fid));
  const dead: string[] = [];
  const sparse: PlanPack[] = [];
  if (missing === 0)
    for (const p of eligible) {
      const a = assigned.get(p.fid) ?? 0;
      if (a === 0) dead.push(p.fid);
      else if (!doomedAny.has(p.fid) && a < o.minLiveFraction * segmentsOf(p.size) * cap)
        sparse.push(p);
    }
  sparse.sort(
    (x, y) => (assigned.get(x.fid) ?? 0) - (assigned.get(y.fid) ?? 0) || byFid(x.fid, y.fid),
  );

  let chosen: PlanPack[] = [];
  let budget = o.maxRepackBytes;
  for (const p of sparse) {
    const a = assigned.get(p.fid) ?? 0;
    if (a > budget) break;
    budget -= a;
    chosen.push(p);
  }

  const plan = (sources: PlanPack[]): { groups: RepackGroup[]; copied: number } => {
    const removal = new Set<string>([...dead, ...sources.map((p) => p.fid)]);
    const stays = (h: string): boolean => !removal.has(h) && !doomedAny.has(h);
    const copy = new Map<string, RepackSource>();
    for (const p of sources)
      for (const b of p.blobs) {
        const k = keyOf(b);
        if (!live.has(k) || copy.has(k)) continue;
        if ((holders.get(k) ?? []).some(stays)) continue;
        copy.set(k, { from: p.fid, blob: b });
      }
    // First-fit decreasing: at most one new pack ends up less than half full, so the result is
    // not sparse again (the plan is idempotent).
    const items = [...copy.entries()].sort(
      ([ka, a], [kb, b]) => weightOf(b.blob) - weightOf(a.blob) || byFid(ka, kb),
    );
    const groups: RepackGroup[] = [];
    let copied = 0;
    for (const [, it] of items) {
      const w = weightOf(it.blob);
      copied += it.blob.length;
      const g = groups.find((x) => x.weight + w <= cap);
      if (g) {
        g.blobs.push(it);
        g.weight += w;
      } else groups.push({ blobs: [it], weight: w });
    }
    return { groups, copied };
  };

  let rp = plan(chosen);
  const saved = chosen.reduce((s, p) => s + segmentsOf(p.size), 0) - rp.groups.length;
  if (chosen.length > 0 && saved < o.minSegmentsSaved) {
    chosen = [];
    rp = plan(chosen);
  }
  // Dead packs need no copy: their live blobs are counted for a pack that stays (or is copied).
  const deadSegments = dead.reduce((s, f) => s + segmentsOf((pack.get(f) as PlanPack).size), 0);

  let liveBytes = 0;
  for (const n of blobLength.values()) liveBytes += n;
  return {
    delete: del,
    waiting,
    undoom,
    gone,
    doom: dead,
    repack: { sources: chosen.map((p) => p.fid), groups: rp.groups },
    blocked,
    stats: {
      packs: packs.length,
      segments: packs.reduce((s, p) => s + segmentsOf(p.size), 0),
      liveBytes,
      missing,
      segmentsFreed:
        deadSegments +
        (chosen.length > 0
          ? chosen.reduce((s, p) => s + segmentsOf(p.size), 0) - rp.groups.length
          : 0),
      repackBytes: rp.copied,
    },
  };
}
