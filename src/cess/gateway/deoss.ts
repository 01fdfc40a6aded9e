/**
 * Client of a DeOSS v0.4 gateway (CESSProject/DeOSS node/*.go; the official Node client is npm
 * cess-js-sdk-nodejs): signed headers, PUT /file, resumable PUT /resume/:name, Range
 * downloads with resume, metadata and delete. Almost every DeOSS reply is HTTP 200 with the
 * real status in the envelope's `code`.
 */
import type { Readable } from 'node:stream';

import { fidInData, assertFid, type GatewayClientOptions, type UploadResult } from './cd2n.js';
import {
  download,
  type DownloadOptions,
  type DownloadResult,
  type DownloadTarget,
} from './download.js';
import {
  FidMismatchError,
  GatewayClientError,
  GatewayError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayProtocolError,
  isRetryable,
} from './errors.js';
import {
  Call,
  DEFAULTS,
  httpError,
  joinUrl,
  parseEnvelope,
  readSmall,
  runCall,
  send,
  withRetries,
  type CallOptions,
  type ClientDefaults,
  type Envelope,
  type HttpResponse,
  type ProgressCallback,
} from './http.js';
import { multipartBody } from './multipart.js';
import { deossAuthHeaders, type Signer } from './signer.js';
import {
  FidTracker,
  openSource,
  payloadTap,
  type OpenedSource,
  type UploadSource,
} from './source.js';

export interface DeossClientOptions extends GatewayClientOptions {
  /** Seconds a signature stays valid (Message = now + this); default 300. */
  signatureValiditySeconds?: number;
}

export interface DeossUploadOptions extends CallOptions {
  territory: string;
  /** Name stored on chain (3..63 bytes, plaintext!); default: a path source's base name. */
  fileName?: string;
  onProgress?: ProgressCallback;
}

export interface DeossResumeOptions extends DeossUploadOptions {
  /** Bytes per PUT; default 16 MiB. Memory does not depend on it. */
  chunkSize?: number;
  /** The name for restart `n` (1, 2...) after an ambiguous failure; default appends "~n" to
   * the stem. DeOSS keys its temp file by (account, name, size): a new name, a clean file. */
  restartName?: (name: string, n: number) => string;
}

export interface FileMetadata {
  fid: string;
  size: number;
  owners: { user: string; fileName: string }[];
}

export const DEFAULT_RESUME_CHUNK = 16 * 1024 * 1024;

/** "photo.jpg" -> "photo~1.jpg", kept within 63 bytes. */
export function defaultRestartName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  let stem = ext ? name.slice(0, dot) : name;
  const suffix = `~${n}`;
  while (Buffer.byteLength(stem + suffix + ext, 'utf8') > 63 && stem.length > 0)
    stem = stem.slice(0, -1);
  return stem + suffix + ext;
}

export class DeossClient {
  readonly baseUrl: string;
  private readonly signer: Signer;
  private readonly defaults: ClientDefaults;
  private readonly clock: () => number;

  constructor(private readonly opts: DeossClientOptions) {
    this.baseUrl = opts.baseUrl;
    this.signer = opts.signer;
    this.clock = opts.clock ?? Date.now;
    this.defaults = {
      retry: { ...DEFAULTS.retry, ...opts.retry },
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      smallTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.smallTimeoutMs,
    };
  }

  private call(route: string, o: CallOptions, small: boolean): Call {
    return new Call(`deoss ${route}`, o, this.defaults, small, this.opts.onEvent);
  }

  /** Fresh signed headers (per request: Message is an expiry). */
  private signed(): Record<string, string> {
    return deossAuthHeaders(this.signer, this.clock(), this.opts.signatureValiditySeconds ?? 300);
  }

  /** The envelope of a successful reply; anything else as GatewayHttpError (status = code). */
  private async okEnvelope(route: string, res: HttpResponse): Promise<Envelope> {
    const body = await readSmall(res, route);
    if (res.status >= 300) throw httpError(route, res.status, res.headers, body);
    const env = parseEnvelope(body);
    if (!env)
      throw new GatewayProtocolError(
        `not a {code,msg,data} reply: ${body.toString('utf8').slice(0, 200)}`,
        route,
      );
    if (env.code !== 200) throw new GatewayHttpError(env.code, env.code, env.msg, env.data, route);
    return env;
  }

