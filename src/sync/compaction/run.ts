/**
 * One compaction run on this device (docs/format.md §10): refresh the repository, apply the
 * retention policy, compute what retained snapshots and shares still need, then
 * 1. delete the packs this device doomed at least a grace period ago and that are still safe
 *    to delete (a refused delete, e.g. a deal still pending, is retried by a later run);
 * 2. copy the live blobs of sparse packs into new packs (ciphertext, through the object store);
 * 3. announce, in a new compaction record, the packs it now dooms (dead ones, and the sparse
 *    ones whose live blobs have their new copies), its share pins, and what it took back;
 * 4. delete its own superseded records, and the manifests of its revoked shares.
 *
 * Crash safety: every step is durable on its own and in this order. New packs are uploaded
 * before anything is doomed, dooms are announced before anything is deleted, and deletes only
 * come a grace period later. The run in progress (sources, dead packs, packs written) is kept
 * in the manifest, so a run killed after uploading announces the dooms on restart instead of
 * copying again; a record uploaded just before a kill is found on CESS and adopted.
 */
import { mkdir } from 'node:fs/promises';
import { BLOB_OVERHEAD, PackWriter, type FormatKeys } from '../format/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ObjectStore } from '../remote/object-store.js';
import { writeAndPutPack } from '../remote/put-pack.js';
import type { Repository } from '../remote/repository.js';
import { listShareRecords, updateShareRecord } from '../share/records.js';
import { looksLikeShareRecordPack } from '../share/account-records.js';
import { reachable, type Reach } from './graph.js';
import {
  DEFAULT_COMPACTION_OPTIONS,
  planCompaction,
  segmentsOf,
  type CompactionOptions,
  type CompactionPlan,
  type PlanPack,
} from './plan.js';
import { latestRecords, writeRecordPack, type CompactionRecord, type SharePin } from './record.js';
import { DEFAULT_RETENTION, applyRetention, type RetentionPolicy } from './retention.js';
import { CompactionState } from './state.js';

/** Territory one segment of a stored object locks (32 MiB x 3 replicas). */
export const TERRITORY_PER_SEGMENT = 96 * 1024 * 1024;

