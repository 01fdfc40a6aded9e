/** What the share screens need from the page around them (src/renderer/app.ts). */
import type { Status } from '../../sync/api/schema.js';
import { ApiError, type ApiClient } from '../api.js';

export interface SharingHost {
  api: ApiClient;
  /** The latest status (the account, the folders' roots); null before the first one. */
  status(): Status | null;
  /** The API refused the token or is gone: the page changes screen. */
  fail(err: unknown): void;
}

/** The daemon refused the token: the page switches to "Not authorized" (app.ts fail). */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.unauthorized;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
