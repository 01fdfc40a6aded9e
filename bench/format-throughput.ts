/**
 * Throughput of the format's write path: `npx tsx bench/format-throughput.ts [MiB=256] [runs=3]`.
 *
 * Compares chunk + id (HMAC-SHA256) + key + AES-256-GCM + pack (to a counting sink) with the
 * floor any encrypting, content-addressing client pays: one SHA-256 pass and one AES-256-GCM
 * pass over the same bytes with node:crypto. Input: an AES-256-CTR keystream (incompressible,
 * no repeats), fed in 256 KiB reads. Best of `runs` (the machine is shared).
 */
import { createCipheriv, createHash } from 'node:crypto';

import {
  Chunker,
  Packer,
  deriveKeys,
  storeFileContent,
  type PackSink,
} from '../src/sync/format/index.js';
import { isMain } from './lib.js';

export interface FormatThroughput {
  mib: number;
  runs: number;
  /** MB/s (MiB per second), best of `runs`. */
  sha256: number;
  gcm: number;
  /** SHA-256 + AES-256-GCM over the same bytes: the floor. */
  limit: number;
  chunkOnly: number;
  pipeline: number;
  packs: number;
  packBytes: number;
  packSizes: number[];
}

/** Runs the in-memory format measurements (see the header). */
export async function formatThroughput(mib: number, runs: number): Promise<FormatThroughput> {
  const size = mib * 1024 * 1024;
  const READ = 256 * 1024;
  const data = new Uint8Array(
    createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16)).update(Buffer.alloc(size)),
  );
  const keys = deriveKeys(new Uint8Array(32).fill(1));

  function* reads(): Generator<Uint8Array> {
    for (let o = 0; o < size; o += READ) yield data.subarray(o, o + READ);
  }

  // Rounds run every measurement once, in turn, so load from other processes hits all alike.
  const fns: (() => Promise<void> | void)[] = [];
  function best(fn: () => Promise<void> | void): number {
    fns.push(fn);
    return fns.length - 1;
  }

  const rawSha = best(() => {
    const h = createHash('sha256');
    for (const r of reads()) h.update(r);
    h.digest();
  });
  const rawGcm = best(() => {
    const c = createCipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12));
    for (const r of reads()) c.update(r);
    c.final();
  });
  const raw = best(() => {
    const h = createHash('sha256');
    const c = createCipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12));
    for (const r of reads()) {
      h.update(r);
      c.update(r);
    }
    h.digest();
    c.final();
  });
  const chunkOnly = best(() => {
    const ch = new Chunker();
    for (const r of reads()) for (const _c of ch.push(r));
    ch.finish();
  });
  let packs = 0;
  let packBytes = 0;
  let sizes: number[] = [];
  const full = best(async () => {
    packs = 0;
    packBytes = 0;
    sizes = [];
    const sink: PackSink = { write: (b) => void (packBytes += b.length) };
    const packer = new Packer(keys, {
      openSink: () => sink,
      onPack: (info) => {
        packs++;
        sizes.push(info.size);
      },
    });
    await storeFileContent(keys, reads(), packer);
    await packer.flush();
  });

  const bestMs = fns.map(() => Infinity);
  for (let r = 0; r < runs; r++) {
    for (const [i, fn] of fns.entries()) {
      const t = performance.now();
      await fn();
      bestMs[i] = Math.min(bestMs[i]!, performance.now() - t);
    }
  }
  const mbs = (i: number): number => mib / (bestMs[i]! / 1000);

  return {
    mib,
    runs,
    sha256: mbs(rawSha),
    gcm: mbs(rawGcm),
    limit: mbs(raw),
    chunkOnly: mbs(chunkOnly),
    pipeline: mbs(full),
    packs,
    packBytes,
    packSizes: sizes,
  };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 256);
  const runs = Number(process.argv[3] ?? 3);
  const size = mib * 1024 * 1024;
  const READ = 256 * 1024;
  const r = await formatThroughput(mib, runs);
  const rows: [string, number][] = [
    ['SHA-256 alone (node:crypto)', r.sha256],
    ['AES-256-GCM alone (node:crypto)', r.gcm],
    ['limit: SHA-256 + AES-256-GCM', r.limit],
    ['FastCDC chunking alone (wasm gear)', r.chunkOnly],
    ['chunk + HMAC id + encrypt + pack', r.pipeline],
  ];
  console.log(
    `format throughput, ${mib} MiB, ${READ / 1024} KiB reads, best of ${runs} (node ${process.version})`,
  );
  console.log('| what | MB/s |\n|---|---:|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v.toFixed(0)} |`);
  console.log(
    `| **ratio pipeline / limit** | **${((r.pipeline / r.limit) * 100).toFixed(0)} %** |`,
  );
  const sizes = r.packSizes;
  const full32 = sizes.slice(0, -1);
  console.log(
    `packs: ${r.packs}; all but the last: ${(full32.reduce((a, b) => a + b, 0) / Math.max(1, full32.length) / 1048576).toFixed(2)} MiB ` +
      `on average (max ${(Math.max(...sizes) / 1048576).toFixed(3)} MiB); format overhead ${(((r.packBytes - size) / size) * 100).toFixed(3)} %`,
  );
}

if (isMain(import.meta.url)) await main();
