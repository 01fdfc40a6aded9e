/**
 * Share links: `cess-sync://share/v1/<base64url(payload JSON)>` (docs/sharing.md "The link").
 *
 * The payload is canonical JSON (fixed key order, no spaces) carrying the owner's sr25519
 * signature over everything else. Parsing is strict: the base64url must be canonical, the JSON
 * must re-encode to exactly the same bytes, unknown or missing keys are refused, and the
 * signature must verify against the owner address. So a tampered link fails the signature (or
 * the decoding) and a truncated one fails the decoding; no field can be changed unseen.
 */
import {
  base58Decode,
  checkAddressChecksum,
  decodeAddress,
  signatureVerify,
} from '@polkadot/util-crypto';
import { z } from 'zod';
import { capsuleFromJsonValue, type Capsule, type CapsuleJson } from '../../cess/pret/index.js';
import { ShareError } from './errors.js';

export const LINK_PREFIX = 'cess-sync://share/v1/';
/** Longest link accepted (a link is ~1 KB; anything far larger is not ours). */
export const MAX_LINK_LENGTH = 8192;
export const MAX_MESSAGE_LENGTH = 500;
/** Domain separation of the signed bytes. */
const SIGNING_DOMAIN = 'cess-sync/share/v1\n';

export type ShareKind = 'file' | 'folder';

/** Where the share manifest blob is: a range of a public CESS object. */
export interface ManifestLocation {
  fid: string;
  offset: number;
  length: number;
  /** The blob id (AEAD associated data; 64 hex). */
  blobId: string;
}

/** Everything in a link except the signature. */
export interface ShareLinkBody {
  v: 1;
  /** Random share id (32 hex), also inside the manifest; the owner's list uses it. */
  id: string;
  kind: ShareKind;
  owner: string;
  recipient: string;
  manifest: ManifestLocation;
  /** The content key's capsule, re-encrypted for the recipient (opens only with their key). */
  capsule: CapsuleJson;
  /** The re-key public point X (padded standard base64 of 32 bytes). */
  X: string;
  expiresAt: number | null;
  message: string | null;
  createdAt: number;
}

export interface ShareLink extends ShareLinkBody {
  /** sr25519 signature of the owner (base64url, 64 bytes). */
  sig: string;
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const b64_32 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);
const int = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const address = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[1-9A-HJ-NP-Za-km-z]+$/);

const linkSchema = z
  .object({
    v: z.literal(1),
    id: hex(32),
    kind: z.enum(['file', 'folder']),
    owner: address,
    recipient: address,
    manifest: z
      .object({
        fid: hex(64),
        offset: int,
        length: int.min(28).max(16 * 1024 * 1024 + 28),
        blobId: hex(64),
      })
      .strict(),
    capsule: z.object({ E: b64_32, V: b64_32, S: b64_32 }).strict(),
    X: b64_32,
    expiresAt: int.nullable(),
    message: z.string().max(MAX_MESSAGE_LENGTH).nullable(),
    createdAt: int,
    sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
  })
  .strict();

/** Canonical JSON of a link body (fixed key order), optionally with the signature last. */
export function encodeLinkBody(b: ShareLinkBody, sig?: string): string {
  const ordered = {
    v: b.v,
    id: b.id,
    kind: b.kind,
    owner: b.owner,
    recipient: b.recipient,
    manifest: {
      fid: b.manifest.fid,
      offset: b.manifest.offset,
      length: b.manifest.length,
      blobId: b.manifest.blobId,
    },
    capsule: { E: b.capsule.E, V: b.capsule.V, S: b.capsule.S },
    X: b.X,
    expiresAt: b.expiresAt,
    message: b.message,
    createdAt: b.createdAt,
    ...(sig !== undefined ? { sig } : {}),
  };
  return JSON.stringify(ordered);
}

function signedBytes(b: ShareLinkBody): Uint8Array {
  return new TextEncoder().encode(SIGNING_DOMAIN + encodeLinkBody(b));
}

/** Signs a body with the owner's key (the signer's address must be the body's owner). */
export function signLink(
  body: ShareLinkBody,
  signer: { address: string; sign(m: Uint8Array): Uint8Array },
): string {
  if (!samePublicKey(signer.address, body.owner))
    throw new ShareError('BAD_ARGUMENT', 'the signer is not the share owner');
  const sig = Buffer.from(signer.sign(signedBytes(body))).toString('base64url');
  return LINK_PREFIX + Buffer.from(encodeLinkBody(body, sig), 'utf8').toString('base64url');
}

