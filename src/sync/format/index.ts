/**
 * The on-CESS format v1 (docs/format.md): keys, chunking, ids, blob encryption, file nodes,
 * trees, snapshots and packs. Pure and streaming: no network, no database.
 */
export { FormatError, type FormatErrorCode } from './errors.js';
export {
  BLOB_OVERHEAD,
  BLOB_TYPE_NAMES,
  BlobType,
  CESS_SEGMENT_SIZE,
  FORMAT_VERSION,
  MAX_BLOB_PLAINTEXT,
  PACK_MAGIC,
  type BlobTypeName,
} from './constants.js';
export {
  KDF_SALT,
  SUBKEY_INFO,
  deriveKeys,
  deriveMasterKey,
  keysFromMaster,
  type FormatKeys,
} from './keys.js';
export {
  CHUNKER_V1,
  Chunker,
  GEAR,
  chunkLengths,
  chunkStream,
  chunkerMasks,
  type ChunkerParams,
} from './chunker.js';
export {
  ContentIdBuilder,
  blobId,
  blobIdBytes,
  chunkKey,
  isPackName,
  packName,
  type BlobId,
} from './ids.js';
export {
  blobAssociatedData,
  open,
  openBlob,
  randomNonce,
  seal,
  sealBlob,
  sealParts,
  sealPieces,
  SEAL_PIECE,
  type NonceSource,
} from './aead.js';
export {
  FILE_NODE_VERSION,
  decodeFileNode,
  encodeFileNode,
  fileNodeBlob,
  newContentKey,
  openFileNode,
  type ChunkRef,
  type FileNode,
} from './filenode.js';
export {
  SNAPSHOT_VERSION,
  TREE_VERSION,
  decodeSnapshot,
  decodeTree,
  encodeSnapshot,
  encodeTree,
  snapshotBlob,
  treeBlob,
  type CapsuleJson,
  type DirEntry,
  type FileEntry,
  type SnapshotBlob,
  type TreeBlob,
  type TreeEntry,
} from './tree.js';
export {
  MemorySink,
  PACK_TARGET_SIZE,
  PackReader,
  PackWriter,
  bufferSource,
  fileSource,
  headerSealedLength,
  writableSink,
  type PackEntry,
  type PackInfo,
  type PackReaderOptions,
  type PackSink,
  type PackWriterOptions,
  type RandomAccessSource,
} from './pack.js';
export {
  Packer,
  contentIdOf,
  prepareChunks,
  storeFileContent,
  storeFileNode,
  storeSnapshot,
  storeTree,
  type PackerOptions,
  type PreparedChunk,
  type StoredFile,
} from './store.js';
