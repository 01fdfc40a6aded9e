import { Transform, type Readable } from 'node:stream';

/** Bytes per second, or null/0 for no limit; read on every call so settings apply at once. */
export type RateSource = () => number | null;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * A token bucket shared by every transfer in one direction (the user's limit is for the
 * device, not per file). Bursts are capped at a quarter second of the rate so a limit takes
 * effect quickly; a chunk larger than the burst is let through once its time has come.
 */
export class RateLimiter {
  private tokens = 0;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly rate: RateSource,
    private readonly clock: Clock = realClock,
  ) {
    this.last = clock.now();
  }

  /** Resolves when `bytes` may pass. Callers are served in order. */
  take(bytes: number): Promise<void> {
    const run = this.queue.then(() => this.wait(bytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async wait(bytes: number): Promise<void> {
    for (;;) {
      const rate = this.rate();
      const now = this.clock.now();
      if (!rate || rate <= 0) {
        this.tokens = 0;
        this.last = now;
        return;
      }
      const burst = Math.max(rate / 4, 1);
      this.tokens = Math.min(burst, this.tokens + ((now - this.last) * rate) / 1000);
      this.last = now;
      if (this.tokens >= Math.min(bytes, burst)) {
        this.tokens -= bytes; // may go negative: a big chunk borrows from the future
        return;
      }
      const missing = Math.min(bytes, burst) - this.tokens;
      await this.clock.sleep(Math.max(1, Math.ceil((missing * 1000) / rate)));
    }
  }
}

/** A stream that passes bytes no faster than the limiter allows. */
export function throttle(
  source: Readable | AsyncIterable<Uint8Array>,
  limiter: RateLimiter,
): Readable {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      limiter.take(chunk.length).then(() => cb(null, chunk), cb);
    },
  });
  const src = source as Readable;
  if (typeof src.pipe === 'function') {
    src.on('error', (e) => t.destroy(e));
    src.pipe(t);
  } else {
    void (async () => {
      try {
        for await (const c of source) if (!t.write(c)) await new Promise((r) => t.once('drain', r));
        t.end();
      } catch (e) {
        t.destroy(e as Error);
      }
    })();
  }
  return t;
}
