/**
 * Worker thread of PackFilePool (pool.ts): encrypts blobs (AES-256-GCM), writes pack files
 * with synchronous writes (this thread has nothing else to do) and, when asked, hashes the
 * bytes as CESS does for the fid, so the main thread only reads, chunks and computes ids.
 */
import { closeSync, openSync, writeSync, writevSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

import { SegmentHasher } from '../../cess/fid/index.js';
import { sealPieces } from '../format/aead.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface OpenFile {
  fd: number;
  size: number;
  hasher: SegmentHasher | null;
  /** Set after an error was reported: later messages for this file are ignored. */
  failed: boolean;
}

const port = parentPort;
if (!port) throw new Error('src/sync/packfile/worker.ts runs as a worker thread only');

const files = new Map<number, OpenFile>();

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(m, transfer);
}

/** Writes all parts (writev may write less than asked, e.g. on a full disk it throws). */
function writeAll(f: OpenFile, parts: Uint8Array[]): void {
  const total = parts.reduce((n, p) => n + p.length, 0);
  let done = writevSync(f.fd, parts);
  if (done < total) {
    let skip = done;
    for (const p of parts) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      let o = skip;
      skip = 0;
      while (o < p.length) o += writeSync(f.fd, p, o, p.length - o);
    }
    done = total;
  }
  for (const p of parts) f.hasher?.update(p);
  f.size += done;
}

function closeQuietly(f: OpenFile): void {
  try {
    closeSync(f.fd);
  } catch {
    // already reported or closing after a failure: nothing more to say
  }
}

function handle(m: ToWorker): void {
  if (m.t === 'shutdown') {
    for (const f of files.values()) closeQuietly(f);
    files.clear();
    port?.close();
    return;
  }
  if (m.t === 'open') {
    files.set(m.s, {
      fd: openSync(m.path, 'w'),
      size: 0,
      hasher: m.fid ? new SegmentHasher() : null,
      failed: false,
    });
    return;
  }
  const f = files.get(m.s);
  try {
    if (m.t === 'seal') {
      if (f && !f.failed) {
        const pt = new Uint8Array(m.buf, 0, m.len);
        writeAll(f, sealPieces(m.key, m.ad, pt, m.nonce));
      }
    } else if (m.t === 'write') {
      if (f && !f.failed) writeAll(f, [new Uint8Array(m.buf)]);
    } else if (m.t === 'close') {
      files.delete(m.s);
      if (!f) throw new Error(`pack file ${m.s} is not open`);
      if (f.failed) return; // already reported: the main thread fails the close with it
      closeSync(f.fd);
      const segments = f.hasher ? f.hasher.finish().segments.map((x) => x.hash) : null;
      post({ t: 'closed', s: m.s, size: f.size, segments });
    } else {
      files.delete(m.s);
      if (f) closeQuietly(f);
    }
  } finally {
    if (m.t === 'seal' && m.pooled) post({ t: 'ret', buf: m.buf }, [m.buf]);
  }
}

port.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (err) {
    if (m.t === 'shutdown') throw err;
    const f = files.get(m.s);
    if (f) {
      f.failed = true;
      closeQuietly(f);
    }
    post({ t: 'error', s: m.s, message: err instanceof Error ? err.message : String(err) });
  }
});
post({ t: 'ready' });
