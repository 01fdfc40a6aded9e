/**
 * Memory of a large streamed upload (opt-in: GATEWAY_CLIENT_BIG=<GiB>, e.g. 4). A sparse file
 * is uploaded through the CD²N single multipart route and the batch route to a minimal sink
 * gateway (same process) that hashes what it receives and answers the fid; RSS is sampled.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import busboy from 'busboy';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SegmentHasher, cd2nFid } from '../../src/cess/fid/index.js';
import { Cd2nClient, keyringSigner } from '../../src/cess/gateway/index.js';

const GIB = Number(process.env['GATEWAY_CLIENT_BIG'] ?? '0');

describe.skipIf(!(GIB > 0))('memory of a large upload', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let path: string;
  const size = Math.round(GIB * 1024 ** 3);
  let batch: { hasher: SegmentHasher; got: number } | undefined;

  beforeAll(async () => {
    await cryptoWaitReady();
    dir = await mkdtemp(join(tmpdir(), 'gw-mem-'));
    path = join(dir, 'big.bin');
    const fh = await open(path, 'w');
    await fh.truncate(size); // sparse: reads as zeros from disk
    await fh.close();
    server = createServer((req, res) => {
      const reply = (status: number, data: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: 200, msg: 'success', data }));
      };
      if (req.url === '/gateway/gentoken') {
        req.resume();
        req.on('end', () => reply(200, 'x.eyJleHAiOjQxMDI0NDQ4MDB9.y'));
        return;
      }
      if (req.url === '/gateway/upload/batch/request') {
        req.resume();
        batch = { hasher: new SegmentHasher(), got: 0 };
        req.on('end', () => reply(200, 'ab'.repeat(32)));
        return;
      }
      const hasher = req.url === '/gateway/upload/file' ? new SegmentHasher() : batch?.hasher;
      const bb = busboy({ headers: req.headers });
      let n = 0;
      bb.on('file', (_name, stream) => {
        stream.on('data', (c: Buffer) => {
          hasher?.update(c);
          n += c.length;
        });
      });
      bb.on('close', () => {
        if (req.url === '/gateway/upload/file')
          return reply(200, cd2nFid(hasher!.finish().segments.map((s) => s.hash)));
        batch!.got += n;
        if (batch!.got < size) return reply(308, { fid: '', chunk_end: batch!.got });
        reply(200, {
          fid: cd2nFid(batch!.hasher.finish().segments.map((s) => s.hash)),
          chunk_end: 0,
        });
      });
      req.pipe(bb);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  async function measure(
    fn: () => Promise<unknown>,
  ): Promise<{ peakMiB: number; baseMiB: number; seconds: number }> {
    globalThis.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const t = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const t0 = Date.now();
    try {
      await fn();
    } finally {
      clearInterval(t);
    }
    return {
      baseMiB: Math.round(base / 2 ** 20),
      peakMiB: Math.round(peak / 2 ** 20),
      seconds: (Date.now() - t0) / 1000,
    };
  }

  it(`uploads ${GIB} GiB with bounded memory (single multipart and batch)`, async () => {
    const signer = keyringSigner(new Keyring({ type: 'sr25519' }).addFromUri('//Alice'));
    const client = new Cd2nClient({ baseUrl: url, signer });
    const single = await measure(() =>
      client.uploadFile(path, { territory: 't', fileName: 'big.bin', idleTimeoutMs: 120_000 }),
    );
    const batched = await measure(() =>
      client.uploadBatch(path, { territory: 't', fileName: 'big.bin', idleTimeoutMs: 120_000 }),
    );
    console.log(
      `size ${GIB} GiB: single ${JSON.stringify(single)}; batch ${JSON.stringify(batched)}`,
    );
    expect(single.peakMiB - single.baseMiB).toBeLessThan(200);
    expect(batched.peakMiB - batched.baseMiB).toBeLessThan(200);
  }, 1_800_000);
});