  private nameOf(src: OpenedSource, o: DeossUploadOptions): string {
    const name = o.fileName ?? src.fileName;
    if (!name)
      throw new GatewayClientError('fileName is required for a source that is not a file path');
    const n = Buffer.byteLength(name, 'utf8');
    if (n < 3 || n > 63)
      throw new GatewayClientError(
        `file name must be 3..63 bytes (got ${n}); it is stored on chain`,
      );
    return name;
  }

  private verify(route: string, tracker: FidTracker, fid: string): void {
    const local = tracker.fids().deoss;
    if (local !== fid) throw new FidMismatchError(local ?? '(none)', fid, route);
  }

  // -------------------------------------------------------------------------------------------
  // PUT /file

  /** One multipart PUT, streamed; retried whole (DeOSS answers a known fid as a duplicate). */
  async putFile(source: UploadSource, o: DeossUploadOptions): Promise<UploadResult> {
    const call = this.call('put /file', o, false);
    return runCall(call, async () => {
      const src = await openSource(source);
      const name = this.nameOf(src, o);
      if (src.size === 0) throw new GatewayClientError('DeOSS refuses empty files');
      const tracker = new FidTracker(src.size);
      const fid = await withRetries(call, async () => {
        const data = src.open(0, src.size);
        const tap = payloadTap(tracker, 0, src.size, (n) =>
          o.onProgress?.({ bytes: n, total: src.size }),
        );
        data.on('error', (e) => tap.destroy(e));
        const mp = multipartBody([], {
          field: 'file',
          filename: name,
          size: src.size,
          stream: data.pipe(tap) as Readable,
        });
        const res = await send(call, {
          method: 'PUT',
          url: joinUrl(this.baseUrl, '/file'),
          headers: {
            ...this.signed(),
            Territory: o.territory,
            'Content-Type': mp.contentType,
            'Content-Length': String(mp.length),
          },
          body: mp.stream,
          route: call.route,
        });
        const env = await this.okEnvelope(call.route, res);
        const f = fidInData(env.data);
        if (!f) throw new GatewayProtocolError('upload answered no fid', call.route);
        return f;
      });
      await src.check();
      this.verify(call.route, tracker, fid);
      return { fid, size: src.size, verified: true };
    });
  }

  // -------------------------------------------------------------------------------------------
  // PUT /resume/:name

  /**
   * Resumable upload: raw chunks with `Content-Range: bytes s-e/total` (e inclusive), in order,
   * each exactly once. DeOSS appends whatever arrives to its temp file, so a chunk is re-sent
   * only when no byte of it can have reached the gateway; after any other failure the upload
   * starts over under a new name.
   */
  async resumeUpload(
    source: UploadSource,
    o: DeossResumeOptions,
  ): Promise<UploadResult & { fileName: string }> {
    const call = this.call('put /resume', o, false);
    return runCall(call, async () => {
      const src = await openSource(source);
      const baseName = this.nameOf(src, o);
      if (src.size === 0) throw new GatewayClientError('DeOSS refuses empty files');
      const chunk = Math.max(1, Math.floor(o.chunkSize ?? DEFAULT_RESUME_CHUNK));
      const rename = o.restartName ?? defaultRestartName;
      const tracker = new FidTracker(src.size);
      const budget = { failures: 0 };
      let restarts = 0;
      let name = baseName;
      let confirmed = 0;
      let fid: string;
      for (;;) {
        const s = confirmed;
        const e = Math.min(src.size, s + chunk);
        try {
          const r = await this.resumeChunk(
            call,
            name,
            o.territory,
            src,
            tracker,
            s,
            e,
            o.onProgress,
          );
          if (r.kind === 'done') {
            if (e !== src.size)
              throw new GatewayProtocolError(
                `gateway completed at ${e} of ${src.size} bytes`,
                call.route,
              );
            fid = r.fid;
            break;
          }
          if (r.next !== e) {
            throw new GatewayProtocolError(
              `gateway confirmed up to ${r.next}, sent up to ${e}`,
              call.route,
            );
          }
          confirmed = e;
          budget.failures = 0;
          if (s === 0)
            this.opts.onEvent?.({ type: 'session', route: call.route, id: name, offset: 0 });
        } catch (raw) {
          const err = call.normalize(raw);
          budget.failures++;
          if (!isRetryable(err) || budget.failures >= call.attempts) throw err;
          // Clean only when nothing of the chunk can have been appended: refused before the body
          // (429 busy) or a connection that failed before any body byte was written.
          const clean =
            (err instanceof GatewayHttpError && err.status === 429) ||
            (err instanceof GatewayNetworkError && !err.requestSent && err.bodyBytesWritten === 0);
          const delayMs = call.backoff(budget.failures, err);
          if (clean) {
            this.opts.onEvent?.({
              type: 'resume',
              route: call.route,
              id: name,
              offset: confirmed,
              error: err as GatewayError,
            });
          } else {
            restarts++;
            const next = rename(baseName, restarts);
            this.opts.onEvent?.({
              type: 'restart',
              route: call.route,
              oldId: name,
              reason: `ambiguous failure, now '${next}'`,
            });
            name = next;
            confirmed = 0;
          }
          await call.sleep(delayMs);
        }
      }
      await src.check();
      this.verify(call.route, tracker, fid);
      return { fid, size: src.size, verified: true, sessions: restarts + 1, fileName: name };
    });
  }

