/**
 * The write path over the format (no network): chunk -> id -> key -> encrypt -> pack, with pack
 * rotation at the CESS segment size. Memory stays bounded: the chunker's buffer (max chunk),
 * one chunk in flight, and the header entries of the open pack.
 */
import type { NonceSource } from './aead.js';
import { toHex } from './bytes.js';
import { CHUNKER_V1, chunkStream, type ChunkerParams } from './chunker.js';
import type { BlobTypeName } from './constants.js';
import { fileNodeBlob, type ChunkRef, type FileNode } from './filenode.js';
import { ContentIdBuilder, blobIdBytes, chunkKey, type BlobId } from './ids.js';
import type { FormatKeys } from './keys.js';
import { PACK_TARGET_SIZE, PackWriter, type PackInfo, type PackSink } from './pack.js';
import { snapshotBlob, treeBlob, type SnapshotBlob, type TreeBlob } from './tree.js';

export interface PreparedChunk {
  readonly id: BlobId;
  readonly idBytes: Uint8Array;
  readonly key: Uint8Array;
  readonly plaintext: Uint8Array;
}

/**
 * Chunks a stream and computes each chunk's id and key (one keyed hash pass per byte). With
 * `borrow`, each plaintext is valid only until the next chunk is asked for (chunkStream).
 */
export async function* prepareChunks(
  keys: FormatKeys,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: ChunkerParams = CHUNKER_V1,
  borrow = false,
): AsyncGenerator<PreparedChunk, void, undefined> {
  for await (const plaintext of chunkStream(source, params, borrow)) {
    const idBytes = blobIdBytes(keys, 'data', plaintext);
    yield { id: toHex(idBytes), idBytes, key: chunkKey(keys, idBytes), plaintext };
  }
}

/**
 * The content id and size of a stream without encrypting anything (for the scanner: compare a
 * local file with the remote tree's contentId).
 */
export async function contentIdOf(
  keys: FormatKeys,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  params: ChunkerParams = CHUNKER_V1,
): Promise<{ contentId: string; size: number; chunks: number }> {
  const b = new ContentIdBuilder(keys);
  let size = 0;
  let chunks = 0;
  for await (const plaintext of chunkStream(source, params, true)) {
    b.addChunk(blobIdBytes(keys, 'data', plaintext));
    size += plaintext.length;
    chunks++;
  }
  return { contentId: b.finish(size), size, chunks };
}

export interface PackerOptions {
  /** A sink for each new pack (a temp file, a memory buffer, an upload stream). */
  openSink: () => PackSink | Promise<PackSink>;
  /** Called with each finished pack, after its last byte went to its sink. */
  onPack: (info: PackInfo, sink: PackSink) => void | Promise<void>;
  /**
   * How many finished packs may still be in `onPack` while the next one fills (default 0: each
   * `onPack` is awaited before another blob is added). With 1, pack N uploads while pack N+1
   * is chunked and encrypted; `onPack` calls still run one at a time, in order. A failed
   * `onPack` fails the next `add` or `flush`.
   */
  overlap?: number;
  target?: number;
  nonce?: NonceSource;
}

/** Fills packs one after another, never above the target (except a lone oversize blob). */
export class Packer {
  private readonly keys: FormatKeys;
  private readonly opts: PackerOptions;
  private current: { writer: PackWriter; sink: PackSink } | undefined;
  private readonly written = new Set<string>();
  /** onPack calls still running (never rejecting: a failure is kept in `failure`). */
  private pending: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;

  constructor(keys: FormatKeys, options: PackerOptions) {
    this.keys = keys;
    this.opts = options;
  }

  /** Whether this packer already stored the blob (in any pack it wrote). */
  has(type: BlobTypeName, id: BlobId): boolean {
    return this.written.has(`${type}:${id}`);
  }

