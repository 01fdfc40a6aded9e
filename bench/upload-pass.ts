/**
 * A whole engine pass uploading new files to the local CESS network (src/devnet), with the
 * Packer's upload overlap off (each pack uploaded before the next one fills) and on (pack N
 * uploads while pack N+1 is chunked and encrypted: the engine's default), in the same run on
 * the same devnet, interleaved, best of `rounds`. Every round writes new random files, so
 * nothing is deduplicated.
 *
 *   npx tsx bench/upload-pass.ts [MiB=128] [rounds=2] [overlap=1]
 *
 * On one machine the devnet's gateway shares the cores with the client, and it is the slower
 * stage: overlap then gains nothing measurable (docs/benchmarks.md). It pays where packing is
 * the slower stage (a fast gateway, a slow CPU).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syncFolderOnce } from '../src/sync/engine/folder-sync.js';
import { openDevnetSync } from './devnet-sync.js';
import { Keystream, MiB, isMain, writeRandomFile, type Row } from './lib.js';

const FILE = 16 * MiB;

export type UploadPassResult =
  { skipped: string } | { mib: number; serialMs: number; overlapMs: number; packs: number };

export async function runUploadPassBench(o: {
  mib: number;
  rounds: number;
  /** Packs uploading while the next fills in the second folder (default 1). */
  overlap?: number;
  log?: (m: string) => void;
}): Promise<UploadPassResult> {
  const log = o.log ?? console.log;
  const work = await mkdtemp(path.join(tmpdir(), 'cess-sync-bench-up-'));
  try {
    const dn = await openDevnetSync(work);
    if (typeof dn === 'string') return { skipped: dn };
    try {
      const serial = await dn.folder('f0000000000000000000000000000011', 'serial');
      const overlap = { ...(await dn.folder('f0000000000000000000000000000012', 'overlap')) };
      serial.uploadOverlap = 0;
      overlap.uploadOverlap = o.overlap ?? 1;
      const ks = new Keystream(7);
      const best = { serial: Infinity, overlap: Infinity };
      let packs = 0;
      for (let r = 0; r < o.rounds; r++) {
        for (const [name, ctx] of [
          ['serial', serial],
          ['overlap', overlap],
        ] as const) {
          for (let i = 0; i < Math.ceil((o.mib * MiB) / FILE); i++)
            writeRandomFile(path.join(ctx.root, `r${r}-f${i}.bin`), FILE, ks);
          const t0 = performance.now();
          const res = await syncFolderOnce(ctx);
          const t = Math.round(performance.now() - t0);
          packs = res.uploadedPacks.length;
          log(`  round ${r + 1} ${name}: ${t} ms, ${res.uploaded} files, ${packs} packs`);
          best[name] = Math.min(best[name], t);
        }
      }
      return { mib: o.mib, serialMs: best.serial, overlapMs: best.overlap, packs };
    } finally {
      await dn.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function uploadPassRows(r: UploadPassResult): Row[] {
  const figure = 'engine pass uploading new files (devnet), upload overlapping the next pack';
  if ('skipped' in r)
    return [{ figure, value: `skipped: ${r.skipped}`, reference: '-', ratio: '-', target: '-' }];
  const rate = (ms: number): string => `${((r.mib * 1000) / ms).toFixed(0)} MiB/s`;
  return [
    {
      figure: `${figure}, ${r.mib} MiB`,
      value: `${r.overlapMs} ms (${rate(r.overlapMs)})`,
      reference: `${r.serialMs} ms (${rate(r.serialMs)}) one pack at a time`,
      ratio: `${(r.serialMs / r.overlapMs).toFixed(2)}x faster`,
      target: '- (not an issue figure)',
      note: `${r.packs} packs a pass; best of the rounds, interleaved.`,
    },
  ];
}

if (isMain(import.meta.url)) {
  const r = await runUploadPassBench({
    mib: Number(process.argv[2] ?? 128),
    rounds: Number(process.argv[3] ?? 2),
    overlap: Number(process.argv[4] ?? 1),
  });
  console.log(JSON.stringify(r));
}
