/**
 * Test vectors of the on-CESS format v1 (docs/format.md): `npx tsx tools/format-vectors.ts`
 * writes test/vectors/format.json; test/unit/format-vectors.test.ts recomputes every value.
 * Everything is deterministic: fixed seed, fixed nonces (counter), fixed pack id.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import {
  CHUNKER_V1,
  ContentIdBuilder,
  GEAR,
  MemorySink,
  PackWriter,
  blobIdBytes,
  chunkKey,
  chunkLengths,
  deriveKeys,
  encodeFileNode,
  encodeSnapshot,
  encodeTree,
  fileNodeBlob,
  packName,
  sealBlob,
  snapshotBlob,
  treeBlob,
  type FileNode,
  type SnapshotBlob,
  type TreeBlob,
} from '../src/sync/format/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The seed: SHA-256("cess-sync format vector seed"). */
export const VECTOR_SEED = new Uint8Array(
  createHash('sha256').update('cess-sync format vector seed').digest(),
);

/** Test data: AES-256-CTR keystream, key = SHA-256("cess-sync format vector data"), IV = 0. */
export function vectorData(length: number): Uint8Array {
  const key = createHash('sha256').update('cess-sync format vector data').digest();
  return new Uint8Array(
    createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length)),
  );
}

/** Nonce i (i = 0, 1, ...): 12 bytes, big-endian counter. */
export function counterNonces(): () => Uint8Array {
  let i = 0;
  return () => {
    const n = new Uint8Array(12);
    new DataView(n.buffer).setUint32(8, i++);
    return n;
  };
}

export const DATA_LENGTH = 6 * 1024 * 1024 + 12345;
export const PACK_ID = new Uint8Array(16).map((_, i) => i);
export const CONTENT_KEY = new Uint8Array(32).fill(0xcf);

export const TREE: TreeBlob = {
  version: 1,
  entries: [
    {
      itemId: '0123456789abcdef0123456789abcdef',
      name: 'Zoë.txt',
      kind: 'file',
      mtimeMs: 1700000000000,
      mode: 0o644,
      size: 5,
      contentId: '11'.repeat(32),
      fileNode: {
        blobId: '22'.repeat(32),
        capsule: { E: 'A'.repeat(43) + '=', V: 'B'.repeat(43) + '=', S: 'C'.repeat(43) + '=' },
      },
    },
    {
      itemId: 'fedcba9876543210fedcba9876543210',
      name: 'docs',
      kind: 'dir',
      mtimeMs: 1700000000001,
      mode: null,
      subtree: '33'.repeat(32),
    },
  ],
};

export const SNAPSHOT: SnapshotBlob = {
  version: 1,
  folderId: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
  deviceId: 'device-1',
  seq: 7,
  parents: ['44'.repeat(32)],
  timeMs: 1700000000002,
  tree: '55'.repeat(32),
};

export async function buildVectors(): Promise<unknown> {
  const keys = deriveKeys(VECTOR_SEED);
  const data = vectorData(DATA_LENGTH);
  const lengths = chunkLengths(data, CHUNKER_V1);
  const cid = new ContentIdBuilder(keys);
  const chunks: { offset: number; length: number; id: string; key: string }[] = [];
  let off = 0;
  for (const length of lengths) {
    const idBytes = blobIdBytes(keys, 'data', data.subarray(off, off + length));
    cid.addChunk(idBytes);
    chunks.push({ offset: off, length, id: hex(idBytes), key: hex(chunkKey(keys, idBytes)) });
    off += length;
  }
  const small = new TextEncoder().encode('hello, cess-sync');
  const smallId = blobIdBytes(keys, 'data', small);
  const smallKey = chunkKey(keys, smallId);
  const nonce = new Uint8Array(12).fill(0x0a);
  const node: FileNode = {
    version: 1,
    size: small.length,
    chunks: [{ id: hex(smallId), key: smallKey, length: small.length }],
  };
  const fn = fileNodeBlob(keys, node, CONTENT_KEY);
  const tb = treeBlob(keys, TREE);
  const sb = snapshotBlob(keys, SNAPSHOT);

  const sink = new MemorySink();
  const w = new PackWriter(keys, sink, { nonce: counterNonces(), packId: PACK_ID });
  await w.add('data', smallId, smallKey, small);
  await w.add('filenode', fn.idBytes, CONTENT_KEY, fn.plaintext);
  await w.add('tree', tb.idBytes, keys.metadata, tb.plaintext);
  await w.add('snapshot', sb.idBytes, keys.metadata, sb.plaintext);
  const info = await w.finish();

  return {
    description:
      'cess-sync on-CESS format v1 test vectors; see docs/format.md and tools/format-vectors.ts',
    seed: hex(VECTOR_SEED),
    keys: {
      master: hex(keys.master),
      blobId: hex(keys.blobId),
      chunkKeySeed: hex(keys.chunkKeySeed),
      metadata: hex(keys.metadata),
      packName: hex(keys.packName),
    },
    gear: {
      first: [GEAR[0], GEAR[1], GEAR[2], GEAR[3]],
      last: GEAR[255],
      sha256: createHash('sha256')
        .update(Buffer.from(GEAR.buffer))
        .digest('hex') /* little-endian u32s */,
    },
    chunking: {
      dataLength: DATA_LENGTH,
      dataSha256: createHash('sha256').update(data).digest('hex'),
      chunks,
      contentId: cid.finish(DATA_LENGTH),
    },
    blob: {
      type: 'data',
      plaintextUtf8: 'hello, cess-sync',
      id: hex(smallId),
      key: hex(smallKey),
      nonce: hex(nonce),
      sealed: hex(sealBlob(smallKey, 'data', smallId, small, nonce)),
    },
    fileNode: { contentKey: hex(CONTENT_KEY), plaintext: hex(encodeFileNode(node)), id: fn.id },
    tree: { value: TREE, plaintextUtf8: new TextDecoder().decode(encodeTree(TREE)), id: tb.id },
    snapshot: {
      value: SNAPSHOT,
      plaintextUtf8: new TextDecoder().decode(encodeSnapshot(SNAPSHOT)),
      id: sb.id,
    },
    pack: {
      packId: hex(PACK_ID),
      nonces: 'counter: 12-byte big-endian 0, 1, 2, ... in write order (blobs, then header)',
      name: info.name,
      nameCheck: packName(keys, PACK_ID),
      entries: info.entries,
      hex: hex(sink.bytes()),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const v = await buildVectors();
  writeFileSync(
    new URL('../test/vectors/format.json', import.meta.url),
    JSON.stringify(v, null, 2) + '\n',
  );
  console.log('wrote test/vectors/format.json');
}
