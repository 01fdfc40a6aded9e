/**
 * Clients of the two CESS gateway protocols: CD²N retriever (current) and DeOSS v0.4 (legacy).
 * See docs/gateway-client.md.
 */
export { Cd2nClient, CD2N_CODE, DEFAULT_BATCH_CHUNK, fidInData, isAmbiguous } from './cd2n.js';
export type {
  Cd2nClientOptions,
  Cd2nUploadOptions,
  Cd2nBatchOptions,
  GatewayClientOptions,
  UploadResult,
  CapsuleInfo,
  ReencryptRequest,
} from './cd2n.js';
export { DeossClient, DEFAULT_RESUME_CHUNK, defaultRestartName } from './deoss.js';
export type {
  DeossClientOptions,
  DeossUploadOptions,
  DeossResumeOptions,
  FileMetadata,
} from './deoss.js';
export type { DownloadOptions, DownloadResult, DownloadTarget } from './download.js';
export {
  GatewayError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayProtocolError,
  GatewayClientError,
  FidMismatchError,
  TimeoutError,
  AbortError,
  isRetryable,
  isRetryableStatus,
} from './errors.js';
export type {
  CallOptions,
  RetryOptions,
  TransferProgress,
  ProgressCallback,
  ClientEvent,
} from './http.js';
export {
  keyringSigner,
  cd2nLoginPayload,
  deossAuthHeaders,
  type Signer,
  type KeyringPairLike,
} from './signer.js';
export { FidTracker, type UploadSource } from './source.js';