  /** Adds a blob unless this packer already has it; returns whether it was written. */
  async add(
    type: BlobTypeName,
    id: BlobId,
    key: Uint8Array,
    plaintext: Uint8Array,
    idBytes?: Uint8Array,
  ): Promise<boolean> {
    this.throwIfFailed();
    if (this.has(type, id)) return false;
    if (this.current && !this.current.writer.fits(plaintext.length)) {
      const cur = this.current;
      this.current = undefined;
      await this.handOff(cur);
    }
    if (!this.current) {
      const sink = await this.opts.openSink();
      const writer = new PackWriter(this.keys, sink, {
        target: this.opts.target ?? PACK_TARGET_SIZE,
        ...(this.opts.nonce ? { nonce: this.opts.nonce } : {}),
      });
      this.current = { writer, sink };
    }
    await this.current.writer.add(type, idBytes ?? id, key, plaintext);
    this.written.add(`${type}:${id}`);
    return true;
  }

  /** Finishes the open pack, if any, and waits until every pack's `onPack` is done. */
  async flush(): Promise<PackInfo | undefined> {
    const cur = this.current;
    this.current = undefined;
    const info = cur ? await this.handOff(cur) : undefined;
    await this.settle();
    this.throwIfFailed();
    return info;
  }

  /**
   * Waits for the `onPack` calls still running, ignoring their failures: for a caller that is
   * giving up (an error elsewhere), so no upload outlives it.
   */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }

  private async handOff(cur: { writer: PackWriter; sink: PackSink }): Promise<PackInfo> {
    const info = await cur.writer.finish();
    const overlap = Math.max(0, this.opts.overlap ?? 0);
    if (overlap === 0) {
      await this.opts.onPack(info, cur.sink);
      return info;
    }
    while (this.pending.length >= overlap) await this.pending.shift();
    this.throwIfFailed();
    this.pending.push(
      (async () => this.opts.onPack(info, cur.sink))().then(
        () => undefined,
        (error: unknown) => void (this.failure ??= { error }),
      ),
    );
    return info;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

export interface StoredFile {
  readonly node: FileNode;
  readonly contentId: string;
  /** Data blobs this call wrote (the others were known already). */
  readonly newChunks: number;
}

/**
 * Streams a file into data blobs. `known(id)` says whether the account already stores a data
 * blob (the index); those are referenced, not written again.
 */
export async function storeFileContent(
  keys: FormatKeys,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  packer: Packer,
  known: (id: BlobId) => boolean = () => false,
  params: ChunkerParams = CHUNKER_V1,
): Promise<StoredFile> {
  const cid = new ContentIdBuilder(keys);
  const chunks: ChunkRef[] = [];
  let size = 0;
  let newChunks = 0;
  // Borrowed plaintexts: the packer encrypts (or copies) a chunk before add() returns.
  for await (const c of prepareChunks(keys, source, params, true)) {
    cid.addChunk(c.idBytes);
    chunks.push({ id: c.id, key: c.key, length: c.plaintext.length });
    size += c.plaintext.length;
    if (!known(c.id) && (await packer.add('data', c.id, c.key, c.plaintext, c.idBytes)))
      newChunks++;
  }
  return { node: { version: 1, size, chunks }, contentId: cid.finish(size), newChunks };
}

/**
 * Stores a file node under content key K_f: the key src/cess/pret `encapsulate(ownerPk)`
 * returned with the capsule that goes next to the returned blob id in the tree entry.
 */
export async function storeFileNode(
  keys: FormatKeys,
  node: FileNode,
  contentKey: Uint8Array,
  packer: Packer,
): Promise<BlobId> {
  const b = fileNodeBlob(keys, node, contentKey);
  await packer.add('filenode', b.id, contentKey, b.plaintext, b.idBytes);
  return b.id;
}

/**
 * Stores a tree blob unless `exists(id)` says the repository already has one with that id: a
 * directory whose entries did not change has the same bytes and id, so a pass that changed one
 * file stores the trees on that file's path, not every directory of the folder.
 */
export async function storeTree(
  keys: FormatKeys,
  tree: TreeBlob,
  packer: Packer,
  exists?: (id: BlobId) => boolean,
): Promise<BlobId> {
  const b = treeBlob(keys, tree);
  if (exists?.(b.id) !== true)
    await packer.add('tree', b.id, keys.metadata, b.plaintext, b.idBytes);
  return b.id;
}

export async function storeSnapshot(
  keys: FormatKeys,
  snapshot: SnapshotBlob,
  packer: Packer,
): Promise<BlobId> {
  const b = snapshotBlob(keys, snapshot);
  await packer.add('snapshot', b.id, keys.metadata, b.plaintext, b.idBytes);
  return b.id;
}
