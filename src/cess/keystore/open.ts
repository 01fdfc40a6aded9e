import os from 'node:os';
import path from 'node:path';
import { EncryptedFileKeyStore, type ScryptParams } from './file-store.js';
import { KeytarKeyStore, probeKeychain } from './keytar-store.js';
import { KeyStoreError, type KeyStore } from './types.js';

export const PASSPHRASE_ENV = 'CESS_SYNC_PASSPHRASE';

export interface OpenKeyStoreOptions {
  /** 'auto' (default): the OS keychain when it answers, else the file. */
  prefer?: 'auto' | 'keychain' | 'file';
  /** Passphrase of the key file; default process.env.CESS_SYNC_PASSPHRASE. */
  passphrase?: string;
  /** Key file path; default `$XDG_CONFIG_HOME/cess-sync/keys.json.enc` (~/.config/...). */
  filePath?: string;
  /** How long to wait for the keychain to answer (ms). */
  probeTimeoutMs?: number;
  scrypt?: ScryptParams;
  env?: NodeJS.ProcessEnv;
}

export function defaultKeyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'cess-sync', 'keys.json.enc');
}

/**
 * The key store to use here: the OS keychain when a Secret Service (or the macOS/Windows
 * keychain) answers, else the passphrase-encrypted file when a passphrase is given (argument
 * or CESS_SYNC_PASSPHRASE), else a KeyStoreError ('no-store') that says what to do.
 * An existing key file is opened with the passphrase at once, so a wrong one fails here.
 */
export async function openKeyStore(opts: OpenKeyStoreOptions = {}): Promise<KeyStore> {
  const env = opts.env ?? process.env;
  const prefer = opts.prefer ?? 'auto';
  let keychainReason = 'not tried';
  if (prefer !== 'file') {
    const probe = await probeKeychain(opts.probeTimeoutMs);
    if (probe.ok) return new KeytarKeyStore();
    keychainReason = probe.reason;
    if (prefer === 'keychain') {
      throw new KeyStoreError(
        `the OS keychain was asked for but is not available: ${keychainReason}`,
        'no-keychain',
      );
    }
  }
  const passphrase = opts.passphrase ?? env[PASSPHRASE_ENV];
  const filePath = opts.filePath ?? defaultKeyFilePath(env);
  if (!passphrase) {
    throw new KeyStoreError(
      `no place to keep account keys: ${keychainReason === 'not tried' ? 'the key file was asked for' : `no OS keychain (${keychainReason})`}, ` +
        `and no passphrase for an encrypted key file. Either run inside a desktop session with a keyring ` +
        `(on a server: dbus-run-session + gnome-keyring-daemon --unlock), or set ${PASSPHRASE_ENV} ` +
        `(or pass a passphrase) to keep keys in ${filePath}, encrypted.`,
      'no-store',
    );
  }
  const store = new EncryptedFileKeyStore({
    path: filePath,
    passphrase,
    ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
  });
  await store.verify();
  return store;
}
