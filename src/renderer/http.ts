/**
 * One authenticated request to the daemon's local API, shared by every client in the page
 * (api.ts, files/client.ts, onboarding/setup-api.ts): the bearer token, no cookies, cache or
 * referrer, and every reply validated with the contract's zod schema before anyone sees it.
 */
import type { z } from 'zod';
import { errorReplySchema } from '../daemon/protocol.js';

/** A failed API call. status 0: the daemon could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export interface ApiTarget {
  readonly origin: string;
  readonly token: string;
}

/**
 * `schema` null: the route answers 204 No Content. `unreachable` is the sentence shown when
 * the daemon does not answer at all (the onboarding page words it for its context).
 */
export async function callApi<T>(
  target: ApiTarget,
  method: string,
  route: string,
  schema: z.ZodType<T> | null,
  body?: unknown,
  unreachable = 'The sync engine is not reachable.',
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(target.origin + route, {
      method,
      headers: {
        Authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, 'unreachable', unreachable);
  }
  if (res.ok && schema === null) {
    if (res.status !== 204)
      throw new ApiError(res.status, 'invalid_reply', `Unexpected reply (HTTP ${res.status}).`);
    return undefined as T;
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new ApiError(
      res.status,
      'invalid_reply',
      `The sync engine sent an unreadable reply (HTTP ${res.status}).`,
    );
  }
  if (!res.ok) {
    const err = errorReplySchema.safeParse(json);
    if (err.success) throw new ApiError(res.status, err.data.error.code, err.data.error.message);
    throw new ApiError(res.status, 'error', `HTTP ${res.status}`);
  }
  const parsed = (schema as z.ZodType<T>).safeParse(json);
  if (!parsed.success) {
    throw new ApiError(
      res.status,
      'invalid_reply',
      'The sync engine sent a reply this page does not understand (version mismatch?).',
    );
  }
  return parsed.data;
}
