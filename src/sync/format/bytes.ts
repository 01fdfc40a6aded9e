/** Small byte helpers shared by the format modules (no dependencies). */
import { FormatError } from './errors.js';

const HEX_RE = /^[0-9a-f]*$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict lowercase hex of an exact byte length. */
export function fromHex(hex: string, length: number, what: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== length * 2 || !HEX_RE.test(hex)) {
    throw new FormatError(
      'BAD_ARGUMENT',
      `${what}: expected ${length * 2} lowercase hex characters`,
    );
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function isHex(value: unknown, length: number): value is string {
  return typeof value === 'string' && value.length === length * 2 && HEX_RE.test(value);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new FormatError('BAD_ARGUMENT', `${what}: expected a 32-byte key`);
  }
}

export const utf8 = new TextEncoder();
export const utf8Strict = new TextDecoder('utf-8', { fatal: true });
