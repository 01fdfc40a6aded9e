/**
 * ristretto255 scalars and points with the exact encodings CESS's Go code
 * (CESSProject/cess-crypto gosdk/pre.go on github.com/gtank/ristretto255) uses.
 *
 * Curve arithmetic is @noble/curves; this file only adds strict decoding and the two hash
 * conventions of pre.go: H (SHA-512 wide reduction) and the point "text" (padded base64).
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, equalBytes, numberToBytesLE } from '@noble/curves/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';

import { PretError, type PretErrorCode } from './errors.js';

export const RistrettoPoint = ristretto255.Point;
export type RistrettoPoint = InstanceType<typeof ristretto255.Point>;

/** Group order l = 2^252 + 27742317777372353535851937790883648493. */
export const GROUP_ORDER: bigint = RistrettoPoint.Fn.ORDER;
const Fn = RistrettoPoint.Fn;

export const SCALAR_LENGTH = 32;
export const POINT_LENGTH = 32;

/** A source of random bytes; injectable so tests can make encapsulation deterministic. */
export type Rng = (length: number) => Uint8Array;

/** Default randomness: crypto.getRandomValues via @noble/hashes. */
export const secureRng: Rng = (length) => randomBytes(length);

// ---- scalars --------------------------------------------------------------------------------

/** 32-byte little-endian encoding, as gtank's Scalar.Encode. */
export function encodeScalar(n: bigint): Uint8Array {
  return numberToBytesLE(Fn.create(n), SCALAR_LENGTH);
}

/**
 * Decodes a canonical 32-byte little-endian scalar (< l). gtank's Scalar.Decode also rejects
 * non-canonical input, but pre.go ignores that error and keeps a zero scalar; we throw instead.
 */
export function decodeScalar(
  bytes: Uint8Array,
  what = 'scalar',
  code: PretErrorCode = 'INVALID_SCALAR',
): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SCALAR_LENGTH) {
    throw new PretError(
      code,
      `${what}: expected ${SCALAR_LENGTH} bytes, got ${describeLength(bytes)}`,
    );
  }
  const n = bytesToNumberLE(bytes);
  if (n >= GROUP_ORDER) {
    throw new PretError(code, `${what}: not a canonical scalar (value >= group order)`);
  }
  return n;
}

/** As decodeScalar, and also rejects zero (a zero secret or re-key would leak or break keys). */
export function decodeNonZeroScalar(
  bytes: Uint8Array,
  what = 'scalar',
  code: PretErrorCode = 'INVALID_SCALAR',
): bigint {
  const n = decodeScalar(bytes, what, code);
  if (n === 0n) throw new PretError(code, `${what}: must not be zero`);
  return n;
}

/**
 * pre.go's hashAndConvToScalar: SHA-512 of the concatenated parts, read little-endian and
 * reduced mod l (gtank's FromUniformBytes).
 */
export function hashToScalar(...parts: Uint8Array[]): bigint {
  return scalarFromUniformBytes(sha512(concatBytes(...parts)));
}

/** 64 bytes read little-endian mod l (FromUniformBytes without the hash). */
export function scalarFromUniformBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== 64) {
    throw new PretError('INVALID_SCALAR', `uniform bytes: expected 64 bytes, got ${bytes.length}`);
  }
  return Fn.create(bytesToNumberLE(bytes));
}

/**
 * A uniformly random non-zero scalar from 64 bytes of the rng (wide reduction keeps the bias
 * negligible). Zero is redrawn; an rng that keeps returning zero-reducing bytes is broken.
 */
export function randomScalar(rng: Rng): bigint {
  for (let attempt = 0; attempt < 8; attempt++) {
    const bytes = rng(64);
    if (!(bytes instanceof Uint8Array) || bytes.length !== 64) {
      throw new PretError('RNG_FAILURE', `rng: asked for 64 bytes, got ${describeLength(bytes)}`);
    }
    const n = scalarFromUniformBytes(bytes);
    if (n !== 0n) return n;
  }
  throw new PretError('RNG_FAILURE', 'rng: produced only zero scalars');
}

