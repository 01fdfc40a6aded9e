/**
 * A file as a stream of blocks read into one reused buffer. fs.createReadStream allocates a
 * fresh buffer per read, and fresh 1 MiB buffers are mmap'd with a page fault per 4 KiB: on the
 * upload path that cost as much as a SHA-256 pass. Each block is valid only until the next one
 * is asked for, and not after the generator ends (its buffer is reused), which suits consumers
 * that copy or hash it at once (chunkStream).
 */
import { open } from 'node:fs/promises';

export const READ_BLOCK = 1024 * 1024;

/**
 * Idle read buffers of READ_BLOCK bytes. One fresh buffer per file was the same cost again for
 * many small files (a first sync of 10 KiB files: 1 MiB allocated, faulted in and collected per
 * file). Returned when the generator ends; a few are kept.
 */
const idle: Uint8Array[] = [];
const IDLE_BUFFERS = 4;

export async function* readBlocks(
  path: string,
  blockSize = READ_BLOCK,
): AsyncGenerator<Uint8Array, void, undefined> {
  const fh = await open(path, 'r');
  const pooled = blockSize === READ_BLOCK;
  const buf = (pooled ? idle.pop() : undefined) ?? new Uint8Array(blockSize);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, blockSize, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    if (pooled && idle.length < IDLE_BUFFERS) idle.push(buf);
    await fh.close();
  }
}
