/**
 * When the engine compacts: every `intervalMs` (default 6 h) and after `afterUploads` passes
 * that uploaded something (default 50), when not paused, between passes (the repository's pack
 * index is shared with them); and on demand (`cess-sync compact`). After a share is made, its
 * pins are published right away so another device's compaction keeps what the link needs.
 */
import type { Manifest } from '../manifest/index.js';
import type { CompactionOptions } from './plan.js';
import { retentionPolicy, type RetentionPolicy } from './retention.js';
import {
  noteSharePins,
  publishPins,
  runCompaction,
  type CompactionContext,
  type CompactionReport,
} from './run.js';

/** Compaction settings of an engine (EngineOptions.compaction). */
export interface EngineCompaction {
  retention?: Partial<RetentionPolicy>;
  options?: Partial<CompactionOptions>;
  /** Run this often when idle, ms (default 6 h; 0: never on a timer). */
  intervalMs?: number;
  /** ...and after this many passes that uploaded packs (default 50; 0: never). */
  afterUploads?: number;
}

export interface SchedulerDeps {
  manifest: Manifest;
  /** The context of a run (made when the run starts: folders may have been added). */
  context: () => CompactionContext;
  /** Runs `fn` between sync passes. */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
  paused: () => boolean;
  log: (kind: string, detail: string) => void;
  /** A scheduled or requested run failed (its message), or a later run succeeded (null). */
  failed?: (message: string | null) => void;
}

export class CompactionScheduler {
  private timer: NodeJS.Timeout | undefined;
  private uploads = 0;
  private queued = false;
  private readonly retention: RetentionPolicy;

  constructor(
    private readonly cfg: EngineCompaction,
    private readonly deps: SchedulerDeps,
  ) {
    this.retention = retentionPolicy(cfg.retention);
  }

  start(): void {
    const every = this.cfg.intervalMs ?? 6 * 3_600_000;
    if (every > 0) {
      this.timer = setInterval(() => this.soon(), every);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A sync pass finished; `uploaded`: it wrote packs. */
  notePass(uploaded: boolean): void {
    if (!uploaded) return;
    this.uploads++;
    const after = this.cfg.afterUploads ?? 50;
    if (after > 0 && this.uploads >= after) this.soon();
  }

  /** Runs compaction now (between passes) and returns its report. */
  run(dryRun = false): Promise<CompactionReport> {
    return this.deps.exclusive(() => this.runBetweenPasses(dryRun));
  }

  private async runBetweenPasses(dryRun: boolean): Promise<CompactionReport> {
    let report: CompactionReport;
    try {
      report = await runCompaction(this.deps.context(), {
        retention: this.retention,
        ...(this.cfg.options ? { options: this.cfg.options } : {}),
        dryRun,
      });
    } catch (err) {
      // A dry run frees nothing: its failure is its caller's, not a storage problem to show.
      if (!dryRun) this.deps.failed?.(err instanceof Error ? err.message : String(err));
      throw err;
    }
    if (!dryRun) {
      this.uploads = 0;
      // A run that could not announce what it doomed frees nothing (the CLI exits 1 on it).
      this.deps.failed?.(report.errors.length > 0 ? report.errors.join('; ') : null);
    }
    this.deps.log(
      dryRun ? 'compaction-plan' : 'compacted',
      `${report.deleted.length} objects deleted (${report.segmentsDeleted} segments), ${report.doomed.length} to delete after the grace period, ${report.repacked.newPacks.length} packs written, ${report.waiting.length} waiting${report.blocked ? `; ${report.blocked}` : ''}${report.errors.length > 0 ? `; ${report.errors.join('; ')}` : ''}`,
    );
    return report;
  }

  /** Records a new share's pins and publishes them (errors are logged; the next run retries). */
  afterShare(share: { id: string; manifestFid: string; chunkFids: Iterable<string> }): void {
    noteSharePins(this.deps.manifest, share);
    void this.deps
      .exclusive(() => publishPins(this.deps.context()))
      .catch((err: unknown) =>
        this.deps.log(
          'error',
          `share ${share.id}: its pins are not published yet (${err instanceof Error ? err.message : String(err)}); retried at the next compaction`,
        ),
      );
  }

  private soon(): void {
    if (this.queued || this.deps.paused()) return;
    this.queued = true;
    this.deps
      .exclusive(async () => {
        // Paused while the pass ahead finished: skip; the next trigger after resume runs it.
        if (!this.deps.paused()) await this.runBetweenPasses(false);
      })
      .catch((err: unknown) =>
        this.deps.log('error', `compaction: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        this.queued = false;
      });
  }
}
