/**
 * One sync pass in its own process, for crash tests (the parent SIGKILLs it mid-transfer) and
 * memory measurements (peak RSS of a whole pass).
 *
 *   node --import tsx test/support/sync-child.ts '<ChildConfig as JSON>'
 *
 * Prints one JSON line on stdout: {"ok":true,"uploaded":n,"downloaded":n,"ms":n,"maxRssMiB":n}
 * or {"ok":false,"error":"..."} (exit code 1).
 */
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { makeChildDevice, type ChildDeviceConfig } from './sync-device.js';

export type ChildConfig = ChildDeviceConfig;

export interface ChildResult {
  ok: boolean;
  uploaded?: number;
  downloaded?: number;
  ms?: number;
  /** Peak resident set size of the whole process, MiB (getrusage ru_maxrss). */
  maxRssMiB?: number;
  error?: string;
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: sync-child.ts <config json>');
  const cfg = JSON.parse(arg) as ChildConfig;
  const device = await makeChildDevice(cfg);
  process.stderr.write('[sync-child] ready\n');
  const t0 = performance.now();
  try {
    const r = await syncFolderOnce(device.ctx);
    const out: ChildResult = {
      ok: true,
      uploaded: r.uploaded,
      downloaded: r.downloaded,
      ms: Math.round(performance.now() - t0),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await device.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const out: ChildResult = {
      ok: false,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exit(1);
  },
);
