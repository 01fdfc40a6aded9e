/** Why the format layer refused its input. Stable strings: callers may branch on them. */
export type FormatErrorCode =
  /** The pack does not start/end with "CSPK". */
  | 'BAD_MAGIC'
  /** A version byte this code does not know (pack prefix, file node, tree, snapshot). */
  | 'BAD_VERSION'
  /** Fewer bytes than the structure says it has (short pack, short read, short blob). */
  | 'TRUNCATED'
  /** AES-GCM tag check failed: tampered bytes, wrong key, or a blob swapped for another. */
  | 'AUTH_FAILED'
  /** Authenticated bytes that still do not parse (only reachable with the right key). */
  | 'BAD_ENCODING'
  /** The pack's header and its name / expected id disagree. */
  | 'NAME_MISMATCH'
  /** A lookup for a blob the pack does not hold. */
  | 'NOT_FOUND'
  /** A caller passed something out of range (wrong key length, oversize blob, ...). */
  | 'BAD_ARGUMENT';

/** Every malformed, truncated or tampered input is a FormatError, never wrong data. */
export class FormatError extends Error {
  readonly code: FormatErrorCode;

  constructor(code: FormatErrorCode, message: string) {
    super(message);
    this.name = 'FormatError';
    this.code = code;
  }
}
