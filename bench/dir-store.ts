/**
 * An object store in a local directory (one file per object, fid = SHA-256 of the bytes), for
 * benchmarks that run the whole engine without the network: what the engine does around its
 * uploads is measured, not a gateway. Objects are never pending.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore, StoredObject } from '../src/sync/remote/object-store.js';

export class DirStore implements ObjectStore {
  /** list() calls: each engine pass lists the account's objects once. */
  lists = 0;

  constructor(private readonly dir: string) {}

  async put(file: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const h = createHash('sha256');
    for await (const b of createReadStream(file)) h.update(b as Buffer);
    const fid = h.digest('hex');
    const tmp = path.join(this.dir, `.${fid}.tmp`);
    await copyFile(file, tmp);
    await rename(tmp, path.join(this.dir, fid));
    return fid;
  }

  async list(): Promise<StoredObject[]> {
    this.lists++;
    await mkdir(this.dir, { recursive: true });
    const out: StoredObject[] = [];
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('.')) continue;
      out.push({ fid: name, size: (await stat(path.join(this.dir, name))).size, state: 'stored' });
    }
    return out;
  }

  async read(fid: string, offset: number, length: number): Promise<Uint8Array> {
    if (!/^[0-9a-f]{64}$/.test(fid)) throw new Error(`not a fid: ${fid}`);
    const fh = await open(path.join(this.dir, fid), 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async delete(fid: string): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(fid)) throw new Error(`not a fid: ${fid}`);
    await unlink(path.join(this.dir, fid));
  }
}
