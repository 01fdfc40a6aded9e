/**
 * The one error type of src/sync/share. `code` is stable (the UI translates it); `statusCode`
 * lets the daemon answer with a 4xx instead of a 500 (src/daemon/server.ts serviceError).
 */
export type ShareErrorCode =
  /** The link is not a cess-sync share link, or does not decode (truncated, mangled). */
  | 'BAD_LINK'
  /** The link decodes but its owner signature does not verify (tampered). */
  | 'BAD_SIGNATURE'
  /** The link is for another account. */
  | 'NOT_FOR_THIS_ACCOUNT'
  /** The link comes from another network (ss58 format). */
  | 'WRONG_NETWORK'
  /** The share's expiry has passed. */
  | 'EXPIRED'
  /** A recipient address that is not a valid account of this network, or is the owner. */
  | 'BAD_RECIPIENT'
  /** A bad option (message too long, expiry in the past...). */
  | 'BAD_ARGUMENT'
  /** The path to share is not a synced file or folder (outside every synced folder, a symlink...). */
  | 'BAD_PATH'
  /** The item or one of its chunks is not on CESS yet (or no longer). */
  | 'NOT_FOUND'
  /** The share manifest or a chunk does not authenticate (wrong key, tampered or swapped object). */
  | 'AUTH_FAILED'
  /** The share manifest decrypts but is not a valid manifest. */
  | 'BAD_MANIFEST'
  /** Too many files or chunks for one share manifest. */
  | 'TOO_LARGE'
  /** The gateway's re-encryption does not match what the owner computed. */
  | 'PROXY_MISMATCH'
  /** No share with that id. */
  | 'UNKNOWN_SHARE';

const STATUS: Record<ShareErrorCode, number> = {
  BAD_LINK: 400,
  BAD_SIGNATURE: 400,
  NOT_FOR_THIS_ACCOUNT: 403,
  WRONG_NETWORK: 400,
  EXPIRED: 410,
  BAD_RECIPIENT: 400,
  BAD_ARGUMENT: 400,
  BAD_PATH: 400,
  NOT_FOUND: 404,
  AUTH_FAILED: 422,
  BAD_MANIFEST: 422,
  TOO_LARGE: 413,
  PROXY_MISMATCH: 502,
  UNKNOWN_SHARE: 404,
};

export class ShareError extends Error {
  override name = 'ShareError';
  readonly statusCode: number;
  constructor(
    readonly code: ShareErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // 502 is not a client error: the daemon reports it as a 500 with the message.
    this.statusCode = STATUS[code];
  }
}

export function isShareError(e: unknown): e is ShareError {
  return e instanceof ShareError;
}
