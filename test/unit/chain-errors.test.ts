import { describe, expect, it } from 'vitest';
import {
  ChainTxError,
  CessError,
  describePoolError,
  FRIENDLY_ERRORS,
  formatBytes,
  formatToken,
  friendlyMessage,
  parseToken,
  remainingDays,
  spaceNeeded,
  territoryCost,
  toCessError,
} from '../../src/cess/chain/index.js';

const T = 10n ** 18n;

describe('territory cost formula', () => {
  it('spec < 121 charges gib * days * UnitPrice / 30', () => {
    expect(territoryCost(30n * T, 1, 30, 100)).toBe(30n * T);
    expect(territoryCost(30n * T, 2, 45, 100)).toBe(90n * T);
    expect(territoryCost(30n * T, 1, 30, 120)).toBe(30n * T);
  });
  it('spec >= 121 charges gib * days * UnitPrice', () => {
    expect(territoryCost(T, 1, 30, 121)).toBe(30n * T);
    expect(territoryCost(30n * T, 1, 30, 133)).toBe(900n * T);
    expect(territoryCost(123n, 3, 7, 126)).toBe(123n * 21n);
  });
  it('divides the per-day price first on old specs, as the pallet does', () => {
    expect(territoryCost(31n, 1, 30, 100)).toBe(30n); // 31 / 30 = 1 per day
  });
  it('refuses negative amounts and handles zero', () => {
    expect(() => territoryCost(T, -1, 30, 100)).toThrow(RangeError);
    expect(territoryCost(T, 0, 30, 133)).toBe(0n);
  });
  it('counts remaining days rounded up, and the space an upload locks', () => {
    expect(remainingDays(14_400 * 30, 0, 14_400)).toBe(30);
    expect(remainingDays(14_400 * 30, 1, 14_400)).toBe(30);
    expect(remainingDays(14_400 * 30 + 1, 0, 14_400)).toBe(31);
    expect(remainingDays(5, 10, 14_400)).toBe(0);
    expect(spaceNeeded(0)).toBe(96n * 1024n * 1024n);
    expect(spaceNeeded(1)).toBe(96n * 1024n * 1024n);
    expect(spaceNeeded(32 * 1024 * 1024)).toBe(96n * 1024n * 1024n);
    expect(spaceNeeded(32 * 1024 * 1024 + 1)).toBe(192n * 1024n * 1024n);
  });
});

describe('amounts and sizes in words', () => {
  it('formats and parses tokens', () => {
    expect(formatToken(30n * T, 18, 'TCESS')).toBe('30 TCESS');
    expect(formatToken((15n * T) / 10n, 18, 'TCESS')).toBe('1.5 TCESS');
    expect(formatToken(0n, 18, 'TCESS')).toBe('0 TCESS');
    expect(formatToken(1n, 18, 'TCESS')).toBe('0.0001 TCESS');
    expect(formatToken(-2n * T, 18, 'TCESS')).toBe('-2 TCESS');
    expect(parseToken('1.5 TCESS', 18)).toBe((15n * T) / 10n);
    expect(parseToken('30', 18)).toBe(30n * T);
    expect(() => parseToken('abc', 18)).toThrow(/not an amount/);
  });
  it('formats bytes', () => {
    expect(formatBytes(12n * 1024n * 1024n)).toBe('12 MiB');
    expect(formatBytes(96n * 1024n * 1024n)).toBe('96 MiB');
    expect(formatBytes(1024n ** 3n)).toBe('1 GiB');
    expect(formatBytes(1056n * 1024n * 1024n)).toBe('1.03 GiB');
    expect(formatBytes(512)).toBe('512 B');
  });
});

