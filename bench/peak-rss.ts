/**
 * Peak memory while one large file goes through the client pipeline (read, chunk, encrypt,
 * pack to temp files, fid of each pack: bench/pipeline.ts pushFiles with the worker thread of
 * src/sync/packfile, as the engine does for large passes). The push runs in a fresh
 * Node process; its peak RSS is VmHWM from /proc/<pid>/status (read by the parent while it runs
 * and by the child at the end; the larger is reported).
 *
 *   npx tsx bench/peak-rss.ts [MiB=4096]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import {
  Keystream,
  MiB,
  isMain,
  procStatusBytes,
  runTsChild,
  writeRandomFile,
  type Row,
} from './lib.js';
import { PackFilePool } from '../src/sync/packfile/index.js';
import { benchKeys, pushFiles } from './pipeline.js';

export interface PeakRssResult {
  mib: number;
  /** Peak RSS of the whole push process. */
  hwm: number;
  /** Peak RSS of the same process after its imports, before the push. */
  baseline: number;
  ms: number;
  packs: number;
}

async function child(file: string, packDir: string): Promise<void> {
  const keys = benchKeys();
  const baseline = procStatusBytes('self', 'VmHWM');
  const t0 = performance.now();
  // As the engine pushes a large file: encryption, pack writes and fid on a worker thread.
  const pool = new PackFilePool();
  const r = await pushFiles(keys, [file], packDir, pool);
  await pool.close();
  console.log(
    JSON.stringify({
      baseline,
      hwm: procStatusBytes('self', 'VmHWM'),
      ms: Math.round(performance.now() - t0),
      packs: r.packs,
    }),
  );
}

export async function runPeakRssBench(o: {
  mib: number;
  log?: (m: string) => void;
}): Promise<PeakRssResult> {
  const log = o.log ?? console.log;
  const work = mkdtempSync(nodePath.join(tmpdir(), 'cess-sync-bench-rss-'));
  try {
    const file = nodePath.join(work, 'big.bin');
    log(`peak RSS: writing a ${o.mib} MiB file`);
    writeRandomFile(file, o.mib * MiB, new Keystream(6));
    const r = await runTsChild(new URL(import.meta.url).pathname, [
      file,
      nodePath.join(work, 'packs'),
    ]);
    const j = r.json as { baseline: number; hwm: number; ms: number; packs: number };
    return {
      mib: o.mib,
      hwm: Math.max(j.hwm, r.polledHwm),
      baseline: j.baseline,
      ms: j.ms,
      packs: j.packs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function peakRssRows(r: PeakRssResult): Row[] {
  return [
    {
      figure: `peak RSS pushing one ${r.mib} MiB file (chunk+encrypt+pack to disk+fid)`,
      value: `${(r.hwm / MiB).toFixed(0)} MiB`,
      reference: `${(r.baseline / MiB).toFixed(0)} MiB before the push (node+tsx+imports)`,
      ratio: '-',
      target: '<= 250 MB',
      met: r.hwm <= 250e6,
      note: `${r.packs} packs in ${(r.ms / 1000).toFixed(1)} s (${(r.mib / (r.ms / 1000)).toFixed(0)} MiB/s).`,
    },
  ];
}

if (isMain(import.meta.url)) {
  const [a, b] = process.argv.slice(2);
  if (a !== undefined && b !== undefined) await child(a, b);
  else {
    const r = await runPeakRssBench({ mib: Number(a ?? 4096) });
    console.log(JSON.stringify(r));
  }
}
