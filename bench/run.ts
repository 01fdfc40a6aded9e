/**
 * All benchmarks, one table: `npx tsx bench/run.ts [--quick] [--no-devnet]`.
 *
 * Each figure is measured in this run next to its limit or a peer tool on the same generated
 * data (temp dirs, removed afterwards). --quick scales the data down (the table says so) and
 * takes about 2 minutes; the full run takes much longer. See docs/benchmarks.md.
 */
import { cpus, totalmem } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { engineIdleRows, runEngineIdleBench } from './engine-idle.js';
import { formatThroughput } from './format-throughput.js';
import { idleRows, runIdleBench } from './idle.js';
import { latencyRows, runLatencyBench } from './latency.js';
import { fmtMs, loadNote, printTable, type Row } from './lib.js';
import { peakRssRows, runPeakRssBench } from './peak-rss.js';
import { pipelineRows, runPipelineBench } from './pipeline.js';
import { runScanBench } from './scan.js';
import { runTerritoryBench, territoryRows } from './territory.js';

const quick = process.argv.includes('--quick');
const devnet = !process.argv.includes('--no-devnet');

const S = quick
  ? {
      scanFiles: 20_000,
      scanMiB: 200,
      idleS: 10,
      pipeMiB: 256,
      pipeRuns: 2,
      fmtMiB: 64,
      fmtRuns: 2,
      terrFiles: 4_000,
      terrMiB: 200,
      rssMiB: 512,
      latRounds: 3,
    }
  : {
      scanFiles: 100_000,
      scanMiB: 1024,
      idleS: 60,
      pipeMiB: 1024,
      pipeRuns: 3,
      fmtMiB: 256,
      fmtRuns: 3,
      terrFiles: 20_000,
      terrMiB: 1024,
      rssMiB: 4096,
      latRounds: 5,
    };

const log = (m: string): void => console.error(m);
const rows: Row[] = [];
const started = performance.now();
const loadBefore = loadNote();

async function step(name: string, fn: () => Promise<Row[]>): Promise<void> {
  log(`== ${name}`);
  const t0 = performance.now();
  try {
    rows.push(...(await fn()));
  } catch (e) {
    rows.push({
      figure: name,
      value: `failed: ${(e as Error).message.split('\n')[0]}`,
      reference: '-',
      ratio: '-',
      target: '-',
      met: false,
    });
  }
  log(`   ${name}: ${fmtMs(performance.now() - t0)}`);
}

// 1, 2 and 5 share one tree: the index, the rescan, then the idle watch and engine on it.
await step('scan + idle', async () => {
  const base = mkdtempSync(nodePath.join(tmpdir(), 'cess-sync-bench-scan-'));
  try {
    const r = await runScanBench({ files: S.scanFiles, totalMiB: S.scanMiB, dir: base, log });
    const rescanLimit = (5000 * r.files) / 100_000;
    const out: Row[] = [
      {
        figure: `first index, ${r.files} files / ${r.dirs} folders / ${(r.bytes / 2 ** 20).toFixed(0)} MiB (scanFolder + sha256)`,
        value: fmtMs(r.firstMs),
        reference: `${fmtMs(r.findMs)} (find | xargs sha256sum)`,
        ratio: `${(r.firstMs / r.findMs).toFixed(2)}x`,
        target: '<= 1.50x',
        met: r.firstMs / r.findMs <= 1.5,
        note: 'warm page cache for both; the scanner hashes with plain SHA-256 here (the engine uses the keyed content id, contentHasher).',
      },
      {
        figure: `rescan unchanged, ${r.files} files`,
        value: fmtMs(r.rescanMs),
        reference: `2nd rescan ${fmtMs(r.rescan2Ms)}; ${r.hashedOnRescan} re-hashed`,
        ratio: `${(r.rescanMs / rescanLimit).toFixed(2)}x of limit`,
        target: r.files === 100_000 ? '<= 5 s' : `<= ${fmtMs(rescanLimit)} (5 s x ${r.files}/100k)`,
        met: r.rescanMs <= rescanLimit,
      },
    ];
    log('== idle watch');
    out.push(...idleRows(await runIdleBench(r.root, r.files, S.idleS)));
    // The watcher alone is not what a user runs: the whole engine, synced and idle, too.
    log('== engine idle (first sync of the tree, then idle)');
    out.push(...engineIdleRows(await runEngineIdleBench(r.root, r.files, S.idleS)));
    return out;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

await step('pipeline throughput', async () => {
  const r = await runPipelineBench({ mib: S.pipeMiB, runs: S.pipeRuns, log });
  const f = await formatThroughput(S.fmtMiB, S.fmtRuns);
  return [
    ...pipelineRows(r),
    {
      figure: `(for reference) format only, in memory, ${S.fmtMiB} MiB (bench/format-throughput.ts)`,
      value: `${f.pipeline.toFixed(0)} MiB/s`,
      reference: `${f.limit.toFixed(0)} MiB/s (SHA-256 + AES-256-GCM, 256 KiB blocks)`,
      ratio: `${((f.pipeline / f.limit) * 100).toFixed(0)} %`,
      target: '-',
    },
  ];
});

await step('territory', async () =>
  territoryRows(await runTerritoryBench({ files: S.terrFiles, totalMiB: S.terrMiB, log })),
);

await step('peak RSS', async () => peakRssRows(await runPeakRssBench({ mib: S.rssMiB, log })));

if (devnet)
  await step('save-to-upload latency', async () =>
    latencyRows(await runLatencyBench({ rounds: S.latRounds, log })),
  );
else
  rows.push({
    figure: 'save -> upload recorded (devnet)',
    value: 'skipped: --no-devnet',
    reference: '-',
    ratio: '-',
    target: '<= 3 s + batch window',
  });

const title =
  `cess-sync benchmarks — ${quick ? 'QUICK mode (scaled-down sizes, see each figure)' : 'full mode'}; ` +
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
  `load avg before ${loadBefore}, after ${loadNote()}; took ${fmtMs(performance.now() - started)}`;
console.log('');
printTable(title, rows);
