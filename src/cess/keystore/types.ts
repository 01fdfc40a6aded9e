/**
 * Where account secrets (recovery phrases) live. Keys are account addresses (ss58); values
 * are the secrets, never written to disk in plain text by any implementation.
 */
export interface KeyStore {
  /** 'keychain' (OS keychain through keytar) or 'file' (passphrase-encrypted file). */
  readonly kind: 'keychain' | 'file';
  /** Where the secrets are, for messages ("GNOME Keyring (Secret Service)", a file path). */
  readonly location: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when there was something to delete. */
  delete(account: string): Promise<boolean>;
  /** The accounts that have a secret stored. */
  list(): Promise<string[]>;
}

export class KeyStoreError extends Error {
  override name = 'KeyStoreError';
  constructor(
    message: string,
    readonly code:
      'no-keychain' | 'no-store' | 'wrong-passphrase' | 'corrupt' | 'io' | 'weak-passphrase',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The service name under which secrets are filed in the OS keychain. */
export const KEYCHAIN_SERVICE = 'cess-sync';
