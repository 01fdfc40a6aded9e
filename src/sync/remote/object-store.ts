/**
 * Where packs live: immutable objects addressed by fid. On CESS (cess-object-store.ts) each
 * put is an on-chain declaration through a gateway; the engine only sees this interface.
 */
export interface StoredObject {
  fid: string;
  size: number;
  /** 'pending': declared, miners not done (not yet deletable); 'stored': in File. */
  state: 'pending' | 'stored';
}

export interface ObjectStore {
  /** Uploads a local file as one object named `name` (opaque, on chain in plaintext). */
  put(path: string, name: string, signal?: AbortSignal): Promise<string>;
  /** Every object of the account, pending ones included. */
  list(signal?: AbortSignal): Promise<StoredObject[]>;
  /** Bytes [offset, offset + length) of an object. */
  read(fid: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Deletes an object (compaction); a pending object cannot be deleted yet. */
  delete(fid: string): Promise<void>;
}
