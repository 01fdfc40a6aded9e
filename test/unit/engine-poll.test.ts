/**
 * The engine's periodic poll (src/sync/engine/engine.ts `poll`), two engines of one account over
 * one in-memory object store (fast; the same poll runs against the devnet in the daemon tests):
 * an idle watched folder gets no pass when nothing changed, a snapshot from the other device
 * gets one (and its file arrives with no local event), and a folder without a watcher keeps a
 * pass on every poll.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pretAccountOf } from '../../src/cess/pret/index.js';
import { SyncEngine } from '../../src/sync/engine/engine.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { Repository } from '../../src/sync/remote/repository.js';
import { MemoryStore } from '../support/memory-store.js';

const POLL_MS = 250;
let dir: string;
let store: MemoryStore;
const open: { engine: SyncEngine; manifest: Manifest }[] = [];

beforeAll(async () => {
  await cryptoWaitReady();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-poll-'));
  store = new MemoryStore();
});
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.engine.stop();
    o.manifest.close();
  }
  await rm(dir, { recursive: true, force: true });
});

/**
 * A device of the test account with its folder `<dir>/<name>` added and synced once;
 * `prepare` fills the folder before it is added.
 */
async function device(name: string, watch: boolean, prepare?: (root: string) => Promise<void>) {
  const keys = deriveKeys(new Uint8Array(32).fill(8));
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//EnginePollTest');
  const manifest = Manifest.open(path.join(dir, `${name}.sqlite`));
  const engine = new SyncEngine({
    manifest,
    keys,
    account: pretAccountOf(pair),
    repo: new Repository(store, keys),
    store,
    deviceName: name,
    watch,
    pollMs: POLL_MS,
    batchMs: 100,
    compaction: false,
  });
  open.push({ engine, manifest });
  await engine.start();
  const root = path.join(dir, name);
  await mkdir(root);
  await prepare?.(root);
  const folder = await engine.addFolder({ root });
  await engine.syncNow(folder.id);
  const lastSync = (): number | null => engine.status().folders[0]?.lastSyncMs ?? null;
  return { engine, root, lastSync };
}

