/**
 * CD²N gateway-side encryption (upload field encrypt=true), as retriever/gateway/crypto.go:
 * the file is cut into blocks of 30 MiB - 16 B, each sealed with AES-256-GCM (ciphertext then
 * 16-byte tag) under the PReT key, with nonce = sha256(fmt.Append(nil, key, index))[:12] for
 * index 1, 2, ... — Go formats the operands as "[k0 k1 ... k31] index".
 * The project's client never relies on this (design.md); it exists so the capsule and
 * re-encrypted download routes behave as the real gateway's.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export const PLAINTEXT_BLOCK_SIZE = (30 << 20) - 16;
const TAG = 16;

export function blockNonce(key: Uint8Array, index: number): Buffer {
  const text = `[${Array.from(key).join(' ')}] ${index}`;
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, 12);
}

async function transformBlocks(
  src: string,
  dst: string,
  blockSize: number,
  fn: (block: Buffer, index: number) => Buffer,
): Promise<void> {
  const input = await open(src, 'r');
  const output = await open(dst, 'wx');
  try {
    const buf = Buffer.alloc(blockSize);
    for (let index = 1; ; index++) {
      let n = 0;
      while (n < blockSize) {
        const { bytesRead } = await input.read(buf, n, blockSize - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      if (n === 0) break;
      await output.write(fn(buf.subarray(0, n), index));
      if (n < blockSize) break;
    }
  } finally {
    await input.close();
    await output.close();
  }
}

export async function encryptFile(src: string, dst: string, key: Uint8Array): Promise<void> {
  await transformBlocks(src, dst, PLAINTEXT_BLOCK_SIZE, (block, index) => {
    const c = createCipheriv('aes-256-gcm', key, blockNonce(key, index));
    return Buffer.concat([c.update(block), c.final(), c.getAuthTag()]);
  });
}

export async function decryptFile(src: string, dst: string, key: Uint8Array): Promise<void> {
  await transformBlocks(src, dst, PLAINTEXT_BLOCK_SIZE + TAG, (block, index) => {
    if (block.length < TAG) throw new Error('cipher: message authentication failed');
    const d = createDecipheriv('aes-256-gcm', key, blockNonce(key, index));
    d.setAuthTag(block.subarray(block.length - TAG));
    try {
      return Buffer.concat([d.update(block.subarray(0, block.length - TAG)), d.final()]);
    } catch {
      throw new Error('cipher: message authentication failed');
    }
  });
}
