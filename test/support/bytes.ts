/**
 * Test content that does not compress or deduplicate by accident: `n` pseudo-random bytes, the
 * same for the same seed (AES-256-CTR keystream under a key filled with the seed).
 */
import { createCipheriv } from 'node:crypto';

export function bytesOf(n: number, seed: number): Uint8Array {
  return new Uint8Array(
    createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16)).update(Buffer.alloc(n)),
  );
}
