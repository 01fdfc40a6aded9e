/** Why a PReT operation refused its input. Stable strings: callers may branch on them. */
export type PretErrorCode =
  | 'INVALID_SCALAR'
  | 'INVALID_POINT'
  | 'INVALID_SECRET_KEY'
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_CAPSULE'
  | 'CAPSULE_CHECK_FAILED'
  | 'INVALID_RE_KEY'
  | 'RNG_FAILURE';

/** Every input the PReT module rejects is reported as a PretError, never as a silent default. */
export class PretError extends Error {
  readonly code: PretErrorCode;

  constructor(code: PretErrorCode, message: string) {
    super(message);
    this.name = 'PretError';
    this.code = code;
  }
}
