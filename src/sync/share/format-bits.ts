/** The few format helpers sharing uses (re-exported so share code has one import site). */
export { blobIdBytes, type FormatKeys } from '../format/index.js';
export { concatBytes, fromHex, toHex } from '../format/bytes.js';
