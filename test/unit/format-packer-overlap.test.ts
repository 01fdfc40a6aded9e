// Packer with `overlap`: pack N's onPack (the upload) runs while pack N+1 fills; onPack calls
// stay one at a time and in order; a failed onPack fails the packer; flush waits for all.
import { describe, expect, it } from 'vitest';

import {
  MemorySink,
  Packer,
  blobIdBytes,
  chunkKey,
  deriveKeys,
  type PackInfo,
} from '../../src/sync/format/index.js';
import { bytesOf } from '../support/bytes.js';

const keys = deriveKeys(new Uint8Array(32).fill(9));

/** A packer of ~4 KiB packs whose onPack waits until the test releases it. */
function gatedPacker(overlap: number, fail?: (n: number) => boolean) {
  const log: string[] = [];
  const gates: (() => void)[] = [];
  let opened = 0;
  let running = 0;
  let maxRunning = 0;
  let n = 0;
  const packer = new Packer(keys, {
    target: 4096,
    overlap,
    openSink: () => {
      log.push(`open ${opened++}`);
      return new MemorySink();
    },
    onPack: async (info: PackInfo) => {
      const me = n++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`upload ${me} start`);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
      log.push(`upload ${me} done ${info.size > 0}`);
      if (fail?.(me)) throw new Error(`upload ${me} failed`);
    },
  });
  const add = (i: number): Promise<boolean> => {
    const b = bytesOf(1500, i);
    const id = blobIdBytes(keys, 'data', b);
    return packer.add('data', Buffer.from(id).toString('hex'), chunkKey(keys, id), b, id);
  };
  const release = async (): Promise<void> => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()!();
  };
  return { packer, log, add, release, maxRunning: () => maxRunning };
}

describe('Packer overlap', () => {
  it('fills the next pack while the previous one uploads, one upload at a time', async () => {
    const g = gatedPacker(1);
    for (let i = 0; i < 3; i++) await g.add(i); // pack 0 holds two 1.5 KiB blobs
    // The third blob closed pack 0: its upload started and has not finished, yet pack 1 is open.
    expect(g.log).toEqual(['open 0', 'upload 0 start', 'open 1']);
    const fourth = g.add(3);
    await fourth; // still room in pack 1: no wait for the upload
    const fifth = g.add(4); // closes pack 1: must wait for upload 0 before uploading pack 1
    await new Promise((r) => setTimeout(r, 20));
    expect(g.log).not.toContain('upload 1 start');
    await g.release();
    await fifth;
    const flushed = g.packer.flush();
    await g.release();
    await g.release();
    await flushed;
    expect(g.log).toEqual([
      'open 0',
      'upload 0 start',
      'open 1',
      'upload 0 done true',
      'upload 1 start',
      'open 2',
      'upload 1 done true',
      'upload 2 start',
      'upload 2 done true',
    ]);
    expect(g.maxRunning()).toBe(1);
  });

  it('without overlap, each upload finishes before the next blob is added', async () => {
    const g = gatedPacker(0);
    for (let i = 0; i < 2; i++) await g.add(i);
    const third = g.add(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(g.log).toEqual(['open 0', 'upload 0 start']);
    await g.release();
    await third;
    expect(g.log).toEqual(['open 0', 'upload 0 start', 'upload 0 done true', 'open 1']);
  });

  it('a failed upload fails the next add, and flush reports it', async () => {
    const g = gatedPacker(1, (n) => n === 0);
    for (let i = 0; i < 3; i++) await g.add(i);
    await g.release(); // upload 0 fails
    await new Promise((r) => setTimeout(r, 5));
    await expect(g.add(10)).rejects.toThrow('upload 0 failed');
    await expect(g.packer.flush()).rejects.toThrow('upload 0 failed');
  });

  it('flush waits for every upload; settle waits and ignores failures', async () => {
    const g = gatedPacker(1, () => true);
    for (let i = 0; i < 3; i++) await g.add(i);
    let settled = false;
    const s = g.packer.settle().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // upload 0 is still running
    await g.release();
    await s;
    expect(g.log.at(-1)).toBe('upload 0 done true');
  });
});
