/**
 * The unlock service (locked mode): wrong passphrases answer 400 no sooner than the minimum
 * time, the sixth wrong one in a row must wait (429, doubling), the right one starts the engine
 * once, a failed start leaves it locked, and no error message holds the passphrase.
 */
import { describe, expect, it } from 'vitest';
import { KeyStoreError, type KeyStore } from '../../src/cess/keystore/index.js';
import { deferredEngine } from '../../src/daemon/onboarding/deferred.js';
import { LockedError, MAX_FREE_ATTEMPTS, UnlockService } from '../../src/daemon/unlock/service.js';
import { unlockRoutes } from '../../src/daemon/unlock/routes.js';
import { unlockRequestSchema } from '../../src/sync/api/unlock-schema.js';

const RIGHT = 'correct horse battery staple';
const store = { kind: 'file', location: '/k' } as unknown as KeyStore;

function harness(opts: { startFails?: boolean } = {}) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const logs: string[] = [];
  let starts = 0;
  const service = new UnlockService({
    open: (p) => {
      now += 100; // scrypt takes a while
      if (p.length < 8) return Promise.reject(new KeyStoreError('too short', 'weak-passphrase'));
      return p === RIGHT
        ? Promise.resolve(store)
        : Promise.reject(new KeyStoreError('wrong passphrase', 'wrong-passphrase'));
    },
    start: () => {
      starts += 1;
      return opts.startFails === true
        ? Promise.reject(new Error('chain unreachable'))
        : Promise.resolve();
    },
    log: (l) => logs.push(l),
    minFailMs: 500,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  });
  return {
    service,
    sleeps,
    logs,
    starts: () => starts,
    advance: (ms: number) => (now += ms),
  };
}

describe('UnlockService', () => {
  it('a wrong passphrase: 400 wrong_passphrase padded to the minimum time; still locked', async () => {
    const h = harness();
    await expect(h.service.unlock('not the one at all')).rejects.toMatchObject({
      statusCode: 400,
      code: 'wrong_passphrase',
    });
    // open took 100 ms of the fake clock: 400 more to reach 500.
    expect(h.sleeps).toEqual([400]);
    // A too-short passphrase is refused the same way (no hint that it was cheap to refuse).
    await expect(h.service.unlock('short')).rejects.toMatchObject({ code: 'wrong_passphrase' });
    expect(h.service.state()).toEqual({ locked: true });
    expect(h.starts()).toBe(0);
  });

  it(`after ${MAX_FREE_ATTEMPTS} wrong tries the next must wait, doubling; the right one then works`, async () => {
    const h = harness();
    for (let i = 0; i < MAX_FREE_ATTEMPTS; i++) {
      await expect(h.service.unlock(`wrong-${i}-passphrase`)).rejects.toMatchObject({
        code: 'wrong_passphrase',
      });
    }
    const early = h.service.unlock(RIGHT);
    await expect(early).rejects.toMatchObject({ statusCode: 429, code: 'too_many_attempts' });
    await expect(early).rejects.toThrow(/try again in 2 seconds/);
    h.advance(2_000);
    await expect(h.service.unlock('wrong-again-passphrase')).rejects.toMatchObject({
      code: 'wrong_passphrase',
    });
    await expect(h.service.unlock(RIGHT)).rejects.toThrow(/try again in 4 seconds/);
    h.advance(4_000);
    await expect(h.service.unlock(RIGHT)).resolves.toEqual({ locked: false });
    expect(h.starts()).toBe(1);
    await expect(h.service.unlock(RIGHT)).rejects.toMatchObject({
      statusCode: 409,
      code: 'not_locked',
    });
  });

  it('the right passphrase but the engine cannot start: stays locked, says why', async () => {
    const h = harness({ startFails: true });
    await expect(h.service.unlock(RIGHT)).rejects.toThrow(
      /passphrase is right, but the sync engine did not start: chain unreachable/,
    );
    expect(h.service.locked).toBe(true);
  });

  it('no message or log line holds a passphrase', async () => {
    const h = harness();
    const texts: string[] = [];
    for (const p of ['secret-one-passphrase', 'tiny', RIGHT]) {
      try {
        texts.push(JSON.stringify(await h.service.unlock(p)));
      } catch (e) {
        texts.push((e as Error).message);
      }
    }
    expect(texts).toHaveLength(3);
    for (const t of [...texts, ...h.logs]) {
      for (const p of ['secret-one-passphrase', 'tiny', RIGHT]) expect(t).not.toContain(p);
    }
  });

  it('concurrent attempts run one at a time', async () => {
    const h = harness();
    const results = await Promise.allSettled([
      h.service.unlock('wrong-passphrase-a'),
      h.service.unlock(RIGHT),
      h.service.unlock(RIGHT),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect(h.starts()).toBe(1);
  });
});

describe('unlock routes and the locked stand-in', () => {
  it('without a service: GET says unlocked, POST answers 409 not_locked', async () => {
    const route = unlockRoutes(null)['/api/v1/unlock']!;
    expect(await route.GET!.run(undefined, new URL('http://x/'))).toEqual({ locked: false });
    expect(() => route.POST!.run({ passphrase: 'whatever-long' }, new URL('http://x/'))).toThrow(
      expect.objectContaining({ statusCode: 409, code: 'not_locked' }),
    );
  });

  it('the request schema: a non-empty string of bounded length, nothing else', () => {
    expect(unlockRequestSchema.safeParse({ passphrase: 'x'.repeat(1024) }).success).toBe(true);
    expect(unlockRequestSchema.safeParse({ passphrase: 'x'.repeat(1025) }).success).toBe(false);
    expect(unlockRequestSchema.safeParse({ passphrase: '' }).success).toBe(false);
    expect(unlockRequestSchema.safeParse({ passphrase: 'abcdefgh', extra: 1 }).success).toBe(false);
  });

  it('engine calls throw 409 locked until bound', () => {
    const slot = deferredEngine<{ status(): string }>(() => new LockedError());
    expect(() => slot.service.status()).toThrow(
      expect.objectContaining({ statusCode: 409, code: 'locked' }),
    );
    slot.bind({ status: () => 'ok' });
    expect(slot.service.status()).toBe('ok');
  });
});
