/**
 * CESS's proxy re-encryption ("PReT"), interoperable with CESSProject/cess-crypto gosdk/pre.go:
 *
 *   encapsulate (GenPreKey)        E = eG, V = vG, s = v + e·H(E‖V), key = sha256(T((e+v)·pkA))
 *   decapsulate (DecryptKey)       key = sha256(T(skA·(E+V)))
 *   generateReKey (GenReKey)       X = xG, d = H(X ‖ pkB ‖ T(x·pkB)), rk = skA·d⁻¹
 *   reEncrypt (ReEncryptKey)       check sG = V + H(E‖V)·E, then (rk·E, rk·V, s)
 *   decapsulateReEncrypted         d = H(X ‖ pkB ‖ T(skB·X)), key = sha256(T(d·(E'+V')))
 *     (DecryptReKey)
 *
 * H hashes raw 32-byte encodings; T(P) is the 44-character base64 text of P, which is what
 * the Go code hashes for keys and as the last part of d's input. Secret keys are 32-byte
 * canonical scalars (schnorrkel's form; see keys.ts for sr25519/polkadot.js keys), public keys
 * and X are 32-byte ristretto255 encodings, rk is a 32-byte scalar.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { PretError } from './errors.js';
import { madeHere, parseCapsule, type Capsule, type ParsedCapsule } from './capsule.js';
import {
  baseMul,
  decodeNonZeroScalar,
  decodePoint,
  encodePoint,
  encodeScalar,
  fromBase64Strict32,
  hashToScalar,
  keyFromPoint,
  POINT_LENGTH,
  pointMul,
  pointMulPublic,
  pointText,
  randomScalar,
  scalarAdd,
  scalarInvert,
  scalarMul,
  secureRng,
  toBase64,
  utf8,
  type RistrettoPoint,
  type Rng,
} from './group.js';

export interface Encapsulation {
  /** 32-byte symmetric key (CESS uses it as an AES-256-GCM key). */
  readonly key: Uint8Array;
  readonly capsule: Capsule;
}

export interface ReKey {
  /** Re-encryption key, a 32-byte scalar; give it to the proxy (gateway), with X. */
  readonly rk: Uint8Array;
  /** X = x·G, 32-byte point; the recipient needs it to decrypt. */
  readonly X: Uint8Array;
}

/** H(E‖V) over the raw 32-byte encodings, as pre.go (Encode, not MarshalText). */
function challenge(E: RistrettoPoint, V: RistrettoPoint): bigint {
  return hashToScalar(encodePoint(E), encodePoint(V));
}

/** d = H(X ‖ pkB ‖ T(shared)): 32 + 32 raw bytes, then 44 ASCII base64 characters. */
function reKeyHash(X: RistrettoPoint, pkB: RistrettoPoint, shared: RistrettoPoint): bigint {
  return hashToScalar(encodePoint(X), encodePoint(pkB), utf8(pointText(shared)));
}

function isValid(c: ParsedCapsule): boolean {
  const lhs = baseMul(c.s);
  const rhs = c.V.add(pointMulPublic(c.E, challenge(c.E, c.V)));
  return lhs.equals(rhs);
}

/**
 * Makes a fresh key for the owner of pkA and the capsule that lets pkA's secret key (or a
 * recipient, through a proxy) recover it. rng defaults to a cryptographically secure source;
 * it is drawn from for e then v, 64 bytes each.
 */
/**
 * Decoded public keys with multiplication tables attached. A sync client encapsulates every
 * file version to the same key, and k·A with A's tables is ~6x faster (0.15 ms against 0.9 ms,
 * measured; still noble's constant-time path). Tables take ~0.6 MiB a key: a few are kept.
 */
const tabled = new Map<string, RistrettoPoint>();
const TABLED_KEYS = 4;

function publicKeyPoint(pk: Uint8Array): RistrettoPoint {
  if (!(pk instanceof Uint8Array) || pk.length !== POINT_LENGTH)
    return decodePoint(pk, 'public key', 'INVALID_PUBLIC_KEY'); // throws the precise error
  const hex = bytesToHex(pk);
  let p = tabled.get(hex);
  if (p === undefined) {
    p = decodePoint(pk, 'public key', 'INVALID_PUBLIC_KEY');
    p.precompute(8, false);
    if (tabled.size >= TABLED_KEYS) tabled.delete(tabled.keys().next().value as string);
    tabled.set(hex, p);
  }
  return p;
}

