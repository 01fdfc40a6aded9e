/**
 * Client pipeline throughput: files on disk -> read (1 MiB) -> FastCDC chunks -> HMAC ids ->
 * AES-256-GCM -> packs written to temp files, each pack's CESS fid computed on the way out
 * (src/cess/fid SegmentHasher + cd2nFid), as the engine does before an upload (the upload itself
 * is not part of this figure). Compared with
 * - the limit: the same files read the same way through node:crypto SHA-256 + AES-256-GCM only;
 * - `restic backup` into a local repository (RESTIC_PASSWORD) and
 * - `rclone copy` to a local crypt remote (configured through RCLONE_CONFIG_* env vars),
 * over the same files. Best of `runs`, interleaved so load from other processes hits all alike.
 *
 *   npx tsx bench/pipeline.ts [MiB=1024] [runs=2]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { SegmentHasher, cd2nFid } from '../src/cess/fid/index.js';
import {
  Packer,
  deriveKeys,
  storeFileContent,
  writableSink,
  type FormatKeys,
  type PackSink,
} from '../src/sync/format/index.js';
import { PackFilePool, readBlocks } from '../src/sync/packfile/index.js';
import { Keystream, MiB, isMain, ms, writeRandomFile, type Row } from './lib.js';

const READ = 1 << 20;

export interface PushResult {
  bytes: number;
  packs: number;
  packBytes: number;
  fids: string[];
}

export const benchKeys = (): FormatKeys => deriveKeys(new Uint8Array(32).fill(1));

/**
 * Pushes files through the client pipeline into packs under `packDir` (each pack file is
 * deleted once written and its fid computed, as after an upload). With `pool` (the engine's
 * path for large passes, src/sync/packfile), encryption, pack writes and the fid run on its
 * worker thread; without, everything runs on this thread.
 */
export async function pushFiles(
  keys: FormatKeys,
  files: readonly string[],
  packDir: string,
  pool?: PackFilePool,
): Promise<PushResult> {
  mkdirSync(packDir, { recursive: true });
  const res: PushResult = { bytes: 0, packs: 0, packBytes: 0, fids: [] };
  let n = 0;
  type Sink = PackSink & { file: string; done: () => Promise<string[]> };
  const packer = new Packer(keys, {
    overlap: 1, // as the engine: pack N is finished off while pack N+1 fills
    openSink: (): Sink => {
      const file = nodePath.join(packDir, `pack-${n++}`);
      if (pool) {
        const sink = pool.open(file, { fid: true });
        return Object.assign(sink, {
          file,
          done: async () => (await sink.close()).segments ?? [],
        });
      }
      const stream = createWriteStream(file);
      const inner = writableSink(stream);
      const hasher = new SegmentHasher();
      return {
        file,
        write(b) {
          hasher.update(b);
          return inner.write(b);
        },
        done: async () => {
          await new Promise<void>((resolve, reject) => {
            stream.once('error', reject);
            stream.end(() => resolve());
          });
          return hasher.finish().segments.map((x) => x.hash);
        },
      };
    },
    onPack: async (info, s) => {
      const sink = s as Sink;
      res.fids.push(cd2nFid(await sink.done()));
      res.packs++;
      res.packBytes += info.size;
      await rm(sink.file, { force: true });
    },
  });
  for (const f of files) {
    const stored = await storeFileContent(keys, readBlocks(f, READ), packer);
    res.bytes += stored.node.size;
  }
  await packer.flush();
  return res;
}

/** The floor: the same reads, one SHA-256 and one AES-256-GCM pass, nothing written. */
export async function rawLimit(files: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const f of files) {
    const h = createHash('sha256');
    const c = createCipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12));
    for await (const b of createReadStream(f, { highWaterMark: READ })) {
      const buf = b as Buffer;
      h.update(buf);
      c.update(buf);
      bytes += buf.length;
    }
    h.digest();
    c.final();
  }
  return bytes;
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Times `restic backup src` into a fresh local repository under `work`; returns ms. */
export function runRestic(src: string, work: string, i: number): number {
  const repo = nodePath.join(work, `restic-repo-${i}`);
  const env = {
    ...process.env,
    RESTIC_REPOSITORY: repo,
    RESTIC_PASSWORD: 'bench-password',
    RESTIC_CACHE_DIR: nodePath.join(work, 'restic-cache'),
  };
  execFileSync('restic', ['init', '--quiet'], { env, stdio: 'ignore' });
  const t0 = performance.now();
  execFileSync('restic', ['backup', '--quiet', src], { env, stdio: 'ignore' });
  const t = ms(t0);
  rmSync(repo, { recursive: true, force: true });
  return t;
}

/** Times `rclone copy src benchcrypt:` (a crypt remote over a fresh local dir); returns ms. */
export function runRclone(src: string, work: string, i: number): number {
  const dst = nodePath.join(work, `rclone-dst-${i}`);
  mkdirSync(dst, { recursive: true });
  const conf = nodePath.join(work, 'rclone.conf');
  writeFileSync(conf, '');
  const obscured = execFileSync('rclone', ['obscure', 'bench-password'], {
    env: { ...process.env, RCLONE_CONFIG: conf },
  })
    .toString()
    .trim();
  const env = {
    ...process.env,
    RCLONE_CONFIG: conf,
    RCLONE_CONFIG_BENCHCRYPT_TYPE: 'crypt',
    RCLONE_CONFIG_BENCHCRYPT_REMOTE: dst,
    RCLONE_CONFIG_BENCHCRYPT_PASSWORD: obscured,
  };
  const t0 = performance.now();
  execFileSync('rclone', ['copy', src, 'benchcrypt:'], { env, stdio: 'ignore' });
  const t = ms(t0);
  rmSync(dst, { recursive: true, force: true });
  return t;
}

