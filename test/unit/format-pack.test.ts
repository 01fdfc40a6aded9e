// Packs, blobs and the write path: round trips, rotation, dedup, tamper and truncation detection.
import { mkdtempSync, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  FormatError,
  MemorySink,
  PackReader,
  PackWriter,
  Packer,
  blobIdBytes,
  bufferSource,
  chunkKey,
  contentIdOf,
  deriveKeys,
  fileSource,
  isPackName,
  openBlob,
  sealBlob,
  storeFileContent,
  writableSink,
  type PackInfo,
} from '../../src/sync/format/index.js';
import { bytesOf } from '../support/bytes.js';

const keys = deriveKeys(new Uint8Array(32).fill(5));
const other = deriveKeys(new Uint8Array(32).fill(6));
async function smallPack(): Promise<{ pack: Uint8Array; info: PackInfo; blobs: Uint8Array[] }> {
  const sink = new MemorySink();
  const w = new PackWriter(keys, sink);
  const blobs = [bytesOf(100, 1), bytesOf(0, 2), bytesOf(3000, 3)];
  for (const b of blobs) {
    const id = blobIdBytes(keys, 'data', b);
    await w.add('data', id, chunkKey(keys, id), b);
  }
  await w.add('tree', blobIdBytes(keys, 'tree', blobs[0]!), keys.metadata, blobs[0]!);
  const info = await w.finish();
  return { pack: sink.bytes(), info, blobs };
}

async function readAll(pack: Uint8Array, name?: string): Promise<Uint8Array[]> {
  const r = await PackReader.open(
    keys,
    bufferSource(pack),
    name ? { expectedName: name, tailRead: 64 } : { tailRead: 64 },
  );
  return Promise.all(
    r.entries.map((e) =>
      r.readBlob(e, e.type === 'data' ? chunkKey(keys, Buffer.from(e.id, 'hex')) : keys.metadata),
    ),
  );
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof FormatError) return err.code;
    throw err;
  }
}

describe('blob AEAD', () => {
  it('binds type and id: swapped or retyped blobs fail', () => {
    const pt = bytesOf(50, 1);
    const id = blobIdBytes(keys, 'data', pt);
    const k = chunkKey(keys, id);
    const sealed = sealBlob(k, 'data', id, pt);
    expect(openBlob(k, 'data', id, sealed)).toEqual(pt);
    expect(() => openBlob(k, 'tree', id, sealed)).toThrow(
      expect.objectContaining({ code: 'AUTH_FAILED' }),
    );
    expect(() => openBlob(k, 'data', blobIdBytes(keys, 'data', bytesOf(50, 2)), sealed)).toThrow(
      expect.objectContaining({ code: 'AUTH_FAILED' }),
    );
    expect(() => openBlob(k, 'data', id, sealed.subarray(0, 27))).toThrow(
      expect.objectContaining({ code: 'TRUNCATED' }),
    );
  });

  it('ids are keyed: the same bytes give different ids for another account', () => {
    const pt = bytesOf(10, 1);
    expect(blobIdBytes(keys, 'data', pt)).not.toEqual(blobIdBytes(other, 'data', pt));
    expect(blobIdBytes(keys, 'data', pt)).not.toEqual(blobIdBytes(keys, 'tree', pt));
  });
});

