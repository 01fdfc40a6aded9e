/**
 * What a share link gives its recipient, for tests that check a share reaches exactly the shared
 * version: the recipient's file key from the link's re-encrypted capsule, and a file node's
 * sealed bytes read from CESS where the owner's repository records it.
 */
import type { KeyringPair } from '@polkadot/keyring/types';
import { decapsulateReEncrypted, secretScalarFromKeyringPair } from '../../src/cess/pret/index.js';
import type { BlobId } from '../../src/sync/format/index.js';
import type { Repository } from '../../src/sync/remote/repository.js';
import { parseShareLink, type RangeReader } from '../../src/sync/share/index.js';

/** The link's capsule and re-encryption point as bytes. */
export function linkCapsule(link: string): {
  X: Uint8Array;
  capsule: { E: Uint8Array; V: Uint8Array; S: Uint8Array };
} {
  const l = parseShareLink(link);
  const bytes = (b64: string): Uint8Array => Buffer.from(b64, 'base64');
  return {
    X: bytes(l.X),
    capsule: { E: bytes(l.capsule.E), V: bytes(l.capsule.V), S: bytes(l.capsule.S) },
  };
}

/** The key `recipient` gets from the link (the shared version's file key, if it is theirs). */
export function recipientKey(link: string, recipient: KeyringPair): Uint8Array {
  const { X, capsule } = linkCapsule(link);
  return decapsulateReEncrypted(secretScalarFromKeyringPair(recipient), X, capsule);
}

/** The sealed file node `blobId`, read at its place in the repository's packs. */
export async function sealedFileNode(
  repo: Repository,
  read: RangeReader,
  blobId: BlobId,
): Promise<Uint8Array> {
  const at = repo.locate('filenode', blobId);
  if (!at) throw new Error(`file node ${blobId} is in no known pack`);
  return read(at.fid, at.entry.offset, at.entry.length);
}
