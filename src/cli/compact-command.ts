/** `cess-sync compact [--dry-run]`: retention and compaction now (docs/format.md §10). */
import type { DaemonClient } from '../daemon/client.js';
import type { CliIO } from './commands.js';

const MiB = 1024 * 1024;

export async function compactCommand(
  client: DaemonClient,
  io: CliIO,
  opts: { dryRun?: boolean },
): Promise<number> {
  const r = await client.compact({ dryRun: opts.dryRun === true });
  if (io.json === true) {
    io.out(JSON.stringify(r, null, 2));
    return 0;
  }
  const would = r.dryRun ? 'would ' : '';
  io.out(
    `${r.snapshots.total} snapshots: ${r.snapshots.kept} kept by the retention policy, ${r.snapshots.forgotten} past it`,
  );
  io.out(
    `${r.packs} packs in ${r.segments} CESS segments (${r.segments * 96} MiB of territory), ${(r.liveBytes / MiB).toFixed(1)} MiB still needed`,
  );
  io.out(
    `${would}delete ${r.deleted.length} objects now (${r.segmentsDeleted * 96} MiB of territory freed)`,
  );
  if (r.repacked.sources.length > 0 || r.repacked.newPacks.length > 0)
    io.out(
      `${would}rewrite ${r.repacked.sources.length} sparse packs into ${r.dryRun ? 'fewer' : r.repacked.newPacks.length} (${(r.repacked.bytes / MiB).toFixed(1)} MiB copied)`,
    );
  if (r.doomed.length > 0)
    io.out(
      `${would}announce ${r.doomed.length} packs for deletion; they are deleted by a later run, after the grace period (other devices must see the announcement first)`,
    );
  for (const w of r.waiting) io.out(`waiting: ${w.fid.slice(0, 12)}… ${w.reason}`);
  if (r.blocked) io.out(`held back: ${r.blocked}`);
  for (const e of r.errors) io.err(e);
  return r.errors.length > 0 ? 1 : 0;
}
