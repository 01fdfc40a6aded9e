/**
 * Compaction and retention on the local CESS network (docs/format.md §10): after edits and
 * deletes, old objects are deleted on chain and the territory's used space goes down; versions
 * inside retention can still be listed and restored; a second device (and a fresh one) keeps
 * syncing, including blobs that moved to new packs; a share's packs are kept (by the device that
 * made it and by another device); a delete that must wait for a pending deal is retried; a run
 * SIGKILLed between the repack and the announcement resumes cleanly.
 *
 * Time is a fake clock (snapshot times and the grace period), so days pass in milliseconds.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cd2nClient, keyringSigner } from '../../src/cess/gateway/index.js';
import { secretScalarFromKeyringPair } from '../../src/cess/pret/index.js';
import {
  CompactionState,
  runCompaction,
  type CompactionContext,
  type CompactionReport,
  type RetentionPolicy,
} from '../../src/sync/compaction/index.js';
import { DEFAULT_FOLDER_ID, SyncEngine } from '../../src/sync/engine/engine.js';
import { fetchVersion, syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { listVersions } from '../../src/sync/engine/versions.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import { mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { Manifest } from '../../src/sync/manifest/index.js';
import { Repository } from '../../src/sync/remote/repository.js';
import { gatewayRangeReader, localProxy, receiveShare } from '../../src/sync/share/index.js';
import type { CompactionChildConfig } from '../support/compaction-child.js';
import { startTestDevnet, type TestDevnet } from '../support/devnet.js';
import { seededBytes } from '../support/bytes.js';
import { runChild } from '../support/run-child.js';
import { engineOf, sharingOf } from '../support/engine-node.js';
import {
  TERRITORY,
  compactionContextOf,
  fundSyncAccount,
  listing,
  makeSyncDevice,
  openDevice,
  type Device,
  type SyncAccount,
  type SyncDevice,
} from '../support/sync-device.js';

const MiB = 1024 * 1024;
const COMPACTION_CHILD = path.resolve(import.meta.dirname, '../support/compaction-child.ts');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = HOUR;
/** Every snapshot of the last day, one a day for three days: small enough to see it work. */
const RETENTION: Partial<RetentionPolicy> = {
  keepWithinMs: DAY,
  keepWithinDailyMs: 3 * DAY,
  keepWithinWeeklyMs: 0,
  keepWithinMonthlyMs: 0,
};
const OPTIONS = { graceMs: GRACE };

let net: TestDevnet;
let work: string;
let acct: SyncAccount;
let clock = Date.UTC(2026, 0, 5, 10);
const now = (): number => clock;

async function territoryBytes(): Promise<{ used: bigint; locked: bigint }> {
  const t = await laptop.chain.territory(acct.pair.address, TERRITORY);
  if (!t) throw new Error('no territory');
  return { used: t.usedSpace, locked: t.lockedSpace };
}

async function listedFids(d: { store: SyncDevice['store'] }): Promise<Set<string>> {
  return new Set((await d.store.list()).map((o) => o.fid));
}

function context(d: Device, extra: Partial<CompactionContext> = {}): CompactionContext {
  return { ...compactionContextOf(d, now), ...extra };
}

const compact = (
  d: SyncDevice,
  extra: Partial<CompactionContext> = {},
): Promise<CompactionReport> =>
  runCompaction(context(d, extra), { retention: { ...retentionFull() }, options: OPTIONS });

function retentionFull(): RetentionPolicy {
  return {
    keepLast: 0,
    keepHourly: 0,
    keepDaily: 0,
    keepWeekly: 0,
    keepMonthly: 0,
    keepYearly: 0,
    keepWithinMs: 0,
    keepWithinHourlyMs: 0,
    keepWithinDailyMs: 0,
    keepWithinWeeklyMs: 0,
    keepWithinMonthlyMs: 0,
    keepWithinYearlyMs: 0,
    ...RETENTION,
  };
}

// The laptop runs the engine (compaction through its hook); the desktop and a fresh third
// device are plain folder passes over their own manifests.
let laptop: Device;
let engine: SyncEngine;
let desktop: SyncDevice;

