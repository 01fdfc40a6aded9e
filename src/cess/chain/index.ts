export { CESS_SIGNED_EXTENSIONS, connectChain, type ConnectOptions } from './connect.js';
export {
  ChainTxError,
  describeDispatchError,
  describePoolError,
  signAndWait,
  type SignAndWaitOptions,
  type TxFailureKind,
  type TxResult,
  type WaitFor,
} from './tx.js';
export { hasCall, queryOf, txOf } from './metadata.js';
export {
  CessError,
  FRIENDLY_ERRORS,
  friendlyMessage,
  toCessError,
  type ErrorContext,
} from './errors.js';
export * from './units.js';
export * from './client.js';
