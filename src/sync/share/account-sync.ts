/**
 * Keeps the owner's share list the same on every device of the account (docs/format.md §11,
 * docs/sharing.md "Every device of the owner"): reads the share records on CESS, merges them
 * with what this device knows, publishes a record when this device knows more, and deletes
 * its own superseded records.
 *
 * This device's state in its manifest:
 * - `account_shares`: the merged list (every share of the account this device has seen);
 * - `shares` (records.ts): the shares made here, which compaction pins; a revocation made on
 *   another device is copied into it, so this device's compaction releases the share's pins;
 * - `share_records_seq`: the seq of this device's newest record.
 */
import type { ShareInfo } from '../api/schema.js';
import { FormatError, type FormatKeys } from '../format/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ObjectStore } from '../remote/object-store.js';
import { writeAndPutPack } from '../remote/put-pack.js';
import type { Repository } from '../remote/repository.js';
import {
  accountShareSchema,
  looksLikeShareRecordPack,
  openShareRecord,
  writeShareRecordPack,
  type ShareRecordFile,
} from './account-records.js';
import { ShareError } from './errors.js';
import { listShareRecords, updateShareRecord } from './records.js';
import { mergeShareLists, sameShareLists, type AccountShare } from './share-merge.js';

const VIEW_KEY = 'account_shares';
const SEQ_KEY = 'share_records_seq';

export interface ShareSyncContext {
  manifest: Manifest;
  keys: FormatKeys;
  repo: Repository;
  store: ObjectStore;
  /** Where the record pack is written before its upload. */
  tmpDir: string;
  now: () => number;
  /** Decoded record packs by fid (blobs are immutable; null: not a share record). */
  cache: Map<string, ShareRecordFile | null>;
  signal?: AbortSignal;
}

export interface ShareSyncReport {
  /** Share record packs read (all devices). */
  records: number;
  /** The fid of the record this call published, if any. */
  published: string | null;
  /** This device's superseded records deleted. */
  deleted: string[];
}

function readView(m: Manifest): AccountShare[] {
  const raw = m.getState<unknown[]>(VIEW_KEY);
  const out: AccountShare[] = [];
  // An entry this build cannot read is dropped here and comes back from CESS.
  for (const r of Array.isArray(raw) ? raw : []) {
    const p = accountShareSchema.safeParse(r);
    if (p.success) out.push(p.data);
  }
  return out;
}

/**
 * Every share of the account this device knows: its merged view, and the shares made here
 * (those made before share records existed get a stamp from their creation time).
 */
export function accountShares(m: Manifest): AccountShare[] {
  const deviceId = m.deviceId();
  const own = listShareRecords(m).map((share) => ({
    share,
    stamp: { lamport: 0, timeMs: share.createdAt, deviceId },
  }));
  return mergeShareLists(readView(m), own);
}

/** Records a new state of a share made or changed on this device (a fresh stamp). */
export function noteShareState(m: Manifest, share: ShareInfo, now: number): AccountShare {
  const all = accountShares(m);
  const seen = all.reduce((max, s) => Math.max(max, s.stamp.lamport), 0);
  const entry: AccountShare = {
    share,
    stamp: { lamport: m.tickLamport(seen), timeMs: now, deviceId: m.deviceId() },
  };
  const merged = mergeShareLists(all, [entry]);
  m.setState(VIEW_KEY, merged);
  return merged.find((s) => s.share.id === share.id) as AccountShare;
}

/** One share of the account as this device knows it. */
export function findAccountShare(m: Manifest, id: string): AccountShare {
  const s = accountShares(m).find((x) => x.share.id === id);
  if (!s) throw new ShareError('UNKNOWN_SHARE', `no share with id ${id}`);
  return s;
}

