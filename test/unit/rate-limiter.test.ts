import { describe, expect, it } from 'vitest';
import { RateLimiter, type Clock } from '../../src/sync/remote/rate-limiter.js';

/** A fake clock: sleeping advances time instantly, so the test measures the limiter, not the CPU. */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: (ms: number) => {
      c.t += ms;
      return Promise.resolve();
    },
  };
  return c;
}

describe('RateLimiter', () => {
  it('lets bytes through at the configured rate', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(() => 100_000, clock); // 100 kB/s
    for (let i = 0; i < 100; i++) await limiter.take(10_000); // 1 MB
    // 1 MB at 100 kB/s is 10 s, less the initial quarter-second burst at most.
    expect(clock.t).toBeGreaterThanOrEqual(9_700);
    expect(clock.t).toBeLessThanOrEqual(10_100);
  });

  it('does not wait without a limit, and a changed setting applies at once', async () => {
    const clock = fakeClock();
    let rate: number | null = null;
    const limiter = new RateLimiter(() => rate, clock);
    for (let i = 0; i < 1000; i++) await limiter.take(1_000_000);
    expect(clock.t).toBe(0);
    rate = 1_000_000;
    for (let i = 0; i < 10; i++) await limiter.take(1_000_000);
    expect(clock.t).toBeGreaterThanOrEqual(9_000);
  });

  it('serves concurrent takers in order, sharing one budget', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(() => 1000, clock);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limiter.take(1000).then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    // 3 kB at 1 kB/s; a chunk larger than the burst passes on credit that the next taker
    // repays, so the last one's second is not waited for here.
    expect(clock.t).toBeGreaterThanOrEqual(2_000);
    expect(clock.t).toBeLessThanOrEqual(3_000);
  });
});
