/**
 * Key derivation (docs/format.md "Keys"). Everything derives from the account's 32-byte
 * mini-secret (the seed @polkadot/util-crypto mnemonicToMiniSecret returns, which also seeds the
 * sr25519 key pair) with HKDF-SHA256. Keys are derived on open and never stored.
 *
 *   master    = HKDF(ikm = seed,   salt = "cess-sync/v1", info = "master")
 *   subkey(x) = HKDF(ikm = master, salt = "cess-sync/v1", info = x)
 *     x in "blob-id", "chunk-key", "metadata", "pack-name"
 */
import { hkdfSync } from 'node:crypto';

import { FormatError } from './errors.js';

export const KDF_SALT = 'cess-sync/v1';

export const SUBKEY_INFO = {
  blobId: 'blob-id',
  chunkKeySeed: 'chunk-key',
  metadata: 'metadata',
  packName: 'pack-name',
} as const;

export interface FormatKeys {
  /** Root of the account's format keys; only used to derive the others. */
  readonly master: Uint8Array;
  /** HMAC key of blob ids and content ids (keyed, so ids do not reveal equality to others). */
  readonly blobId: Uint8Array;
  /** HMAC key turning a chunk id into the chunk's AES key (convergent within the account). */
  readonly chunkKeySeed: Uint8Array;
  /** AES key of tree blobs, snapshot blobs and pack headers. */
  readonly metadata: Uint8Array;
  /** HMAC key of the on-chain pack names. */
  readonly packName: Uint8Array;
}

function hkdf32(ikm: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, KDF_SALT, info, 32));
}

/** The master key from the account seed (32 bytes). */
export function deriveMasterKey(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new FormatError('BAD_ARGUMENT', 'seed: expected the 32-byte mini-secret');
  }
  return hkdf32(seed, 'master');
}

/** All format keys from the account seed. */
export function deriveKeys(seed: Uint8Array): FormatKeys {
  return keysFromMaster(deriveMasterKey(seed));
}

/** All subkeys from a master key (for callers that keep only the master in memory). */
export function keysFromMaster(master: Uint8Array): FormatKeys {
  if (!(master instanceof Uint8Array) || master.length !== 32) {
    throw new FormatError('BAD_ARGUMENT', 'master: expected a 32-byte key');
  }
  return Object.freeze({
    master: new Uint8Array(master),
    blobId: hkdf32(master, SUBKEY_INFO.blobId),
    chunkKeySeed: hkdf32(master, SUBKEY_INFO.chunkKeySeed),
    metadata: hkdf32(master, SUBKEY_INFO.metadata),
    packName: hkdf32(master, SUBKEY_INFO.packName),
  });
}
