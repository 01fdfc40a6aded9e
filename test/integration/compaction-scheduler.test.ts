/**
 * When a running engine compacts by itself (src/sync/compaction/scheduler.ts), on the local CESS
 * network: after N passes that uploaded packs (old packs are doomed, then deleted on chain and
 * their territory freed; a fresh device still gets the folder byte for byte); on a timer, never
 * while all is paused (also not a run the timer queued behind a pass that was paused meanwhile);
 * a failed run (gateway downloads refused) shows the `compactionFailed` problem until a later
 * run succeeds, by its Retry action or by the next tick; a failed dry run shows nothing.
 *
 * Snapshot times and the grace period use a fake clock (hours pass in milliseconds); the
 * triggers themselves are real (passes, a real timer).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Problem } from '../../src/sync/api/schema.js';
import {
  TERRITORY_PER_SEGMENT,
  latestRecords,
  type RetentionPolicy,
} from '../../src/sync/compaction/index.js';
import type { EngineCompaction } from '../../src/sync/compaction/scheduler.js';
import { DEFAULT_FOLDER_ID, type SyncEngine } from '../../src/sync/engine/engine.js';
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { seededBytes } from '../support/bytes.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';
import { engineOf, makeEngineNode, type EngineNode } from '../support/engine-node.js';
import {
  TERRITORY,
  fundSyncAccount,
  listing,
  makeSyncDevices,
  type SyncAccount,
  type SyncDevice,
} from '../support/sync-device.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GRACE = HOUR;
/** Only the newest snapshot (and each device's newest): older versions' packs become garbage. */
const RETENTION: Partial<RetentionPolicy> = {
  keepLast: 1,
  keepWithinMs: 0,
  keepWithinDailyMs: 0,
  keepWithinWeeklyMs: 0,
  keepWithinMonthlyMs: 0,
};
const AFTER_UPLOADS = 2;
const INTERVAL_MS = 2_000;
const PROBLEM_ID = 'account:compaction';

let net: TestDevnet;
let work: string;
let acct: SyncAccount;
let laptop: EngineNode;
/** The laptop's engine: first one compacting after uploads, then one on a timer. */
let engine: SyncEngine;
/** A second device of the account (plain folder passes), made after the first compactions. */
let fresh: SyncDevice | undefined;
let clock = Date.UTC(2026, 2, 2, 9);
const now = (): number => clock;

const engineOptions = (compaction: EngineCompaction) => ({
  now,
  compaction: { retention: RETENTION, options: { graceMs: GRACE }, ...compaction },
});

/** A pass of every folder, which must not fail. */
async function pass(): Promise<void> {
  await engine.syncNow();
  const bad = engine.status().problems.filter((p) => p.folderId !== null);
  expect(bad, 'folder problems after a pass').toEqual([]);
}

/** The engine's compaction runs (log entries of the 'compaction' source), oldest first. */
const runs = (): Activity[] =>
  engine
    .recentActivity(500)
    .filter((a) => a.folderId === 'compaction')
    .reverse();

const waitForRuns = (n: number, what: string, timeoutMs = 120_000): Promise<Activity[]> =>
  eventually(async () => (runs().length >= n ? runs() : undefined), timeoutMs, what);

const compactionProblem = (): Problem | undefined =>
  engine.status().problems.find((p) => p.id === PROBLEM_ID);

/** The engine finished what it was doing (a pass queued behind it is a no-op when paused). */
const settled = (): Promise<void> => engine.syncNow();

async function listedFids(): Promise<Set<string>> {
  return new Set((await laptop.store.list()).map((o) => o.fid));
}

async function territoryBytes(): Promise<bigint> {
  const t = await laptop.chain.territory(acct.pair.address, TERRITORY);
  if (!t) throw new Error('no territory');
  return t.usedSpace + t.lockedSpace;
}

async function write(name: string, content: string | Buffer): Promise<void> {
  clock += MINUTE;
  await writeFile(path.join(laptop.root, name), content);
}

/**
 * A change on the second device: a pack the laptop's repository has not read yet. `refusing`:
 * gateway downloads are refused from the moment that pack is uploaded (before its upload, after
 * the second device's own reads), so no laptop run can read it in between: a timer run in that
 * gap read the pack, and then had nothing to fail on.
 */
async function changeElsewhere(name: string, refusing = false): Promise<string> {
  if (!fresh) throw new Error('no second device yet');
  const before = await listedFids();
  clock += MINUTE;
  await writeFile(path.join(fresh.root, name), `${name} from the second device\n`);
  const store = fresh.ctx.store;
  const put = store.put.bind(store);
  if (refusing)
    store.put = (...args) => {
      refuseDownloads();
      return put(...args);
    };
  try {
    await syncFolderOnce(fresh.ctx);
  } finally {
    store.put = put;
  }
  const added = [...(await listedFids())].filter((f) => !before.has(f));
  expect(added.length, `${name}: the second device uploaded`).toBeGreaterThan(0);
  return added[0]!;
}

