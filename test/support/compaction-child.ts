/**
 * One compaction run in its own process, for the crash test: at the first durable step named
 * `killAt` the process SIGKILLs itself, so no `finally`, no SQLite close and no pending write
 * gets a chance to run — the state a power cut or `kill -9` leaves.
 *
 *   node --import tsx test/support/compaction-child.ts '<CompactionChildConfig as JSON>'
 *
 * Prints `{"step":..., "fid":...}` on stdout just before the kill, or `{"done":true}` when the
 * run ends without reaching the step (exit code 0), or an error on stderr (exit code 1).
 */
import {
  runCompaction,
  type CompactionStep,
  type RetentionPolicy,
} from '../../src/sync/compaction/index.js';
import type { ChildConfig } from './sync-child.js';
import { compactionContextOf, makeChildDevice } from './sync-device.js';

export interface CompactionChildConfig extends ChildConfig {
  /** The fake clock's time for this run, ms. */
  nowMs: number;
  retention: RetentionPolicy;
  graceMs: number;
  killAt: CompactionStep;
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: compaction-child.ts <config json>');
  const cfg = JSON.parse(arg) as CompactionChildConfig;
  const d = await makeChildDevice(cfg);
  await runCompaction(
    compactionContextOf(d, () => cfg.nowMs),
    {
      retention: cfg.retention,
      options: { graceMs: cfg.graceMs },
      onStep: (step, fid) => {
        if (step !== cfg.killAt) return;
        process.stdout.write(`${JSON.stringify({ step, fid })}\n`, () =>
          process.kill(process.pid, 'SIGKILL'),
        );
        // Nothing after the step may run: wait here for the signal.
        return new Promise<never>(() => undefined);
      },
    },
  );
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
  await d.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