export interface PipelineBenchOptions {
  mib: number;
  runs: number;
  /** Number of files the data is split into. Default 8. */
  fileCount?: number;
  log?: (msg: string) => void;
}

export interface PipelineBenchResult {
  mib: number;
  files: number;
  /** MiB/s, best of runs; a string when the tool could not run. */
  limit: number;
  pipeline: number;
  restic: number | string;
  rclone: number | string;
  packs: number;
}

export async function runPipelineBench(o: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const log = o.log ?? console.log;
  const work = mkdtempSync(nodePath.join(tmpdir(), 'cess-sync-bench-pipe-'));
  let pool: PackFilePool | undefined;
  try {
    const src = nodePath.join(work, 'src');
    const count = o.fileCount ?? 8;
    const per = Math.floor((o.mib * MiB) / count);
    const ks = new Keystream(3);
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const f = nodePath.join(src, `file${i}.bin`);
      writeRandomFile(f, per, ks);
      files.push(f);
    }
    const mibTotal = (per * count) / MiB;
    log(`pipeline: ${count} files, ${mibTotal.toFixed(0)} MiB under ${src}, best of ${o.runs}`);
    const keys = benchKeys();
    const best = { limit: Infinity, pipeline: Infinity, restic: Infinity, rclone: Infinity };
    let resticErr: string | undefined = onPath('restic')
      ? undefined
      : 'not installed (apt-get install -y restic)';
    let rcloneErr: string | undefined = onPath('rclone')
      ? undefined
      : 'not installed (apt-get install -y rclone)';
    let packs = 0;
    // The engine starts this worker per pass with >= 64 MiB to upload (src/sync/engine/
    // folder-sync.ts); started here once, like the JIT warm-up below (start-up is not timed).
    pool = new PackFilePool();
    await rawLimit(files); // warm the page cache
    await pushFiles(keys, files.slice(0, 1), nodePath.join(work, 'packs'), pool); // and the JIT
    for (let r = 0; r < o.runs; r++) {
      let t0 = performance.now();
      await rawLimit(files);
      best.limit = Math.min(best.limit, ms(t0));
      t0 = performance.now();
      const p = await pushFiles(keys, files, nodePath.join(work, 'packs'), pool);
      best.pipeline = Math.min(best.pipeline, ms(t0));
      packs = p.packs;
      if (resticErr === undefined) {
        try {
          best.restic = Math.min(best.restic, runRestic(src, work, r));
        } catch (e) {
          resticErr = `failed: ${(e as Error).message.split('\n')[0]}`;
        }
      }
      if (rcloneErr === undefined) {
        try {
          best.rclone = Math.min(best.rclone, runRclone(src, work, r));
        } catch (e) {
          rcloneErr = `failed: ${(e as Error).message.split('\n')[0]}`;
        }
      }
      log(
        `  round ${r + 1}: limit ${best.limit} ms, pipeline ${best.pipeline} ms, restic ${resticErr ?? best.restic} ms, rclone ${rcloneErr ?? best.rclone} ms (best so far)`,
      );
    }
    const rate = (t: number): number => mibTotal / (t / 1000);
    return {
      mib: mibTotal,
      files: count,
      limit: rate(best.limit),
      pipeline: rate(best.pipeline),
      restic: resticErr ?? rate(best.restic),
      rclone: rcloneErr ?? rate(best.rclone),
      packs,
    };
  } finally {
    await pool?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export function pipelineRows(r: PipelineBenchResult): Row[] {
  const mbs = (v: number): string => `${v.toFixed(0)} MiB/s`;
  const rows: Row[] = [
    {
      figure: `pipeline throughput vs limit (${r.mib.toFixed(0)} MiB, ${r.files} files, read+chunk+encrypt+pack+fid)`,
      value: mbs(r.pipeline),
      reference: `${mbs(r.limit)} (node SHA-256 + AES-256-GCM)`,
      ratio: `${((r.pipeline / r.limit) * 100).toFixed(0)} %`,
      target: '>= 70 %',
      met: r.pipeline / r.limit >= 0.7,
    },
  ];
  for (const [name, v] of [
    ['restic backup (local repo)', r.restic],
    ['rclone copy (local crypt remote)', r.rclone],
  ] as const) {
    rows.push(
      typeof v === 'number'
        ? {
            figure: `pipeline vs ${name}`,
            value: mbs(r.pipeline),
            reference: mbs(v),
            ratio: `${(r.pipeline / v).toFixed(2)}x`,
            target: '> 1.00x (faster)',
            met: r.pipeline > v,
          }
        : {
            figure: `pipeline vs ${name}`,
            value: mbs(r.pipeline),
            reference: v,
            ratio: '-',
            target: '> 1.00x (faster)',
          },
    );
  }
  return rows;
}

if (isMain(import.meta.url)) {
  const r = await runPipelineBench({
    mib: Number(process.argv[2] ?? 1024),
    runs: Number(process.argv[3] ?? 2),
  });
  console.log(JSON.stringify(r));
}
