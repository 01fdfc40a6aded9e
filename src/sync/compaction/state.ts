/**
 * Compaction's durable state on this device, in the manifest (schema v3 tables and a few
 * device_state keys): when each pack was first seen and when this device doomed it, delete
 * attempts, the reference cache, the run in progress (for resuming after a crash), the record
 * sequence, and the pins of this device's shares.
 */
import type { Manifest } from '../manifest/index.js';
import type { NodeRefs, RefCache, TreeRefs } from './graph.js';
import type { SharePin } from './record.js';

export interface PackRow {
  fid: string;
  firstSeenMs: number;
  doomedMs: number | null;
  deleteTries: number;
  lastError: string | null;
}

/** A run that uploaded new packs and has not announced its dooms yet. */
export interface RunProgress {
  startedMs: number;
  /** Packs being rewritten (announced doomed once their live blobs have copies). */
  sources: string[];
  /** Dead packs to announce. */
  dead: string[];
  /** New packs uploaded so far. */
  written: string[];
}

const KEY_PROGRESS = 'compaction.progress';
const KEY_SEQ = 'compaction.recordSeq';
const KEY_PINS = 'compaction.sharePins';
const KEY_LAST = 'compaction.lastRun';

interface Row {
  fid: string;
  first_seen_ms: number;
  doomed_ms: number | null;
  delete_tries: number;
  last_error: string | null;
}

export class CompactionState {
  constructor(private readonly m: Manifest) {}

  /**
   * Brings the pack table in line with the listing: new fids are first seen `now`, fids no
   * longer listed are dropped (deleted). Returns the rows of the listed packs.
   */
  syncPacks(listed: readonly string[], now: number): Map<string, PackRow> {
    const db = this.m.db;
    return this.m.transaction(() => {
      const rows = db.prepare('SELECT * FROM compaction_packs').all() as Row[];
      const have = new Map(rows.map((r) => [r.fid, r]));
      const want = new Set(listed);
      const del = db.prepare('DELETE FROM compaction_packs WHERE fid = ?');
      for (const r of rows) if (!want.has(r.fid)) del.run(r.fid);
      const ins = db.prepare('INSERT INTO compaction_packs (fid, first_seen_ms) VALUES (?, ?)');
      const out = new Map<string, PackRow>();
      for (const fid of want) {
        let r = have.get(fid);
        if (!r) {
          ins.run(fid, now);
          r = { fid, first_seen_ms: now, doomed_ms: null, delete_tries: 0, last_error: null };
        }
        out.set(fid, {
          fid,
          firstSeenMs: r.first_seen_ms,
          doomedMs: r.doomed_ms,
          deleteTries: r.delete_tries,
          lastError: r.last_error,
        });
      }
      return out;
    });
  }

  /** Packs this device has announced as doomed, with when. */
  doomed(): Map<string, number> {
    const rows = this.m.db
      .prepare('SELECT fid, doomed_ms FROM compaction_packs WHERE doomed_ms IS NOT NULL')
      .all() as { fid: string; doomed_ms: number }[];
    return new Map(rows.map((r) => [r.fid, r.doomed_ms]));
  }

  /** Marks packs doomed at `now` (kept if already doomed: the grace counts from the first). */
  markDoomed(fids: readonly string[], now: number): void {
    const st = this.m.db.prepare(
      `INSERT INTO compaction_packs (fid, first_seen_ms, doomed_ms) VALUES (?, ?, ?)
       ON CONFLICT (fid) DO UPDATE SET doomed_ms = COALESCE(doomed_ms, excluded.doomed_ms)`,
    );
    this.m.transaction(() => {
      for (const f of fids) st.run(f, now, now);
    });
  }

  undoom(fids: readonly string[]): void {
    const st = this.m.db.prepare(
      'UPDATE compaction_packs SET doomed_ms = NULL, delete_tries = 0, last_error = NULL WHERE fid = ?',
    );
    this.m.transaction(() => {
      for (const f of fids) st.run(f);
    });
  }

