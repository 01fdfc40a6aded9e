/**
 * Which snapshots to keep: restic's `forget` rules (keep-last, hourly/daily/weekly/monthly/yearly
 * buckets, keep-within and keep-within-<bucket>), applied per folder, plus rules of our own that
 * no policy can turn off (docs/format.md §10):
 *
 * - each device's newest snapshot of each folder: it is what that device last published, and
 *   after two devices wrote concurrently it holds changes the folder's newest snapshot may lack
 *   until that device's next pass re-applies them;
 * - nothing else is needed for syncing: a device's merge base lives in its own manifest, a pass
 *   only reads the newest snapshot, and passes in flight are covered by the grace period of the
 *   planner (plan.ts).
 *
 * Pure: no clock (durations count back from the folder's newest snapshot, as restic's do, so a
 * folder nobody touched for a year keeps the versions it had), no I/O. Buckets are UTC so every
 * device of the account buckets a snapshot the same way.
 */

export interface RetentionPolicy {
  /** The n newest snapshots. */
  keepLast: number;
  /** The newest snapshot of each of the n newest hours/days/... that have one. */
  keepHourly: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  keepYearly: number;
  /** Every snapshot at most this old (ms, relative to the folder's newest). */
  keepWithinMs: number;
  /** The newest snapshot of each hour/day/... at most this old (ms, relative to the newest). */
  keepWithinHourlyMs: number;
  keepWithinDailyMs: number;
  keepWithinWeeklyMs: number;
  keepWithinMonthlyMs: number;
  keepWithinYearlyMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * What a desktop user expects from "version history" (Time Machine, Dropbox): every version of
 * the last day, then one a day for a month, one a week for six months, one a month for two
 * years. About 24 + 30 + 22 + 18 snapshots of a busy folder; each holds only what changed, so
 * the cost is the changed data, and old snapshots' metadata packs are merged by compaction.
 */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({
  keepLast: 0,
  keepHourly: 0,
  keepDaily: 0,
  keepWeekly: 0,
  keepMonthly: 0,
  keepYearly: 0,
  keepWithinMs: DAY,
  keepWithinHourlyMs: 0,
  keepWithinDailyMs: 30 * DAY,
  keepWithinWeeklyMs: 182 * DAY,
  keepWithinMonthlyMs: 730 * DAY,
  keepWithinYearlyMs: 0,
});

/** One snapshot as retention sees it. */
export interface RetentionSnapshot {
  id: string;
  folderId: string;
  deviceId: string;
  seq: number;
  timeMs: number;
}

export type KeepReason =
  | 'device-latest'
  | 'last'
  | 'hourly'
  | 'daily'
  | 'weekly'
  | 'monthly'
  | 'yearly'
  | 'within'
  | 'within-hourly'
  | 'within-daily'
  | 'within-weekly'
  | 'within-monthly'
  | 'within-yearly';

export interface RetentionResult {
  /** Kept snapshot ids with why (first reason per rule that matched). */
  keep: Map<string, KeepReason[]>;
  /** Snapshot ids no rule keeps. */
  forget: string[];
}

export class RetentionError extends Error {
  override name = 'RetentionError';
}

const COUNT_KEYS = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;
const DURATION_KEYS = [
  'keepWithinMs',
  'keepWithinHourlyMs',
  'keepWithinDailyMs',
  'keepWithinWeeklyMs',
  'keepWithinMonthlyMs',
  'keepWithinYearlyMs',
] as const;

/** A policy from defaults and overrides; refuses negative or non-integer values. */
export function retentionPolicy(over: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const p: RetentionPolicy = { ...DEFAULT_RETENTION, ...over };
  for (const k of [...COUNT_KEYS, ...DURATION_KEYS]) {
    const v = p[k];
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RetentionError(`retention ${k} must be a whole number >= 0, not ${String(v)}`);
  }
  return p;
}

type Bucket = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/** The UTC bucket a time falls in (ISO weeks, Monday first; 1970-01-01 was a Thursday). */
export function bucketOf(kind: Bucket, timeMs: number): number {
  switch (kind) {
    case 'hourly':
      return Math.floor(timeMs / HOUR);
    case 'daily':
      return Math.floor(timeMs / DAY);
    case 'weekly':
      return Math.floor((Math.floor(timeMs / DAY) + 3) / 7);
    case 'monthly': {
      const d = new Date(timeMs);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
    case 'yearly':
      return new Date(timeMs).getUTCFullYear();
  }
}

/** Newest first: time, then Lamport seq, then id (every device orders the same way). */
function newestFirst(a: RetentionSnapshot, b: RetentionSnapshot): number {
  return b.timeMs - a.timeMs || b.seq - a.seq || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * Applies `policy` to every folder's snapshots separately. Each rule adds to the kept set
 * (a union, as in restic). A policy that keeps nothing still keeps each device's newest
 * snapshot per folder.
 */
export function applyRetention(
  snapshots: readonly RetentionSnapshot[],
  policy: RetentionPolicy = DEFAULT_RETENTION,
): RetentionResult {
  const keep = new Map<string, KeepReason[]>();
  const add = (id: string, why: KeepReason): void => {
    const list = keep.get(id);
    if (list) {
      if (!list.includes(why)) list.push(why);
    } else keep.set(id, [why]);
  };

  const byFolder = new Map<string, RetentionSnapshot[]>();
  for (const s of snapshots) {
    const list = byFolder.get(s.folderId) ?? [];
    list.push(s);
    byFolder.set(s.folderId, list);
  }

  for (const list of byFolder.values()) {
    list.sort(newestFirst);
    // Each device's newest in this folder, by Lamport seq (what the device wrote last), then time.
    const latestPerDevice = new Map<string, RetentionSnapshot>();
    for (const s of list) {
      const cur = latestPerDevice.get(s.deviceId);
      if (!cur || s.seq > cur.seq || (s.seq === cur.seq && newestFirst(s, cur) < 0))
        latestPerDevice.set(s.deviceId, s);
    }
    for (const s of latestPerDevice.values()) add(s.id, 'device-latest');

    const newest = list[0]?.timeMs ?? 0;
    list.forEach((s, i) => {
      if (i < policy.keepLast) add(s.id, 'last');
      if (policy.keepWithinMs > 0 && newest - s.timeMs <= policy.keepWithinMs) add(s.id, 'within');
    });

    const counted: [Bucket, number, KeepReason][] = [
      ['hourly', policy.keepHourly, 'hourly'],
      ['daily', policy.keepDaily, 'daily'],
      ['weekly', policy.keepWeekly, 'weekly'],
      ['monthly', policy.keepMonthly, 'monthly'],
      ['yearly', policy.keepYearly, 'yearly'],
    ];
    for (const [kind, count, why] of counted) {
      let left = count;
      let last: number | undefined;
      for (const s of list) {
        if (left <= 0) break;
        const b = bucketOf(kind, s.timeMs);
        if (b === last) continue;
        last = b;
        left--;
        add(s.id, why);
      }
    }

    const within: [Bucket, number, KeepReason][] = [
      ['hourly', policy.keepWithinHourlyMs, 'within-hourly'],
      ['daily', policy.keepWithinDailyMs, 'within-daily'],
      ['weekly', policy.keepWithinWeeklyMs, 'within-weekly'],
      ['monthly', policy.keepWithinMonthlyMs, 'within-monthly'],
      ['yearly', policy.keepWithinYearlyMs, 'within-yearly'],
    ];
    for (const [kind, ms, why] of within) {
      if (ms <= 0) continue;
      let last: number | undefined;
      for (const s of list) {
        if (newest - s.timeMs > ms) break;
        const b = bucketOf(kind, s.timeMs);
        if (b === last) continue;
        last = b;
        add(s.id, why);
      }
    }
  }

  const forget = snapshots
    .filter((s) => !keep.has(s.id))
    .map((s) => s.id)
    .sort();
  return { keep, forget };
}
