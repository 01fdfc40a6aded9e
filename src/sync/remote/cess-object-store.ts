import type { KeyringPair } from '@polkadot/keyring/types';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import type { CessChain } from '../../cess/chain/client.js';
import { CessError } from '../../cess/chain/errors.js';
import { queryOf } from '../../cess/chain/metadata.js';
import type { Cd2nClient } from '../../cess/gateway/cd2n.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import { throttle, type RateLimiter } from './rate-limiter.js';

export interface CessObjectStoreOptions {
  chain: CessChain;
  gateway: Cd2nClient;
  account: KeyringPair;
  territory: string;
  /** Bandwidth limits for the whole device (settings), applied to every transfer. */
  upload?: RateLimiter;
  download?: RateLimiter;
}

/** Text of a [u8;64] fid or Bytes name as the chain's JSON gives it (0x-hex of ASCII). */
function ascii(v: string): string {
  return v.startsWith('0x') ? Buffer.from(v.slice(2), 'hex').toString('utf8') : v;
}

/** Packs on CESS through a CD²N gateway, listed from the chain. */
export class CessObjectStore implements ObjectStore {
  constructor(private readonly o: CessObjectStoreOptions) {}

  async put(path: string, name: string, signal?: AbortSignal): Promise<string> {
    const limiter = this.o.upload;
    // A limited upload reads the file through the limiter; the client still streams it and
    // re-opens ranges for its retries.
    const source = limiter
      ? {
          size: (await stat(path)).size,
          open: (start: number, end: number) =>
            throttle(
              end <= start ? Readable.from([]) : createReadStream(path, { start, end: end - 1 }),
              limiter,
            ),
        }
      : path;
    const r = await this.o.gateway.uploadFile(source, {
      territory: this.o.territory,
      fileName: name,
      ...(signal ? { signal } : {}),
    });
    return r.fid;
  }

  async list(): Promise<StoredObject[]> {
    const owner = this.o.account.address;
    // A deal leaves DealMap and enters UserHoldFileList when the miners finish. Reading DealMap
    // first means a file completing between the two reads is still seen by the second one;
    // the other order can miss it. Pending deals are listed nowhere per user
    // (cess-protocol.md), so DealMap is scanned for ours: a second device then sees changes
    // before the miners are done.
    let deals;
    try {
      deals = await queryOf(this.o.chain.api, 'fileBank', 'dealMap').entries();
    } catch (err) {
      // A raw read bypasses CessChain's connection check: say what happened, as it does.
      if (!this.o.chain.api.isConnected)
        throw new CessError(
          `not connected to the CESS chain${this.o.chain.endpoint ? ` at ${this.o.chain.endpoint}` : ''}: cannot list the account's packs; retrying in the background`,
          'connection.disconnected',
          'disconnected',
          err instanceof Error ? err.message : String(err),
        );
      throw err;
    }
    const stored = await this.o.chain.userFiles(owner);
    const out: StoredObject[] = stored.map((f) => ({
      fid: f.fid,
      size: Number(f.size),
      state: 'stored',
    }));
    const seen = new Set(out.map((f) => f.fid));
    for (const [key, value] of deals) {
      const deal = value.toJSON() as { fileSize: string | number; user: { user: string } } | null;
      const arg = key.args[0];
      if (!deal || !arg || deal.user.user !== owner) continue;
      const fid = ascii(arg.toHex());
      if (!seen.has(fid)) out.push({ fid, size: Number(deal.fileSize), state: 'pending' });
    }
    return out;
  }

  async read(
    fid: string,
    offset: number,
    length: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        parts.push(chunk);
        if (this.o.download) this.o.download.take(chunk.length).then(() => cb(), cb);
        else cb();
      },
    });
    await this.o.gateway.download(fid, sink, {
      range: { start: offset, end: offset + length },
      verifyFid: false,
      ...(signal ? { signal } : {}),
    });
    const out = Buffer.concat(parts);
    if (out.length !== length)
      throw new Error(`short read of ${fid}: ${out.length} of ${length} bytes`);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  async delete(fid: string): Promise<void> {
    await this.o.chain.deleteFile(this.o.account, fid);
  }
}
