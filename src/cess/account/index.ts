import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import {
  cryptoWaitReady,
  decodeAddress,
  encodeAddress,
  mnemonicGenerate,
  mnemonicValidate,
} from '@polkadot/util-crypto';

/** ss58 prefixes of the CESS networks (cess-protocol.md). */
export const SS58_TESTNET = 11330;
export const SS58_MAINNET = 11331;

/** A CESS account: its recovery phrase and the sr25519 key pair derived from it. */
export interface Account {
  /** The 24-word BIP-39 phrase: the only secret; keep it in a KeyStore. */
  mnemonic: string;
  pair: KeyringPair;
  /** The address in the chosen ss58 format. */
  address: string;
  publicKey: Uint8Array;
}

export class InvalidMnemonicError extends Error {
  override name = 'InvalidMnemonicError';
}

/** Loads the sr25519 WASM once; every function here awaits it. */
export async function cryptoReady(): Promise<void> {
  await cryptoWaitReady();
}

/** Normalises spacing and case, so a phrase typed with extra spaces or capitals still imports. */
export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
}

/** Why a phrase is not a valid BIP-39 mnemonic, or undefined when it is. */
export function mnemonicProblem(mnemonic: string): string | undefined {
  const words = normalizeMnemonic(mnemonic).split(' ').filter(Boolean);
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    return `a recovery phrase has 12, 15, 18, 21 or 24 words; this one has ${words.length}`;
  }
  if (!mnemonicValidate(words.join(' '))) {
    return 'the recovery phrase is not valid: a word is misspelled or not in the BIP-39 English list, or the words are out of order (checksum mismatch)';
  }
  return undefined;
}

function pairOf(mnemonic: string, ss58Format: number): KeyringPair {
  return new Keyring({ type: 'sr25519', ss58Format }).addFromMnemonic(mnemonic);
}

/** A new account with a fresh 24-word phrase. */
export async function createAccount(ss58Format: number = SS58_TESTNET): Promise<Account> {
  await cryptoWaitReady();
  const mnemonic = mnemonicGenerate(24);
  const pair = pairOf(mnemonic, ss58Format);
  return { mnemonic, pair, address: pair.address, publicKey: pair.publicKey };
}

/** The account of an existing phrase; throws InvalidMnemonicError saying what is wrong. */
export async function importAccount(
  mnemonic: string,
  ss58Format: number = SS58_TESTNET,
): Promise<Account> {
  await cryptoWaitReady();
  const problem = mnemonicProblem(mnemonic);
  if (problem) throw new InvalidMnemonicError(problem);
  const m = normalizeMnemonic(mnemonic);
  const pair = pairOf(m, ss58Format);
  return { mnemonic: m, pair, address: pair.address, publicKey: pair.publicKey };
}

/** `address` (any ss58 format, or a 32-byte public key) re-encoded for `ss58Format`. */
export function addressFor(addressOrPublicKey: string | Uint8Array, ss58Format: number): string {
  return encodeAddress(decodeAddress(addressOrPublicKey), ss58Format);
}

/** True when `address` decodes as an ss58 address (of any network unless `ss58Format` is given). */
export function isValidAddress(address: string, ss58Format?: number): boolean {
  try {
    decodeAddress(address, false, ss58Format);
    return true;
  } catch {
    return false;
  }
}
