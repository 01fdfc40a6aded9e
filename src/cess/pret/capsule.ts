/**
 * The PReT capsule and its JSON form.
 *
 * On the wire (CD²N gateway `Capsule` header, go-sdk retriever) a capsule is what Go's
 * encoding/json makes of gosdk.Capsule: `{"E":"<b64>","V":"<b64>","S":"<b64>"}`, each value the
 * gtank MarshalText of a 32-byte encoding (padded standard base64). encodeCapsuleJson produces
 * exactly those bytes; decodeCapsuleJson accepts a strict subset of what Go accepts.
 */
import { PretError } from './errors.js';
import {
  decodeNonZeroScalar,
  decodePoint,
  fromBase64Strict32,
  toBase64,
  type RistrettoPoint,
} from './group.js';

/** E = e·G, V = v·G (32-byte ristretto255 encodings), S = v + e·H(E‖V) (32-byte LE scalar). */
export interface Capsule {
  readonly E: Uint8Array;
  readonly V: Uint8Array;
  readonly S: Uint8Array;
}

/** The JSON object form, `{E, V, S}` as padded standard base64 strings. */
export interface CapsuleJson {
  E: string;
  V: string;
  S: string;
}

/** A capsule with its components decoded; every function here validates through this. */
export interface ParsedCapsule {
  readonly E: RistrettoPoint;
  readonly V: RistrettoPoint;
  readonly s: bigint;
}

/**
 * Validates a capsule's components: canonical, non-identity points; a canonical non-zero
 * scalar. (Go decodes the same way but does not reject the identity or a zero s.)
 */
export function parseCapsule(capsule: Capsule, what = 'capsule'): ParsedCapsule {
  if (typeof capsule !== 'object' || capsule === null) {
    throw new PretError('INVALID_CAPSULE', `${what}: expected an object with E, V, S`);
  }
  return {
    E: decodePoint(capsule.E, `${what}.E`, 'INVALID_CAPSULE'),
    V: decodePoint(capsule.V, `${what}.V`, 'INVALID_CAPSULE'),
    s: decodeNonZeroScalar(capsule.S, `${what}.S`, 'INVALID_CAPSULE'),
  };
}

/** Capsules encapsulate() made in this process: valid by construction, not parsed again. */
const fresh = new WeakSet<Capsule>();

/** Notes a capsule as made here (scheme.ts encapsulate); returns it. */
export function madeHere(capsule: Capsule): Capsule {
  fresh.add(capsule);
  return capsule;
}

export function capsuleToJsonValue(capsule: Capsule): CapsuleJson {
  // Decoding both points costs two inverse square roots a file version on upload.
  if (!fresh.has(capsule)) parseCapsule(capsule);
  return { E: toBase64(capsule.E), V: toBase64(capsule.V), S: toBase64(capsule.S) };
}

/** Byte-identical to Go's json.Marshal(gosdk.Capsule) for the same capsule. */
export function encodeCapsuleJson(capsule: Capsule): string {
  const { E, V, S } = capsuleToJsonValue(capsule);
  // Field order E, V, S as Go's struct order; base64 needs no JSON escaping.
  return JSON.stringify({ E, V, S });
}

const FIELDS = ['E', 'V', 'S'] as const;

/**
 * Builds a capsule from an already-parsed JSON value (for capsules nested in larger JSON).
 * Strict where Go is lax: exactly the keys E, V, S (Go matches keys case-insensitively,
 * ignores unknown ones and leaves missing ones nil), each a 44-character canonical base64
 * string, then the component checks of parseCapsule.
 */
export function capsuleFromJsonValue(value: unknown, what = 'capsule'): Capsule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PretError('INVALID_CAPSULE', `${what}: expected a JSON object {"E","V","S"}`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const unknownKeys = keys.filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknownKeys.length > 0) {
    throw new PretError(
      'INVALID_CAPSULE',
      `${what}: unexpected field(s) ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')}; expected exactly "E", "V", "S"`,
    );
  }
  const missing = FIELDS.filter((k) => !Object.prototype.hasOwnProperty.call(record, k));
  if (missing.length > 0) {
    throw new PretError(
      'INVALID_CAPSULE',
      `${what}: missing field(s) ${missing.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const capsule: Capsule = {
    E: fromBase64Strict32(record.E, `${what}.E`, 'INVALID_CAPSULE'),
    V: fromBase64Strict32(record.V, `${what}.V`, 'INVALID_CAPSULE'),
    S: fromBase64Strict32(record.S, `${what}.S`, 'INVALID_CAPSULE'),
  };
  parseCapsule(capsule, what);
  return capsule;
}

/** Parses capsule JSON text (e.g. the gateway's `Capsule` header or a stored capsule). */
export function decodeCapsuleJson(text: string): Capsule {
  if (typeof text !== 'string') {
    throw new PretError('INVALID_CAPSULE', `capsule JSON: expected a string, got ${typeof text}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PretError(
      'INVALID_CAPSULE',
      `capsule JSON: not valid JSON (${(err as Error).message})`,
    );
  }
  return capsuleFromJsonValue(value);
}
