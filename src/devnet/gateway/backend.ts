/**
 * What the local gateway's HTTP layer (CD²N and DeOSS protocols) needs from the chain.
 *
 * The HTTP layer speaks the wire protocols; this interface is the chain side: the real
 * preconditions a CESS gateway enforces before it accepts data, the on-chain declaration
 * it signs with its own account, and deletion. The devnet implements it against the real
 * CESS runtime under chopsticks (chain-backend.ts); unit tests of the HTTP layer may use a
 * fake, but never as the only test of a path.
 */

import type { SegmentInfo } from '../../cess/fid/index.js';

/** One 32 MiB segment as declared on chain (defined with the fid code that computes it). */
export type { SegmentInfo };

/** Why the chain side refuses an upload. Each protocol turns these into its own error reply. */
export type UploadRejection =
  | { kind: 'unauthorized'; owner: string; gateway: string }
  | { kind: 'no-territory'; owner: string; territory: string }
  | { kind: 'territory-inactive'; owner: string; territory: string; state: string }
  | { kind: 'no-space'; owner: string; territory: string; remaining: bigint; needed: bigint };

export class PreconditionError extends Error {
  constructor(readonly rejection: UploadRejection) {
    super(describeRejection(rejection));
    this.name = 'PreconditionError';
  }
}

/** A failure talking to the chain itself (disconnect, extrinsic failed): a 5xx, not the user's fault. */
export class ChainError extends Error {
  override name = 'ChainError';
}

export function describeRejection(r: UploadRejection): string {
  switch (r.kind) {
    case 'unauthorized':
      return `account ${r.owner} has not authorized gateway ${r.gateway}`;
    case 'no-territory':
      return `territory '${r.territory}' of ${r.owner} does not exist`;
    case 'territory-inactive':
      return `territory '${r.territory}' of ${r.owner} is ${r.state}, not Active`;
    case 'no-space':
      return `territory '${r.territory}' has ${r.remaining} bytes left; this upload needs ${r.needed}`;
  }
}

export interface DeclareRequest {
  owner: string;
  territory: string;
  /** The name as the user gave it; stored on chain in plaintext (3..63 bytes). */
  fileName: string;
  fid: string;
  size: number;
  segments: SegmentInfo[];
}

export interface ChainFileInfo {
  fid: string;
  size: number;
  owners: string[];
  /** 'pending': in DealMap, miners have not reported yet; 'stored': in File. */
  state: 'pending' | 'stored';
}

export interface GatewayBackend {
  /** The gateway's own account (ss58), the one users authorize. */
  readonly account: string;
  /** sr25519 public key of the gateway account. */
  readonly publicKey: Uint8Array;
  /** The chain's ss58 prefix, for decoding addresses sent by clients. */
  readonly ss58Format: number;
  /**
   * Throws PreconditionError unless the gateway may store `size` bytes for `owner` in
   * `territory`: the gateway is in the owner's AuthorityList, the territory exists, is Active
   * and has 96 MiB of remaining space per 32 MiB segment.
   */
  checkUpload(owner: string, territory: string, size: number): Promise<void>;
  /** Declares the file on chain (fileBank.uploadDeclaration signed by the gateway account), then
   * lets the miner simulation complete it after the configured delay. Idempotent for a fid the
   * owner already holds. */
  declare(req: DeclareRequest): Promise<void>;
  /** fileBank.deleteFile(owner, fid), signed by the gateway; the chain checks it may. */
  deleteFile(owner: string, fid: string): Promise<void>;
  /** What the chain knows of a fid, or null. */
  fileInfo(fid: string): Promise<ChainFileInfo | null>;
}
