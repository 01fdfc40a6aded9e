/**
 * Territory locked per plaintext byte. CESS locks territory per stored object: each object of
 * `size` bytes holds ceil(size / 32 MiB) * 96 MiB (32 MiB segments, each stored as 12 fragments
 * of 8 MiB: 4 data + 8 parity). A mixed folder is pushed through the real packer
 * (storeFileContent + storeFileNode into pack temp files) and the packs' locked territory is
 * compared with the plaintext size, and with storing one object per file.
 *
 *   npx tsx bench/territory.ts [files=20000] [totalMiB=1024]
 *
 * Sizes run from 1 KiB to 8 MiB, log-normal (see mixedSizes), fitted so the total is about
 * totalMiB; contents are keystream (incompressible, no duplicates).
 */
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import type { Writable } from 'node:stream';
import {
  Packer,
  newContentKey,
  storeFileContent,
  storeFileNode,
  writableSink,
  type PackSink,
} from '../src/sync/format/index.js';
import { Keystream, MiB, isMain, prng, writeRandomFile, type Row } from './lib.js';
import { benchKeys } from './pipeline.js';

export const SEGMENT = 32 * MiB;
export const LOCK_PER_SEGMENT = 96 * MiB;
export const lockedFor = (size: number): number =>
  Math.max(1, Math.ceil(size / SEGMENT)) * LOCK_PER_SEGMENT;

/**
 * `files` sizes in [1 KiB, 8 MiB], log-normal (sigma 1.8: a median around 10 KiB, a tail of
 * multi-MiB files), the median fitted so the total is about `totalBytes`.
 */
export function mixedSizes(files: number, totalBytes: number, seed = 42): number[] {
  const rnd = prng(seed);
  const normals = Array.from({ length: files }, () => {
    const u = Math.max(rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  });
  const sigma = 1.8;
  const sizesFor = (mu: number): number[] =>
    normals.map((z) => Math.min(8 * MiB, Math.max(1024, Math.round(Math.exp(mu + sigma * z)))));
  const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  let lo = Math.log(1024);
  let hi = Math.log(8 * MiB);
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (sum(sizesFor(mid)) > totalBytes) hi = mid;
    else lo = mid;
  }
  return sizesFor((lo + hi) / 2);
}

export interface TerritoryResult {
  files: number;
  plaintext: number;
  packs: number;
  packBytes: number;
  locked: number;
  perFileLocked: number;
  largest: number;
  ms: number;
}

export async function runTerritoryBench(o: {
  files: number;
  totalMiB: number;
  log?: (m: string) => void;
}): Promise<TerritoryResult> {
  const log = o.log ?? console.log;
  const work = mkdtempSync(nodePath.join(tmpdir(), 'cess-sync-bench-terr-'));
  try {
    const sizes = mixedSizes(o.files, o.totalMiB * MiB);
    const plaintext = sizes.reduce((a, b) => a + b, 0);
    log(
      `territory: ${o.files} files, ${(plaintext / MiB).toFixed(0)} MiB (median ${[...sizes].sort((a, b) => a - b)[sizes.length >> 1]} B, max ${Math.max(...sizes)} B)`,
    );
    const ks = new Keystream(4);
    const paths = sizes.map((s, i) => {
      const p = nodePath.join(work, 'src', `d${String(i % 200).padStart(3, '0')}`, `f${i}.bin`);
      writeRandomFile(p, s, ks);
      return p;
    });
    const packDir = nodePath.join(work, 'packs');
    mkdirSync(packDir);
    const keys = benchKeys();
    const packSizes: number[] = [];
    let n = 0;
    type Sink = PackSink & { file: string; stream: Writable };
    const packer = new Packer(keys, {
      openSink: () => {
        const file = nodePath.join(packDir, `pack-${n++}`);
        const stream = createWriteStream(file);
        return Object.assign(writableSink(stream), { file, stream });
      },
      onPack: async (info, s) => {
        const sink = s as Sink;
        await new Promise<void>((resolve, reject) => {
          sink.stream.once('error', reject);
          sink.stream.end(() => resolve());
        });
        packSizes.push(info.size);
        await rm(sink.file, { force: true });
      },
    });
    const t0 = performance.now();
    for (const p of paths) {
      const stored = await storeFileContent(
        keys,
        createReadStream(p, { highWaterMark: MiB }),
        packer,
      );
      await storeFileNode(keys, stored.node, newContentKey(), packer);
    }
    await packer.flush();
    const elapsed = Math.round(performance.now() - t0);
    return {
      files: o.files,
      plaintext,
      packs: packSizes.length,
      packBytes: packSizes.reduce((a, b) => a + b, 0),
      locked: packSizes.reduce((a, s) => a + lockedFor(s), 0),
      perFileLocked: sizes.reduce((a, s) => a + lockedFor(s), 0),
      largest: Math.max(...packSizes),
      ms: elapsed,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function territoryRows(r: TerritoryResult): Row[] {
  const v = r.locked / r.plaintext;
  const ref = r.perFileLocked / r.plaintext;
  return [
    {
      figure: `territory locked / plaintext (${r.files} files, ${(r.plaintext / MiB).toFixed(0)} MiB mixed)`,
      value: `${v.toFixed(2)}x (${r.packs} packs)`,
      reference: `${ref.toFixed(0)}x (one object per file)`,
      ratio: `${((v / ref) * 100).toFixed(2)} %`,
      target: '<= 3.30x',
      met: v <= 3.3,
      note:
        `packs ${(r.packBytes / MiB).toFixed(1)} MiB for ${(r.plaintext / MiB).toFixed(1)} MiB plaintext ` +
        `(file nodes included, trees not); the floor is 3.00x (96 MiB per full 32 MiB pack); ` +
        `the last pack's unused segment space adds up to 96 MiB / total.`,
    },
  ];
}

if (isMain(import.meta.url)) {
  const r = await runTerritoryBench({
    files: Number(process.argv[2] ?? 20_000),
    totalMiB: Number(process.argv[3] ?? 1024),
  });
  console.log(JSON.stringify(r));
  console.log(territoryRows(r)[0]);
}
