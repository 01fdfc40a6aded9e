/**
 * A streamed multipart/form-data body with an exact Content-Length: text fields, then one
 * file part whose bytes come from a stream (never buffered).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export interface MultipartBody {
  contentType: string;
  length: number;
  stream: Readable;
}

/** Go mime/multipart quoteEscaper: backslash and double quote. */
function quote(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function noCrLf(s: string, what: string): string {
  if (/[\r\n]/.test(s)) throw new TypeError(`multipart: ${what} must not contain CR or LF`);
  return s;
}

export function multipartBody(
  fields: ReadonlyArray<readonly [string, string]>,
  file: { field: string; filename: string; size: number; stream: Readable },
): MultipartBody {
  const boundary = `cess-sync-${randomBytes(16).toString('hex')}`;
  let head = '';
  for (const [k, v] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quote(noCrLf(k, 'field name'))}"\r\n\r\n${v}\r\n`;
  }
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="${quote(noCrLf(file.field, 'field name'))}"; ` +
    `filename="${quote(noCrLf(file.filename, 'file name'))}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const headBuf = Buffer.from(head, 'utf8');
  const tailBuf = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const src = file.stream;
  async function* gen(): AsyncGenerator<Buffer> {
    try {
      yield headBuf;
      for await (const chunk of src) yield chunk as Buffer;
      yield tailBuf;
    } finally {
      if (!src.destroyed) src.destroy();
    }
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: headBuf.length + file.size + tailBuf.length,
    stream: Readable.from(gen(), { objectMode: false, highWaterMark: 64 * 1024 }),
  };
}