export function encapsulate(pkA: Uint8Array, rng: Rng = secureRng): Encapsulation {
  const A = publicKeyPoint(pkA);
  const e = randomScalar(rng);
  const v = randomScalar(rng);
  const ev = scalarAdd(e, v);
  if (ev === 0n) throw new PretError('RNG_FAILURE', 'rng: drew e = -v');
  // Each encoding is an inverse square root (~0.15 ms): E and V are encoded once, for the
  // challenge and the capsule alike.
  const Eb = encodePoint(baseMul(e));
  const Vb = encodePoint(baseMul(v));
  const s = scalarAdd(v, scalarMul(e, hashToScalar(Eb, Vb)));
  const key = keyFromPoint(pointMul(A, ev));
  return { key, capsule: madeHere({ E: Eb, V: Vb, S: encodeScalar(s) }) };
}

/**
 * The owner recovers the key from an original (not re-encrypted) capsule. Unlike Go's
 * DecryptKey, the capsule's proof is checked first, so a tampered or re-encrypted capsule is
 * reported here instead of yielding a wrong key.
 */
export function decapsulate(skA: Uint8Array, capsule: Capsule): Uint8Array {
  const a = decodeNonZeroScalar(skA, 'secret key', 'INVALID_SECRET_KEY');
  const c = parseCapsule(capsule);
  if (!isValid(c)) {
    throw new PretError(
      'CAPSULE_CHECK_FAILED',
      'capsule: check sG = V + H(E||V)E failed (tampered, or a re-encrypted capsule: use decapsulateReEncrypted)',
    );
  }
  return keyFromPoint(pointMul(c.E.add(c.V), a));
}

/**
 * The owner (skA) delegates to the holder of pkB. x is drawn from rng (64 bytes); the result
 * is not tied to any capsule, so one re-key serves every capsule made for pkA.
 */
export function generateReKey(skA: Uint8Array, pkB: Uint8Array, rng: Rng = secureRng): ReKey {
  const a = decodeNonZeroScalar(skA, 'secret key', 'INVALID_SECRET_KEY');
  const B = decodePoint(pkB, 'recipient public key', 'INVALID_PUBLIC_KEY');
  const x = randomScalar(rng);
  const X = baseMul(x);
  const d = reKeyHash(X, B, pointMul(B, x));
  const rk = scalarMul(a, scalarInvert(d, 'd'));
  return { rk: encodeScalar(rk), X: encodePoint(X) };
}

/**
 * What the proxy does: checks the capsule's proof (Go does too), then multiplies E and V by rk
 * and keeps S unchanged (as Go does, so the result no longer passes the check and cannot be
 * re-encrypted a second time).
 */
export function reEncrypt(rk: Uint8Array, capsule: Capsule): Capsule {
  const r = decodeNonZeroScalar(rk, 're-encryption key', 'INVALID_RE_KEY');
  const c = parseCapsule(capsule);
  if (!isValid(c)) {
    throw new PretError(
      'CAPSULE_CHECK_FAILED',
      'capsule: check sG = V + H(E||V)E failed; refusing to re-encrypt (tampered or already re-encrypted)',
    );
  }
  return {
    E: encodePoint(pointMul(c.E, r)),
    V: encodePoint(pointMul(c.V, r)),
    S: capsule.S.slice(),
  };
}

/** The recipient (skB) recovers the owner's key from a re-encrypted capsule and the owner's X. */
export function decapsulateReEncrypted(
  skB: Uint8Array,
  X: Uint8Array,
  capsule: Capsule,
): Uint8Array {
  const b = decodeNonZeroScalar(skB, 'secret key', 'INVALID_SECRET_KEY');
  const Xp = decodePoint(X, 'X', 'INVALID_RE_KEY');
  const c = parseCapsule(capsule, 're-encrypted capsule');
  // pkB is recomputed from skB, as Go's DecryptReKey does with skB.Public().
  const d = reKeyHash(Xp, baseMul(b), pointMul(Xp, b));
  if (d === 0n) throw new PretError('INVALID_RE_KEY', 'd: is zero');
  return keyFromPoint(pointMul(c.E.add(c.V), d));
}

/** Whether an original capsule passes sG = V + H(E‖V)·E. Throws only on malformed input. */
export function verifyCapsule(capsule: Capsule): boolean {
  return isValid(parseCapsule(capsule));
}

/**
 * rk as Go's Scalar.MarshalText (padded standard base64): the form go-sdk's
 * GenReEncryptionKey returns and the CD²N gateway reads from the `Rkb` header.
 */
export function encodeReKeyText(rk: Uint8Array): string {
  decodeNonZeroScalar(rk, 're-encryption key', 'INVALID_RE_KEY');
  return toBase64(rk);
}

/** Inverse of encodeReKeyText; strict (canonical base64, canonical non-zero scalar). */
export function decodeReKeyText(text: string): Uint8Array {
  const rk = fromBase64Strict32(text, 're-encryption key', 'INVALID_RE_KEY');
  decodeNonZeroScalar(rk, 're-encryption key', 'INVALID_RE_KEY');
  return rk;
}
