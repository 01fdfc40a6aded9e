/** Fixed numbers of format v1 (docs/format.md). Changing any of them is a new format version. */

/** The format version: the pack prefix byte and the first byte of every blob's associated data. */
export const FORMAT_VERSION = 1;

/** "CSPK": first four bytes of a pack and last four bytes of its trailer. */
export const PACK_MAGIC = new Uint8Array([0x43, 0x53, 0x50, 0x4b]);

/** Pack prefix: magic + version byte. Blobs start at this offset. */
export const PACK_PREFIX_LENGTH = 5;
/** Pack trailer: u32 LE encrypted-header length + magic. */
export const PACK_TRAILER_LENGTH = 8;

/** AES-256-GCM nonce and tag lengths; one encrypted blob is nonce || ciphertext || tag. */
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const BLOB_OVERHEAD = NONCE_LENGTH + TAG_LENGTH;

/** Blob ids are 32 bytes (HMAC-SHA256), shown as 64 lowercase hex characters. */
export const ID_LENGTH = 32;
/** Pack ids are 16 random bytes, stored only inside the encrypted header. */
export const PACK_ID_LENGTH = 16;

/** CESS segment: an object locks whole 32 MiB segments (x3 redundancy), so a pack fills one. */
export const CESS_SEGMENT_SIZE = 32 * 1024 * 1024;

/** The largest plaintext a blob may carry (a v1 chunk is at most 8 MiB; metadata likewise). */
export const MAX_BLOB_PLAINTEXT = 16 * 1024 * 1024;

/**
 * Blob types. The byte goes into the header entry, the blob id's HMAC input and the AEAD
 * associated data, so a blob of one type can never be presented as another.
 */
export const BlobType = {
  data: 1,
  filenode: 2,
  tree: 3,
  snapshot: 4,
} as const;
export type BlobTypeName = keyof typeof BlobType;
export const BLOB_TYPE_NAMES: readonly BlobTypeName[] = ['data', 'filenode', 'tree', 'snapshot'];

/** Domain byte of the pack header's AEAD associated data (not a blob type). */
export const HEADER_DOMAIN = 0x7f;
/** Domain byte of the content id HMAC input (not a blob type). */
export const CONTENT_ID_DOMAIN = 0x10;

export function blobTypeFromByte(b: number): BlobTypeName | undefined {
  return BLOB_TYPE_NAMES[b - 1];
}
