import { KEYCHAIN_SERVICE, KeyStoreError, type KeyStore } from './types.js';

type Keytar = typeof import('keytar');

let keytarModule: Promise<Keytar> | undefined;

/** keytar is a native module: loaded lazily so a machine without libsecret still runs the file store. */
async function loadKeytar(): Promise<Keytar> {
  keytarModule ??= import('keytar').then(
    (m) => ((m as { default?: Keytar }).default ?? m) as Keytar,
  );
  return keytarModule;
}

function explain(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether an OS keychain answers (on Linux: a Secret Service such as gnome-keyring on the
 * session D-Bus, unlocked). Resolves to `{ ok: false, reason }` instead of throwing; a probe
 * that does not answer within `timeoutMs` counts as absent (libsecret can block on a locked
 * keyring waiting for a prompt nobody will see).
 */
export async function probeKeychain(
  timeoutMs = 3_000,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  let keytar: Keytar;
  try {
    keytar = await loadKeytar();
  } catch (err) {
    return {
      ok: false,
      reason: `keytar (the OS keychain module) cannot be loaded: ${explain(err)}`,
    };
  }
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
    return {
      ok: false,
      reason: 'no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service',
    };
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      keytar.findCredentials(`${KEYCHAIN_SERVICE}-probe`),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeoutMs} ms (keyring locked?)`)),
          timeoutMs,
        );
        timer.unref();
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `the OS keychain does not answer: ${explain(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Secrets in the OS keychain (macOS Keychain, Windows Credential Vault, Secret Service on Linux). */
export class KeytarKeyStore implements KeyStore {
  readonly kind = 'keychain' as const;
  readonly location: string;

  constructor(private readonly service: string = KEYCHAIN_SERVICE) {
    this.location =
      process.platform === 'darwin'
        ? 'macOS Keychain'
        : process.platform === 'win32'
          ? 'Windows Credential Manager'
          : 'Secret Service (OS keyring)';
  }

  private async call<T>(what: string, fn: (k: Keytar) => Promise<T>): Promise<T> {
    const keytar = await loadKeytar().catch((err: unknown) => {
      throw new KeyStoreError(`the OS keychain is not available: ${explain(err)}`, 'no-keychain', {
        cause: err,
      });
    });
    try {
      return await fn(keytar);
    } catch (err) {
      throw new KeyStoreError(`OS keychain ${what} failed: ${explain(err)}`, 'no-keychain', {
        cause: err,
      });
    }
  }

  get(account: string): Promise<string | null> {
    return this.call('read', (k) => k.getPassword(this.service, account));
  }

  set(account: string, secret: string): Promise<void> {
    return this.call('write', (k) => k.setPassword(this.service, account, secret));
  }

  delete(account: string): Promise<boolean> {
    return this.call('delete', (k) => k.deletePassword(this.service, account));
  }

  async list(): Promise<string[]> {
    const creds = await this.call('list', (k) => k.findCredentials(this.service));
    return creds.map((c) => c.account).sort();
  }
}
