/**
 * Who signs: the clients never see a mnemonic or a secret key, only a Signer.
 */
import { createHash } from 'node:crypto';

/** An sr25519 signer: `sign` signs exactly the bytes given (no `<Bytes>` wrapping). */
export interface Signer {
  /** The account's ss58 address (any prefix; the gateways accept the CESS prefixes). */
  readonly address: string;
  sign(message: Uint8Array): Uint8Array;
}

/** The part of a @polkadot/keyring KeyringPair a Signer needs. */
export interface KeyringPairLike {
  readonly address: string;
  readonly type?: string;
  sign(message: Uint8Array): Uint8Array;
}

/** Adapts a @polkadot/keyring KeyringPair (sr25519) to a Signer. */
export function keyringSigner(pair: KeyringPairLike): Signer {
  if (pair.type !== undefined && pair.type !== 'sr25519') {
    throw new TypeError(
      `keyringSigner: the gateways verify sr25519 signatures; this pair is ${pair.type}`,
    );
  }
  return { address: pair.address, sign: (m) => pair.sign(m) };
}

const OPEN = new TextEncoder().encode('<Bytes>');
const CLOSE = new TextEncoder().encode('</Bytes>');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * What CD²N /gateway/gentoken verifies: "<Bytes>" + sha256(message) (32 raw bytes) + "</Bytes>"
 * (CESSProject/go-sdk retriever/gateway.go SignedSR25519WithMnemonic; CD2N handles/auth.go).
 */
export function cd2nLoginPayload(message: string): Uint8Array {
  return concat(OPEN, createHash('sha256').update(message, 'utf8').digest(), CLOSE);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The DeOSS signed headers: Message is an expiry (unix seconds), the signature is sr25519 over
 * the raw Message bytes, hex (DeOSS node/common.go VerifySignatureMdl accepts hex, 0x-hex, base58). */
export function deossAuthHeaders(
  signer: Signer,
  nowMs: number,
  validitySeconds = 300,
): Record<string, string> {
  const message = String(Math.floor(nowMs / 1000) + validitySeconds);
  const signature = toHex(signer.sign(new TextEncoder().encode(message)));
  return { Account: signer.address, Message: message, Signature: signature };
}
