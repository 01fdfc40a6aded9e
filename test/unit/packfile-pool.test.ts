// The pack-file worker pool (src/sync/packfile): same bytes as the in-thread writer, order,
// backpressure, errors surfacing as errors of the pack, shutdown; and the allocation-free
// read/chunk path (borrowed chunks, reused read buffers) giving the same chunks and content ids.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { hashBytes } from '../../src/cess/fid/index.js';
import {
  MemorySink,
  PackReader,
  PackWriter,
  Packer,
  blobIdBytes,
  bufferSource,
  chunkKey,
  chunkStream,
  contentIdOf,
  deriveKeys,
  storeFileContent,
  type PackInfo,
} from '../../src/sync/format/index.js';
import { PackFilePool, PackFilePoolError, readBlocks } from '../../src/sync/packfile/index.js';
import { bytesOf } from '../support/bytes.js';

const keys = deriveKeys(new Uint8Array(32).fill(7));
const dir = mkdtempSync(join(tmpdir(), 'cess-sync-packfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A counter nonce source, so two writers produce the same bytes. */
function counterNonces(): () => Uint8Array {
  let i = 0;
  return () => {
    const n = new Uint8Array(12);
    new DataView(n.buffer).setUint32(0, ++i);
    return n;
  };
}

const packId = new Uint8Array(16).fill(9);
// Sizes around the piece size of sealPieces (256 KiB), an empty blob, and one larger than the
// pool's slots (a buffer of its own).
const SIZES = [0, 1, 100, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 17];

async function writeBlobs(w: PackWriter, seed: number): Promise<PackInfo> {
  for (const [i, n] of SIZES.entries()) {
    const b = bytesOf(n, seed + i);
    const id = blobIdBytes(keys, 'data', b);
    await w.add('data', id, chunkKey(keys, id), b);
  }
  await w.add('tree', blobIdBytes(keys, 'tree', bytesOf(50, seed)), keys.metadata, bytesOf(50, 1));
  return w.finish();
}

async function inThreadPack(seed: number): Promise<Uint8Array> {
  const sink = new MemorySink();
  await writeBlobs(new PackWriter(keys, sink, { nonce: counterNonces(), packId }), seed);
  return sink.bytes();
}

/** Runs `fn` with a new pool, closed afterwards whatever happens. */
async function withPool(
  o: ConstructorParameters<typeof PackFilePool>[0],
  fn: (pool: PackFilePool) => Promise<void>,
): Promise<void> {
  const pool = new PackFilePool(o);
  try {
    await fn(pool);
  } finally {
    await pool.close();
  }
}

describe('PackFilePool', () => {
  it('writes the bytes of the in-thread writer and the fid segments of CESS', async () => {
    await withPool({ slotSize: 1024 * 1024 }, async (pool) => {
      const file = join(dir, 'same.pack');
      const sink = pool.open(file, { fid: true });
      const info = await writeBlobs(
        new PackWriter(keys, sink, { nonce: counterNonces(), packId }),
        1,
      );
      const r = await sink.close();
      const expected = await inThreadPack(1);
      const got = new Uint8Array(readFileSync(file));
      expect(got.length).toBe(expected.length);
      expect(Buffer.compare(got, expected)).toBe(0);
      expect(r.size).toBe(info.size);
      expect(r.segments).toEqual(hashBytes(expected).segments.map((s) => s.hash));
      // and it reads back
      const reader = await PackReader.open(keys, bufferSource(got));
      expect(reader.entries.map((e) => e.plaintextLength)).toEqual([...SIZES, 50]);
      const third = reader.entries[3]!;
      const plain = await reader.readBlob(third, chunkKey(keys, Buffer.from(third.id, 'hex')));
      expect(Buffer.compare(plain, bytesOf(SIZES[3]!, 4))).toBe(0);
    });
  });

  it('keeps each pack in order when packs interleave on one worker', async () => {
    await withPool({ slots: 2, slotSize: 1024 * 1024 }, async (pool) => {
      const a = pool.open(join(dir, 'a.pack'));
      const b = pool.open(join(dir, 'b.pack'));
      const wa = new PackWriter(keys, a, { nonce: counterNonces(), packId });
      const wb = new PackWriter(keys, b, { nonce: counterNonces(), packId });
      // Alternate blob by blob between the two packs.
      for (const [i, n] of SIZES.entries()) {
        for (const [w, seed] of [
          [wa, 10],
          [wb, 20],
        ] as const) {
          const x = bytesOf(n, seed + i);
          const id = blobIdBytes(keys, 'data', x);
          await w.add('data', id, chunkKey(keys, id), x);
        }
      }
      const finishTree = async (w: PackWriter, seed: number): Promise<void> => {
        const t = bytesOf(50, 1);
        await w.add('tree', blobIdBytes(keys, 'tree', bytesOf(50, seed)), keys.metadata, t);
        await w.finish();
      };
      await finishTree(wa, 10);
      await finishTree(wb, 20);
      await Promise.all([a.close(), b.close()]);
      expect(Buffer.compare(readFileSync(a.path), await inThreadPack(10))).toBe(0);
      expect(Buffer.compare(readFileSync(b.path), await inThreadPack(20))).toBe(0);
    });
  });

  it('holds at most `slots` plaintext buffers in flight (backpressure)', async () => {
    await withPool({ slots: 2, slotSize: 64 * 1024 }, async (pool) => {
      const sink = pool.open(join(dir, 'bp.pack'));
      const key = new Uint8Array(32);
      const ad = new Uint8Array(34);
      const seal = (i: number): Promise<void> =>
        sink.seal(key, ad, bytesOf(1000, i), new Uint8Array(12).fill(i));
      // Two slots: the first two take a buffer at once, the third waits for one to come back
      // from the worker, which takes a message (a macrotask) at the least.
      const first = [seal(1), seal(2)];
      await Promise.all(first);
      let thirdDone = false;
      const third = seal(3).then(() => (thirdDone = true));
      await Promise.resolve();
      await Promise.resolve();
      expect(thirdDone).toBe(false);
      await third;
      for (let i = 4; i < 40; i++) {
        await seal(i);
        expect(pool.buffersAllocated).toBeLessThanOrEqual(2);
      }
      const r = await sink.close();
      expect(r.size).toBe(39 * (1000 + 28));
      expect(r.segments).toBeNull();
    });
  });

  it('fails the pack, not silently, when the worker cannot write it', async () => {
    await withPool(undefined, async (pool) => {
      const sink = pool.open(join(dir, 'no-such-dir', 'x.pack'));
      sink.write(new Uint8Array(10));
      await expect(sink.close()).rejects.toThrow(/pack file: ENOENT/);
      // the error sticks to that pack; the pool still serves others
      expect(() => sink.write(new Uint8Array(1))).toThrow(PackFilePoolError);
      const ok = pool.open(join(dir, 'ok.pack'));
      ok.write(new Uint8Array([1, 2, 3]));
      expect((await ok.close()).size).toBe(3);
    });
  });

  it('fails every open pack when the worker dies', async () => {
    const pool = new PackFilePool();
    const first = pool.open(join(dir, 'alive.pack'));
    first.write(new Uint8Array(1));
    await first.close(); // the worker is up: its death below is not a start-up failure
    const sink = pool.open(join(dir, 'dead.pack'));
    await sink.seal(new Uint8Array(32), new Uint8Array(34), bytesOf(10, 1), new Uint8Array(12));
    const closing = sink.close();
    await (pool as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(closing).rejects.toThrow(/worker (exited|failed)/);
    expect(() => pool.open(join(dir, 'after.pack'))).toThrow(/worker/);
    expect(PackFilePool.startFailed).toBe(false);
    await pool.close();
  });

  it('close() fails open packs, refuses new ones and ends the worker', async () => {
    const pool = new PackFilePool();
    const sink = pool.open(join(dir, 'open.pack'));
    await sink.seal(new Uint8Array(32), new Uint8Array(34), bytesOf(10, 1), new Uint8Array(12));
    await pool.close();
    await pool.close(); // idempotent
    await expect(Promise.resolve().then(() => sink.close())).rejects.toThrow(/closed/);
    expect(() => pool.open(join(dir, 'late.pack'))).toThrow(/closed/);
  });

  it('an idle pool does not keep the process alive; a busy one finishes its pack', () => {
    const script = join(dir, 'child.ts');
    const url = new URL('../../src/sync/packfile/index.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { PackFilePool } from ${JSON.stringify(url)};
       const pool = new PackFilePool();
       const sink = pool.open(${JSON.stringify(join(dir, 'child.pack'))});
       sink.write(new Uint8Array(5));
       // no await: only the open pack keeps the process alive until it is closed
       void sink.close().then((r) => console.log('closed', r.size));
       // the pool itself is never closed`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('closed 5');
  }, 90_000);
});

describe('allocation-free read and chunk path', () => {
  it('borrowed chunks and reused read buffers give the same chunks and content ids', async () => {
    const data = bytesOf(7 * 1024 * 1024 + 333, 3);
    const file = join(dir, 'data.bin');
    writeFileSync(file, data);
    const copied: Uint8Array[] = [];
    for await (const c of chunkStream(createReadStream(file, { highWaterMark: 1 << 20 })))
      copied.push(c);
    const borrowed: Uint8Array[] = [];
    for await (const c of chunkStream(readBlocks(file, 300_000), undefined, true))
      borrowed.push(c.slice());
    expect(borrowed.map((c) => c.length)).toEqual(copied.map((c) => c.length));
    expect(Buffer.compare(Buffer.concat(borrowed), Buffer.concat(copied))).toBe(0);
    expect(Buffer.compare(Buffer.concat(copied), data)).toBe(0);
    const a = await contentIdOf(keys, createReadStream(file));
    const b = await contentIdOf(keys, readBlocks(file));
    expect(b).toEqual(a);
    // storeFileContent over borrowed chunks stores what a reader gets back
    const sink = new MemorySink();
    let info: PackInfo | undefined;
    const packer = new Packer(keys, {
      openSink: () => sink,
      onPack: (i) => void (info = i),
    });
    const stored = await storeFileContent(keys, readBlocks(file), packer);
    await packer.flush();
    expect(stored.contentId).toBe(a.contentId);
    const reader = await PackReader.open(keys, bufferSource(sink.bytes()));
    expect(info?.entries.length).toBe(stored.node.chunks.length);
    const parts = await Promise.all(
      stored.node.chunks.map((c) => reader.readBlobById('data', c.id, c.key)),
    );
    expect(Buffer.compare(Buffer.concat(parts), data)).toBe(0);
  });
});
