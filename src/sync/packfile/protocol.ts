/**
 * Messages between PackFilePool (pool.ts) and its worker (worker.ts). Each pack file has a
 * number `s`; the worker handles messages in arrival order, so one pack's bytes stay in order.
 */

/** Main thread -> worker. */
export type ToWorker =
  | { t: 'open'; s: number; path: string; fid: boolean }
  /** Raw pack bytes (prefix, header, trailer, copied blobs): `buf` is transferred. */
  | { t: 'write'; s: number; buf: ArrayBuffer }
  /**
   * Encrypt buf[0..len) (aead.ts sealPieces) and append nonce || ciphertext || tag. `buf` is
   * transferred and, when `pooled`, sent back in a 'ret' message for reuse.
   */
  | {
      t: 'seal';
      s: number;
      key: Uint8Array;
      ad: Uint8Array;
      nonce: Uint8Array;
      buf: ArrayBuffer;
      len: number;
      pooled: boolean;
    }
  /** Close the file; answered by 'closed' or 'error'. */
  | { t: 'close'; s: number }
  /** Close the file without an answer (the upload failed elsewhere). */
  | { t: 'abort'; s: number }
  /** Close every open file and exit. */
  | { t: 'shutdown' };

/** Worker -> main thread. */
export type FromWorker =
  /** The worker's modules loaded: it can take work. */
  | { t: 'ready' }
  | { t: 'ret'; buf: ArrayBuffer }
  | { t: 'closed'; s: number; size: number; segments: string[] | null }
  | { t: 'error'; s: number; message: string };
