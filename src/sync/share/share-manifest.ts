/**
 * The share manifest (docs/sharing.md "Share manifest"): one small blob, sealed under the
 * share's content key, that tells the recipient what was shared and where each chunk is.
 *
 * It is stored like a file node (blob type 2, AES-256-GCM under the key the link's capsule
 * opens, id = HMAC(blobIdKey, 0x02 || key || plaintext), AD binding type and id), in a pack of
 * its own. Not a new blob type: format v1 readers refuse a whole pack with an unknown type byte.
 * A manifest and a file node never decode as each other: a file node starts with the version
 * byte 0x01, a manifest with '{' (canonical JSON), and each decoder refuses the other.
 */
import { z } from 'zod';
import { blobIdBytes, concatBytes, fromHex, toHex, type FormatKeys } from './format-bits.js';
import { ShareError } from './errors.js';
import type { ShareKind } from './link.js';
import { MAX_BLOB_PLAINTEXT, openBlob, FormatError } from '../format/index.js';
import { validateSyncPath, isPathError } from '../paths/index.js';

export const SHARE_MANIFEST_VERSION = 1;
/** At most this many files in one share (a folder share); the manifest must fit one blob. */
export const MAX_SHARE_FILES = 20_000;

export interface ShareChunk {
  fid: string;
  /** Byte range of the sealed data blob in the pack. */
  offset: number;
  length: number;
  /** The data blob id (64 hex): the AEAD associated data. */
  id: string;
  /** The chunk's AES-256 key (64 hex). */
  key: string;
  /** Plaintext length (length - 28). */
  size: number;
}

export interface ShareFile {
  /** '/'-separated relative path ('name' for a file share). Validated like a sync path. */
  path: string;
  size: number;
  mtimeMs: number;
  mode: number | null;
  /** The owner's keyed content id: informational (the recipient cannot recompute it). */
  contentId: string;
  chunks: ShareChunk[];
}