  private async resumeChunk(
    call: Call,
    name: string,
    territory: string,
    src: OpenedSource,
    tracker: FidTracker,
    s: number,
    e: number,
    onProgress: ProgressCallback | undefined,
  ): Promise<{ kind: 'done'; fid: string } | { kind: 'progress'; next: number }> {
    const route = `${call.route} ${s}-${e - 1}/${src.size}`;
    const data = src.open(s, e);
    const tap = payloadTap(tracker, s, e - s, (n) => onProgress?.({ bytes: n, total: src.size }));
    data.on('error', (err) => tap.destroy(err));
    const res = await send(call, {
      method: 'PUT',
      url: joinUrl(this.baseUrl, `/resume/${encodeURIComponent(name)}`),
      headers: {
        ...this.signed(),
        Territory: territory,
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(e - s),
        'Content-Range': `bytes ${s}-${e - 1}/${src.size}`,
      },
      body: data.pipe(tap) as Readable,
      route,
    });
    if (res.status === 308) {
      await readSmall(res, route);
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
      return { kind: 'progress', next: m ? Number(m[2]) + 1 : e };
    }
    const env = await this.okEnvelope(route, res);
    if (env.code === 308) return { kind: 'progress', next: e };
    const fid = fidInData(env.data);
    if (!fid) throw new GatewayProtocolError('resume answered no fid', route);
    return { kind: 'done', fid };
  }

  // -------------------------------------------------------------------------------------------
  // GET /file/download/:fid, GET /file/metadata/:fid, DELETE /file/:fid

  /** Downloads to a file or Writable, with Range and resume; checks the DeOSS fid. */
  async download(
    fid: string,
    target: DownloadTarget,
    o: DownloadOptions = {},
  ): Promise<DownloadResult> {
    assertFid(fid);
    const call = this.call('download', o, false);
    return runCall(call, (c) =>
      download(
        c,
        {
          route: c.route,
          url: joinUrl(this.baseUrl, `/file/download/${fid}`),
          fid: { kind: 'deoss', value: fid },
        },
        target,
        o,
      ),
    );
  }

  async metadata(fid: string, o: CallOptions = {}): Promise<FileMetadata> {
    assertFid(fid);
    const call = this.call('metadata', o, true);
    return runCall(call, (c) =>
      withRetries(c, async () => {
        const res = await send(c, {
          method: 'GET',
          url: joinUrl(this.baseUrl, `/file/metadata/${fid}`),
          headers: {},
          route: c.route,
        });
        const env = await this.okEnvelope(c.route, res);
        const d = env.data as Record<string, unknown> | null;
        if (!d || typeof d !== 'object')
          throw new GatewayProtocolError('metadata without data', c.route);
        const owners = Array.isArray(d['owner']) ? (d['owner'] as unknown[]) : [];
        return {
          fid: typeof d['fid'] === 'string' ? d['fid'] : fid,
          size: Number(d['size'] ?? 0),
          owners: owners.map((x) => {
            const u = (x ?? {}) as Record<string, unknown>;
            return { user: String(u['user'] ?? ''), fileName: String(u['file_name'] ?? '') };
          }),
        };
      }),
    );
  }

  /** DELETE /file/:fid: the gateway calls fileBank.deleteFile for the signer. */
  async delete(fid: string, o: CallOptions = {}): Promise<void> {
    assertFid(fid);
    const call = this.call('delete', o, true);
    await runCall(call, (c) =>
      withRetries(c, async () => {
        const res = await send(c, {
          method: 'DELETE',
          url: joinUrl(this.baseUrl, `/file/${fid}`),
          headers: this.signed(),
          route: c.route,
        });
        await this.okEnvelope(c.route, res);
      }),
    );
  }
}
