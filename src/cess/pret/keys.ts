/**
 * Account keys for PReT. CESS accounts are sr25519 (schnorrkel) keys, whose public key is a
 * ristretto255 point, so the same key pair serves for PReT: pre.go decodes schnorrkel's
 * 32-byte secret scalar (SecretKey.Encode) and 32-byte public key directly.
 *
 * polkadot.js (via @scure/sr25519, like schnorrkel's to_ed25519_bytes) stores a 64-byte secret
 * key whose first 32 bytes are that scalar multiplied by the cofactor 8 as a plain 256-bit
 * little-endian integer, then a 32-byte nonce. The scalar is therefore LE(sk[0..32]) >> 3.
 */
import { bytesToNumberLE } from '@noble/curves/utils.js';
import type { KeyringPair } from '@polkadot/keyring/types';
import { decodeAddress, mnemonicToMiniSecret, sr25519PairFromSeed } from '@polkadot/util-crypto';

import { PretError } from './errors.js';
import {
  GROUP_ORDER,
  baseMul,
  bytesEqual,
  decodeNonZeroScalar,
  decodePoint,
  encodePoint,
  encodeScalar,
  randomScalar,
  secureRng,
  type Rng,
} from './group.js';

export const SR25519_SECRET_KEY_LENGTH = 64;

/**
 * The schnorrkel secret scalar (32 bytes LE, canonical, non-zero) of a polkadot.js sr25519
 * 64-byte secret key. If expectedPublicKey is given, the scalar must produce it.
 */
export function secretScalarFromSr25519(
  secretKey: Uint8Array,
  expectedPublicKey?: Uint8Array,
): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SR25519_SECRET_KEY_LENGTH) {
    throw new PretError(
      'INVALID_SECRET_KEY',
      `sr25519 secret key: expected ${SR25519_SECRET_KEY_LENGTH} bytes (key then nonce), got ${
        secretKey instanceof Uint8Array ? `${secretKey.length} bytes` : typeof secretKey
      }`,
    );
  }
  const head = secretKey.subarray(0, 32);
  // key·8 always has its low 3 bits clear; set bits mean this is not the polkadot.js layout
  // (e.g. a raw schnorrkel scalar), and dividing would silently give another key.
  if (((head[0] ?? 0) & 7) !== 0) {
    throw new PretError(
      'INVALID_SECRET_KEY',
      'sr25519 secret key: low 3 bits are set, so this is not a polkadot.js (cofactor-multiplied) secret key',
    );
  }
  // A plain integer shift, not a modular division: the stored value is key·8 < 2^256.
  const scalar = bytesToNumberLE(head) >> 3n;
  if (scalar >= GROUP_ORDER) {
    throw new PretError(
      'INVALID_SECRET_KEY',
      'sr25519 secret key: scalar is not below the group order',
    );
  }
  const bytes = encodeScalar(scalar);
  decodeNonZeroScalar(bytes, 'sr25519 secret scalar', 'INVALID_SECRET_KEY');
  if (
    expectedPublicKey !== undefined &&
    !bytesEqual(publicKeyFromSecretScalar(bytes), expectedPublicKey)
  ) {
    throw new PretError(
      'INVALID_SECRET_KEY',
      'sr25519 secret key: does not match the expected public key',
    );
  }
  return bytes;
}

/**
 * A fresh uniformly random non-zero secret scalar (32 bytes LE), e.g. for a gateway's own
 * PReT key pair (CD²N makes one with schnorrkel.GenerateKeypair at start-up).
 */
export function randomSecretScalar(rng: Rng = secureRng): Uint8Array {
  return encodeScalar(randomScalar(rng));
}

/** The public key (32-byte ristretto255 point) of a 32-byte secret scalar: sk·G. */
export function publicKeyFromSecretScalar(secretScalar: Uint8Array): Uint8Array {
  return encodePoint(
    baseMul(decodeNonZeroScalar(secretScalar, 'secret key', 'INVALID_SECRET_KEY')),
  );
}

/**
 * The PReT public key of an account: the 32 bytes behind its SS58 address (or 0x-hex public
 * key), checked to be a valid non-identity ristretto255 point. An ed25519 or ecdsa account
 * cannot be told apart from its bytes alone when they happen to decode; use sr25519 accounts.
 */
export function publicKeyFromAddress(address: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = decodeAddress(address);
  } catch (err) {
    throw new PretError('INVALID_PUBLIC_KEY', `address: cannot decode (${(err as Error).message})`);
  }
  if (raw.length !== 32) {
    throw new PretError(
      'INVALID_PUBLIC_KEY',
      `address: expected a 32-byte account id, got ${raw.length} bytes`,
    );
  }
  decodePoint(raw, 'address public key', 'INVALID_PUBLIC_KEY');
  return raw;
}

/**
 * The secret scalar of a bare BIP39 mnemonic (no derivation path, empty password), the key
 * go-sdk's retriever derives with MiniSecretKeyFromMnemonic(mnemonic, "").ExpandEd25519().
 */
export function secretScalarFromMnemonic(mnemonic: string): Uint8Array {
  let seed: Uint8Array;
  try {
    seed = mnemonicToMiniSecret(mnemonic);
  } catch (err) {
    throw new PretError('INVALID_SECRET_KEY', `mnemonic: ${(err as Error).message}`);
  }
  const pair = sr25519PairFromSeed(seed);
  return secretScalarFromSr25519(pair.secretKey, pair.publicKey);
}

// @polkadot/keyring's unencrypted PKCS8 layout (generations 1-3): header, 64-byte secret key,
// divider, 32-byte public key.
const PKCS8_HEADER = new Uint8Array([48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32]);
const PKCS8_DIVIDER = new Uint8Array([161, 35, 3, 33, 0]);

/** The secret scalar of an unlocked sr25519 @polkadot/keyring pair (any derivation path). */
export function secretScalarFromKeyringPair(pair: KeyringPair): Uint8Array {
  if (pair.type !== 'sr25519') {
    throw new PretError(
      'INVALID_SECRET_KEY',
      `keyring pair: PReT needs an sr25519 pair, got ${pair.type}`,
    );
  }
  if (pair.isLocked) {
    throw new PretError('INVALID_SECRET_KEY', 'keyring pair: is locked; unlock it first');
  }
  const encoded = pair.encodePkcs8();
  try {
    const h = PKCS8_HEADER.length;
    const d = h + SR25519_SECRET_KEY_LENGTH;
    if (
      encoded.length !== d + PKCS8_DIVIDER.length + 32 ||
      !bytesEqual(encoded.subarray(0, h), PKCS8_HEADER) ||
      !bytesEqual(encoded.subarray(d, d + PKCS8_DIVIDER.length), PKCS8_DIVIDER)
    ) {
      throw new PretError('INVALID_SECRET_KEY', 'keyring pair: unrecognised PKCS8 layout');
    }
    return secretScalarFromSr25519(encoded.subarray(h, d), pair.publicKey);
  } finally {
    // The export holds the whole secret key; do not leave it for the GC.
    encoded.fill(0);
  }
}

/** An unlocked sr25519 pair as the sync engine's account: address, public key, secret scalar. */
export function pretAccountOf(pair: KeyringPair): {
  address: string;
  publicKey: Uint8Array;
  secretScalar: Uint8Array;
} {
  return {
    address: pair.address,
    publicKey: pair.publicKey,
    secretScalar: secretScalarFromKeyringPair(pair),
  };
}
