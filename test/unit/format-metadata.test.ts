// Keys, file nodes, trees and snapshots: determinism, round trips, strict decoding.
import { mnemonicToMiniSecret } from '@polkadot/util-crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  decodeFileNode,
  decodeSnapshot,
  decodeTree,
  deriveKeys,
  encodeFileNode,
  encodeSnapshot,
  encodeTree,
  fileNodeBlob,
  newContentKey,
  openFileNode,
  sealBlob,
  treeBlob,
  type FileNode,
  type SnapshotBlob,
  type TreeBlob,
} from '../../src/sync/format/index.js';

const keys = deriveKeys(new Uint8Array(32).fill(9));
const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => Buffer.from(b).toString('hex'));
const enc = new TextEncoder();
const cap = { E: 'A'.repeat(43) + '=', V: 'B'.repeat(43) + '=', S: 'C'.repeat(43) + '=' };

describe('keys', () => {
  it('derive from the mnemonic mini-secret, deterministically and all distinct', () => {
    const seed = mnemonicToMiniSecret(
      'bottom drive obey lake curtain smoke basket hold race lonely fit walk',
    );
    const a = deriveKeys(seed);
    expect(deriveKeys(seed)).toEqual(a);
    const all = [a.master, a.blobId, a.chunkKeySeed, a.metadata, a.packName].map((k) =>
      Buffer.from(k).toString('hex'),
    );
    expect(new Set(all).size).toBe(5);
    expect(() => deriveKeys(new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
  });
});

describe('file node', () => {
  const nodeArb = fc
    .array(
      fc.record({
        id: hex64,
        key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        length: fc.integer({ min: 1, max: 8 << 20 }),
      }),
      { maxLength: 20 },
    )
    .map((chunks): FileNode => ({
      version: 1,
      size: chunks.reduce((a, c) => a + c.length, 0),
      chunks,
    }));

  it('round trips (property) and is sealed under K_f only', () => {
    fc.assert(
      fc.property(nodeArb, (node) => {
        const bytes = encodeFileNode(node);
        expect(decodeFileNode(bytes)).toEqual(node);
        const kf = newContentKey();
        const b = fileNodeBlob(keys, node, kf);
        const sealed = sealBlob(kf, 'filenode', b.idBytes, b.plaintext);
        expect(openFileNode(kf, b.id, sealed)).toEqual(node);
        expect(() => openFileNode(newContentKey(), b.id, sealed)).toThrow(
          expect.objectContaining({ code: 'AUTH_FAILED' }),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('rejects inconsistent encodings', () => {
    const node: FileNode = {
      version: 1,
      size: 3,
      chunks: [{ id: 'ab'.repeat(32), key: new Uint8Array(32), length: 3 }],
    };
    const b = encodeFileNode(node);
    const bad = (f: (x: Uint8Array) => Uint8Array): string => {
      try {
        decodeFileNode(f(Uint8Array.from(b)));
        return 'OK';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(bad((x) => ((x[0] = 2), x))).toBe('BAD_VERSION');
    expect(bad((x) => ((x[1] = 4), x))).toBe('BAD_ENCODING'); // size != sum
    expect(bad((x) => x.subarray(0, x.length - 1))).toBe('BAD_ENCODING');
    expect(bad((x) => ((x[x.length - 4] = 0), x))).toBe('BAD_ENCODING'); // zero-length chunk
    expect(() => encodeFileNode({ ...node, size: 4 })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
  });

  it('the id depends on K_f (one blob per encapsulation)', () => {
    const node: FileNode = { version: 1, size: 0, chunks: [] };
    expect(fileNodeBlob(keys, node, newContentKey()).id).not.toBe(
      fileNodeBlob(keys, node, newContentKey()).id,
    );
  });
});

describe('tree and snapshot', () => {
  const name = fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((s) => s !== '.' && s !== '..' && !/[/\0]/.test(s) && s.normalize('NFC') === s);
  const entry = fc.oneof(
    fc.record({
      itemId: hex64.map((h) => h.slice(0, 32)),
      name,
      kind: fc.constant('file' as const),
      mtimeMs: fc.integer({ min: 0, max: 2 ** 45 }),
      mode: fc.option(fc.integer({ min: 0, max: 0o7777 }), { nil: null }),
      size: fc.nat(),
      contentId: hex64,
      fileNode: fc.record({ blobId: hex64, capsule: fc.constant(cap) }),
    }),
    fc.record({
      itemId: hex64.map((h) => h.slice(0, 32)),
      name,
      kind: fc.constant('dir' as const),
      mtimeMs: fc.integer({ min: 0, max: 2 ** 45 }),
      mode: fc.option(fc.integer({ min: 0, max: 0o7777 }), { nil: null }),
      subtree: hex64,
    }),
  );

  it('trees round trip canonically: order of input entries does not change the id (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 10 }), (entries) => {
        const tree: TreeBlob = { version: 1, entries };
        const bytes = encodeTree(tree);
        const back = decodeTree(bytes);
        expect(encodeTree(back)).toEqual(bytes);
        expect(treeBlob(keys, { version: 1, entries: [...entries].reverse() }).id).toBe(
          treeBlob(keys, tree).id,
        );
      }),
      { numRuns: 100 },
    );
  });

  it('trees refuse duplicates, bad names, unknown keys and non-canonical bytes', () => {
    const d = {
      itemId: 'a'.repeat(32),
      name: 'x',
      kind: 'dir' as const,
      mtimeMs: 1,
      mode: null,
      subtree: 'b'.repeat(64),
    };
    expect(() => encodeTree({ version: 1, entries: [d, d] })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
    expect(() => encodeTree({ version: 1, entries: [{ ...d, name: 'a/b' }] })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
    const good = new TextDecoder().decode(encodeTree({ version: 1, entries: [d] }));
    expect(() => decodeTree(enc.encode(good.replace('"x"', '"x","extra":1')))).toThrow(
      expect.objectContaining({ code: 'BAD_ENCODING' }),
    );
    // Bytes that are well-formed entries but not a canonical list: the same entry twice, and
    // two entries out of name order.
    const one = good.slice(good.indexOf('[') + 1, good.lastIndexOf(']'));
    const list = (...es: string[]) => enc.encode(`{"version":1,"entries":[${es.join(',')}]}`);
    expect(decodeTree(list(one))).toEqual({ version: 1, entries: [d] });
    expect(() => decodeTree(list(one, one))).toThrow(
      expect.objectContaining({
        code: 'BAD_ENCODING',
        message: expect.stringMatching(/duplicate/),
      }),
    );
    const y = one.replace('"name":"x"', '"name":"y"').replace('a'.repeat(32), 'c'.repeat(32));
    expect(decodeTree(list(one, y)).entries.map((e) => e.name)).toEqual(['x', 'y']);
    expect(() => decodeTree(list(y, one))).toThrow(
      expect.objectContaining({
        code: 'BAD_ENCODING',
        message: expect.stringMatching(/canonical/),
      }),
    );
    expect(() => decodeTree(enc.encode(good + ' '))).toThrow(
      expect.objectContaining({ code: 'BAD_ENCODING' }),
    );
    expect(() => decodeTree(enc.encode(good.replace('"version":1', '"version":2')))).toThrow(
      expect.objectContaining({ code: 'BAD_VERSION' }),
    );
    expect(() => decodeTree(new Uint8Array([0xff]))).toThrow(
      expect.objectContaining({ code: 'BAD_ENCODING' }),
    );
  });

  it('snapshots round trip and are strict', () => {
    const s: SnapshotBlob = {
      version: 1,
      folderId: 'f',
      deviceId: 'd',
      seq: 3,
      parents: ['c'.repeat(64)],
      timeMs: 5,
      tree: 'e'.repeat(64),
    };
    expect(decodeSnapshot(encodeSnapshot(s))).toEqual(s);
    expect(() => encodeSnapshot({ ...s, seq: 0 })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
    const txt = new TextDecoder().decode(encodeSnapshot(s));
    expect(() => decodeSnapshot(enc.encode(txt.replace('"seq":3', '"seq":3.5')))).toThrow(
      expect.objectContaining({ code: 'BAD_ENCODING' }),
    );
  });
});
