/**
 * The engine's compaction (src/sync/compaction, docs/format.md §10): the scheduler wired to the
 * engine's parts, its queue, activity log and problems, and compaction on demand.
 */
import { CompactionScheduler } from '../compaction/scheduler.js';
import type { CompactionReport } from '../compaction/run.js';
import type { EngineHost, EngineOptions } from './engine-options.js';
import { scratchDir } from './folder-runtime.js';
import type { ProblemBoard } from './problem-board.js';

export class EngineCompactor {
  private scheduler: CompactionScheduler | null | undefined;

  constructor(
    private readonly o: Pick<
      EngineOptions,
      'compaction' | 'manifest' | 'keys' | 'account' | 'repo' | 'store'
    >,
    private readonly host: Pick<EngineHost, 'now' | 'log' | 'emitStatus' | 'exclusive' | 'folders'>,
    private readonly problems: Pick<ProblemBoard, 'noteCompaction'>,
    /** Scheduled runs wait while this says so (all paused, or stopped). */
    private readonly paused: () => boolean,
  ) {}

  /**
   * The compaction scheduler, made on first use (so a bad retention setting fails start() or
   * compact(), not `new SyncEngine`); undefined when compaction is off.
   */
  get(): CompactionScheduler | undefined {
    this.scheduler ??=
      this.o.compaction === false
        ? null
        : new CompactionScheduler(this.o.compaction ?? {}, {
            manifest: this.o.manifest,
            context: () => ({
              manifest: this.o.manifest,
              keys: this.o.keys,
              secretScalar: this.o.account.secretScalar,
              repo: this.o.repo,
              store: this.o.store,
              tmpDir: scratchDir(this.host.folders, 'cess-sync-compaction'),
              now: () => this.host.now(),
            }),
            exclusive: (fn) => this.host.exclusive(fn),
            paused: () => this.paused(),
            log: (kind, detail) => this.host.log('compaction', kind, '', detail),
            failed: (message) => {
              this.problems.noteCompaction(message);
              this.host.emitStatus();
            },
          });
    return this.scheduler ?? undefined;
  }

  /** Applies retention and compacts the account's packs now (between passes). */
  async compact(req: { dryRun?: boolean } = {}): Promise<CompactionReport> {
    const compactor = this.get();
    if (!compactor) throw new Error('compaction is turned off on this device');
    return compactor.run(req.dryRun === true);
  }
}
