/**
 * Pack files written by a worker thread. The main thread reads, chunks and computes chunk ids;
 * the worker encrypts each blob (AES-256-GCM), writes the pack file and, when asked, hashes it
 * for the CESS fid, so both cores work on an upload (docs/benchmarks.md, figure 3).
 *
 * - Bytes are those of the in-thread path (PackWriter with the same nonces): the worker runs
 *   the same sealPieces, in message order.
 * - Plaintexts travel in pooled ArrayBuffers that are transferred, not copied, and come back
 *   after use: at most `slots` blobs are in flight (backpressure), and no fresh buffer is
 *   allocated per chunk.
 * - A failure in the worker fails the pack file's next call or its close(); a dead worker fails
 *   every open pack file. close() shuts the worker down; an idle pool never keeps the process
 *   alive.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { PackSink } from '../format/pack.js';
import type { FromWorker, ToWorker } from './protocol.js';

export interface PackFilePoolOptions {
  /** Plaintext buffers in flight (default 4). */
  slots?: number;
  /** Size of a pooled buffer (default 8 MiB, the largest chunk); larger blobs get their own. */
  slotSize?: number;
}

export interface PackFileResult {
  /** Bytes written. */
  size: number;
  /** SHA-256 of each 32 MiB segment (zero-padded), when the file was opened with `fid`. */
  segments: string[] | null;
}

/** A PackSink writing one pack file through the pool's worker. */
export interface PackFileSink extends PackSink {
  readonly path: string;
  seal(key: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array): Promise<void>;
  /** Waits until every byte is written and the file is closed. */
  close(): Promise<PackFileResult>;
  /** Closes the file without waiting (after a failure elsewhere); the file is left as it is. */
  abort(): void;
}

export class PackFilePoolError extends Error {
  override name = 'PackFilePoolError';
}

