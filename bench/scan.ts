/**
 * Scanner benchmark: first index, the same tree hashed by `find | xargs sha256sum`, and the
 * stat-only rescan of unchanged files (target: 100,000 files in <= 5 s).
 *
 *   npx tsx bench/scan.ts [files=100000] [totalMiB=1024] [dir=<tmp>]
 *
 * Files are spread over files/100 folders. The tree is generated first, so both hashers read
 * from a warm page cache (this measures the scanner's own cost, not the disk). The temp tree
 * is deleted at the end unless a dir was given.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { IgnoreMatcher } from '../src/sync/ignore/index.js';
import { Manifest } from '../src/sync/manifest/index.js';
import { scanFolder, type HashFn } from '../src/sync/scan/index.js';
import { isMain, ms } from './lib.js';

const perDir = 100;

export interface ScanBenchOptions {
  files: number;
  totalMiB: number;
  /** Where the tree goes; kept afterwards (the caller removes it). Default: a temp dir, removed. */
  dir?: string;
  log?: (msg: string) => void;
}

export interface ScanBenchResult {
  /** The generated tree (only still on disk when `dir` was given). */
  root: string;
  files: number;
  dirs: number;
  bytes: number;
  genMs: number;
  firstMs: number;
  findMs: number;
  rescanMs: number;
  rescan2Ms: number;
  hashedFirst: number;
  hashedOnRescan: number;
}

// sha256 with one reused buffer, synchronous reads in 1 MiB blocks: bounded memory.
const buf = Buffer.alloc(1 << 20);
const sha256: HashFn = async (abs) => {
  const h = createHash('sha256');
  const fd = openSync(abs, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { contentId: h.digest('hex'), size };
};

function generate(root: string, files: number, dirs: number, fileSize: number): number {
  const t0 = performance.now();
  const block = Buffer.alloc(fileSize);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  for (let d = 0; d < dirs; d++) {
    const dir = nodePath.join(root, `dir${String(d).padStart(4, '0')}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perDir && d * perDir + f < files; f++) {
      const n = d * perDir + f;
      block.writeUInt32LE(n, 0); // every file different
      writeFileSync(nodePath.join(dir, `file${String(f).padStart(3, '0')}.bin`), block);
    }
  }
  return ms(t0);
}

/** Generates the tree, indexes it, hashes it with sha256sum, and rescans it twice. */
export async function runScanBench(o: ScanBenchOptions): Promise<ScanBenchResult> {
  const log = o.log ?? console.log;
  const files = o.files;
  const base = o.dir ?? mkdtempSync(nodePath.join(tmpdir(), 'cess-sync-bench-'));
  const root = nodePath.join(base, 'root');
  const dirs = Math.ceil(files / perDir);
  const fileSize = Math.max(1, Math.floor((o.totalMiB * 1024 * 1024) / files));
  log(
    `generating ${files} files of ${fileSize} bytes (${((files * fileSize) / 2 ** 20).toFixed(0)} MiB) in ${dirs} folders under ${root}`,
  );
  try {
    const genMs = generate(root, files, dirs, fileSize);
    // Write the new tree back before timing: otherwise the kernel's writeback of 1 GiB of
    // dirty pages runs during the first index and not during the reference run after it.
    execFileSync('sync');
    const manifest = Manifest.open(nodePath.join(base, 'manifest.db'));
    manifest.addFolder({ id: 'bench', rootPath: root });
    const ignore = IgnoreMatcher.fromRules('');
    const opts = { root, manifest, folderId: 'bench', ignore, hash: sha256 };

    let t0 = performance.now();
    const first = await scanFolder(opts);
    const firstMs = ms(t0);

    t0 = performance.now();
    execFileSync('bash', [
      '-c',
      `find "$1" -type f -print0 | xargs -0 sha256sum > /dev/null`,
      '_',
      root,
    ]);
    const findMs = ms(t0);

    t0 = performance.now();
    const again = await scanFolder(opts);
    const rescanMs = ms(t0);
    t0 = performance.now();
    await scanFolder(opts);
    const rescan2Ms = ms(t0);
    manifest.close();
    return {
      root,
      files: first.stats.files,
      dirs,
      bytes: first.stats.bytesHashed,
      genMs,
      firstMs,
      findMs,
      rescanMs,
      rescan2Ms,
      hashedFirst: first.stats.hashed,
      hashedOnRescan: again.stats.hashed,
    };
  } finally {
    if (o.dir === undefined) rmSync(base, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 100_000);
  const totalMiB = Number(process.argv[3] ?? 1024);
  const given = process.argv[4];
  const r = await runScanBench({ files, totalMiB, ...(given !== undefined ? { dir: given } : {}) });
  const mib = (r.bytes / 2 ** 20).toFixed(0);
  const rows: [string, string, string][] = [
    ['generate tree', `${r.genMs} ms`, ''],
    [
      'first index (scanFolder, sha256)',
      `${r.firstMs} ms`,
      `${r.files} files, ${r.hashedFirst} hashed, ${mib} MiB`,
    ],
    ['find | xargs sha256sum', `${r.findMs} ms`, 'same tree'],
    [
      'rescan unchanged #1',
      `${r.rescanMs} ms`,
      `${r.hashedOnRescan} hashed; target <= 5000 ms for 100k`,
    ],
    ['rescan unchanged #2', `${r.rescan2Ms} ms`, ''],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`| ${'step'.padEnd(w0)} | ${'time'.padStart(w1)} | notes`);
  console.log(`|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|------`);
  for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w0)} | ${b.padStart(w1)} | ${c}`);
}

if (isMain(import.meta.url)) await main();