describe('friendly error table', () => {
  const ctx = {
    account: 'cXuser',
    territory: 'x',
    gateway: 'cXgw',
    owner: 'cXuser',
    fid: 'f'.repeat(64),
    symbol: 'TCESS',
  };

  it('has the sentences of the brief', () => {
    expect(
      friendlyMessage('fileBank.InsufficientAvailableSpace', {
        territory: 'x',
        remaining: '12 MiB',
        needed: '96 MiB',
      }),
    ).toBe("territory 'x' has 12 MiB left; this upload needs 96 MiB");
    expect(
      friendlyMessage('storageHandler.InsufficientBalance', {
        cost: '30 TCESS',
        balance: '2 TCESS',
        action: 'minting 1 GiB for 30 days',
        symbol: 'TCESS',
      }),
    ).toBe('not enough TCESS: minting 1 GiB for 30 days costs 30 TCESS, balance is 2 TCESS');
  });

  it('covers the CESS errors a client meets, each with a sentence mentioning its context', () => {
    for (const code of [
      'storageHandler.InsufficientBalance',
      'storageHandler.NotHaveTerritory',
      'fileBank.NoPermission',
      'fileBank.NotOwner',
      'fileBank.InsufficientAvailableSpace',
      'oss.NoAuthorization',
      'oss.Existed',
      'oss.UnRegister',
      'balances.InsufficientBalance',
      'pool.payment',
    ]) {
      expect(FRIENDLY_ERRORS[code], code).toBeTypeOf('function');
    }
    for (const [code, fn] of Object.entries(FRIENDLY_ERRORS)) {
      const text = fn(ctx);
      expect(text.length, code).toBeGreaterThan(10);
      expect(text, code).not.toMatch(/undefined|\[object/);
      // A sentence for people, not the raw code.
      expect(text.startsWith(code), code).toBe(false);
    }
    expect(friendlyMessage('storageHandler.NotHaveTerritory', ctx)).toBe(
      "account cXuser has no territory 'x'; mint one first (mintTerritory)",
    );
    expect(friendlyMessage('fileBank.NoPermission', ctx)).toBe(
      'the gateway cXgw is not authorized to act for cXuser; authorize it first (oss.authorize)',
    );
    expect(friendlyMessage('oss.UnRegister', ctx)).toBe(
      'cXgw is not a registered gateway on this chain',
    );
    expect(friendlyMessage('fileBank.NotOwner', ctx)).toBe(
      `cXuser does not own file ${'f'.repeat(64)}`,
    );
    expect(friendlyMessage('nope.Nope', ctx)).toBeUndefined();
    expect(friendlyMessage(undefined, ctx)).toBeUndefined();
  });

  it('rewrites chain errors, keeping the runtime wording as detail', () => {
    const raw = new ChainTxError('oss.Existed: Already Exists Error', 'oss.Existed', 'module');
    const e = toCessError(raw, ctx) as CessError;
    expect(e).toBeInstanceOf(CessError);
    expect(e.message).toBe('gateway cXgw is already authorized by account cXuser');
    expect(e.code).toBe('oss.Existed');
    expect(e.kind).toBe('module');
    expect(e.detail).toBe('oss.Existed: Already Exists Error');
    // Unknown codes keep the runtime's wording; other errors pass through untouched.
    const unknown = toCessError(
      new ChainTxError('fileBank.Locked: Multi consensus', 'fileBank.Locked', 'module'),
      ctx,
    ) as CessError;
    expect(unknown.message).toBe('fileBank.Locked: Multi consensus');
    const plain = new Error('x');
    expect(toCessError(plain, ctx)).toBe(plain);
  });

  it('reads node refusals', () => {
    expect(describePoolError('1010: {"invalid":{"payment":null}}').code).toBe('pool.payment');
    expect(describePoolError('1010: {"invalid":{"stale":null}}').message).toMatch(
      /nonce is already used/,
    );
    expect(describePoolError('1010: {"invalid":{"badProof":null}}').code).toBe('pool.badProof');
    expect(describePoolError('1014: Priority is too low: (1 vs 1)').code).toBe('pool.priority');
    expect(describePoolError('something else').message).toBe(
      'transaction refused by the node: something else',
    );
  });
});