export interface CompactionContext {
  manifest: Manifest;
  keys: FormatKeys;
  /** The account's PReT secret scalar (opens file nodes to find their chunks). */
  secretScalar: Uint8Array;
  repo: Repository;
  store: ObjectStore;
  /** Where new packs are written before their upload (removed after). */
  tmpDir: string;
  now?: () => number;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export type CompactionStep = 'deleted' | 'uploaded' | 'announced';

export interface CompactionRunOptions {
  retention?: RetentionPolicy;
  options?: Partial<CompactionOptions>;
  /** Plan and report only: nothing is uploaded, announced or deleted. */
  dryRun?: boolean;
  /** Called after each durable step (tests use it to stop a run half-way). */
  onStep?: (step: CompactionStep, fid: string) => void | Promise<void>;
}

export interface CompactionReport {
  dryRun: boolean;
  startedMs: number;
  finishedMs: number;
  snapshots: { total: number; kept: number; forgotten: number };
  packs: number;
  /** CESS segments held by the account's packs before this run. */
  segments: number;
  liveBytes: number;
  /** Deleted on chain by this run. */
  deleted: string[];
  /** Segments those held (each locked 96 MiB of territory). */
  segmentsDeleted: number;
  /** Doomed packs not deleted yet, and why. */
  waiting: { fid: string; reason: string }[];
  /** Announced as doomed by this run (deleted by a later run, after the grace period). */
  doomed: string[];
  /** Doomed earlier, taken back (needed again). */
  undoomed: string[];
  repacked: { sources: string[]; newPacks: string[]; bytes: number };
  /** The record this run published, if any. */
  record: string | null;
  /** Why deletions were held back, if they were. */
  blocked: string | null;
  errors: string[];
}

/** This device's compaction state as its published record should say it. */
interface OwnState {
  doomed: Set<string>;
  pins: SharePin[];
  released: string[];
}

export async function runCompaction(
  ctx: CompactionContext,
  run: CompactionRunOptions = {},
): Promise<CompactionReport> {
  const clock = ctx.now ?? Date.now;
  const startedMs = clock();
  const opts: CompactionOptions = { ...DEFAULT_COMPACTION_OPTIONS, ...run.options };
  const dryRun = run.dryRun === true;
  const st = new CompactionState(ctx.manifest);
  const deviceId = ctx.manifest.deviceId();
  const log = ctx.log ?? (() => undefined);
  const errors: string[] = [];

  await ctx.repo.refresh(ctx.signal);
  let packs = ctx.repo.packs();
  const listed = new Set(packs.map((p) => p.fid));
  const rows = st.syncPacks([...listed], startedMs);
  if (!dryRun) {
    const pruned = st.pruneRefCache((type, id) => ctx.repo.has(type, id));
    if (pruned > 0) log(`compaction: forgot ${pruned} cached references of deleted blobs`);
  }
  const mine = ownDoomed(st, ctx.repo, deviceId, listed, startedMs);

  // What must stay: retained snapshots and everything they reach.
  const snapshots = await ctx.repo.allSnapshots(true);
  const retention = applyRetention(
    snapshots.map((s) => ({ id: s.id, ...s.snapshot })),
    run.retention ?? DEFAULT_RETENTION,
  );
  const kept = snapshots.filter((s) => retention.keep.has(s.id));
  const graph = {
    repo: ctx.repo,
    keys: ctx.keys,
    secretScalar: ctx.secretScalar,
    cache: st.refCache(),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  const reach = await reachable(graph, kept);

  // Shares: ours (pins kept since each share was made, derived for older ones), and every
  // other device's as its newest record says.
  const own = await ownShares(ctx, st, reach, () => reachable(graph, snapshots), packs);
  const latest = latestRecords(ctx.repo.compactionRecords());
  const pinned = new Set<string>();
  const explained = new Set<string>(own.released);
  const doomedByOthers = new Set<string>();
  for (const p of own.pins) for (const f of [p.manifest, ...p.packs]) pinned.add(f);
  for (const p of own.pins) explained.add(p.manifest);
  for (const [dev, { record }] of latest) {
    if (dev === deviceId) continue;
    for (const p of record.pins) {
      explained.add(p.manifest);
      for (const f of [p.manifest, ...p.packs]) pinned.add(f);
    }
    for (const f of record.released) explained.add(f);
    for (const f of record.doomed) if (listed.has(f)) doomedByOthers.add(f);
  }

  // Record packs are roots: compaction records, and the owner's share records
  // (src/sync/share/account-records.ts; their writers delete their superseded ones).
  const recordFids = new Set(ctx.repo.compactionRecords().map((r) => r.fid));
  for (const p of packs) if (looksLikeShareRecordPack(p)) recordFids.add(p.fid);
  const toPlanPacks = (list: typeof packs): PlanPack[] =>
    list.map((p) => ({
      fid: p.fid,
      size: p.size,
      stored: p.state === 'stored',
      firstSeenMs: rows.get(p.fid)?.firstSeenMs ?? clock(),
      blobs: p.entries.map((e) => ({ type: e.type, id: e.id, offset: e.offset, length: e.length })),
      ...(recordFids.has(p.fid) ? { record: true } : {}),
    }));
  const plan: CompactionPlan = planCompaction({
    now: startedMs,
    packs: toPlanPacks(packs),
    live: reach.live,
    pinned,
    explainedShares: explained,
    doomedByOthers,
    myDoomed: mine,
    options: opts,
  });
  if (own.unknown.length > 0 && plan.blocked === null)
    plan.blocked = `shares ${own.unknown.join(', ')} made on this device point at versions no snapshot holds any more; their chunks cannot be found, so packs holding file data are kept`;

  const report: CompactionReport = {
    dryRun,
    startedMs,
    finishedMs: startedMs,
    snapshots: { total: snapshots.length, kept: kept.length, forgotten: retention.forget.length },
    packs: plan.stats.packs,
    segments: plan.stats.segments,
    liveBytes: plan.stats.liveBytes,
    deleted: [],
    segmentsDeleted: 0,
    waiting: [...plan.waiting],
    doomed: [],
    undoomed: [...plan.undoom],
    repacked: { sources: [], newPacks: [], bytes: 0 },
    record: null,
    blocked: plan.blocked,
    errors,
  };
  if (dryRun) {
    report.doomed = [...plan.doom, ...plan.repack.sources];
    report.repacked = {
      sources: plan.repack.sources,
      newPacks: [],
      bytes: plan.stats.repackBytes,
    };
    report.deleted = [...plan.delete];
    report.segmentsDeleted = segmentsSum(packs, plan.delete);
    report.finishedMs = clock();
    return report;
  }

  // 1. Deletes announced a grace period ago (and still safe, as the plan re-checked).
  const blockedData = own.unknown.length > 0;
  for (const fid of plan.gone) st.forget(fid);
  for (const fid of plan.delete) {
    const p = packs.find((x) => x.fid === fid);
    if (blockedData && p?.entries.some((e) => e.type === 'data')) {
      report.waiting.push({ fid, reason: report.blocked ?? 'blocked' });
      continue;
    }
    try {
      await ctx.store.delete(fid);
      st.forget(fid);
      ctx.manifest.removePendingObject(fid);
      report.deleted.push(fid);
      report.segmentsDeleted += p ? segmentsOf(p.size) : 1;
      log(`compaction: deleted pack ${fid}`);
      await run.onStep?.('deleted', fid);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      st.noteDeleteFailure(fid, msg);
      report.waiting.push({ fid, reason: `delete refused, retried next run: ${msg}` });
    }
  }
  st.undoom(plan.undoom);

  // 2. Repack (or finish the repack a killed run left).
  let progress = st.progress();
  if (!progress && plan.repack.groups.length > 0) {
    progress = {
      startedMs,
      sources: plan.repack.sources,
      dead: plan.doom,
      written: [],
    };
    st.setProgress(progress);
    await mkdir(ctx.tmpDir, { recursive: true });
    for (const group of plan.repack.groups) {
      ctx.signal?.throwIfAborted();
      const fid = await writeAndPutPack(ctx, 'compact', async (sink) => {
        const w = new PackWriter(ctx.keys, sink, { target: opts.packTarget });
        for (const { from, blob } of group.blobs) {
          const sealed = await ctx.repo.readSealedFrom(from, {
            ...blob,
            plaintextLength: blob.length - BLOB_OVERHEAD,
          });
          await w.addSealed(blob.type, blob.id, sealed);
        }
        return w.finish();
      });
      progress.written.push(fid);
      st.setProgress(progress);
      report.repacked.newPacks.push(fid);
      report.repacked.bytes += group.blobs.reduce((s, b) => s + b.blob.length, 0);
      log(`compaction: wrote pack ${fid} (${group.blobs.length} blobs)`);
      await run.onStep?.('uploaded', fid);
    }
  } else if (progress) {
    log(`compaction: resuming a run of ${new Date(progress.startedMs).toISOString()}`);
    report.repacked.newPacks.push(...progress.written);
  }

  // 3. Announce: dead packs, and rewritten ones whose live blobs now have copies elsewhere.
  const candidates = progress ? [...progress.sources, ...progress.dead] : plan.doom;
  let confirmed: string[] = [];
  // Never on an incomplete picture (a live blob in no listed pack): the plan doomed nothing either.
  if (candidates.length > 0 && plan.stats.missing === 0) {
    if (progress) {
      await ctx.repo.refresh(ctx.signal);
      packs = ctx.repo.packs();
    }
    const present = new Set(packs.map((p) => p.fid));
    const others = new Set([...doomedByOthers, ...mine.keys()]);
    confirmed = haveCopiesElsewhere(packs, reach, candidates, others).filter((f) => present.has(f));
    report.repacked.sources = (progress?.sources ?? []).filter((f) => confirmed.includes(f));
  }
  const next: OwnState = {
    doomed: new Set(
      [...mine.keys()].filter(
        (f) => !plan.undoom.includes(f) && !report.deleted.includes(f) && !plan.gone.includes(f),
      ),
    ),
    pins: own.pins,
    released: own.released,
  };
  for (const f of confirmed) next.doomed.add(f);
  try {
    const published = await publishIfChanged(ctx, st, deviceId, next, clock);
    if (published) {
      report.record = published;
      st.markDoomed(confirmed, clock());
      report.doomed = confirmed.filter((f) => !mine.has(f));
      await run.onStep?.('announced', published);
    }
    st.setProgress(null);
  } catch (err) {
    errors.push(
      `announcing failed (retried next run): ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  // 4. Housekeeping: superseded records of this device, manifests of revoked shares.
  await cleanOwnRecords(ctx, st, deviceId, report);
  await deleteRevokedManifests(ctx, report);
  st.setLastRun({
    finishedMs: clock(),
    deleted: report.deleted.length,
    doomed: report.doomed.length,
  });
  report.finishedMs = clock();
  return report;
}

function segmentsSum(packs: { fid: string; size: number }[], fids: readonly string[]): number {
  const set = new Set(fids);
  return packs.filter((p) => set.has(p.fid)).reduce((s, p) => s + segmentsOf(p.size), 0);
}

/**
 * The packs this device has doomed, as announced: rows marked doomed that its newest record
 * lists. A doom in the record but not marked (a kill right after the upload) is adopted now;
 * one marked but missing from the record (never announced) is dropped.
 */
function ownDoomed(
  st: CompactionState,
  repo: Repository,
  deviceId: string,
  listed: ReadonlySet<string>,
  now: number,
): Map<string, number> {
  const latest = latestRecords(repo.compactionRecords()).get(deviceId);
  const announced = new Set(latest?.record.doomed ?? []);
  const marked = st.doomed();
  const adopt = [...announced].filter((f) => listed.has(f) && !marked.has(f));
  st.markDoomed(adopt, now);
  st.undoom([...marked.keys()].filter((f) => !announced.has(f)));
  const out = new Map<string, number>();
  for (const [f, ms] of st.doomed()) if (announced.has(f)) out.set(f, ms);
  return out;
}

/** Candidates each of whose live blobs has a copy in a pack outside `others` and the candidates. */
function haveCopiesElsewhere(
  packs: ReturnType<Repository['packs']>,
  reach: Reach,
  candidates: readonly string[],
  others: ReadonlySet<string>,
): string[] {
  const gone = new Set([...candidates, ...others]);
  const kept = new Set<string>();
  for (const p of packs) {
    if (gone.has(p.fid)) continue;
    for (const e of p.entries) kept.add(`${e.type}:${e.id}`);
  }
  const byFid = new Map(packs.map((p) => [p.fid, p]));
  return [...new Set(candidates)].filter((fid) =>
    (byFid.get(fid)?.entries ?? []).every((e) => {
      const k = `${e.type}:${e.id}`;
      return !reach.live.has(k) || kept.has(k);
    }),
  );
}

interface OwnShares {
  pins: SharePin[];
  released: string[];
  /** Shares whose chunks could not be found (packs with data are kept). */
  unknown: string[];
}

/**
 * Pins of this device's unrevoked shares. A share made by this build has its pins recorded
 * when it was made (`noteSharePins`); one made before compaction existed gets them derived once
 * from its versions' content ids: every pack holding one of those versions' chunks.
 */
async function ownShares(
  ctx: CompactionContext,
  st: CompactionState,
  reach: Reach,
  reachAll: () => Promise<Reach>,
  packs: ReturnType<Repository['packs']>,
): Promise<OwnShares> {
  const recs = listShareRecords(ctx.manifest);
  const pins = st.sharePins();
  const out: OwnShares = { pins: [], released: [], unknown: [] };
  let all: Reach | undefined;
  let changed = false;
  const listed = new Set(packs.map((p) => p.fid));
  for (const r of recs) {
    if (r.revokedAt !== null) {
      if (pins.delete(r.id)) changed = true;
      if (!r.manifestDeleted && listed.has(r.manifest.fid)) out.released.push(r.manifest.fid);
      continue;
    }
    let pin = pins.get(r.id);
    if (!pin) {
      const ids = new Set<string>();
      let found = true;
      for (const cid of r.contentIds) {
        let nodes = reach.contents.get(cid);
        if (!nodes) {
          all ??= await reachAll();
          nodes = all.contents.get(cid);
        }
        if (!nodes) {
          found = false;
          break;
        }
        const cache = st.refCache();
        for (const fn of nodes) for (const d of cache.node(fn)?.d ?? []) ids.add(`data:${d}`);
      }
      if (!found) {
        out.unknown.push(r.id);
        continue;
      }
      const holding = packs
        .filter((p) => p.entries.some((e) => ids.has(`${e.type}:${e.id}`)))
        .map((p) => p.fid);
      pin = { share: r.id, manifest: r.manifest.fid, packs: holding.sort() };
      pins.set(r.id, pin);
      changed = true;
    }
    out.pins.push(pin);
  }
  if (changed) st.setSharePins(pins.values());
  return out;
}

/** Records the packs a new share points at (call right after the share is made). */
export function noteSharePins(
  manifest: Manifest,
  share: { id: string; manifestFid: string; chunkFids: Iterable<string> },
): void {
  const st = new CompactionState(manifest);
  const pins = st.sharePins();
  pins.set(share.id, {
    share: share.id,
    manifest: share.manifestFid,
    packs: [...new Set(share.chunkFids)].sort(),
  });
  st.setSharePins(pins.values());
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function samePins(a: readonly SharePin[], b: readonly SharePin[]): boolean {
  const key = (l: readonly SharePin[]): string =>
    JSON.stringify(
      [...l]
        .sort((x, y) => (x.share < y.share ? -1 : 1))
        .map((p) => [p.share, p.manifest, [...p.packs].sort()]),
    );
  return key(a) === key(b);
}

/**
 * Publishes a new record when this device's doomed set, pins or released manifests differ from
 * its newest record on CESS. Returns the new record's fid, or null when nothing changed. A
 * device with nothing to say and no record publishes nothing.
 */
async function publishIfChanged(
  ctx: CompactionContext,
  st: CompactionState,
  deviceId: string,
  next: OwnState,
  clock: () => number,
): Promise<string | null> {
  const latest = latestRecords(ctx.repo.compactionRecords()).get(deviceId)?.record;
  const doomed = [...next.doomed].sort();
  const released = [...next.released].sort();
  const empty = doomed.length === 0 && next.pins.length === 0 && released.length === 0;
  if (!latest && empty) return null;
  if (
    latest &&
    sameList(latest.doomed, doomed) &&
    sameList(latest.released, released) &&
    samePins(latest.pins, next.pins)
  )
    return null;
  const record: CompactionRecord = {
    v: 1,
    deviceId,
    seq: st.nextRecordSeq(),
    timeMs: clock(),
    doomed,
    pins: next.pins,
    released,
  };
  const fid = await writeAndPutPack(ctx, 'compact', (sink) =>
    writeRecordPack(ctx.keys, record, sink),
  );
  await ctx.repo.refresh(ctx.signal);
  ctx.log?.(
    `compaction: published record ${fid} (seq ${record.seq}, ${doomed.length} doomed, ${next.pins.length} pins)`,
  );
  return fid;
}

/** Announces this device's share pins now (after a share was made), if they changed. */
export async function publishPins(ctx: CompactionContext): Promise<string | null> {
  const st = new CompactionState(ctx.manifest);
  const deviceId = ctx.manifest.deviceId();
  await ctx.repo.refresh(ctx.signal);
  const listed = new Set(ctx.repo.packs().map((p) => p.fid));
  const clock = ctx.now ?? Date.now;
  const mine = ownDoomed(st, ctx.repo, deviceId, listed, clock());
  const pins = st.sharePins();
  const recs = listShareRecords(ctx.manifest);
  const active = recs.filter((r) => r.revokedAt === null && pins.has(r.id));
  const released = recs
    .filter((r) => r.revokedAt !== null && !r.manifestDeleted && listed.has(r.manifest.fid))
    .map((r) => r.manifest.fid);
  // Shares made before pins were recorded keep what this device's newest record said for them.
  const latest = latestRecords(ctx.repo.compactionRecords()).get(deviceId)?.record;
  const activeIds = new Set(recs.filter((r) => r.revokedAt === null).map((r) => r.id));
  const carried = (latest?.pins ?? []).filter((p) => activeIds.has(p.share) && !pins.has(p.share));
  return publishIfChanged(
    ctx,
    st,
    deviceId,
    {
      doomed: new Set(mine.keys()),
      pins: [...active.map((r) => pins.get(r.id) as SharePin), ...carried],
      released,
    },
    clock,
  );
}

/**
 * Deletes this device's older records once its newest one is stored (oldest first, so a
 * half-done cleanup never leaves an older record as the newest). A device with nothing doomed,
 * pinned or released deletes its newest record too.
 */
async function cleanOwnRecords(
  ctx: CompactionContext,
  st: CompactionState,
  deviceId: string,
  report: CompactionReport,
): Promise<void> {
  const mine = ctx.repo
    .compactionRecords()
    .filter((r) => r.record.deviceId === deviceId)
    .sort((a, b) => a.record.seq - b.record.seq || (a.fid < b.fid ? -1 : 1));
  const newest = mine[mine.length - 1];
  if (!newest) return;
  const states = new Map(ctx.repo.packs().map((p) => [p.fid, p.state]));
  if (states.get(newest.fid) !== 'stored') return;
  const r = newest.record;
  const drop = mine.slice(0, -1);
  const emptyNow = r.doomed.length === 0 && r.pins.length === 0 && r.released.length === 0;
  if (emptyNow) drop.push(newest);
  for (const old of drop) {
    if (states.get(old.fid) !== 'stored') continue;
    try {
      await ctx.store.delete(old.fid);
      st.forget(old.fid);
      ctx.manifest.removePendingObject(old.fid);
      report.deleted.push(old.fid);
      report.segmentsDeleted += 1;
    } catch (err) {
      report.waiting.push({
        fid: old.fid,
        reason: `superseded record not deleted yet: ${err instanceof Error ? err.message : String(err)}`,
      });
      return;
    }
  }
}

/** Retries deleting the manifest packs of this device's revoked shares. */
async function deleteRevokedManifests(
  ctx: CompactionContext,
  report: CompactionReport,
): Promise<void> {
  const states = new Map(ctx.repo.packs().map((p) => [p.fid, p.state]));
  for (const r of listShareRecords(ctx.manifest)) {
    if (r.revokedAt === null || r.manifestDeleted) continue;
    const state = states.get(r.manifest.fid);
    if (state === undefined) {
      updateShareRecord(ctx.manifest, r.id, (x) => ({ ...x, manifestDeleted: true }));
      continue;
    }
    if (state !== 'stored') continue;
    try {
      await ctx.store.delete(r.manifest.fid);
      ctx.manifest.removePendingObject(r.manifest.fid);
      updateShareRecord(ctx.manifest, r.id, (x) => ({ ...x, manifestDeleted: true }));
      report.deleted.push(r.manifest.fid);
      report.segmentsDeleted += 1;
    } catch (err) {
      report.waiting.push({
        fid: r.manifest.fid,
        reason: `revoked share's manifest not deleted yet: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
}
