/**
 * Streaming multipart/form-data (busboy): fields are collected, the first part named `file`
 * is handed to a consumer as a stream (to disk, never whole in memory), every other part is
 * discarded. Go's c.PostForm / c.FormFile semantics: first value of a field wins; the file
 * name is the base name of the part's filename.
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import busboy from 'busboy';

import { BodyAbortedError, drain, errorText } from './http-util.js';

export interface FilePart<T> {
  filename: string;
  /** Set when the consumer finished. */
  result?: T;
  /** Set when the consumer (or the pre-check) failed; the part's bytes were discarded. */
  error?: unknown;
}

export interface MultipartOutcome<T> {
  /** false when the body is not a form at all (Go: "request Content-Type isn't multipart/form-data"). */
  isForm: boolean;
  fields: Map<string, string>;
  file?: FilePart<T>;
  /** The form was malformed (bad boundary, truncated...). */
  formError?: string;
}

export interface MultipartOptions<T> {
  fileField?: string;
  /** Runs when the file part starts, with the fields seen so far. Throw to refuse the file. */
  beforeFile?: (fields: Map<string, string>, filename: string) => Promise<void>;
  /** Consumes the file bytes. Must consume the stream fully or reject. */
  consume: (stream: Readable, filename: string) => Promise<T>;
  /** Called for a consumer result that must be thrown away (the body failed after it). */
  cleanup?: (result: T) => Promise<void>;
}

const FIELD_LIMITS = {
  fieldNameSize: 200,
  fieldSize: 64 * 1024,
  fields: 100,
  parts: 200,
  headerPairs: 200,
};

/**
 * Parses the request body. Rejects only with BodyAbortedError (the connection is gone: nothing
 * can be answered); every other problem is reported in the outcome.
 */
export async function parseMultipart<T>(
  headers: Record<string, string | string[] | undefined>,
  body: Readable,
  opts: MultipartOptions<T>,
): Promise<MultipartOutcome<T>> {
  const fileField = opts.fileField ?? 'file';
  const fields = new Map<string, string>();
  const ct = String(headers['content-type'] ?? '');
  if (!/^multipart\/form-data/i.test(ct)) {
    await drainOrAbort(body);
    return { isForm: false, fields };
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: headers as busboy.BusboyConfig['headers'],
      defParamCharset: 'utf8',
      limits: FIELD_LIMITS,
    });
  } catch (err) {
    await drainOrAbort(body);
    return { isForm: true, fields, formError: errorText(err) };
  }

  let file: FilePart<T> | undefined;
  let filePromise: Promise<void> | undefined;
  let activeFile: Readable | undefined;

  bb.on('field', (name: string, value: string) => {
    if (!fields.has(name)) fields.set(name, value);
  });
  bb.on('file', (name: string, stream: Readable, info: busboy.FileInfo) => {
    // busboy errors a part stream it cannot finish ("Unexpected end of form"): always listen.
    stream.on('error', () => undefined);
    if (name !== fileField || file) {
      stream.resume();
      return;
    }
    const part: FilePart<T> = { filename: info.filename ?? '' };
    file = part;
    activeFile = stream;
    // A PassThrough between busboy's stream and the consumer: if the consumer fails, busboy's
    // stream is not destroyed (which would stall the parser) but drained.
    const pass = new PassThrough();
    pass.on('error', () => undefined); // the consumer sees it through pipeline
    stream.on('error', (err) => pass.destroy(err));
    stream.pipe(pass);
    const discard = () => {
      stream.unpipe(pass);
      pass.destroy();
      stream.resume();
    };
    filePromise = (async () => {
      try {
        if (opts.beforeFile) await opts.beforeFile(new Map(fields), part.filename);
      } catch (err) {
        part.error = err;
        discard();
        return;
      }
      try {
        part.result = await opts.consume(pass, part.filename);
      } catch (err) {
        part.error = err;
        discard();
      }
    })();
  });

  try {
    await pipeline(body, bb);
  } catch (err) {
    const aborted = err instanceof BodyAbortedError;
    activeFile?.destroy(aborted ? new BodyAbortedError('aborted') : new Error(errorText(err)));
    if (filePromise) await filePromise;
    const f = file as FilePart<T> | undefined;
    if (f?.result !== undefined && opts.cleanup) await opts.cleanup(f.result);
    if (aborted) throw err instanceof BodyAbortedError ? err : new BodyAbortedError(errorText(err));
    if (f) {
      f.error ??= new Error(errorText(err));
      delete f.result;
    }
    return { isForm: true, fields, file: f, formError: errorText(err) };
  }
  if (filePromise) await filePromise;
  return { isForm: true, fields, file };
}

async function drainOrAbort(body: Readable): Promise<void> {
  let failed = false;
  body.once('error', () => {
    failed = true;
  });
  await drain(body);
  if (failed || (body.destroyed && !body.readableEnded)) throw new BodyAbortedError('aborted');
}
