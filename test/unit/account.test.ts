import { describe, expect, it } from 'vitest';
import {
  addressFor,
  createAccount,
  importAccount,
  InvalidMnemonicError,
  isValidAddress,
  mnemonicProblem,
  SS58_MAINNET,
  SS58_TESTNET,
} from '../../src/cess/account/index.js';

// The well-known dev phrase of Substrate (//Alice derives from it); never use it on a real chain.
const DEV = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

describe('accounts', () => {
  it('creates a 24-word account with a testnet address', async () => {
    const a = await createAccount();
    expect(a.mnemonic.split(' ')).toHaveLength(24);
    expect(mnemonicProblem(a.mnemonic)).toBeUndefined();
    expect(a.address.startsWith('cX')).toBe(true);
    expect(a.pair.type).toBe('sr25519');
    const b = await createAccount();
    expect(b.mnemonic).not.toBe(a.mnemonic);
  });

  it('imports a phrase to the same key, tolerating spacing and case, in either network format', async () => {
    const a = await createAccount(SS58_TESTNET);
    const again = await importAccount(
      `  ${a.mnemonic.toUpperCase().split(' ').join('   ')} `,
      SS58_TESTNET,
    );
    expect(again.address).toBe(a.address);
    expect(again.mnemonic).toBe(a.mnemonic);
    const main = await importAccount(a.mnemonic, SS58_MAINNET);
    expect(main.address.startsWith('ce')).toBe(true);
    expect(addressFor(main.address, SS58_TESTNET)).toBe(a.address);
    expect(addressFor(a.publicKey, SS58_MAINNET)).toBe(main.address);
    const dev = await importAccount(DEV, 42);
    expect(dev.address).toBe('5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV');
  });

  it('explains why a phrase is refused', async () => {
    await expect(importAccount('one two three')).rejects.toThrow(InvalidMnemonicError);
    expect(mnemonicProblem('one two three')).toBe(
      'a recovery phrase has 12, 15, 18, 21 or 24 words; this one has 3',
    );
    const swapped = DEV.split(' ');
    [swapped[0], swapped[1]] = [swapped[1] ?? '', swapped[0] ?? ''];
    expect(mnemonicProblem(swapped.join(' '))).toMatch(/not valid: .*checksum/);
    expect(mnemonicProblem(DEV.replace('bottom', 'bottomx'))).toMatch(/not valid/);
  });

  it('validates addresses', async () => {
    const a = await createAccount();
    expect(isValidAddress(a.address)).toBe(true);
    expect(isValidAddress(a.address, SS58_TESTNET)).toBe(true);
    expect(isValidAddress(a.address, SS58_MAINNET)).toBe(false);
    expect(isValidAddress('cXnotanaddress')).toBe(false);
  });
});