/** Gateway downloads refused until cleared: a run must read the new pack's index, and fails. */
function refuseDownloads(): void {
  net.gateway.faults.failNext({ count: 100_000, status: 503, path: '/gateway/download' });
}

beforeAll(async () => {
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-compaction-scheduler-'));
  acct = await fundSyncAccount(net, 20);
  laptop = await makeEngineNode(
    net,
    acct.mnemonic,
    work,
    'laptop',
    engineOptions({ afterUploads: AFTER_UPLOADS, intervalMs: 0 }),
  );
  engine = laptop.engine;
  await engine.start();
  await engine.addFolder({ root: laptop.root });
  await pass();
});

afterAll(async () => {
  net?.gateway.faults.clear();
  await engine?.stop();
  await laptop?.close();
  await fresh?.close();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const A = (v: number): string => `notes, version ${v}\n`.repeat(200);

describe('compaction scheduled by a running engine on the local CESS network', () => {
  it(
    `compacts after every ${AFTER_UPLOADS} passes that uploaded: old packs deleted on chain, territory freed, a fresh device syncs`,
    { timeout: 600_000 },
    async () => {
      // Counting starts from an on-demand run (the folder's first pass may have uploaded).
      await engine.compact();
      expect(runs().map((r) => r.kind)).toEqual(['compacted']);

      await write('a.txt', A(1));
      await write('b.bin', seededBytes('b', 300_000));
      await write('c.txt', 'c never changes\n');
      await pass(); // uploaded: 1
      await pass(); // nothing changed, nothing uploaded: does not count (and waits for a run)
      expect(runs()).toHaveLength(1);
      await write('a.txt', A(2));
      await write('k.txt', 'k never changes either\n');
      await pass(); // uploaded: 2
      let log = await waitForRuns(2, 'the run after two uploading passes');
      expect(log[1]!.kind).toBe('compacted');
      // Every pack is younger than the grace period: nothing doomed, nothing written.
      expect(log[1]!.detail).toMatch(/^0 objects deleted .* 0 to delete .* 0 packs written/);
      const firstPacks = await listedFids();

      // A grace period later, two more uploading passes (a.txt overwritten, b.bin deleted): the
      // old packs are doomed, c.txt and k.txt (still live, in two sparse packs) copied into one.
      clock += GRACE;
      await write('a.txt', A(3));
      await unlink(path.join(laptop.root, 'b.bin'));
      await pass();
      await write('d.txt', 'd\n');
      await pass();
      log = await waitForRuns(3, 'the run that dooms the old packs');
      expect(log[2]!.kind).toBe('compacted');
      expect(log[2]!.detail).toMatch(
        /^0 objects deleted .* [1-9]\d* to delete after the grace period, 1 packs written/,
      );
      await laptop.repo.refresh();
      const mine = latestRecords(laptop.repo.compactionRecords()).get(laptop.manifest.deviceId());
      const doomed = mine?.record.doomed ?? [];
      expect(doomed.length).toBeGreaterThanOrEqual(2);
      for (const f of doomed) expect(firstPacks.has(f), `doomed ${f} is an old pack`).toBe(true);

      // Another grace period, two more uploading passes: the doomed packs are deleted on chain.
      clock += GRACE;
      const listedBefore = await listedFids();
      const territoryBefore = await territoryBytes();
      await write('a.txt', A(4));
      await pass();
      await write('e.txt', 'e\n');
      await pass();
      log = await waitForRuns(4, 'the run that deletes the doomed packs');
      expect(log[3]!.kind).toBe('compacted');
      expect(log[3]!.detail).toMatch(
        new RegExp(`^${doomed.length} objects deleted \\(${doomed.length} segments\\)`),
      );
      const listedAfter = await listedFids();
      for (const f of doomed) expect(listedAfter.has(f), `${f} deleted on chain`).toBe(false);
      // The territory follows the objects: each small pack held one segment (96 MiB locked).
      const removed = [...listedBefore].filter((f) => !listedAfter.has(f));
      const added = [...listedAfter].filter((f) => !listedBefore.has(f));
      expect(removed.length).toBeGreaterThanOrEqual(doomed.length);
      expect(territoryBefore - (await territoryBytes())).toBe(
        BigInt(TERRITORY_PER_SEGMENT) * BigInt(removed.length - added.length),
      );
      expect(engine.status().problems).toEqual([]);

      // A device that never saw the old packs gets the folder byte for byte.
      const [second] = await makeSyncDevices(net, acct.mnemonic, work, DEFAULT_FOLDER_ID, [
        'fresh',
      ]);
      fresh = second!;
      fresh.ctx.now = now;
      await syncFolderOnce(fresh.ctx);
      expect(listing(fresh.root)).toEqual(listing(laptop.root));
      expect(await readFile(path.join(fresh.root, 'a.txt'), 'utf8')).toBe(A(4));
      expect(await readFile(path.join(fresh.root, 'c.txt'), 'utf8')).toBe('c never changes\n');
      expect(await readFile(path.join(fresh.root, 'k.txt'), 'utf8')).toBe(
        'k never changes either\n',
      );
      expect(existsSync(path.join(fresh.root, 'b.bin'))).toBe(false);
    },
  );

  it(
    'runs on a timer, never while all is paused, and resumes with the engine',
    { timeout: 300_000 },
    async () => {
      // The daemon restarted with a timer instead of an upload count.
      await engine.stop();
      engine = engineOf(laptop, engineOptions({ afterUploads: 0, intervalMs: INTERVAL_MS }));
      await engine.start();
      await settled();
      await waitForRuns(2, 'two timer runs', 60_000);
      expect(runs().every((r) => r.kind === 'compacted')).toBe(true);

      await engine.pause();
      await settled();
      expect(engine.status().state).toBe('paused');
      const paused = runs().length;
      await sleep(4 * INTERVAL_MS);
      expect(runs()).toHaveLength(paused);

      await engine.resume();
      await waitForRuns(paused + 1, 'a timer run after resume', 60_000);

      // Paused while a (slow) pass runs: the run a tick queued behind that pass waits too.
      await engine.pause();
      await settled();
      net.gateway.faults.delay({ ms: 6_000, count: 1, path: '/gateway/upload' });
      await write('f.txt', 'uploaded slowly\n');
      await engine.resume(); // its pass uploads f.txt, slowly
      await eventually(
        async () => (net.gateway.faults.fired.some((f) => f.kind === 'delay') ? true : undefined),
        60_000,
        'the slow upload',
      );
      await sleep(1.5 * INTERVAL_MS); // at least one tick while the pass uploads
      await engine.pause();
      const queued = runs().length;
      await settled(); // the pass, then the run queued behind it
      net.gateway.faults.clear();
      expect(
        engine.recentActivity(50).some((a) => a.kind === 'uploaded' && a.path === 'f.txt'),
      ).toBe(true);
      await sleep(3 * INTERVAL_MS);
      expect(runs()).toHaveLength(queued);
      await engine.resume();
      await waitForRuns(queued + 1, 'a timer run after the second resume', 60_000);
      expect(compactionProblem()).toBeUndefined();
    },
  );

  it(
    'a failed run shows compactionFailed until a later run succeeds: Retry, or the next tick',
    { timeout: 300_000 },
    async () => {
      net.gateway.faults.clear(); // a retry of this test starts without the first try's faults
      await settled();
      // A run on the timer fails: the problem, and an error in the log; no folder problem.
      const otherPack = await changeElsewhere('g.txt', true);
      const p = await eventually(async () => compactionProblem(), 60_000, 'compactionFailed');
      expect(p).toMatchObject({ kind: 'compactionFailed', folderId: null, actions: ['retry'] });
      expect(p.message).toMatch(/^Freeing storage space failed: .+503/);
      expect(runs().at(-1)?.kind).toBe('error');
      expect(engine.status().problems.filter((q) => q.folderId !== null)).toEqual([]);

      // Paused, the network back: nothing runs, so the problem stays...
      await engine.pause();
      await settled();
      net.gateway.faults.clear();
      await sleep(2 * INTERVAL_MS);
      expect(compactionProblem()?.kind).toBe('compactionFailed');
      // ...until the user's Retry (which runs while paused) succeeds.
      await engine.resolveProblem({ problemId: PROBLEM_ID, action: 'retry' });
      expect(compactionProblem()).toBeUndefined();
      expect(runs().at(-1)?.kind).toBe('compacted');
      expect(laptop.repo.packs().some((k) => k.fid === otherPack)).toBe(true);

      // Failed again on the timer; the next tick after the network is back clears it.
      await engine.resume();
      await pass();
      await changeElsewhere('h.txt', true);
      await eventually(async () => compactionProblem(), 60_000, 'compactionFailed again');
      net.gateway.faults.clear();
      await eventually(
        async () => (compactionProblem() ? undefined : true),
        60_000,
        'the next tick to clear the problem',
      );
      expect(runs().at(-1)?.kind).toBe('compacted');

      // A dry run that fails is its caller's error, not a problem to show.
      await engine.pause();
      await settled();
      await changeElsewhere('i.txt');
      refuseDownloads();
      await expect(engine.compact({ dryRun: true })).rejects.toThrow(/503/);
      net.gateway.faults.clear();
      expect(compactionProblem()).toBeUndefined();

      // Both devices still agree on the folder.
      await engine.resume();
      await pass();
      await syncFolderOnce(fresh!.ctx);
      expect(listing(fresh!.root)).toEqual(listing(laptop.root));
      expect(await readFile(path.join(laptop.root, 'i.txt'), 'utf8')).toBe(
        'i.txt from the second device\n',
      );
    },
  );
});
