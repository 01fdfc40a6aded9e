/**
 * ss58 account addresses checked in the page (the Share dialog's recipient field), the same rules
 * as @polkadot/util-crypto's decodeAddress for 32-byte account ids: base58, a 1- or 2-byte
 * network prefix, the checksum (the first 2 bytes of BLAKE2b-512("SS58PRE" ‖ prefix ‖ key)).
 * The daemon checks again (checkRecipientAddress); this only lets the dialog say what is wrong
 * before anything is sent.
 */
import { blake2b512 } from './blake2b.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const CHECKSUM_PREFIX = new TextEncoder().encode('SS58PRE');

/** Bitcoin-alphabet base58; null on a character outside it. */
export function base58Decode(text: string): Uint8Array | null {
  let n = 0n;
  for (const c of text) {
    const d = ALPHABET.indexOf(c);
    if (d < 0) return null;
    n = n * 58n + BigInt(d);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.push(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.push(0); // each leading '1' is a leading zero byte
  }
  return Uint8Array.from(bytes.reverse());
}

export type AddressCheck =
  { ok: true; prefix: number; publicKey: Uint8Array } | { ok: false; reason: string };

/** Decodes an address of a 32-byte account; `reason` says in plain words what is wrong. */
export function decodeSs58(address: string): AddressCheck {
  const a = address.trim();
  if (a === '') return { ok: false, reason: "Enter the recipient's CESS address." };
  const bytes = base58Decode(a);
  if (bytes === null || bytes.length === 0)
    return {
      ok: false,
      reason: 'That is not a CESS address: it has characters an address never has.',
    };
  const first = bytes[0] as number;
  if ((first & 0b1000_0000) !== 0)
    return { ok: false, reason: 'That is not a CESS address (unknown address type).' };
  const prefixLen = (first & 0b0100_0000) !== 0 ? 2 : 1;
  if (bytes.length !== prefixLen + 32 + 2)
    return {
      ok: false,
      reason:
        'That is not a complete account address (wrong length): check that it was copied whole.',
    };
  const second = bytes[1] as number;
  const prefix =
    prefixLen === 1
      ? first
      : ((first & 0b0011_1111) << 2) | (second >> 6) | ((second & 0b0011_1111) << 8);
  const body = bytes.subarray(0, prefixLen + 32);
  const input = new Uint8Array(CHECKSUM_PREFIX.length + body.length);
  input.set(CHECKSUM_PREFIX);
  input.set(body, CHECKSUM_PREFIX.length);
  const hash = blake2b512(input);
  if (bytes[prefixLen + 32] !== hash[0] || bytes[prefixLen + 33] !== hash[1])
    return {
      ok: false,
      reason: 'That address has a typo: its checksum does not match. Copy it again exactly.',
    };
  return { ok: true, prefix, publicKey: bytes.slice(prefixLen, prefixLen + 32) };
}

/**
 * The recipient check of the Share dialog: a valid address of the same network as `own` (this
 * device's account, whose prefix is the chain's ss58 format) and not `own` itself.
 * Returns null when it is fine, else the reason.
 */
export function recipientProblem(address: string, own: string | null): string | null {
  const r = decodeSs58(address);
  if (!r.ok) return r.reason;
  if (own === null) return null; // no account to compare with: the daemon decides
  const me = decodeSs58(own);
  if (!me.ok) return null;
  if (r.prefix !== me.prefix)
    return `That is an address of another network (ss58 format ${r.prefix}); this network uses format ${me.prefix}.`;
  if (r.publicKey.every((b, i) => b === me.publicKey[i]))
    return 'That is your own account: share with another account.';
  return null;
}
