/**
 * Identifiers (docs/format.md "Ids"):
 *
 *   blob id    = HMAC-SHA256(blobIdKey, typeByte || plaintext)            32 bytes, hex in APIs
 *   chunk key  = HMAC-SHA256(chunkKeySeed, chunk id bytes)                AES-256 key of a data blob
 *   content id = HMAC-SHA256(blobIdKey, 0x10 || id_1 || ... || id_n || u64le(size))
 *   pack name  = "cs" || hex(HMAC-SHA256(packNameKey, packId))[0..32]    34 ASCII bytes
 *
 * The chunk key is derived from the id rather than from the plaintext so each chunk's bytes are
 * hashed once (the key costs one HMAC over 32 bytes, not a second pass over 1 MiB); it is
 * still convergent within the account and unknowable without chunkKeySeed.
 */
import { createHmac } from 'node:crypto';

import { toHex } from './bytes.js';
import { BlobType, CONTENT_ID_DOMAIN, PACK_ID_LENGTH, type BlobTypeName } from './constants.js';
import { FormatError } from './errors.js';
import type { FormatKeys } from './keys.js';

/** A blob id: 64 lowercase hex characters. */
export type BlobId = string;

/** The id of a blob of `type` with this plaintext, as raw bytes. */
export function blobIdBytes(
  keys: FormatKeys,
  type: BlobTypeName,
  plaintext: Uint8Array,
): Uint8Array {
  const h = createHmac('sha256', keys.blobId);
  h.update(new Uint8Array([BlobType[type]]));
  h.update(plaintext);
  return new Uint8Array(h.digest());
}

export function blobId(keys: FormatKeys, type: BlobTypeName, plaintext: Uint8Array): BlobId {
  return toHex(blobIdBytes(keys, type, plaintext));
}

/** The AES-256 key of a data chunk, from its id bytes. */
export function chunkKey(keys: FormatKeys, idBytes: Uint8Array): Uint8Array {
  if (idBytes.length !== 32) throw new FormatError('BAD_ARGUMENT', 'chunk id: expected 32 bytes');
  return new Uint8Array(createHmac('sha256', keys.chunkKeySeed).update(idBytes).digest());
}

/**
 * Streaming content id of a file: feed the chunk ids in order, then the total size. Equal bytes
 * give equal chunks (the chunker is deterministic) and so an equal content id, with no second
 * pass over the data. Only comparable within one format version (the chunker is part of v1).
 */
export class ContentIdBuilder {
  private readonly h;
  private done = false;

  constructor(keys: FormatKeys) {
    this.h = createHmac('sha256', keys.blobId);
    this.h.update(new Uint8Array([CONTENT_ID_DOMAIN]));
  }

  addChunk(idBytes: Uint8Array): void {
    if (this.done) throw new FormatError('BAD_ARGUMENT', 'content id already finished');
    if (idBytes.length !== 32) throw new FormatError('BAD_ARGUMENT', 'chunk id: expected 32 bytes');
    this.h.update(idBytes);
  }

  finish(size: number): string {
    if (this.done) throw new FormatError('BAD_ARGUMENT', 'content id already finished');
    if (!Number.isSafeInteger(size) || size < 0)
      throw new FormatError('BAD_ARGUMENT', 'size: expected a safe integer >= 0');
    this.done = true;
    const s = new Uint8Array(8);
    new DataView(s.buffer).setBigUint64(0, BigInt(size), true);
    this.h.update(s);
    return this.h.digest('hex');
  }
}

/** The opaque on-chain object name of a pack (3..63 bytes allowed by CESS; this is 34). */
export function packName(keys: FormatKeys, packId: Uint8Array): string {
  if (packId.length !== PACK_ID_LENGTH)
    throw new FormatError('BAD_ARGUMENT', 'pack id: expected 16 bytes');
  return 'cs' + createHmac('sha256', keys.packName).update(packId).digest('hex').slice(0, 32);
}

/** Whether a name has the shape of a v1 pack name (so other objects of the account can be skipped). */
export function isPackName(name: string): boolean {
  return /^cs[0-9a-f]{32}$/.test(name);
}
