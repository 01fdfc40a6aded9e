/**
 * Idle cost of the whole sync engine over a large folder, not only its watcher (bench/idle.ts):
 * a fresh Node process runs a SyncEngine with the daemon's defaults (watcher, remote poll every
 * 15 s, compaction scheduler) on the tree, over a local-directory object store (./dir-store.ts:
 * no network, so what is measured is the engine's own work). The first pass indexes, encrypts
 * and stores everything; then the engine sits idle for `seconds`. Reported: CPU% over the idle
 * window (share of one core), RSS at its end, and how often it listed the store while idle.
 *
 *   npx tsx bench/engine-idle.ts <root> [seconds=60]   (the tree must exist; see bench/scan.ts)
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pretAccountOf } from '../src/cess/pret/index.js';
import { SyncEngine } from '../src/sync/engine/engine.js';
import { deriveKeys } from '../src/sync/format/index.js';
import { Manifest } from '../src/sync/manifest/index.js';
import { Repository } from '../src/sync/remote/repository.js';
import { DirStore } from './dir-store.js';
import { idleFigureRows } from './idle.js';
import { isMain, procStatusBytes, runTsChild, type Row } from './lib.js';

export interface EngineIdleResult {
  files: number;
  seconds: number;
  firstPassMs: number;
  syncedFiles: number;
  cpuPercent: number;
  rss: number;
  hwm: number;
  /** Listings of the store while idle: one per pass. */
  idlePasses: number;
}

async function child(root: string, seconds: number): Promise<void> {
  await cryptoWaitReady();
  const work = mkdtempSync(path.join(tmpdir(), 'cess-sync-bench-eidle-'));
  const manifest = Manifest.open(path.join(work, 'manifest.sqlite'));
  const store = new DirStore(path.join(work, 'objects'));
  const keys = deriveKeys(new Uint8Array(32).fill(4));
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//BenchEngineIdle');
  const engine = new SyncEngine({
    manifest,
    keys,
    account: pretAccountOf(pair),
    repo: new Repository(store, keys),
    store,
    deviceName: 'bench',
  });
  try {
    await engine.start();
    const t0 = performance.now();
    const f = await engine.addFolder({ root });
    await engine.syncNow(f.id);
    const firstPassMs = Math.round(performance.now() - t0);
    const syncedFiles = engine.status().folders[0]?.files ?? 0;
    const p0 = store.lists;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const c = process.cpuUsage(c0);
    const wall = performance.now() - w0;
    console.log(
      JSON.stringify({
        firstPassMs,
        syncedFiles,
        cpuPercent: ((c.user + c.system) / 1000 / wall) * 100,
        rss: procStatusBytes('self', 'VmRSS'),
        hwm: procStatusBytes('self', 'VmHWM'),
        idlePasses: store.lists - p0,
      }),
    );
  } finally {
    await engine.stop();
    manifest.close();
    rmSync(work, { recursive: true, force: true });
    // the folder's marker and metadata dir stay in the bench tree (a temp dir)
  }
}

export async function runEngineIdleBench(
  root: string,
  files: number,
  seconds: number,
): Promise<EngineIdleResult> {
  const r = await runTsChild(new URL(import.meta.url).pathname, [root, String(seconds)]);
  return { files, seconds, ...(r.json as Omit<EngineIdleResult, 'files' | 'seconds'>) };
}

export function engineIdleRows(r: EngineIdleResult): Row[] {
  return idleFigureRows(`whole engine, ${r.files} files synced, idle ${r.seconds} s`, r, {
    cpu: `first pass ${(r.firstPassMs / 1000).toFixed(1)} s (${r.syncedFiles} files synced, local directory store); ${r.idlePasses} store listings while idle (one per poll, and one per pass).`,
    peak: ', first pass included',
  });
}

if (isMain(import.meta.url)) {
  const root = process.argv[2];
  if (root === undefined) throw new Error('usage: bench/engine-idle.ts <root> [seconds]');
  await child(root, Number(process.argv[3] ?? 60));
}
