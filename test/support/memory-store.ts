/**
 * An in-memory object store (the repository's only view of CESS) for tests of what runs over
 * one: objects get sequential 64-hex fids and can be added pending.
 */
import { readFile } from 'node:fs/promises';
import type { ObjectStore, StoredObject } from '../../src/sync/remote/object-store.js';

export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, { bytes: Uint8Array; state: StoredObject['state'] }>();
  private n = 0;
  /** list() calls (an engine lists once a pass and once a poll). */
  lists = 0;

  /** Stores bytes directly (as if uploaded earlier); returns the fid. */
  add(bytes: Uint8Array, state: StoredObject['state'] = 'stored'): string {
    const fid = (++this.n).toString(16).padStart(64, '0');
    this.objects.set(fid, { bytes, state });
    return fid;
  }
  async put(file: string): Promise<string> {
    return this.add(new Uint8Array(await readFile(file)));
  }
  list(): Promise<StoredObject[]> {
    this.lists++;
    return Promise.resolve(
      [...this.objects].map(([fid, o]) => ({ fid, size: o.bytes.length, state: o.state })),
    );
  }
  read(fid: string, offset: number, length: number): Promise<Uint8Array> {
    const o = this.objects.get(fid);
    if (!o) return Promise.reject(new Error(`no object ${fid}`));
    return Promise.resolve(o.bytes.subarray(offset, offset + length));
  }
  delete(fid: string): Promise<void> {
    this.objects.delete(fid);
    return Promise.resolve();
  }
}
