/**
 * Test content that does not compress or deduplicate by accident: `n` pseudo-random bytes, the
 * same for the same seed (AES-256-CTR keystream under a key filled with the seed).
 */
import { createCipheriv, createHash } from 'node:crypto';

export function bytesOf(n: number, seed: number): Uint8Array {
  return new Uint8Array(
    createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16)).update(Buffer.alloc(n)),
  );
}

/** `size` deterministic bytes from a text seed: a SHA-512 chain (seed, then each block's hash). */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha512').update(seed).digest();
  for (let o = 0; o < size; o += block.length) {
    block.copy(out, o);
    block = createHash('sha512').update(block).digest();
  }
  return out;
}