/**
 * Parses and verifies a link (surrounding whitespace and `<>` are ignored, as a link pasted from
 * a mail may carry them). Throws ShareError BAD_LINK (not a link, truncated, non-canonical) or
 * BAD_SIGNATURE (tampered). Does not check the recipient or the expiry: see checkLinkFor.
 */
export function parseShareLink(text: string): ShareLink {
  if (typeof text !== 'string') throw new ShareError('BAD_LINK', 'a share link is text');
  const link = text
    .trim()
    .replace(/^<(.*)>$/s, '$1')
    .trim();
  if (link.length > MAX_LINK_LENGTH)
    throw new ShareError('BAD_LINK', `not a share link: longer than ${MAX_LINK_LENGTH} characters`);
  if (!link.startsWith(LINK_PREFIX)) {
    if (link.startsWith('cess-sync://share/'))
      throw new ShareError(
        'BAD_LINK',
        'this share link has a version this app does not know; update cess-sync',
      );
    throw new ShareError('BAD_LINK', `not a share link: it must start with ${LINK_PREFIX}`);
  }
  const encoded = link.slice(LINK_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded))
    throw new ShareError('BAD_LINK', 'the share link is damaged: characters outside base64url');
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.toString('base64url') !== encoded)
    throw new ShareError('BAD_LINK', 'the share link is damaged (truncated or altered base64url)');
  let json: unknown;
  const text8 = bytes.toString('utf8');
  try {
    json = JSON.parse(text8);
  } catch {
    throw new ShareError(
      'BAD_LINK',
      'the share link is damaged or truncated (its payload is not JSON)',
    );
  }
  const parsed = linkSchema.safeParse(json);
  if (!parsed.success)
    throw new ShareError(
      'BAD_LINK',
      `the share link is damaged: ${z.prettifyError(parsed.error).split('\n').slice(0, 3).join('; ')}`,
    );
  const l = parsed.data as ShareLink;
  if (encodeLinkBody(l, l.sig) !== text8)
    throw new ShareError(
      'BAD_LINK',
      'the share link is damaged: its payload is not in canonical form',
    );
  try {
    capsuleFromJsonValue(l.capsule);
    decodeAddress(l.owner);
    decodeAddress(l.recipient);
  } catch (e) {
    throw new ShareError('BAD_LINK', `the share link is damaged: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    ok = signatureVerify(signedBytes(l), Buffer.from(l.sig, 'base64url'), l.owner).isValid;
  } catch {
    ok = false;
  }
  if (!ok)
    throw new ShareError(
      'BAD_SIGNATURE',
      `the share link was altered: its signature does not verify for the owner ${l.owner}`,
    );
  return l;
}

export function linkCapsule(l: ShareLinkBody): Capsule {
  return capsuleFromJsonValue(l.capsule);
}

export function samePublicKey(a: string, b: string): boolean {
  try {
    return Buffer.from(decodeAddress(a)).equals(Buffer.from(decodeAddress(b)));
  } catch {
    return false;
  }
}

/** ss58 prefix of an address, or undefined when it does not decode. */
export function ss58PrefixOf(addr: string): number | undefined {
  try {
    decodeAddress(addr);
    return checkAddressChecksum(base58Decode(addr))[3];
  } catch {
    return undefined;
  }
}

/**
 * Validates a recipient address for this network: it must decode with the chain's ss58 format
 * (a CESS testnet address is refused on mainnet and vice versa) and hold a 32-byte key.
 */
export function checkRecipientAddress(addr: string, ss58Format: number): void {
  const a = addr.trim();
  try {
    decodeAddress(a, false, ss58Format);
  } catch (e) {
    const prefix = ss58PrefixOf(a);
    if (prefix !== undefined && prefix !== ss58Format)
      throw new ShareError(
        'BAD_RECIPIENT',
        `${a} is an address of another network (ss58 format ${prefix}; this network uses ${ss58Format})`,
      );
    throw new ShareError(
      'BAD_RECIPIENT',
      `${a} is not a valid CESS address: ${(e as Error).message}`,
    );
  }
  if (decodeAddress(a).length !== 32)
    throw new ShareError('BAD_RECIPIENT', `${a} is not an sr25519 account address`);
}
