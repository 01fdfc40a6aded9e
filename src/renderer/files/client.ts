/**
 * The Files panel's calls to the daemon (docs/daemon-api.md): the file list, opening a file,
 * its versions and restoring one. Same rules as ../api.ts: bearer token, no cookies or referrer,
 * every reply validated with the contract's zod schemas; errors are ApiError.
 */
import type { z } from 'zod';
import { ROUTES } from '../../daemon/protocol.js';
import {
  fileListSchema,
  statusSchema,
  versionListSchema,
  type FileList,
  type FileVersion,
  type FilesQuery,
  type OpenFileRequest,
  type RestoreRequest,
  type Status,
  type VersionsRequest,
} from '../../sync/api/schema.js';
import { callApi } from '../http.js';

export class FilesClient {
  constructor(
    readonly origin: string,
    readonly token: string,
  ) {}

  list(query: FilesQuery): Promise<FileList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, String(value));
    const qs = params.toString();
    return this.call('GET', `${ROUTES.files}${qs === '' ? '' : `?${qs}`}`, fileListSchema);
  }

  /** Opens the item with the OS (or shows it in its folder); the daemon answers 204. */
  async open(req: OpenFileRequest): Promise<void> {
    await this.call('POST', ROUTES.filesOpen, null, req);
  }

  async versions(req: VersionsRequest): Promise<FileVersion[]> {
    return (await this.call('POST', ROUTES.versions, versionListSchema, req)).versions;
  }

  restore(req: RestoreRequest): Promise<Status> {
    return this.call('POST', ROUTES.versionsRestore, statusSchema, req);
  }

  /** `schema` null: the route answers 204 No Content. */
  private call<T>(
    method: string,
    route: string,
    schema: z.ZodType<T> | null,
    body?: unknown,
  ): Promise<T> {
    return callApi(this, method, route, schema, body);
  }
}
