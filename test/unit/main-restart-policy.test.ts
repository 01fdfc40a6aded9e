import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESTART_POLICY,
  decideRestart,
  validateRestartPolicy,
  type RestartDecision,
} from '../../src/main/daemon/restart-policy.js';

const S = 1000;

describe('decideRestart (default policy: 1 s doubling to 30 s, stable after 60 s, 5 quick crashes)', () => {
  it.each<[number, number, RestartDecision]>([
    // quick crashes before, uptime of the run that ended -> decision
    [0, 2 * S, { action: 'restart', delayMs: 1 * S, quickCrashes: 1 }],
    [1, 2 * S, { action: 'restart', delayMs: 2 * S, quickCrashes: 2 }],
    [2, 2 * S, { action: 'restart', delayMs: 4 * S, quickCrashes: 3 }],
    [3, 2 * S, { action: 'restart', delayMs: 8 * S, quickCrashes: 4 }],
    [4, 2 * S, { action: 'restart', delayMs: 16 * S, quickCrashes: 5 }],
    [5, 2 * S, { action: 'give-up', quickCrashes: 6 }],
    // A run that stayed up for the stable period resets the count: this crash is the first.
    [4, 60 * S, { action: 'restart', delayMs: 1 * S, quickCrashes: 1 }],
    [5, 3600 * S, { action: 'restart', delayMs: 1 * S, quickCrashes: 1 }],
    // Just short of stable is still quick.
    [2, 60 * S - 1, { action: 'restart', delayMs: 4 * S, quickCrashes: 3 }],
    // A crash at spawn (uptime 0) counts like any other.
    [0, 0, { action: 'restart', delayMs: 1 * S, quickCrashes: 1 }],
  ])('after %i quick crashes, a run of %i ms -> %j', (before, uptime, decision) => {
    expect(decideRestart(before, uptime)).toEqual(decision);
  });

  it('caps the delay', () => {
    const policy = { ...DEFAULT_RESTART_POLICY, maxQuickCrashes: 20 };
    const delays: number[] = [];
    let quick = 0;
    for (let i = 0; i < 8; i++) {
      const d = decideRestart(quick, 0, policy);
      if (d.action !== 'restart') throw new Error('gave up too early');
      delays.push(d.delayMs / S);
      quick = d.quickCrashes;
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });

  it('gives up at once with maxQuickCrashes 0', () => {
    expect(decideRestart(0, 0, { ...DEFAULT_RESTART_POLICY, maxQuickCrashes: 0 })).toEqual({
      action: 'give-up',
      quickCrashes: 1,
    });
  });

  it('refuses nonsense policies', () => {
    expect(() =>
      validateRestartPolicy({ ...DEFAULT_RESTART_POLICY, maxDelayMs: 10, initialDelayMs: 20 }),
    ).toThrow(/invalid restart policy/);
    expect(() => validateRestartPolicy({ ...DEFAULT_RESTART_POLICY, stableAfterMs: 0 })).toThrow();
    expect(() =>
      validateRestartPolicy({ ...DEFAULT_RESTART_POLICY, maxQuickCrashes: 1.5 }),
    ).toThrow(/maxQuickCrashes/);
    expect(validateRestartPolicy(DEFAULT_RESTART_POLICY)).toBe(DEFAULT_RESTART_POLICY);
  });
});
