/**
 * A file as a stream of blocks read into one reused buffer. fs.createReadStream allocates a
 * fresh buffer per read, and fresh 1 MiB buffers are mmap'd with a page fault per 4 KiB: on the
 * upload path that cost as much as a SHA-256 pass. Each block is valid only until the next one
 * is asked for, which suits consumers that copy or hash it at once (chunkStream).
 */
import { open } from 'node:fs/promises';

export const READ_BLOCK = 1024 * 1024;

export async function* readBlocks(
  path: string,
  blockSize = READ_BLOCK,
): AsyncGenerator<Uint8Array, void, undefined> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(blockSize);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, blockSize, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
