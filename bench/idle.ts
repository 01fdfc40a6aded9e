/**
 * Idle cost of watching a large folder: a fresh Node process runs watchFolder (src/sync/scan)
 * on the tree, waits until the watch is ready, then sits idle for `seconds`. Reported: CPU% over
 * the idle window (process.cpuUsage, user + system, as a share of one core), RSS at the end
 * (/proc/self/status VmRSS) and the peak (VmHWM, which includes setting the watch up).
 *
 *   npx tsx bench/idle.ts <root> [seconds=60]     (the tree must exist; see bench/scan.ts)
 */
import { IgnoreMatcher } from '../src/sync/ignore/index.js';
import { watchFolder } from '../src/sync/scan/index.js';
import { MiB, isMain, procStatusBytes, runTsChild, type Row } from './lib.js';

export interface IdleResult {
  files: number;
  seconds: number;
  readyMs: number;
  cpuPercent: number;
  rss: number;
  hwm: number;
  batches: number;
}

async function child(root: string, seconds: number): Promise<void> {
  const t0 = performance.now();
  let batches = 0;
  const w = watchFolder({
    root,
    ignore: IgnoreMatcher.fromRules(''),
    onBatch: () => void batches++,
  });
  await w.ready;
  const readyMs = Math.round(performance.now() - t0);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = process.cpuUsage(c0);
  const wall = performance.now() - w0;
  const out = {
    readyMs,
    cpuPercent: ((c.user + c.system) / 1000 / wall) * 100,
    rss: procStatusBytes('self', 'VmRSS'),
    hwm: procStatusBytes('self', 'VmHWM'),
    batches,
  };
  await w.close();
  console.log(JSON.stringify(out));
}

/** Runs the idle measurement in a child process over an existing tree of `files` files. */
export async function runIdleBench(
  root: string,
  files: number,
  seconds: number,
): Promise<IdleResult> {
  const r = await runTsChild(new URL(import.meta.url).pathname, [root, String(seconds)]);
  const j = r.json as Omit<IdleResult, 'files' | 'seconds'>;
  return { files, seconds, ...j };
}

/** Figure 5's two rows (CPU and RSS over an idle window) for `what`. */
export function idleFigureRows(
  what: string,
  r: { cpuPercent: number; rss: number; hwm: number },
  notes: { cpu: string; peak: string; rss?: string },
): Row[] {
  return [
    {
      figure: `idle CPU (${what})`,
      value: `${r.cpuPercent.toFixed(2)} %`,
      reference: '1 core',
      ratio: '-',
      target: '<= 1 %',
      met: r.cpuPercent <= 1,
      note: notes.cpu,
    },
    {
      figure: `idle RSS (${what})`,
      value: `${(r.rss / MiB).toFixed(0)} MiB`,
      reference: `peak ${(r.hwm / MiB).toFixed(0)} MiB (VmHWM${notes.peak})`,
      ratio: '-',
      target: '<= 300 MB',
      met: r.rss <= 300e6,
      ...(notes.rss !== undefined ? { note: notes.rss } : {}),
    },
  ];
}

export function idleRows(r: IdleResult): Row[] {
  return idleFigureRows(`${r.files} files watched, idle ${r.seconds} s`, r, {
    cpu: `watch ready after ${r.readyMs} ms; ${r.batches} batches while idle.`,
    peak: '',
  });
}

if (isMain(import.meta.url)) {
  const root = process.argv[2];
  if (root === undefined) throw new Error('usage: bench/idle.ts <root> [seconds]');
  await child(root, Number(process.argv[3] ?? 60));
}
