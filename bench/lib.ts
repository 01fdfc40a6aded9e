/**
 * Shared helpers of the benchmarks: the result row every benchmark returns, generated data,
 * timing, and child processes whose peak RSS is read from /proc.
 */
import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import nodePath from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of the final table. `met` undefined: informational or not measured. */
export interface Row {
  figure: string;
  value: string;
  reference: string;
  ratio: string;
  target: string;
  met?: boolean;
  /** Why it was skipped / what to know (printed under the table). */
  note?: string;
}

export const MiB = 1024 * 1024;

export function isMain(url: string): boolean {
  const arg = process.argv[1];
  return arg !== undefined && nodePath.resolve(arg) === fileURLToPath(url);
}

export function ms(t0: number): number {
  return Math.round(performance.now() - t0);
}

export function fmtMs(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

export function fmtMB(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

export function loadNote(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** A deterministic, incompressible, non-repeating byte stream (AES-256-CTR keystream). */
export class Keystream {
  private readonly c;
  private readonly zeros = Buffer.alloc(4 * MiB);
  constructor(seed: number) {
    const key = Buffer.alloc(32);
    key.writeUInt32LE(seed >>> 0, 0);
    this.c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }
  next(n: number): Buffer {
    if (n <= this.zeros.length) return this.c.update(this.zeros.subarray(0, n));
    return this.c.update(Buffer.alloc(n));
  }
}

/** Writes `size` bytes of keystream to `file` in 4 MiB blocks (bounded memory). */
export function writeRandomFile(file: string, size: number, ks: Keystream): void {
  mkdirSync(nodePath.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    for (let o = 0; o < size; o += 4 * MiB) writeSync(fd, ks.next(Math.min(4 * MiB, size - o)));
  } finally {
    closeSync(fd);
  }
}

/** A small seeded PRNG (mulberry32) for reproducible size mixes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** kB value of a "VmHWM:   1234 kB" style line of /proc/<pid>/status, in bytes. */
export function procStatusBytes(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s);
  return m ? Number(m[1]) * 1024 : NaN;
}

export interface ChildResult {
  /** The last line of stdout parsed as JSON. */
  json: unknown;
  /** Highest VmHWM the parent read from /proc/<pid>/status while the child ran. */
  polledHwm: number;
  stderr: string;
}

/**
 * Runs a bench module under tsx in a fresh Node process (`node --import tsx file args`), polls
 * /proc/<pid>/status for its peak RSS, and returns the JSON the child printed last.
 */
export function runTsChild(file: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let polledHwm = 0;
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const poll = setInterval(() => {
      try {
        // A process that is exiting has no VmHWM line (NaN): keep the last reading.
        const v = child.pid === undefined ? NaN : procStatusBytes(child.pid, 'VmHWM');
        if (Number.isFinite(v)) polledHwm = Math.max(polledHwm, v);
      } catch {
        // exited between two polls
      }
    }, 100);
    child.on('error', (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) {
        reject(new Error(`${file} exited with ${code}: ${err.slice(-2000)}`));
        return;
      }
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve({ json: JSON.parse(last), polledHwm, stderr: err });
      } catch {
        reject(new Error(`${file}: no JSON result in its output: ${out.slice(-2000)}`));
      }
    });
  });
}

/** Prints rows as one Markdown table, then the notes. */
export function printTable(title: string, rows: Row[]): string {
  const head = ['#', 'figure', 'value', 'reference / limit', 'ratio', 'target', 'met?'];
  const cells = rows.map((r, i) => [
    String(i + 1),
    r.figure,
    r.value,
    r.reference,
    r.ratio,
    r.target,
    r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [
    title,
    '',
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
  ];
  const notes = rows
    .map((r, i) => (r.note ? `${i + 1}. ${r.figure}: ${r.note}` : ''))
    .filter((n) => n !== '');
  if (notes.length > 0) out.push('', 'Notes:', ...notes);
  const text = out.join('\n');
  console.log(text);
  return text;
}