export interface ShareManifest {
  v: 1;
  /** The link's share id: a link cannot be pointed at another share's manifest. */
  shareId: string;
  kind: ShareKind;
  /** The shared file's or folder's name. */
  name: string;
  files: ShareFile[];
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const int = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const chunkSchema = z
  .object({
    fid: hex(64),
    offset: int,
    length: int.min(29).max(MAX_BLOB_PLAINTEXT + 28),
    id: hex(64),
    key: hex(64),
    size: int.min(1).max(MAX_BLOB_PLAINTEXT),
  })
  .strict();
const fileSchema = z
  .object({
    path: z.string().min(1).max(4096),
    size: int,
    mtimeMs: int,
    mode: z.number().int().min(0).max(0o7777).nullable(),
    contentId: hex(64),
    chunks: z.array(chunkSchema),
  })
  .strict();
const manifestSchema = z
  .object({
    v: z.literal(1),
    shareId: hex(32),
    kind: z.enum(['file', 'folder']),
    name: z.string().min(1).max(255),
    files: z.array(fileSchema).max(MAX_SHARE_FILES),
  })
  .strict();

/** Canonical JSON (fixed key order). */
export function encodeShareManifest(m: ShareManifest): Uint8Array {
  const ordered = {
    v: m.v,
    shareId: m.shareId,
    kind: m.kind,
    name: m.name,
    files: m.files.map((f) => ({
      path: f.path,
      size: f.size,
      mtimeMs: f.mtimeMs,
      mode: f.mode,
      contentId: f.contentId,
      chunks: f.chunks.map((c) => ({
        fid: c.fid,
        offset: c.offset,
        length: c.length,
        id: c.id,
        key: c.key,
        size: c.size,
      })),
    })),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(ordered));
  if (bytes.length > MAX_BLOB_PLAINTEXT)
    throw new ShareError(
      'TOO_LARGE',
      `the share manifest would be ${bytes.length} bytes, over the ${MAX_BLOB_PLAINTEXT}-byte blob limit: share fewer files at once`,
    );
  return bytes;
}

/**
 * Decodes and checks a manifest: canonical form, sizes that add up, encrypted lengths = size + 28,
 * paths that are valid relative sync paths, no path twice, a file path never a parent of another.
 */
export function decodeShareManifest(bytes: Uint8Array): ShareManifest {
  let json: unknown;
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    json = JSON.parse(text.decode(bytes));
  } catch {
    throw new ShareError('BAD_MANIFEST', 'the share manifest is not JSON');
  }
  const p = manifestSchema.safeParse(json);
  if (!p.success)
    throw new ShareError(
      'BAD_MANIFEST',
      `the share manifest is malformed: ${z.prettifyError(p.error).split('\n')[0] ?? ''}`,
    );
  const m = p.data as ShareManifest;
  if (!Buffer.from(encodeShareManifest(m)).equals(Buffer.from(bytes)))
    throw new ShareError('BAD_MANIFEST', 'the share manifest is not canonical');
  if (m.kind === 'file' && (m.files.length !== 1 || m.files[0]?.path !== m.name))
    throw new ShareError(
      'BAD_MANIFEST',
      'a file share must hold exactly its one file, under its name',
    );
  checkName(m.name);
  const seen = new Set<string>();
  for (const f of m.files) {
    try {
      validateSyncPath(f.path);
    } catch (e) {
      if (isPathError(e))
        throw new ShareError(
          'BAD_MANIFEST',
          `the share names an unsafe path ${JSON.stringify(f.path)}: ${e.message}`,
        );
      throw e;
    }
    if (seen.has(f.path))
      throw new ShareError('BAD_MANIFEST', `the share lists ${JSON.stringify(f.path)} twice`);
    seen.add(f.path);
    let total = 0;
    for (const c of f.chunks) {
      if (c.length !== c.size + 28)
        throw new ShareError(
          'BAD_MANIFEST',
          `a chunk of ${JSON.stringify(f.path)} has inconsistent lengths`,
        );
      total += c.size;
    }
    if (total !== f.size)
      throw new ShareError(
        'BAD_MANIFEST',
        `the chunks of ${JSON.stringify(f.path)} do not add up to its size`,
      );
  }
  for (const f of m.files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (seen.has(parts.slice(0, i).join('/')))
        throw new ShareError('BAD_MANIFEST', `${JSON.stringify(f.path)} is listed inside a file`);
    }
  }
  return m;
}

/** A single path segment that is a valid name here. */
export function checkName(name: string): void {
  try {
    const segs = validateSyncPath(name);
    if (segs.length !== 1)
      throw new ShareError(
        'BAD_MANIFEST',
        `the share's name ${JSON.stringify(name)} is not a single name`,
      );
  } catch (e) {
    if (isPathError(e))
      throw new ShareError(
        'BAD_MANIFEST',
        `the share's name ${JSON.stringify(name)} is unsafe: ${e.message}`,
      );
    throw e;
  }
}

/** The manifest's blob id and plaintext, as sealed by the owner. */
export function shareManifestBlob(
  keys: FormatKeys,
  m: ShareManifest,
  key: Uint8Array,
): { id: string; idBytes: Uint8Array; plaintext: Uint8Array } {
  const plaintext = encodeShareManifest(m);
  const idBytes = blobIdBytes(keys, 'filenode', concatBytes([key, plaintext]));
  return { id: toHex(idBytes), idBytes, plaintext };
}

/** Opens a sealed manifest with the share key; AUTH_FAILED for a wrong key or tampered bytes. */
export function openShareManifest(
  key: Uint8Array,
  blobId: string,
  sealed: Uint8Array,
): ShareManifest {
  let plain: Uint8Array;
  try {
    plain = openBlob(key, 'filenode', fromHex(blobId, 32, 'manifest id'), sealed);
  } catch (e) {
    if (e instanceof FormatError)
      throw new ShareError(
        'AUTH_FAILED',
        `the share's manifest does not decrypt (${e.code}): the link is not for this key, or the object was altered`,
        { cause: e },
      );
    throw e;
  }
  return decodeShareManifest(plain);
}