  noteDeleteFailure(fid: string, error: string): void {
    this.m.db
      .prepare(
        'UPDATE compaction_packs SET delete_tries = delete_tries + 1, last_error = ? WHERE fid = ?',
      )
      .run(error.slice(0, 500), fid);
  }

  /** A pack is gone from the account (deleted): forget it. */
  forget(fid: string): void {
    this.m.db.prepare('DELETE FROM compaction_packs WHERE fid = ?').run(fid);
  }

  packRow(fid: string): PackRow | undefined {
    const r = this.m.db.prepare('SELECT * FROM compaction_packs WHERE fid = ?').get(fid) as
      Row | undefined;
    return r
      ? {
          fid: r.fid,
          firstSeenMs: r.first_seen_ms,
          doomedMs: r.doomed_ms,
          deleteTries: r.delete_tries,
          lastError: r.last_error,
        }
      : undefined;
  }

  refCache(): RefCache {
    const get = this.m.db.prepare('SELECT refs FROM compaction_refs WHERE blob = ?');
    const put = this.m.db.prepare(
      'INSERT INTO compaction_refs (blob, refs) VALUES (?, ?) ON CONFLICT (blob) DO NOTHING',
    );
    const read = <T>(k: string): T | undefined => {
      const r = get.get(k) as { refs: string } | undefined;
      return r ? (JSON.parse(r.refs) as T) : undefined;
    };
    return {
      tree: (id) => read<TreeRefs>(`tree:${id}`),
      node: (id) => read<NodeRefs>(`filenode:${id}`),
      putTree: (id, refs) => void put.run(`tree:${id}`, JSON.stringify(refs)),
      putNode: (id, refs) => void put.run(`filenode:${id}`, JSON.stringify(refs)),
    };
  }

  /**
   * Forgets the cached references of trees and file nodes that no listed pack holds any more
   * (their packs were compacted away), so the cache does not grow with every version ever
   * made. A blob merely not listed yet is only read again: this is a cache. Returns the count.
   */
  pruneRefCache(has: (type: 'tree' | 'filenode', id: string) => boolean): number {
    const rows = this.m.db.prepare('SELECT blob FROM compaction_refs').all() as { blob: string }[];
    const del = this.m.db.prepare('DELETE FROM compaction_refs WHERE blob = ?');
    let n = 0;
    this.m.db.transaction(() => {
      for (const { blob } of rows) {
        const [type, id] = blob.split(':');
        if ((type === 'tree' || type === 'filenode') && id !== undefined && has(type, id)) continue;
        del.run(blob);
        n++;
      }
    })();
    return n;
  }

  progress(): RunProgress | undefined {
    return this.m.getState<RunProgress>(KEY_PROGRESS) ?? undefined;
  }

  setProgress(p: RunProgress | null): void {
    this.m.setState(KEY_PROGRESS, p);
  }

  /** The next record sequence number (stored before the record is written). */
  nextRecordSeq(): number {
    return this.m.transaction(() => {
      const next = (this.m.getState<number>(KEY_SEQ) ?? 0) + 1;
      this.m.setState(KEY_SEQ, next);
      return next;
    });
  }

  /** Pins of this device's shares, by share id. */
  sharePins(): Map<string, SharePin> {
    const raw = this.m.getState<SharePin[]>(KEY_PINS) ?? [];
    return new Map(raw.map((p) => [p.share, p]));
  }

  setSharePins(pins: Iterable<SharePin>): void {
    this.m.setState(
      KEY_PINS,
      [...pins].sort((a, b) => (a.share < b.share ? -1 : 1)),
    );
  }

  lastRun<T>(): T | undefined {
    return this.m.getState<T>(KEY_LAST) ?? undefined;
  }

  setLastRun(v: unknown): void {
    this.m.setState(KEY_LAST, v);
  }
}