/**
 * The worker's entry: compiled, worker.js beside this file; from the TypeScript sources (tsx,
 * vitest), worker.ts through tsx's ESM API (Node 20 does not apply --import to workers).
 */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const pkg = createRequire(here).resolve('tsx/package.json');
    const api = new URL('dist/esm/api/index.mjs', pathToFileURL(pkg)).href;
    const entry = new URL('./worker.ts', here).href;
    const code = `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
    return new Worker(code, { eval: true, execArgv: [] });
  }
  return new Worker(new URL('./worker.js', here), { execArgv: [] });
}

interface SinkState {
  failed: Error | undefined;
  closing: { resolve: (r: PackFileResult) => void; reject: (e: Error) => void } | undefined;
}

export class PackFilePool {
  /**
   * Set when a worker failed before it came up (e.g. its file cannot be loaded in a packaged
   * app): callers then stay on the in-thread path instead of failing every large upload.
   */
  static startFailed = false;
  private readonly worker: Worker;
  private online = false;
  private readonly slots: number;
  private readonly slotSize: number;
  private readonly free: ArrayBuffer[] = [];
  private allocated = 0;
  private readonly waiting: { resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }[] =
    [];
  private readonly sinks = new Map<number, SinkState>();
  private next = 0;
  private broken: Error | undefined;
  private closed = false;
  private readonly exited: Promise<void>;

  constructor(options: PackFilePoolOptions = {}) {
    this.slots = Math.max(1, options.slots ?? 4);
    this.slotSize = options.slotSize ?? 8 * 1024 * 1024;
    this.worker = spawnWorker();
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.breakDown(err));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        if (!this.closed) this.breakDown(new Error(`worker exited with code ${code}`));
        resolve();
      });
    });
  }

  /** Pooled buffers currently allocated (for tests: bounded by `slots`). */
  get buffersAllocated(): number {
    return this.allocated;
  }

  /** Opens a pack file at `path` (created or truncated by the worker). */
  open(path: string, options: { fid?: boolean } = {}): PackFileSink {
    this.usable();
    const s = this.next++;
    const state: SinkState = { failed: undefined, closing: undefined };
    this.sinks.set(s, state);
    this.worker.ref(); // an open pack file waits for the worker
    this.post({ t: 'open', s, path, fid: options.fid ?? false });
    const check = (): void => {
      if (state.failed) throw state.failed;
      if (!this.sinks.has(s)) throw new PackFilePoolError(`pack file ${path} was closed`);
      this.usable();
    };
    return {
      path,
      write: (bytes) => {
        check();
        const copy = new Uint8Array(bytes); // own buffer: `bytes` may be a view into a pool
        this.post({ t: 'write', s, buf: copy.buffer }, [copy.buffer]);
      },
      seal: async (key, ad, plaintext, nonce) => {
        check();
        const len = plaintext.length;
        const pooled = len <= this.slotSize;
        const buf = pooled ? await this.take() : new ArrayBuffer(len);
        try {
          check();
        } catch (e) {
          if (pooled) this.give(buf);
          throw e;
        }
        new Uint8Array(buf, 0, len).set(plaintext);
        // Exact copies: cloning a view would send its whole underlying buffer along.
        const [k, a, n] = [new Uint8Array(key), new Uint8Array(ad), new Uint8Array(nonce)];
        this.post({ t: 'seal', s, key: k, ad: a, nonce: n, buf, len, pooled }, [buf]);
      },
      close: () => {
        check();
        if (state.closing) throw new PackFilePoolError(`pack file ${path}: close() called twice`);
        return new Promise<PackFileResult>((resolve, reject) => {
          state.closing = { resolve, reject };
          this.post({ t: 'close', s });
        });
      },
      abort: () => {
        if (!this.sinks.delete(s)) return;
        if (!this.broken && !this.closed) this.post({ t: 'abort', s });
        this.idle();
      },
    };
  }

  /** Closes open pack files and stops the worker (waits for it to exit). Idempotent. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const err = new PackFilePoolError('pack file pool closed');
      for (const w of this.waiting.splice(0)) w.reject(err);
      for (const [s, st] of this.sinks) this.fail(s, st, err);
      if (!this.broken) this.post({ t: 'shutdown' });
      this.worker.ref(); // the caller awaits the exit
      const t = setTimeout(() => void this.worker.terminate(), 5000);
      t.unref();
      await this.exited;
      clearTimeout(t);
      return;
    }
    await this.exited;
  }

  private usable(): void {
    if (this.broken) throw this.broken;
    if (this.closed) throw new PackFilePoolError('pack file pool closed');
  }

  private post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** A pooled buffer: a free one, a new one while fewer than `slots` exist, else wait. */
  private take(): Promise<ArrayBuffer> {
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.allocated < this.slots) {
      this.allocated++;
      return Promise.resolve(new ArrayBuffer(this.slotSize));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private give(b: ArrayBuffer): void {
    const w = this.waiting.shift();
    if (w) w.resolve(b);
    else this.free.push(b);
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'ready') {
      this.online = true;
      return;
    }
    if (m.t === 'ret') {
      this.give(m.buf);
      return;
    }
    const st = this.sinks.get(m.s);
    if (!st) return; // aborted meanwhile
    if (m.t === 'closed') {
      this.sinks.delete(m.s);
      st.closing?.resolve({ size: m.size, segments: m.segments });
      this.idle();
    } else {
      this.fail(m.s, st, new PackFilePoolError(`pack file: ${m.message}`));
    }
  }

  /** The first error of a pack file sticks (its next call throws it); a pending close() rejects. */
  private fail(s: number, st: SinkState, err: Error): void {
    st.failed ??= err;
    this.sinks.delete(s);
    st.closing?.reject(st.failed);
    st.closing = undefined;
    this.idle();
  }

  private breakDown(err: Error): void {
    if (!this.online) PackFilePool.startFailed = true;
    this.broken ??= new PackFilePoolError(`pack file worker failed: ${err.message}`);
    for (const w of this.waiting.splice(0)) w.reject(this.broken);
    for (const [s, st] of this.sinks) this.fail(s, st, this.broken);
  }

  private idle(): void {
    if (this.sinks.size === 0) this.worker.unref();
  }
}