export const scalarAdd = (a: bigint, b: bigint): bigint => Fn.add(a, b);
export const scalarMul = (a: bigint, b: bigint): bigint => Fn.mul(a, b);

/** Modular inverse; throws on zero (gtank's Invert would silently return zero). */
export function scalarInvert(a: bigint, what = 'scalar'): bigint {
  if (Fn.create(a) === 0n) throw new PretError('INVALID_SCALAR', `${what}: cannot invert zero`);
  return Fn.inv(a);
}

// ---- points ---------------------------------------------------------------------------------

export function encodePoint(p: RistrettoPoint): Uint8Array {
  return p.toBytes();
}

/**
 * Decodes a canonical ristretto255 encoding (RFC 9496, which noble enforces) and rejects the
 * identity: no honest key, capsule component or X is ever the identity, and accepting it would
 * make every derived key a constant.
 */
export function decodePoint(
  bytes: Uint8Array,
  what = 'point',
  code: PretErrorCode = 'INVALID_POINT',
): RistrettoPoint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== POINT_LENGTH) {
    throw new PretError(
      code,
      `${what}: expected ${POINT_LENGTH} bytes, got ${describeLength(bytes)}`,
    );
  }
  let p: RistrettoPoint;
  try {
    p = RistrettoPoint.fromBytes(bytes);
  } catch {
    throw new PretError(code, `${what}: not a canonical ristretto255 encoding`);
  }
  if (p.is0()) throw new PretError(code, `${what}: must not be the identity point`);
  return p;
}

/** k·G with a secret or public non-zero scalar. */
export function baseMul(k: bigint): RistrettoPoint {
  return RistrettoPoint.BASE.multiply(k);
}

/** k·P; k must be non-zero (callers validate), noble's constant-time path. */
export function pointMul(p: RistrettoPoint, k: bigint): RistrettoPoint {
  return p.multiply(k);
}

/** k·P for a public k that may be zero (the challenge H(E||V)). */
export function pointMulPublic(p: RistrettoPoint, k: bigint): RistrettoPoint {
  return p.multiplyUnsafe(k);
}

/**
 * gtank's Element.MarshalText: padded standard base64 (RFC 4648 §4) of the 32-byte encoding,
 * always 44 ASCII characters. pre.go hashes this text, not the raw bytes, for keys and for d.
 */
export function pointText(p: RistrettoPoint): string {
  return toBase64(encodePoint(p));
}

/** The symmetric key pre.go derives from a shared point: sha256(MarshalText(P)). */
export function keyFromPoint(p: RistrettoPoint, what = 'shared point'): Uint8Array {
  // Only reachable with a scalar/point that cancels out (e.g. e = -v); the key would be public.
  if (p.is0())
    throw new PretError('INVALID_POINT', `${what}: is the identity; refusing to derive a key`);
  return sha256(utf8(pointText(p)));
}

// ---- bytes ----------------------------------------------------------------------------------

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Padded standard base64, the alphabet and padding of Go's base64.StdEncoding. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const B64_32 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Strict inverse of toBase64 for 32-byte values: exactly 44 characters, standard alphabet,
 * one '=' and zero unused trailing bits. Go's StdEncoding is laxer (it skips \r and \n and
 * ignores the unused bits), so several strings map to one value there; here only one does.
 */
export function fromBase64Strict32(text: unknown, what: string, code: PretErrorCode): Uint8Array {
  if (typeof text !== 'string') {
    throw new PretError(code, `${what}: expected a base64 string, got ${typeof text}`);
  }
  if (!B64_32.test(text)) {
    throw new PretError(
      code,
      `${what}: expected 44 characters of padded standard base64 encoding 32 bytes, got ${JSON.stringify(truncate(text))}`,
    );
  }
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (bytes.length !== 32 || toBase64(bytes) !== text) {
    throw new PretError(code, `${what}: non-canonical base64 (unused trailing bits are set)`);
  }
  return bytes;
}

function describeLength(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return value === null ? 'null' : typeof value;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
