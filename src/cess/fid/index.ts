/**
 * File ids, segments and fragments of CESS uploads, computed exactly as the CD²N and DeOSS Go
 * gateways do. See README.md in this folder.
 */
export {
  SEGMENT_SIZE,
  FRAGMENT_SIZE,
  DATA_SHARDS,
  PARITY_SHARDS,
  FRAGMENT_COUNT,
  ZERO_FRAGMENT_HASH,
  SegmentHasher,
  cd2nFid,
  deossFid,
  hashBytes,
  hashStream,
  hashFile,
  type SegmentInfo,
  type FileHashes,
  type HashOptions,
  type StreamHashOptions,
} from './hasher.js';
export { ReedSolomon, referenceEncode, generatedKernelsAvailable } from './reedsolomon.js';