/** The share records on CESS as of the repository's last refresh. */
export async function readShareRecords(
  ctx: Pick<ShareSyncContext, 'repo' | 'keys' | 'cache'>,
): Promise<{ fid: string; state: string; record: ShareRecordFile }[]> {
  const out: { fid: string; state: string; record: ShareRecordFile }[] = [];
  const listed = new Set<string>();
  for (const p of ctx.repo.packs()) {
    listed.add(p.fid);
    if (!looksLikeShareRecordPack(p)) continue;
    let rec = ctx.cache.get(p.fid);
    if (rec === undefined) {
      const e = p.entries[0];
      try {
        rec = e ? openShareRecord(ctx.keys, e.id, await ctx.repo.readSealedFrom(p.fid, e)) : null;
      } catch (err) {
        // A data pack whose random id starts with the marker (once in 2^32) is no record.
        if (!(err instanceof FormatError)) throw err;
        rec = null;
      }
      ctx.cache.set(p.fid, rec);
    }
    if (rec) out.push({ fid: p.fid, state: p.state, record: rec });
  }
  for (const fid of [...ctx.cache.keys()]) if (!listed.has(fid)) ctx.cache.delete(fid);
  return out;
}

/**
 * Merges the records on CESS into this device's list (and its own shares' revocations),
 * publishes a record when this device knows something they do not say, and deletes this
 * device's superseded records once its newest is stored. The repository must be refreshed.
 */
export async function syncShareRecords(ctx: ShareSyncContext): Promise<ShareSyncReport> {
  const m = ctx.manifest;
  const deviceId = m.deviceId();
  const found = await readShareRecords(ctx);
  const remote = mergeShareLists(...found.map((f) => f.record.shares));
  const merged = mergeShareLists(accountShares(m), remote);
  m.setState(VIEW_KEY, merged);
  applyToOwn(m, merged);

  const report: ShareSyncReport = { records: found.length, published: null, deleted: [] };
  if (!sameShareLists(mergeShareLists(remote, merged), remote)) {
    const record: ShareRecordFile = {
      v: 1,
      deviceId,
      seq: Math.max(m.getState<number>(SEQ_KEY) ?? 0, ...mineOf(found, deviceId).map(seqOf)) + 1,
      timeMs: ctx.now(),
      shares: merged,
    };
    m.setState(SEQ_KEY, record.seq);
    report.published = await upload(ctx, record);
  }
  await deleteSuperseded(ctx, mineOf(found, deviceId), report);
  return report;
}

type Found = Awaited<ReturnType<typeof readShareRecords>>[number];

const seqOf = (f: Found): number => f.record.seq;

function mineOf(found: readonly Found[], deviceId: string): Found[] {
  return found
    .filter((f) => f.record.deviceId === deviceId)
    .sort((a, b) => a.record.seq - b.record.seq || (a.fid < b.fid ? -1 : 1));
}

/** Copies revocations (and manifest deletions) made elsewhere into the shares made here. */
function applyToOwn(m: Manifest, merged: readonly AccountShare[]): void {
  const by = new Map(merged.map((s) => [s.share.id, s.share]));
  for (const r of listShareRecords(m)) {
    const s = by.get(r.id);
    if (!s) continue;
    if ((s.revokedAt !== null && r.revokedAt === null) || (s.manifestDeleted && !r.manifestDeleted))
      updateShareRecord(m, r.id, (x) => ({
        ...x,
        revokedAt: x.revokedAt ?? s.revokedAt,
        manifestDeleted: x.manifestDeleted || s.manifestDeleted,
      }));
  }
}

/**
 * Deletes this device's older records once a newer one is stored (oldest first). Every
 * record holds the writer's whole list, so the newest says all the older ones did.
 */
async function deleteSuperseded(
  ctx: ShareSyncContext,
  mine: readonly Found[],
  report: ShareSyncReport,
): Promise<void> {
  const newest = mine[mine.length - 1];
  if (!newest || newest.state !== 'stored') return;
  for (const old of mine.slice(0, -1)) {
    if (old.state !== 'stored') continue;
    try {
      await ctx.store.delete(old.fid);
    } catch {
      return; // the chain refused (deal in progress): retried at the next sync
    }
    ctx.manifest.removePendingObject(old.fid);
    ctx.cache.delete(old.fid);
    report.deleted.push(old.fid);
  }
}

async function upload(ctx: ShareSyncContext, record: ShareRecordFile): Promise<string> {
  return writeAndPutPack(ctx, 'shares', (sink) => writeShareRecordPack(ctx.keys, record, sink));
}