/** A folder that starts with `hidden/x.txt` under a `.cessignore` rule hiding `hidden/`. */
async function hideXInHidden(root: string): Promise<void> {
  await writeFile(path.join(root, '.cessignore'), 'hidden/\n');
  await mkdir(path.join(root, 'hidden'));
  await writeFile(path.join(root, 'hidden', 'x.txt'), 'x\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('engine poll', () => {
  it('passes only when CESS has a new snapshot; the other device’s file arrives without a local event', async () => {
    const laptop = await device('laptop', true);
    await writeFile(path.join(laptop.root, 'a.txt'), 'from the laptop\n');
    await laptop.engine.syncNow();
    const desktop = await device('desktop', true);
    expect(await readFile(path.join(desktop.root, 'a.txt'), 'utf8')).toBe('from the laptop\n');

    // Idle: polls list the store, but no pass runs on either device (after the one the
    // desktop's watcher runs for the download it just wrote).
    await sleep(POLL_MS * 2);
    const lists = (): number => store.lists;
    const before = { laptop: laptop.lastSync(), desktop: desktop.lastSync(), lists: lists() };
    await sleep(POLL_MS * 6);
    expect(lists()).toBeGreaterThanOrEqual(before.lists + 4);
    expect(laptop.lastSync()).toBe(before.laptop);
    expect(desktop.lastSync()).toBe(before.desktop);

    // The desktop saves a file: its watcher runs its pass, and the laptop's poll sees the new
    // snapshot and runs one, with nothing changed on the laptop's disk.
    await writeFile(path.join(desktop.root, 'b.txt'), 'from the desktop\n');
    await until('the laptop to get b.txt', () => existsSync(path.join(laptop.root, 'b.txt')));
    expect(await readFile(path.join(laptop.root, 'b.txt'), 'utf8')).toBe('from the desktop\n');
    expect(laptop.lastSync()).not.toBe(before.laptop);

    // Quiet again afterwards (after the laptop watcher's pass for the download it wrote).
    await sleep(POLL_MS * 2);
    const settled = laptop.lastSync();
    await sleep(POLL_MS * 4);
    expect(laptop.lastSync()).toBe(settled);
  });

  it('a folder without a watcher gets a pass on every poll', async () => {
    const box = await device('box', false);
    const seen = new Set<number | null>([box.lastSync()]);
    await until('three more passes', () => {
      seen.add(box.lastSync());
      return seen.size >= 4;
    });
    // ...so a file saved there is still found.
    await writeFile(path.join(box.root, 'c.txt'), 'no watcher\n');
    await until('c.txt to be uploaded', () =>
      box.engine.recentActivity(50).some((a) => a.kind === 'uploaded' && a.path === 'c.txt'),
    );
  });

  it('poll ticks during a long pass do not queue up a look each', async () => {
    const laptop = await device('laptop', true);
    const put = store.put.bind(store);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    store.put = async (file: string) => {
      await gate; // the upload hangs: the pass runs for many poll intervals
      return put(file);
    };
    await writeFile(path.join(laptop.root, 'slow.txt'), 'takes a while\n');
    await until('the pass to start uploading', () => laptop.engine.status().state === 'syncing');
    await sleep(POLL_MS * 8);
    const atRelease = store.lists;
    release();
    await until('the pass to end', () => laptop.engine.status().state === 'idle');
    await sleep(POLL_MS / 2);
    // Eight ticks fell inside the pass; without the guard each queued a look (a listing) to
    // run right after it. With it: the one look that was waiting, and the pass's own refresh.
    expect(store.lists - atRelease).toBeLessThanOrEqual(3);
  });

  it('saves are found through the watcher’s paths; rules edited on disk restart the watcher', async () => {
    // The folder starts with `hidden/` ignored: the watcher does not even watch it.
    const laptop = await device('laptop', true, hideXInHidden);
    const desktop = await device('desktop', false);
    await writeFile(path.join(laptop.root, 'seen.txt'), 'saved\n');
    await until('the desktop to get seen.txt', () =>
      existsSync(path.join(desktop.root, 'seen.txt')),
    );
    expect(existsSync(path.join(desktop.root, 'hidden'))).toBe(false);

    // Un-ignored by editing the file on disk: the pass that sees the new rules scans
    // everything (x.txt), and the watcher starts again without pruning hidden/ ...
    await writeFile(path.join(laptop.root, '.cessignore'), '');
    await until('the desktop to get hidden/x.txt', () =>
      existsSync(path.join(desktop.root, 'hidden', 'x.txt')),
    );
    // ... so a file saved there later is reported by it (no full rescan runs in between).
    await sleep(POLL_MS * 2);
    await writeFile(path.join(laptop.root, 'hidden', 'y.txt'), 'y\n');
    await until('the desktop to get hidden/y.txt', () =>
      existsSync(path.join(desktop.root, 'hidden', 'y.txt')),
    );
  });

  it('rules saved through the engine: the pass that applies them restarts the watcher, so later saves are seen', async () => {
    const laptop = await device('laptop', true, hideXInHidden);
    const desktop = await device('desktop', false);
    const folderId = laptop.engine.status().folders[0]?.id ?? '';
    await laptop.engine.setIgnoreRules({ folderId, rules: '# nothing hidden\n' });
    await until('the desktop to get hidden/x.txt', async () => {
      await desktop.engine.syncNow();
      return existsSync(path.join(desktop.root, 'hidden', 'x.txt'));
    });
    // The watcher started with `hidden/` pruned; the pass that applied the rules started it again.
    await sleep(POLL_MS * 2);
    await writeFile(path.join(laptop.root, 'hidden', 'y.txt'), 'y\n');
    await until('the desktop to get hidden/y.txt', async () => {
      await desktop.engine.syncNow();
      return existsSync(path.join(desktop.root, 'hidden', 'y.txt'));
    });
  });

  it('a restored version is uploaded by the pass the restore waits for (no watcher batch yet)', async () => {
    const laptop = await device('laptop', true);
    const folderId = laptop.engine.status().folders[0]?.id ?? '';
    const abs = path.join(laptop.root, 'v.txt');
    await writeFile(abs, 'first\n');
    await laptop.engine.syncNow();
    await writeFile(abs, 'second, longer\n');
    await until('two versions', async () => {
      return (await laptop.engine.versions({ folderId, path: 'v.txt' })).length === 2;
    });
    const [, older] = await laptop.engine.versions({ folderId, path: 'v.txt' });
    if (older === undefined) throw new Error('no older version');
    await laptop.engine.restoreVersion({ folderId, path: 'v.txt', snapshotId: older.snapshotId });
    const after = await laptop.engine.versions({ folderId, path: 'v.txt' });
    expect(after[0]?.size).toBe('first\n'.length);
    expect(await readFile(abs, 'utf8')).toBe('first\n');
  });
});
