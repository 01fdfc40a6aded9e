/**
 * Sharing file versions and folders with other CESS accounts by proxy re-encryption
 * (docs/sharing.md): links, share manifests, creating, receiving, the owner's list.
 */
export { ShareError, isShareError, type ShareErrorCode } from './errors.js';
export {
  LINK_PREFIX,
  MAX_LINK_LENGTH,
  MAX_MESSAGE_LENGTH,
  checkRecipientAddress,
  encodeLinkBody,
  parseShareLink,
  samePublicKey,
  signLink,
  type ManifestLocation,
  type ShareKind,
  type ShareLink,
  type ShareLinkBody,
} from './link.js';
export {
  MAX_SHARE_FILES,
  decodeShareManifest,
  encodeShareManifest,
  openShareManifest,
  shareManifestBlob,
  type ShareChunk,
  type ShareFile,
  type ShareManifest,
} from './share-manifest.js';
export {
  checkShareOptions,
  createShare,
  localProxy,
  type CreateShareOptions,
  type CreatedShare,
  type ReencryptProxy,
  type ShareItem,
  type ShareOwner,
} from './create.js';
export {
  SHARED_WITH_ME,
  checkLinkFor,
  openShare,
  ownerDirName,
  receiveShare,
  type OpenShareOptions,
  type OpenedShare,
  type RangeReader,
  type ReceiveShareOptions,
  type ReceivedShare,
  type ShareRecipient,
} from './receive.js';
export {
  addShareRecord,
  listShareRecords,
  shareRecordSchema,
  updateShareRecord,
  type ShareRecord,
} from './records.js';
export { parseExpiry, resolveSharePath, type ResolvedSharePath } from './local-path.js';
export { gatewayRangeReader } from './reader.js';
