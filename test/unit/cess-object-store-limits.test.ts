/**
 * The device's bandwidth limits reach every byte the object store moves: uploads read the
 * pack through the upload limiter, ranged reads pass the download limiter. Against the real
 * gateway server (in-process, with the in-memory chain side of its unit tests).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CessChain } from '../../src/cess/chain/client.js';
import { Cd2nClient, keyringSigner } from '../../src/cess/gateway/index.js';
import { CessObjectStore } from '../../src/sync/remote/cess-object-store.js';
import { RateLimiter } from '../../src/sync/remote/rate-limiter.js';
import { bytes, startHarness, type Harness } from './gateway-helpers.js';

class CountingLimiter extends RateLimiter {
  passed = 0;
  override take(n: number): Promise<void> {
    this.passed += n;
    return super.take(n);
  }
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.backend.setup(h.aliceAddr, 'terr1');
});
afterAll(async () => {
  await h.close();
});

it('uploads and ranged reads go through the limiters', async () => {
  const up = new CountingLimiter(() => null);
  const down = new CountingLimiter(() => null);
  const store = new CessObjectStore({
    chain: undefined as unknown as CessChain, // put and read never touch the chain
    gateway: new Cd2nClient({ baseUrl: h.gw.url, signer: keyringSigner(h.alice) }),
    account: h.alice,
    territory: 'terr1',
    upload: up,
    download: down,
  });
  const data = bytes(3 * 1024 * 1024 + 17, 9);
  const file = path.join(h.dataDir, 'pack.bin');
  await writeFile(file, data);
  const fid = await store.put(file, 'cs0123456789abcdef0123456789abcdef');
  expect(up.passed).toBeGreaterThanOrEqual(data.length);
  const part = await store.read(fid, 1000, 500_000);
  expect(Buffer.compare(Buffer.from(part), Buffer.from(data.subarray(1000, 501_000)))).toBe(0);
  expect(down.passed).toBe(500_000);
});
