import { Writable } from 'node:stream';
import type { Cd2nClient } from '../../cess/gateway/cd2n.js';
import type { RangeReader } from './receive.js';

/** A RangeReader over a CD²N gateway's public download route (no account needed). */
export function gatewayRangeReader(gateway: Pick<Cd2nClient, 'download'>): RangeReader {
  return async (fid, offset, length, signal) => {
    const parts: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        cb();
      },
    });
    await gateway.download(fid, sink, {
      range: { start: offset, end: offset + length },
      verifyFid: false,
      ...(signal ? { signal } : {}),
    });
    const out = Buffer.concat(parts);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  };
}