describe('pack', () => {
  it('round trips, with an opaque name checked on open', async () => {
    const { pack, info, blobs } = await smallPack();
    expect(isPackName(info.name)).toBe(true);
    expect(info.size).toBe(pack.length);
    expect(await readAll(pack, info.name)).toEqual([...blobs, blobs[0]]);
    expect(await code(readAll(pack, 'cs' + '0'.repeat(32)))).toBe('NAME_MISMATCH');
    expect(await code(PackReader.open(other, bufferSource(pack)))).toBe('AUTH_FAILED');
  });

  it('an empty pack is valid', async () => {
    const sink = new MemorySink();
    await new PackWriter(keys, sink).finish();
    expect(await readAll(sink.bytes())).toEqual([]);
  });

  it('every single-byte change is detected (typed error, never wrong data)', async () => {
    const { pack, blobs } = await smallPack();
    const expected = [...blobs, blobs[0]];
    const seen = new Set<string>();
    for (let i = 0; i < pack.length; i += i < 40 || i > pack.length - 300 ? 1 : 37) {
      const t = Uint8Array.from(pack);
      t[i]! ^= 0x01 << (i % 8);
      const c = await code(readAll(t));
      seen.add(c);
      expect(c, `byte ${i}`).not.toBe('OK');
    }
    expect(
      [...seen].every((c) => ['BAD_MAGIC', 'BAD_VERSION', 'TRUNCATED', 'AUTH_FAILED'].includes(c)),
    ).toBe(true);
    expect(await readAll(pack)).toEqual(expected);
  });

  it('every truncation and extension is detected', async () => {
    const { pack } = await smallPack();
    for (let n = 0; n < pack.length; n += n > pack.length - 100 ? 1 : 13) {
      expect(await code(readAll(pack.subarray(0, n))), `length ${n}`).not.toBe('OK');
    }
    const longer = new Uint8Array(pack.length + 1);
    longer.set(pack);
    expect(await code(readAll(longer))).toBe('TRUNCATED');
    const prefixed = new Uint8Array(pack.length + 1);
    prefixed.set(pack, 1);
    expect(await code(readAll(prefixed))).toBe('BAD_MAGIC');
  });

  it('a short read from the source is TRUNCATED', async () => {
    const { pack } = await smallPack();
    const src = {
      size: pack.length,
      read: (o: number, l: number) => Promise.resolve(pack.subarray(o, o + Math.max(0, l - 1))),
    };
    expect(await code(PackReader.open(keys, src))).toBe('TRUNCATED');
  });

  it('property: random blobs round trip through file sink and file source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'format-pack-'));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 20 }),
          async (blobs) => {
            const path = join(dir, 'p');
            const out = createWriteStream(path);
            const w = new PackWriter(keys, writableSink(out));
            const uniq = new Map<string, Uint8Array>();
            for (const b of blobs) {
              const id = blobIdBytes(keys, 'data', b);
              const hex = Buffer.from(id).toString('hex');
              if (uniq.has(hex)) continue;
              uniq.set(hex, b);
              await w.add('data', id, chunkKey(keys, id), b);
            }
            const info = await w.finish();
            out.end();
            await finished(out);
            const src = await fileSource(path);
            try {
              const r = await PackReader.open(keys, src, { expectedName: info.name });
              expect(r.entries.length).toBe(uniq.size);
              for (const [hex, b] of uniq) {
                expect(
                  await r.readBlobById('data', hex, chunkKey(keys, Buffer.from(hex, 'hex'))),
                ).toEqual(b);
              }
            } finally {
              await src.close();
            }
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses concurrent use and use after finish', async () => {
    const w = new PackWriter(keys, { write: () => new Promise((r) => setTimeout(r, 5)) });
    const id = blobIdBytes(keys, 'data', bytesOf(1, 1));
    const first = w.add('data', id, chunkKey(keys, id), bytesOf(1, 1));
    await expect(w.finish()).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await first;
    await w.finish();
    await expect(w.finish()).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('write path', () => {
  it('fills 32 MiB packs, dedups, and reads back a file bit for bit', async () => {
    const file = bytesOf(40 << 20, 7);
    const packs: { info: PackInfo; bytes: Uint8Array }[] = [];
    const packer = new Packer(keys, {
      openSink: () => new MemorySink(),
      onPack: (info, sink) => void packs.push({ info, bytes: (sink as MemorySink).bytes() }),
    });
    const reads = function* (): Generator<Uint8Array> {
      for (let o = 0; o < file.length; o += 100_000) yield file.subarray(o, o + 100_000);
    };
    const stored = await storeFileContent(keys, reads(), packer);
    // The same content again (another file with equal bytes): nothing new is written.
    const again = await storeFileContent(keys, [file], packer);
    await packer.flush();
    expect(again.newChunks).toBe(0);
    expect(again.contentId).toBe(stored.contentId);
    expect((await contentIdOf(keys, [file.subarray(0, 7), file.subarray(7)])).contentId).toBe(
      stored.contentId,
    );
    expect(stored.node.size).toBe(file.length);
    expect(packs.length).toBe(2);
    for (const p of packs) expect(p.info.size).toBeLessThanOrEqual(32 << 20);
    expect(packs[0]!.info.size).toBeGreaterThan(30 << 20);
    const readers = await Promise.all(
      packs.map((p) => PackReader.open(keys, bufferSource(p.bytes), { expectedName: p.info.name })),
    );
    const parts: Uint8Array[] = [];
    for (const c of stored.node.chunks) {
      const r = readers.find((x) => x.find('data', c.id))!;
      parts.push(await r.readBlobById('data', c.id, c.key));
    }
    expect(Buffer.concat(parts).equals(Buffer.from(file))).toBe(true);
  });
});
