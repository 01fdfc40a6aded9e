/**
 * Throughput of src/cess/fid on this machine: `npx tsx tools/fid-vectors/bench.ts [MiB]`.
 * Feeds pseudo-random bytes in 4 MiB chunks, as hashFile does.
 */
import { createHash } from 'node:crypto';
import {
  FRAGMENT_SIZE,
  PARITY_SHARDS,
  ReedSolomon,
  SegmentHasher,
} from '../../src/cess/fid/index.js';

const mib = Number(process.argv[2] ?? 128);
const size = mib * 1024 * 1024;
const data = new Uint8Array(size);
for (let i = 0, x = 0x12345678; i < size; i += 4) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  data[i] = x;
  data[i + 1] = x >>> 8;
  data[i + 2] = x >>> 16;
  data[i + 3] = x >>> 24;
}

function run(fragments: boolean): number {
  const t0 = performance.now();
  const h = new SegmentHasher({ fragments });
  for (let off = 0; off < size; off += 4 << 20) h.update(data.subarray(off, off + (4 << 20)));
  h.finish();
  return performance.now() - t0;
}

function report(label: string, ms: number, bytes = size): void {
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${((bytes / 1e6 / ms) * 1000).toFixed(0).padStart(5)} MB/s`,
  );
}

run(true); // warm up the JIT
for (const fragments of [false, true]) {
  const best = Math.min(run(fragments), run(fragments));
  report(`${mib} MiB, fragments ${fragments ? 'on ' : 'off'}`, best);
}

// The pieces of one 32 MiB segment.
const rs = new ReedSolomon(4, 8);
const shards = Array.from({ length: 12 }, (_, i) =>
  i < 4 ? data.subarray(i * FRAGMENT_SIZE, (i + 1) * FRAGMENT_SIZE) : new Uint8Array(FRAGMENT_SIZE),
);
let best = Infinity;
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  rs.encode(shards);
  best = Math.min(best, performance.now() - t0);
}
report('RS parity of one 32 MiB segment (4+8)', best, 4 * FRAGMENT_SIZE);
best = Infinity;
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  createHash('sha256')
    .update(data.subarray(0, 4 * FRAGMENT_SIZE))
    .digest();
  best = Math.min(best, performance.now() - t0);
}
report('SHA-256 of 32 MiB', best, 4 * FRAGMENT_SIZE);
console.log(`per segment with fragments: SHA-256 over ${4 + 4 + PARITY_SHARDS} x 8 MiB + RS`);
