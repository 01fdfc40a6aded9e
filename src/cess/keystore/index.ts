export { KEYCHAIN_SERVICE, KeyStoreError, type KeyStore } from './types.js';
export { KeytarKeyStore, probeKeychain } from './keytar-store.js';
export {
  DEFAULT_SCRYPT,
  EncryptedFileKeyStore,
  MIN_PASSPHRASE_LENGTH,
  type EncryptedFileKeyStoreOptions,
  type ScryptParams,
} from './file-store.js';
export {
  defaultKeyFilePath,
  openKeyStore,
  PASSPHRASE_ENV,
  type OpenKeyStoreOptions,
} from './open.js';
