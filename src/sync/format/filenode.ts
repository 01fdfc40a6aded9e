/**
 * The file node: one version of one file's content (docs/format.md "File node"). Compact,
 * canonical binary (one encoding per value, so equal nodes have equal blob ids):
 *
 *   version u8 = 1 | size u64le | count u32le | count x ( id[32] | key[32] | length u32le )
 *
 * Stored as a "filenode" blob encrypted with a fresh random 32-byte content key K_f, which the
 * tree entry carries encapsulated (CESS PReT capsule) to the owner. Sharing one file version is
 * re-encrypting that capsule: the recipient gets K_f, opens this node and then exactly the
 * chunks it lists (their keys are inside), nothing else of the account.
 */
import { randomBytes } from 'node:crypto';

import { openBlob } from './aead.js';
import { checkKey, concatBytes, fromHex, toHex } from './bytes.js';
import { MAX_BLOB_PLAINTEXT } from './constants.js';
import { FormatError } from './errors.js';
import { blobIdBytes, type BlobId } from './ids.js';
import type { FormatKeys } from './keys.js';

export const FILE_NODE_VERSION = 1;
const HEAD = 1 + 8 + 4;
const ENTRY = 32 + 32 + 4;

export interface ChunkRef {
  /** Blob id of the data blob (64 hex). */
  readonly id: BlobId;
  /** The chunk's AES-256 key (32 bytes). */
  readonly key: Uint8Array;
  /** Plaintext length of the chunk. */
  readonly length: number;
}

export interface FileNode {
  readonly version: 1;
  readonly size: number;
  readonly chunks: readonly ChunkRef[];
}

export function encodeFileNode(node: FileNode): Uint8Array {
  const n = node.chunks.length;
  const out = new Uint8Array(HEAD + n * ENTRY);
  const dv = new DataView(out.buffer);
  let total = 0;
  out[0] = FILE_NODE_VERSION;
  if (!Number.isSafeInteger(node.size) || node.size < 0)
    throw new FormatError('BAD_ARGUMENT', 'file node size');
  dv.setBigUint64(1, BigInt(node.size), true);
  dv.setUint32(9, n, true);
  let o = HEAD;
  for (const c of node.chunks) {
    if (!Number.isInteger(c.length) || c.length < 1 || c.length > MAX_BLOB_PLAINTEXT) {
      throw new FormatError('BAD_ARGUMENT', 'file node: chunk length out of range');
    }
    if (!(c.key instanceof Uint8Array) || c.key.length !== 32)
      throw new FormatError('BAD_ARGUMENT', 'file node: chunk key');
    out.set(fromHex(c.id, 32, 'chunk id'), o);
    out.set(c.key, o + 32);
    dv.setUint32(o + 64, c.length, true);
    total += c.length;
    o += ENTRY;
  }
  if (total !== node.size)
    throw new FormatError('BAD_ARGUMENT', 'file node: chunk lengths do not add up to size');
  return out;
}

export function decodeFileNode(bytes: Uint8Array): FileNode {
  if (bytes.length < HEAD) throw new FormatError('BAD_ENCODING', 'file node: too short');
  if (bytes[0] !== FILE_NODE_VERSION)
    throw new FormatError('BAD_VERSION', `file node version ${bytes[0]}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dv.getBigUint64(1, true);
  const n = dv.getUint32(9, true);
  if (bytes.length !== HEAD + n * ENTRY)
    throw new FormatError('BAD_ENCODING', 'file node: length does not match count');
  if (size > BigInt(Number.MAX_SAFE_INTEGER))
    throw new FormatError('BAD_ENCODING', 'file node: size too large');
  const chunks: ChunkRef[] = [];
  let total = 0;
  for (let i = 0, o = HEAD; i < n; i++, o += ENTRY) {
    const length = dv.getUint32(o + 64, true);
    if (length < 1 || length > MAX_BLOB_PLAINTEXT)
      throw new FormatError('BAD_ENCODING', 'file node: chunk length out of range');
    chunks.push({ id: toHex(bytes.subarray(o, o + 32)), key: bytes.slice(o + 32, o + 64), length });
    total += length;
  }
  if (BigInt(total) !== size)
    throw new FormatError('BAD_ENCODING', 'file node: chunk lengths do not add up to size');
  return { version: 1, size: Number(size), chunks };
}

/** A random content key, for tests and tools; in the app K_f is the key PReT encapsulate returns. */
export function newContentKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/**
 * The plaintext and id of a file node's blob under content key K_f:
 * id = HMAC-SHA256(blobIdKey, 0x02 || K_f || plaintext). K_f is part of the id because it comes
 * from PReT encapsulation (random per call), so the same node sealed under two keys must be two
 * blobs; to store a version once, reuse the tree entry's {blobId, capsule} while contentId is
 * unchanged.
 */
export function fileNodeBlob(
  keys: FormatKeys,
  node: FileNode,
  contentKey: Uint8Array,
): { id: BlobId; idBytes: Uint8Array; plaintext: Uint8Array } {
  checkKey(contentKey, 'content key');
  const plaintext = encodeFileNode(node);
  const idBytes = blobIdBytes(keys, 'filenode', concatBytes([contentKey, plaintext]));
  return { id: toHex(idBytes), idBytes, plaintext };
}

/** Opens a sealed file node blob with K_f alone (what a share recipient has). */
export function openFileNode(contentKey: Uint8Array, id: BlobId, sealed: Uint8Array): FileNode {
  return decodeFileNode(openBlob(contentKey, 'filenode', fromHex(id, 32, 'file node id'), sealed));
}
