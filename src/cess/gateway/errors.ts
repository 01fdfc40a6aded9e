/**
 * Typed errors of the gateway clients. Every error says whether retrying the same call can
 * help (`retryable`); the clients use that to decide, and callers can too.
 */

export abstract class GatewayError extends Error {
  abstract readonly retryable: boolean;
}

/**
 * The gateway answered, and the answer is a failure: an HTTP status >= 400, or (DeOSS) an
 * HTTP 200 whose `{code,msg,data}` envelope carries a failure code.
 */
export class GatewayHttpError extends GatewayError {
  override name = 'GatewayHttpError';
  readonly retryable: boolean;
  constructor(
    /** The effective status: the HTTP status, or the envelope code when the HTTP status was 200 (DeOSS). */
    readonly status: number,
    /** The envelope's `code` (CD²N: an HTTP status or 10100..10114), or the HTTP status without envelope. */
    readonly code: number,
    /** The envelope's `msg`, or the start of the body. */
    readonly msg: string,
    /** The envelope's `data` (often the detailed reason), if any. */
    readonly data: unknown,
    readonly route: string,
    /** Seconds from a Retry-After header, if any. */
    readonly retryAfterSeconds?: number,
  ) {
    const detail = typeof data === 'string' && data !== '' ? `: ${data}` : '';
    super(`${route}: gateway answered ${status} (code ${code}) ${msg}${detail}`);
    this.retryable = isRetryableStatus(status);
  }
}

/** 408, 425, 429 and every 5xx may succeed later; other statuses are the request's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * The connection failed before a complete answer arrived (refused, reset, cut body).
 * `requestSent`: the whole request body had been handed to the OS before the failure, so the
 * gateway may have processed it (an ambiguous failure for non-idempotent uploads).
 */
export class GatewayNetworkError extends GatewayError {
  override name = 'GatewayNetworkError';
  readonly retryable = true;
  constructor(
    message: string,
    readonly route: string,
    readonly requestSent: boolean,
    /** Bytes of the request body written before the failure. */
    readonly bodyBytesWritten: number,
    options?: { cause?: unknown },
  ) {
    super(`${route}: ${message}`, options);
  }
}

/**
 * `idle`: no byte moved in either direction for `idleTimeoutMs` (one attempt; retryable).
 * `deadline`: the whole call, retries included, ran past `timeoutMs` (not retryable).
 */
export class TimeoutError extends GatewayError {
  override name = 'TimeoutError';
  readonly retryable: boolean;
  constructor(
    readonly kind: 'idle' | 'deadline',
    readonly ms: number,
    readonly route: string,
    /** As GatewayNetworkError.requestSent (idle timeouts only). */
    readonly requestSent = false,
  ) {
    super(
      `${route}: ${kind === 'idle' ? `no progress for ${ms} ms` : `did not finish within ${ms} ms`}`,
    );
    this.retryable = kind === 'idle';
  }
}

/** The caller's AbortSignal fired. `reason` is the signal's reason. */
export class AbortError extends GatewayError {
  override name = 'AbortError';
  readonly retryable = false;
  constructor(
    readonly route: string,
    readonly reason?: unknown,
  ) {
    super(`${route}: aborted`, { cause: reason });
  }
}

/** The fid computed locally over the bytes sent (or received) differs from the gateway's. */
export class FidMismatchError extends GatewayError {
  override name = 'FidMismatchError';
  readonly retryable = false;
  constructor(
    /** The fid of the bytes this client sent or received. */
    readonly localFid: string,
    /** The fid the gateway answered (upload) or the one asked for (download). */
    readonly gatewayFid: string,
    readonly route: string,
  ) {
    super(`${route}: fid mismatch: local ${localFid}, gateway ${gatewayFid}`);
  }
}

/** The gateway's answer does not follow the protocol (bad JSON, no fid, impossible offsets). */
export class GatewayProtocolError extends GatewayError {
  override name = 'GatewayProtocolError';
  readonly retryable = false;
  constructor(
    message: string,
    readonly route: string,
  ) {
    super(`${route}: ${message}`);
  }
}

/** A local problem: the source changed size while it was uploaded, a destination write failed... */
export class GatewayClientError extends GatewayError {
  override name = 'GatewayClientError';
  readonly retryable = false;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof GatewayError && err.retryable;
}
