/**
 * Who is calling: sr25519 signatures (both gateways) and the CD²N JWT.
 *
 * Verification is sr25519 only, over exactly the byte strings the Go gateways try (we do not
 * use signatureVerify, which would also accept ed25519/ecdsa and silently (un)wrap messages).
 */
import { createHash } from 'node:crypto';
import { hexToU8a, isHex, u8aConcat, u8aToHex } from '@polkadot/util';
import { base58Decode, decodeAddress, encodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

const WRAP_OPEN = new TextEncoder().encode('<Bytes>');
const WRAP_CLOSE = new TextEncoder().encode('</Bytes>');

/** ss58 address -> 32-byte public key, or null. Hex public keys are not addresses. */
export function publicKeyOf(address: string): Uint8Array | null {
  if (address === '' || isHex(address) || address.length > 64) return null;
  try {
    const pk = decodeAddress(address);
    return pk.length === 32 ? pk : null;
  } catch {
    return null;
  }
}

/** The ss58 prefix an address was encoded with, or null. */
export function ss58PrefixOf(address: string): number | null {
  try {
    const raw = base58Decode(address);
    const first = raw[0];
    const second = raw[1];
    if (first === undefined) return null;
    if (first < 64) return first;
    if (second === undefined) return null;
    // two-byte prefix, as in @polkadot/util-crypto checkAddressChecksum
    return ((first & 0b0011_1111) << 2) | (second >> 6) | ((second & 0b0011_1111) << 8);
  } catch {
    return null;
  }
}

export function toAddress(publicKey: Uint8Array, ss58Format: number): string {
  return encodeAddress(publicKey, ss58Format);
}

function verify(message: Uint8Array, signature: Uint8Array | null, publicKey: Uint8Array): boolean {
  if (!signature || signature.length !== 64) return false;
  try {
    return sr25519Verify(message, signature, publicKey);
  } catch {
    return false;
  }
}

function hexSig(s: string): Uint8Array | null {
  const h = s.startsWith('0x') ? s.slice(2) : s;
  if (h.length !== 128 || !/^[0-9a-fA-F]+$/.test(h)) return null;
  return hexToU8a('0x' + h);
}

function base58Sig(s: string): Uint8Array | null {
  try {
    return base58Decode(s);
  } catch {
    return null;
  }
}

/**
 * CD²N /gateway/gentoken (retriever/server/handles/auth.go ParsingAndVerifyPublickey): the
 * signature (hex, optional 0x) is over "<Bytes>" + sha256(message) (32 raw bytes) + "</Bytes>".
 */
export function cd2nLoginMessage(message: string): Uint8Array {
  const digest = createHash('sha256').update(message, 'utf8').digest();
  return u8aConcat(WRAP_OPEN, digest, WRAP_CLOSE);
}

export type Cd2nSignResult = { ok: true } | { ok: false; reason: string };

export function verifyCd2nLogin(
  publicKey: Uint8Array,
  message: string,
  sign: string,
): Cd2nSignResult {
  const hex = sign.startsWith('0x') ? sign.slice(2) : sign;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    // Go: errors.Wrap(hex.DecodeString err, "parsing and verifying account error")
    return { ok: false, reason: 'parsing and verifying account error: encoding/hex: invalid byte' };
  }
  const sig = hexToU8a('0x' + hex);
  if (!verify(cd2nLoginMessage(message), sig, publicKey)) {
    return { ok: false, reason: 'parsing and verifying account error: verify sign error' };
  }
  return { ok: true };
}

/**
 * DeOSS VerifySignatureMdl (node/common.go + common/utils): sr25519 over the raw Message with
 * the signature as hex, 0x-hex or base58; else over "<Bytes>"+Message+"</Bytes>" with the
 * signature as hex or 0x-hex (polkadot.js signRaw).
 */
export function verifyDeossSignature(
  publicKey: Uint8Array,
  message: string,
  signature: string,
): boolean {
  if (signature === '') return false;
  const raw = new TextEncoder().encode(message);
  const hex = hexSig(signature);
  if (verify(raw, hex, publicKey)) return true;
  if (verify(raw, base58Sig(signature), publicKey)) return true;
  if (message === '') return false;
  return verify(u8aConcat(WRAP_OPEN, raw, WRAP_CLOSE), hex, publicKey);
}

/**
 * DeOSS treats Message as an expiry. Returns the expiry in ms, or null when the message is not
 * a time we accept (real DeOSS then never expires the signature; we refuse it).
 * Accepted like DeOSS: unix seconds in [1e9, 1e12), unix milliseconds in [1e12, 1e15),
 * "YYYY-MM-DD HH:MM:SS" (Go time.DateTime, UTC).
 */
export function deossExpiry(message: string): number | null {
  if (/^[+-]?\d+$/.test(message)) {
    const n = Number(message);
    if (n >= 1e9 && n < 1e12) return n * 1000;
    if (n >= 1e12 && n < 1e15) return n;
    return null;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(message);
  if (m) {
    const t = Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    );
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

// --- CD²N JWT (retriever/server/auth/jwt.go: HS256, claims {user:{account: []byte}, exp, nbf}) ---

export class JwtHelper {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly defaultTtlSeconds: number,
    private readonly clock: () => number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** `expHours` as the form field `exp`: 1..168 hours, anything else means the default TTL. */
  async issue(publicKey: Uint8Array, expHours: number): Promise<string> {
    const ttl = expHours > 0 && expHours <= 7 * 24 ? expHours * 3600 : this.defaultTtlSeconds;
    const now = Math.floor(this.clock() / 1000);
    return new SignJWT({ user: { account: Buffer.from(publicKey).toString('base64') } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setNotBefore(now)
      .setExpirationTime(now + ttl)
      .sign(this.key);
  }

  /** Returns the account public key, or throws with golang-jwt's error texts. */
  async verify(token: string): Promise<Uint8Array> {
    if (token === '') throw new Error('invalid token');
    if (token.split('.').length !== 3)
      throw new Error('token contains an invalid number of segments');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        currentDate: new Date(this.clock()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new Error('token is expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') {
        throw new Error('token is not valid yet');
      }
      if (err instanceof joseErrors.JWSSignatureVerificationFailed)
        throw new Error('signature is invalid');
      if (err instanceof joseErrors.JOSEAlgNotAllowed)
        throw new Error('signing method (alg) is unavailable.');
      throw new Error("couldn't handle this token");
    }
    const user = payload['user'];
    const account =
      user !== null && typeof user === 'object'
        ? (user as Record<string, unknown>)['account']
        : undefined;
    if (typeof account !== 'string') throw new Error('bad user info');
    const pk = Buffer.from(account, 'base64');
    if (pk.length !== 32) throw new Error('bad user info');
    return new Uint8Array(pk);
  }
}

export function pkHex(pk: Uint8Array): string {
  return u8aToHex(pk);
}
