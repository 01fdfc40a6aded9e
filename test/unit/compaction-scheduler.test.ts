// When the engine compacts (src/sync/compaction/scheduler.ts), over an in-memory object store:
// after N uploading passes, not while paused, on demand (dry run or not), always between passes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactionScheduler, type SchedulerDeps } from '../../src/sync/compaction/scheduler.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { Repository } from '../../src/sync/remote/repository.js';
import { addShareRecord } from '../../src/sync/share/index.js';
import { MemoryStore } from '../support/memory-store.js';

let dir: string;
let manifest: Manifest;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-scheduler-'));
  manifest = Manifest.open(path.join(dir, 'manifest.sqlite'));
});

afterEach(async () => {
  manifest.close();
  await rm(dir, { recursive: true, force: true });
});

function deps(o: { paused?: () => boolean } = {}) {
  const keys = deriveKeys(new Uint8Array(32).fill(1));
  const store = new MemoryStore();
  const log: [string, string][] = [];
  let exclusive = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const d: SchedulerDeps = {
    manifest,
    context: () => ({
      manifest,
      keys,
      secretScalar: new Uint8Array(32).fill(2),
      repo: new Repository(store, keys),
      store,
      tmpDir: path.join(dir, 'tmp'),
    }),
    exclusive: <T>(fn: () => Promise<T>): Promise<T> => {
      exclusive++;
      const run = queue.then(fn);
      queue = run.catch(() => undefined);
      return run;
    },
    paused: o.paused ?? (() => false),
    log: (kind, detail) => log.push([kind, detail]),
  };
  return { d, log, store, exclusiveCalls: () => exclusive, idle: () => queue };
}

describe('compaction scheduler', () => {
  it('runs after N passes that uploaded, between passes, and counts again from zero', async () => {
    const t = deps();
    const s = new CompactionScheduler({ afterUploads: 2, intervalMs: 0 }, t.d);
    s.notePass(true);
    s.notePass(false);
    expect(t.exclusiveCalls()).toBe(0);
    s.notePass(true);
    expect(t.exclusiveCalls()).toBe(1);
    await t.idle();
    expect(t.log.map(([k]) => k)).toEqual(['compacted']);
    s.notePass(true);
    expect(t.exclusiveCalls()).toBe(1);
  });

  it('does not run on its own while paused, but does on demand; a dry run writes nothing', async () => {
    const t = deps({ paused: () => true });
    const s = new CompactionScheduler({ afterUploads: 1, intervalMs: 0 }, t.d);
    s.notePass(true);
    expect(t.exclusiveCalls()).toBe(0);
    const r = await s.run(true);
    expect(r.dryRun).toBe(true);
    expect(r.record).toBeNull();
    expect(t.store.objects.size).toBe(0);
    expect(t.log[0]?.[0]).toBe('compaction-plan');
  });

  it('publishes a new share pins in a record right after the share', async () => {
    const t = deps();
    const s = new CompactionScheduler({ intervalMs: 0 }, t.d);
    const fid = (c: string): string => c.repeat(64);
    addShareRecord(manifest, {
      id: 'a'.repeat(32),
      kind: 'file',
      name: 'x.txt',
      folderId: 'f',
      path: 'x.txt',
      recipient: 'someone',
      createdAt: 1,
      expiresAt: null,
      message: null,
      files: 1,
      size: 1,
      contentIds: ['c'.repeat(64)],
      manifest: { fid: fid('1'), offset: 5, length: 100, blobId: 'b'.repeat(64) },
      link: 'cess-sync://share/v1/x',
      revokedAt: null,
      manifestDeleted: false,
    });
    s.afterShare({ id: 'a'.repeat(32), manifestFid: fid('1'), chunkFids: [fid('2'), fid('2')] });
    await t.idle();
    const repo = t.d.context().repo;
    await repo.refresh();
    const recs = repo.compactionRecords();
    expect(recs).toHaveLength(1);
    expect(recs[0]!.record.pins).toEqual([
      { share: 'a'.repeat(32), manifest: fid('1'), packs: [fid('2')] },
    ]);
    expect(recs[0]!.record.deviceId).toBe(manifest.deviceId());
  });

  it('reports a failed run, and clears the report when a later run succeeds', async () => {
    const t = deps();
    const reports: (string | null)[] = [];
    t.d.failed = (m) => reports.push(m);
    let broken = true;
    const real = t.store.list.bind(t.store);
    t.store.list = () => (broken ? Promise.reject(new Error('gateway: 503')) : real());
    const s = new CompactionScheduler({ afterUploads: 1, intervalMs: 0 }, t.d);
    s.notePass(true); // a scheduled run: its error is reported, not thrown at the pass
    await t.idle();
    expect(reports).toEqual([expect.stringContaining('503')]);
    expect(t.log.some(([k, d]) => k === 'error' && d.includes('503'))).toBe(true);
    broken = false;
    await s.run();
    expect(reports).toEqual([expect.stringContaining('503'), null]);
    await s.run(true); // a dry run says nothing about the last real run
    expect(reports).toHaveLength(2);
  });

  it('refuses a bad retention policy when made', () => {
    expect(() => new CompactionScheduler({ retention: { keepLast: -2 } }, deps().d)).toThrow(
      /keepLast/,
    );
  });
});
