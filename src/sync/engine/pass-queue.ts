/**
 * The engine's one queue: passes of folders (at most one waiting per folder) and other work that
 * must run between passes, one at a time. The repository (pack index) is shared, and on a 2-core
 * laptop hashing and encryption are CPU-bound anyway.
 */
export class PassQueue {
  private queue: Promise<void> = Promise.resolve();
  private readonly wanted = new Set<string>();

  constructor(
    private readonly pass: (folderId: string) => Promise<void>,
    private readonly stopped: () => boolean,
  ) {}

  /** Queues a pass of a folder unless one is already queued for it. */
  schedule(folderId: string): Promise<void> {
    if (this.stopped()) return Promise.resolve();
    if (this.wanted.has(folderId)) return this.queue;
    this.wanted.add(folderId);
    this.queue = this.queue.then(async () => {
      this.wanted.delete(folderId);
      await this.pass(folderId);
    });
    return this.queue;
  }

  /** Runs `fn` between passes (the repository and its pack index are shared with them). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Resolves when what is queued now has run. */
  drained(): Promise<void> {
    return this.queue.catch(() => undefined);
  }
}
