// The on-CESS format v1 against test/vectors/format.json (tools/format-vectors.ts), plus
// independent re-derivations (@noble/hashes HKDF/HMAC, the plain-JS reference chunker).
import { readFileSync } from 'node:fs';

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';

import {
  PackReader,
  bufferSource,
  decodeFileNode,
  decodeSnapshot,
  decodeTree,
  deriveKeys,
  openBlob,
  openFileNode,
} from '../../src/sync/format/index.js';
import { referenceChunkLengths } from '../../src/sync/format/chunker.js';
import { CONTENT_KEY, VECTOR_SEED, buildVectors, vectorData } from '../../tools/format-vectors.js';

interface Vectors {
  seed: string;
  keys: Record<'master' | 'blobId' | 'chunkKeySeed' | 'metadata' | 'packName', string>;
  chunking: {
    dataLength: number;
    chunks: { offset: number; length: number; id: string; key: string }[];
    contentId: string;
  };
  blob: { plaintextUtf8: string; id: string; key: string; nonce: string; sealed: string };
  fileNode: { contentKey: string; plaintext: string; id: string };
  tree: { plaintextUtf8: string; id: string };
  snapshot: { plaintextUtf8: string; id: string };
  pack: {
    name: string;
    hex: string;
    entries: { type: string; id: string; offset: number; length: number }[];
  };
}
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/format.json', import.meta.url), 'utf8'),
) as Vectors;
const enc = new TextEncoder();

describe('format vectors', () => {
  it('the code reproduces every committed value', async () => {
    expect(await buildVectors()).toEqual(vectors);
  });

  it('keys match an independent HKDF-SHA256 (@noble/hashes)', () => {
    expect(bytesToHex(VECTOR_SEED)).toBe(vectors.seed);
    const master = hkdf(sha256, VECTOR_SEED, enc.encode('cess-sync/v1'), enc.encode('master'), 32);
    expect(bytesToHex(master)).toBe(vectors.keys.master);
    const sub = (info: string): string =>
      bytesToHex(hkdf(sha256, master, enc.encode('cess-sync/v1'), enc.encode(info), 32));
    expect(sub('blob-id')).toBe(vectors.keys.blobId);
    expect(sub('chunk-key')).toBe(vectors.keys.chunkKeySeed);
    expect(sub('metadata')).toBe(vectors.keys.metadata);
    expect(sub('pack-name')).toBe(vectors.keys.packName);
  });

  it('chunk boundaries match the JS reference; ids and keys match an independent HMAC', () => {
    const data = vectorData(vectors.chunking.dataLength);
    expect(referenceChunkLengths(data)).toEqual(vectors.chunking.chunks.map((c) => c.length));
    const blobIdKey = hexToBytes(vectors.keys.blobId);
    for (const c of vectors.chunking.chunks) {
      const input = new Uint8Array(1 + c.length);
      input[0] = 1; // blob type "data"
      input.set(data.subarray(c.offset, c.offset + c.length), 1);
      const id = hmac(sha256, blobIdKey, input);
      expect(bytesToHex(id)).toBe(c.id);
      expect(bytesToHex(hmac(sha256, hexToBytes(vectors.keys.chunkKeySeed), id))).toBe(c.key);
    }
  });

  it('the fixed blob decrypts; the file node, tree and snapshot decode', () => {
    const pt = openBlob(
      hexToBytes(vectors.blob.key),
      'data',
      hexToBytes(vectors.blob.id),
      hexToBytes(vectors.blob.sealed),
    );
    expect(new TextDecoder().decode(pt)).toBe(vectors.blob.plaintextUtf8);
    expect(bytesToHex(CONTENT_KEY)).toBe(vectors.fileNode.contentKey);
    expect(decodeFileNode(hexToBytes(vectors.fileNode.plaintext)).size).toBe(16);
    expect(decodeTree(enc.encode(vectors.tree.plaintextUtf8)).entries.map((e) => e.name)).toEqual([
      'Zoë.txt',
      'docs',
    ]);
    expect(decodeSnapshot(enc.encode(vectors.snapshot.plaintextUtf8)).seq).toBe(7);
  });

  it('the tiny pack opens, checks its name and yields every blob', async () => {
    const keys = deriveKeys(VECTOR_SEED);
    const pack = hexToBytes(vectors.pack.hex);
    const r = await PackReader.open(keys, bufferSource(pack), { expectedName: vectors.pack.name });
    expect(r.entries).toEqual(vectors.pack.entries);
    const data = await r.readBlobById('data', vectors.blob.id, hexToBytes(vectors.blob.key));
    expect(new TextDecoder().decode(data)).toBe(vectors.blob.plaintextUtf8);
    const fnEntry = r.find('filenode', vectors.fileNode.id)!;
    const node = openFileNode(CONTENT_KEY, vectors.fileNode.id, await r.readSealed(fnEntry));
    expect(node.chunks[0]!.id).toBe(vectors.blob.id);
    expect(
      new TextDecoder().decode(await r.readBlobById('tree', vectors.tree.id, keys.metadata)),
    ).toBe(vectors.tree.plaintextUtf8);
  });
});
