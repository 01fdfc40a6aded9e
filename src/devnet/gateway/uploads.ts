/** The protocol-independent end of every upload: fid, storage, declaration. */
import { cd2nFid, deossFid, type FileHashes } from '../../cess/fid/index.js';
import type { GatewayShared } from './context.js';

export type Protocol = 'cd2n' | 'deoss';

/** On-chain names are 3..63 bytes (UserBrief.file_name: BoundedVec<u8, 63>, min 3). */
export function validName(name: string): boolean {
  const n = Buffer.byteLength(name, 'utf8');
  return n >= 3 && n <= 63;
}

export function fidOf(protocol: Protocol, hashes: FileHashes): string {
  const segs = hashes.segments.map((s) => s.hash);
  return protocol === 'cd2n' ? cd2nFid(segs) : deossFid(segs);
}

export interface StoreRequest {
  protocol: Protocol;
  owner: string;
  territory: string;
  fileName: string;
  fid: string;
  hashes: FileHashes;
  /** The received (or encrypted) bytes; renamed to files/<fid>. Omit if already committed. */
  tmpPath?: string;
  /** Hard-link instead of rename: the source stays (a resumable session that may be retried). */
  link?: boolean;
  declare: boolean;
}

/**
 * Moves the bytes to files/<fid>, records the owner's name, and declares the file on chain
 * (backend.declare; the caller already ran checkUpload for the real size).
 */
export async function storeAndDeclare(gw: GatewayShared, r: StoreRequest): Promise<void> {
  if (r.tmpPath) await gw.store.commit(r.tmpPath, r.fid, r.link ?? false);
  await gw.store.recordUpload(
    {
      fid: r.fid,
      size: r.hashes.size,
      protocol: r.protocol,
      segments: r.hashes.segments.map((s) => s.hash),
    },
    r.owner,
    r.fileName,
  );
  if (r.declare) {
    await gw.backend.declare({
      owner: r.owner,
      territory: r.territory,
      fileName: r.fileName,
      fid: r.fid,
      size: r.hashes.size,
      segments: r.hashes.segments.map((s) => ({ hash: s.hash, fragments: [...s.fragments] })),
    });
  }
  gw.log(
    'info',
    `${r.protocol}: ${r.declare ? 'declared' : 'stored'} ${r.fid} (${r.hashes.size} bytes) for ${r.owner}`,
  );
}
