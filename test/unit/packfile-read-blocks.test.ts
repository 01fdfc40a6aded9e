// readBlocks (src/sync/packfile/read-blocks.ts) reuses its read buffers across files: reads in
// turn, at once and abandoned half-way must each still see their own file's bytes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_BLOCK, readBlocks } from '../../src/sync/packfile/index.js';
import { bytesOf } from '../support/bytes.js';

let dir: string;
const files: { path: string; bytes: Uint8Array }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-read-blocks-'));
  for (const [i, size] of [0, 10, READ_BLOCK - 1, READ_BLOCK, 2 * READ_BLOCK + 7].entries()) {
    const bytes = bytesOf(size, i + 1);
    const p = path.join(dir, `f${i}`);
    await writeFile(p, bytes);
    files.push({ path: p, bytes });
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(p: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of readBlocks(p)) parts.push(Buffer.from(b)); // copied: blocks are borrowed
  return Buffer.concat(parts);
}

describe('readBlocks', () => {
  it('reads each file whole, in turn, at once, and after an abandoned read', async () => {
    for (const f of files) expect((await readAll(f.path)).equals(f.bytes)).toBe(true);
    const all = await Promise.all(files.map((f) => readAll(f.path)));
    all.forEach((b, i) => expect(b.equals(files[i]!.bytes)).toBe(true));
    for await (const b of readBlocks(files[4]!.path)) {
      expect(b.length).toBe(READ_BLOCK);
      break; // returns its buffer with a stale block in it
    }
    for (const f of files) expect((await readAll(f.path)).equals(f.bytes)).toBe(true);
  });
});