async function pass(): Promise<void> {
  await engine.syncNow();
  const st = engine.status();
  const err = st.problems.find((p) => p.kind === 'error');
  if (err) throw new Error(err.message);
}

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-compaction-'));
  acct = await fundSyncAccount(net, 20);
  laptop = await openDevice(net, acct.mnemonic, {
    name: 'laptop',
    root: path.join(work, 'laptop', 'Sync'),
    manifestPath: path.join(work, 'laptop', 'manifest.sqlite'),
  });
  engine = engineOf(laptop, {
    now,
    sharing: sharingOf(laptop, path.join(work, 'laptop'), localProxy),
    compaction: { retention: RETENTION, options: OPTIONS, intervalMs: 0, afterUploads: 0 },
  });
  await engine.start();
  await engine.addFolder({ root: laptop.root });
  desktop = await makeSyncDevice(net, acct.mnemonic, {
    name: 'desktop',
    folderId: DEFAULT_FOLDER_ID,
    root: path.join(work, 'desktop', 'Sync'),
    manifestPath: path.join(work, 'desktop', 'manifest.sqlite'),
  });
  desktop.ctx.now = now;
});

afterAll(async () => {
  await engine?.stop();
  await laptop?.close();
  await desktop?.close();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const A = (v: number): string => `notes, version ${v}\n`.repeat(100);
let packsBefore: Set<string>;
let repacked: string[] = [];
let cNodeId = '';

describe('compaction on the local CESS network', () => {
  it(
    'frees territory: forgotten snapshots and sparse packs go, after the grace period',
    { timeout: 300_000 },
    async () => {
      // Day 0: three versions of a.txt, plus b.bin and c.txt; day 2: b deleted, two more versions.
      await writeFile(path.join(laptop.root, 'a.txt'), A(1));
      await writeFile(path.join(laptop.root, 'b.bin'), seededBytes('b', 300_000));
      await writeFile(path.join(laptop.root, 'c.txt'), 'c never changes\n');
      await pass();
      for (const v of [2, 3]) {
        clock += HOUR;
        await writeFile(path.join(laptop.root, 'a.txt'), A(v));
        await pass();
      }
      await syncFolderOnce(desktop.ctx);
      expect(await readFile(path.join(desktop.root, 'a.txt'), 'utf8')).toBe(A(3));
      clock += 2 * DAY - 2 * HOUR;
      await unlink(path.join(laptop.root, 'b.bin'));
      await writeFile(path.join(laptop.root, 'a.txt'), A(4));
      await pass();
      clock += HOUR / 2;
      await writeFile(path.join(laptop.root, 'a.txt'), A(5));
      await pass();
      await syncFolderOnce(desktop.ctx);
      expect(existsSync(path.join(desktop.root, 'b.bin'))).toBe(false);

      await laptop.repo.refresh();
      packsBefore = new Set(laptop.repo.packs().map((p) => p.fid));
      expect(packsBefore.size).toBe(5);
      const cEntry = [...(await laptop.repo.loadFolder(DEFAULT_FOLDER_ID)).files.values()].find(
        (e) => e.name === 'c.txt',
      )!;
      const cNode = laptop.repo.locate('filenode', cEntry.fileNode.blobId)!;
      expect(packsBefore.has(cNode.fid)).toBe(true);

      // First run: every pack is new to this device, nothing is touched.
      clock += 60_000;
      const first = await engine.compact();
      expect(first.snapshots).toEqual({ total: 5, kept: 3, forgotten: 2 });
      expect(first.doomed).toEqual([]);
      expect(first.deleted).toEqual([]);
      const dry = await engine.compact({ dryRun: true });
      expect(dry.doomed).toEqual([]);

      // A grace period later: the dead pack and the sparse ones are announced; live blobs copied.
      clock += GRACE + 1;
      const planned = await engine.compact({ dryRun: true });
      expect(planned.dryRun).toBe(true);
      expect(planned.doomed.length).toBeGreaterThanOrEqual(4);
      expect(await listedFids(laptop)).toEqual(packsBefore); // a dry run changes nothing on CESS
      const second = await engine.compact();
      expect(second.errors).toEqual([]);
      expect(second.record).not.toBeNull();
      expect(second.repacked.newPacks).toHaveLength(1);
      expect(new Set(second.doomed)).toEqual(packsBefore); // 4 merged into 1, the 5th was dead
      expect(second.deleted).toEqual([]); // not before the grace period
      repacked = second.repacked.newPacks;
      await laptop.repo.refresh();
      expect(laptop.repo.locate('filenode', cEntry.fileNode.blobId)?.fid).toBe(repacked[0]);
      const cData = (await laptop.repo.loadFolder(DEFAULT_FOLDER_ID)).files.get(cEntry.itemId)!;
      cNodeId = cData.fileNode.blobId;

      // The desktop sees the announcement: it stops deduplicating against the doomed packs and
      // reads from the new one; it syncs a change both ways meanwhile.
      await desktop.repo.refresh();
      expect(new Set(desktop.repo.avoidedPacks)).toEqual(packsBefore);
      await writeFile(path.join(desktop.root, 'd.txt'), 'from the desktop\n');
      clock += 60_000;
      await syncFolderOnce(desktop.ctx);
      await pass();
      expect(await readFile(path.join(laptop.root, 'd.txt'), 'utf8')).toBe('from the desktop\n');

      // After the grace period: deleted on chain, and the territory's used space goes down.
      clock += GRACE + 1;
      const before = await territoryBytes();
      const third = await engine.compact();
      expect(third.errors).toEqual([]);
      expect(new Set(third.deleted)).toEqual(packsBefore);
      expect(third.segmentsDeleted).toBe(5);
      const after = await territoryBytes();
      const listed = await listedFids(laptop);
      for (const f of packsBefore) expect(listed.has(f)).toBe(false);
      // 5 objects deleted (96 MiB each); this run also published one small record (96 MiB).
      expect(before.used + before.locked - (after.used + after.locked)).toBe(
        4n * 96n * BigInt(MiB),
      );
      expect(after.used).toBeLessThan(before.used);

      // Idempotent: running it again deletes, dooms and writes nothing more (a superseded
      // record of this device may go once its successor is stored).
      const records = new Set(laptop.repo.compactionRecords().map((r) => r.fid));
      const again = await engine.compact();
      expect(again.deleted.filter((f) => !records.has(f))).toEqual([]);
      expect(again.doomed).toEqual([]);
      expect(again.repacked.newPacks).toEqual([]);
    },
  );

  it('versions inside retention are listed and restored after compaction', async () => {
    const tree = laptop.manifest.loadTree(DEFAULT_FOLDER_ID, 'synced');
    const aId = [...tree.values()].find((n) => n.name === 'a.txt')!.id;
    await laptop.repo.refresh();
    const versions = await listVersions(laptop.repo, DEFAULT_FOLDER_ID, aId);
    // v5 (current), v4 (within a day of the newest) and v3 (day 0's last); v1, v2 forgotten.
    expect(versions.map((v) => v.version.size)).toEqual([A(5), A(4), A(3)].map((s) => s.length));
    const v3 = versions[2]!;
    const tmp = await fetchVersion(
      { repo: laptop.repo, keys: laptop.keys, account: laptop.account },
      v3.entry,
      path.join(work, 'restore'),
      'a.txt',
    );
    expect(await readFile(tmp, 'utf8')).toBe(A(3));
    await engine.restoreVersion({
      folderId: DEFAULT_FOLDER_ID,
      path: 'a.txt',
      snapshotId: v3.version.snapshotId,
    });
    expect(await readFile(path.join(laptop.root, 'a.txt'), 'utf8')).toBe(A(3));
  });

  it('the desktop and a fresh device sync after compaction, reading moved blobs from their new pack', async () => {
    await syncFolderOnce(desktop.ctx);
    expect(await readFile(path.join(desktop.root, 'a.txt'), 'utf8')).toBe(A(3));
    // The desktop's index forgot the deleted packs; c.txt's file node is found in the new one.
    expect(desktop.repo.locate('filenode', cNodeId)?.fid).toBe(repacked[0]);
    await writeFile(path.join(desktop.root, 'e.txt'), 'after compaction\n');
    await syncFolderOnce(desktop.ctx);
    await pass();
    expect(await readFile(path.join(laptop.root, 'e.txt'), 'utf8')).toBe('after compaction\n');

    const fresh = await makeSyncDevice(net, acct.mnemonic, {
      name: 'fresh',
      folderId: DEFAULT_FOLDER_ID,
      root: path.join(work, 'fresh', 'Sync'),
      manifestPath: path.join(work, 'fresh', 'manifest.sqlite'),
    });
    try {
      await syncFolderOnce(fresh.ctx);
      expect(listing(fresh.root)).toEqual(listing(laptop.root));
      expect(await readFile(path.join(fresh.root, 'c.txt'), 'utf8')).toBe('c never changes\n');
    } finally {
      await fresh.close();
    }
  });

  it(
    "a share's packs are kept by its device and by another device's compaction",
    { timeout: 300_000 },
    async () => {
      const recipient = new Keyring({
        type: 'sr25519',
        ss58Format: net.ss58Format,
      }).addFromMnemonic(mnemonicGenerate(24));
      const shared = seededBytes('shared v1', 200_000);
      await writeFile(path.join(laptop.root, 's.bin'), shared);
      clock += 60_000;
      await pass();
      const info = await engine.share({
        path: path.join(laptop.root, 's.bin'),
        recipient: recipient.address,
      });
      await pass(); // after the share's pins were published (queued behind it)
      await laptop.repo.refresh();
      const pins = laptop.repo
        .compactionRecords()
        .flatMap((r) => r.record.pins)
        .find((p) => p.share === info.id);
      expect(pins?.manifest).toBe(info.manifest.fid);
      const pinned = new Set([pins!.manifest, ...pins!.packs]);
      expect(pins!.packs.length).toBeGreaterThan(0);
      // As if the share had been made before compaction existed: its pins are derived again
      // (from its version's content id, through the snapshots) by the next run.
      new CompactionState(laptop.manifest).setSharePins([]);

      // A new version, then ten days: the shared version is in no retained snapshot any more.
      await writeFile(path.join(laptop.root, 's.bin'), seededBytes('shared v2', 200_000));
      clock += 60_000;
      await pass();
      clock += 10 * DAY;
      await writeFile(path.join(laptop.root, 'f.txt'), 'ten days later\n');
      await pass();
      await syncFolderOnce(desktop.ctx);

      // Both devices compact twice, a grace period apart: the pinned packs stay.
      for (let i = 0; i < 3; i++) {
        clock += GRACE + 1;
        const l = await engine.compact();
        const d = await compact(desktop);
        expect(l.errors).toEqual([]);
        expect(d.errors).toEqual([]);
        for (const r of [l, d]) {
          for (const f of [...r.doomed, ...r.deleted, ...r.repacked.sources])
            expect(pinned.has(f), `pinned pack ${f} touched`).toBe(false);
        }
      }
      expect(new CompactionState(laptop.manifest).sharePins().get(info.id)).toEqual(pins);
      const listed = await listedFids(laptop);
      for (const f of pinned) expect(listed.has(f)).toBe(true);
      const got = await receiveShare({
        link: info.link,
        recipient: {
          address: recipient.address,
          secretScalar: secretScalarFromKeyringPair(recipient),
        },
        read: gatewayRangeReader(
          new Cd2nClient({ baseUrl: net.gatewayUrl, signer: keyringSigner(recipient) }),
        ),
        ss58Format: net.ss58Format,
        baseDir: path.join(work, 'recipient'),
      });
      expect(Buffer.compare(await readFile(got.path), shared)).toBe(0);

      // Revoked: the pins go, the manifest pack is deleted (here right away by revokeShare).
      await engine.revokeShare(info.id);
      clock += GRACE + 1;
      const after = await engine.compact();
      expect(after.errors).toEqual([]);
      await laptop.repo.refresh();
      const mine = laptop.repo
        .compactionRecords()
        .filter((r) => r.record.deviceId === laptop.manifest.deviceId())
        .sort((a, b) => b.record.seq - a.record.seq)[0];
      expect(mine?.record.pins.some((p) => p.share === info.id) ?? false).toBe(false);
    },
  );
});

describe('compaction: pending deals and crashes (a second account)', () => {
  let dev: SyncDevice;
  let acct2: SyncAccount;
  const files: Record<string, string> = {};

  async function write(name: string, text: string): Promise<void> {
    files[name] = text;
    await writeFile(path.join(dev.root, name), text);
    clock += 60_000;
    await syncFolderOnce(dev.ctx);
  }

  const FOLDER = 'c0mpac7000000000000000000000000b';

  beforeAll(async () => {
    acct2 = await fundSyncAccount(net, 20);
    dev = await makeSyncDevice(net, acct2.mnemonic, {
      name: 'solo',
      folderId: FOLDER,
      root: path.join(work, 'solo', 'Sync'),
      manifestPath: path.join(work, 'solo', 'manifest.sqlite'),
    });
    dev.ctx.now = now;
  });

  afterAll(async () => {
    net?.backend.setMinerDelay(0);
    await dev?.close();
    dev?.manifest.close(); // the one reopened after the simulated crash
  });

  it(
    'a delete waits while the new copies are pending, and is retried once they are stored',
    { timeout: 300_000 },
    async () => {
      for (const n of ['one', 'two', 'three']) await write(`${n}.txt`, `${n}\n`);
      const old = await listedFids(dev);
      expect(old.size).toBe(3);
      clock += 60_000;
      await compact(dev); // first sight
      clock += GRACE + 1;
      net.backend.setMinerDelay('never');
      const doom = await compact(dev);
      expect(doom.repacked.newPacks).toHaveLength(1);
      expect(new Set(doom.doomed)).toEqual(old);
      const newPack = doom.repacked.newPacks[0]!;
      expect((await dev.store.list()).find((o) => o.fid === newPack)?.state).toBe('pending');

      clock += GRACE + 1;
      const waiting = await compact(dev);
      expect(waiting.deleted).toEqual([]);
      expect(waiting.waiting.map((w) => w.fid).sort()).toEqual([...old].sort());
      expect(waiting.waiting[0]!.reason).toMatch(/not stored on chain yet/);
      expect(await listedFids(dev)).toEqual(new Set([...old, newPack, doom.record!]));

      // The miners finish; a refused delete (injected once) is recorded and retried too.
      await net.backend.completePending();
      net.backend.setMinerDelay(0);
      const realDelete = dev.store.delete.bind(dev.store);
      let refused = '';
      const flaky = Object.create(dev.store) as typeof dev.store;
      flaky.delete = async (fid: string) => {
        if (!refused) {
          refused = fid;
          throw new Error(`file ${fid} is still pending (injected)`);
        }
        return realDelete(fid);
      };
      clock += 60_000;
      const partly = await compact(dev, { store: flaky });
      expect(partly.deleted.filter((f) => old.has(f))).toHaveLength(2);
      expect(partly.waiting.find((w) => w.fid === refused)?.reason).toMatch(/retried next run/);
      clock += 60_000;
      const rest = await compact(dev);
      expect(rest.deleted).toContain(refused);
      const listed = await listedFids(dev);
      for (const f of old) expect(listed.has(f)).toBe(false);
    },
  );

  it(
    'a run killed with SIGKILL between the repack and the announcement resumes without copying again',
    { timeout: 300_000 },
    async () => {
      for (const n of ['four', 'five']) await write(`${n}.txt`, `${n}\n`);
      await compact(dev); // first sight of the new packs
      clock += GRACE + 1;
      const before = await listedFids(dev);
      // The run in its own process, SIGKILLed right after the new pack's upload is recorded.
      const mpath = dev.manifest.path;
      dev.manifest.close();
      const cfg: CompactionChildConfig = {
        chainUrl: net.chainUrl,
        gatewayUrl: net.gatewayUrl,
        ss58Format: net.ss58Format,
        mnemonic: acct2.mnemonic,
        folderId: FOLDER,
        deviceName: 'solo',
        root: dev.root,
        manifestPath: mpath,
        nowMs: clock,
        retention: retentionFull(),
        graceMs: GRACE,
        killAt: 'uploaded',
      };
      const killed = await runChild(
        process.execPath,
        ['--import', 'tsx', COMPACTION_CHILD, JSON.stringify(cfg)],
        { timeoutMs: 240_000 },
      );
      expect(killed.timedOut, killed.stderr).toBe(false);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const uploaded = (JSON.parse(killed.stdout.trim()) as { fid: string }).fid;
      expect(uploaded).toMatch(/^[0-9a-f]{64}$/);

      // A restart: the manifest reopened, a fresh repository.
      const manifest = Manifest.open(mpath);
      const repo = new Repository(dev.store, deriveKeys(mnemonicToMiniSecret(acct2.mnemonic)));
      dev = { ...dev, manifest, repo, ctx: { ...dev.ctx, manifest, repo } };
      const resumed = await compact(dev);
      expect(resumed.errors).toEqual([]);
      expect(resumed.repacked.newPacks).toEqual([uploaded]); // not written again
      expect(resumed.record).not.toBeNull();
      const after = await listedFids(dev);
      // Only the record was added since the kill.
      expect([...after].filter((f) => !before.has(f)).sort()).toEqual(
        [uploaded, resumed.record!].sort(),
      );
      expect(resumed.doomed.length).toBeGreaterThanOrEqual(2);

      clock += GRACE + 1;
      const deleted = await compact(dev);
      expect(deleted.errors).toEqual([]);
      for (const f of resumed.doomed) expect(deleted.deleted).toContain(f);
      const left = await listedFids(dev);
      for (const f of resumed.doomed) expect(left.has(f)).toBe(false);

      // Consistent: a new device gets every file.
      const other = await makeSyncDevice(net, acct2.mnemonic, {
        name: 'other',
        folderId: FOLDER,
        root: path.join(work, 'other', 'Sync'),
        manifestPath: path.join(work, 'other', 'manifest.sqlite'),
      });
      try {
        await syncFolderOnce(other.ctx);
        expect(listing(other.root)).toEqual(listing(dev.root));
        for (const [name, text] of Object.entries(files))
          expect(await readFile(path.join(other.root, name), 'utf8')).toBe(text);
      } finally {
        await other.close();
      }
    },
  );
});
