/**
 * The account problem decision (src/sync/account/monitor.ts): which problems a territory and a
 * gateway state give, by table and by property over random sizes and lifetimes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountProblems, DEFAULT_THRESHOLDS } from '../../src/sync/account/monitor.js';
import type { AccountInfo, AccountTerritory } from '../../src/sync/api/account-schema.js';

const GIB = 1024 ** 3;

function info(
  territory: Partial<AccountTerritory> | null,
  gateway: Partial<AccountInfo['gateway']> = {},
): AccountInfo {
  return {
    address: 'cXaddr',
    network: { name: 'local', chain: ['ws://127.0.0.1:9944'] },
    symbol: 'TCESS',
    balance: {
      free: '100',
      freePlanck: '100000000000000000000',
      transferable: '100',
      transferablePlanck: '100000000000000000000',
      formatted: '100 TCESS',
    },
    territory:
      territory === null
        ? null
        : {
            name: 'main',
            state: 'Active',
            totalBytes: 10 * GIB,
            usedBytes: 0,
            lockedBytes: 0,
            remainingBytes: 10 * GIB,
            expiresAtBlock: 100_000,
            expiresInDays: 30,
            expiresAtMs: 0,
            ...territory,
          },
    territoryName: 'main',
    gateway: { url: 'http://127.0.0.1:8080', account: 'cXgw', authorized: true, ...gateway },
    bestBlock: 1,
    blocksPerDay: 14_400,
  };
}

const kinds = (i: AccountInfo): string[] => accountProblems(i).map((p) => p.kind);

describe('accountProblems', () => {
  it.each([
    ['healthy', info({}), []],
    ['9% of 10 GiB left (below 10%)', info({ remainingBytes: 0.9 * GIB }), ['territoryLow']],
    ['exactly 10% of 10 GiB left', info({ remainingBytes: GIB }), []],
    // Small territories: the 1 GiB floor wins over 10%.
    [
      '512 MiB of 2 GiB left (25%, under 1 GiB)',
      info({ totalBytes: 2 * GIB, remainingBytes: GIB / 2 }),
      ['territoryLow'],
    ],
    ['6.5 days left', info({ expiresInDays: 6.5 }), ['territoryExpiring']],
    ['7 days left', info({ expiresInDays: 7 }), []],
    ['frozen', info({ state: 'Frozen' }), ['territoryExpired']],
    [
      'expired and full',
      info({ state: 'Expired', expiresInDays: 0, remainingBytes: 0 }),
      ['territoryExpired', 'territoryLow'],
    ],
    ['gateway not authorized', info({}, { authorized: false }), ['gatewayUnauthorized']],
    ['no territory on chain', info(null), ['territoryExpired']],
  ])('%s', (_name, i, expected) => {
    expect(kinds(i)).toEqual(expected);
  });

  it('names the action that fixes each problem', () => {
    const ps = accountProblems(
      info({ remainingBytes: 0, expiresInDays: 1 }, { authorized: false }),
    );
    expect(ps.map((p) => [p.id, p.actions])).toEqual([
      ['account:territoryExpiring', ['renewTerritory']],
      ['account:territoryLow', ['expandTerritory']],
      ['account:gatewayUnauthorized', ['authorizeGateway']],
    ]);
    expect(ps.every((p) => p.folderId === null && p.message.length > 20)).toBe(true);
    expect(ps[0]?.message).toContain('expires in 1 day');
  });

  it('offers no authorize button when no registered gateway has the configured URL', () => {
    const [p] = accountProblems(info({}, { account: null, authorized: false }));
    expect(p?.kind).toBe('gatewayUnauthorized');
    expect(p?.actions).toEqual([]);
    expect(p?.message).toContain('http://127.0.0.1:8080');
  });

  it('low iff remaining < max(10% of total, 1 GiB); expiring iff < 7 days or not Active', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 * GIB }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 400, noNaN: true }),
        fc.constantFrom('Active', 'Frozen', 'Expired', 'OnConsignment'),
        fc.boolean(),
        (total, fraction, days, state, authorized) => {
          const remaining = Math.floor(total * fraction);
          const ps = accountProblems(
            info(
              { totalBytes: total, remainingBytes: remaining, expiresInDays: days, state },
              { authorized },
            ),
          );
          const low = remaining < Math.max(total * DEFAULT_THRESHOLDS.lowFraction, GIB);
          const expiring = state !== 'Active' || days < 7;
          expect(ps.some((p) => p.kind === 'territoryLow')).toBe(low);
          expect(ps.some((p) => p.actions.includes('renewTerritory'))).toBe(expiring);
          expect(ps.some((p) => p.kind === 'gatewayUnauthorized')).toBe(!authorized);
          expect(new Set(ps.map((p) => p.id)).size).toBe(ps.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
