import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEYCHAIN_SERVICE,
  KeytarKeyStore,
  openKeyStore,
  probeKeychain,
} from '../../src/cess/keystore/index.js';

// Runs against the real OS keychain: on Linux the Secret Service of gnome-keyring, which
// scripts/test.sh starts (dbus-run-session + gnome-keyring-daemon --unlock). Without one the
// tests are skipped with the reason, unless CI or CESS_SYNC_REQUIRE_KEYCHAIN demand it.
const required = Boolean(process.env.CI || process.env.CESS_SYNC_REQUIRE_KEYCHAIN);
const probe = await probeKeychain(5_000);
const reason = probe.ok ? '' : probe.reason;
if (!probe.ok && !required) {
  console.warn(
    `[keystore] SKIPPED keychain tests: ${reason}. Run them with scripts/test.sh, or: ` +
      `dbus-run-session -- bash -c 'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; npx vitest run test/integration/keystore'`,
  );
}

describe('OS keychain', () => {
  it.runIf(required && !probe.ok)(
    'is required here (CI / CESS_SYNC_REQUIRE_KEYCHAIN) but does not answer',
    () => {
      throw new Error(
        `No Secret Service answers (${reason}), and CI or CESS_SYNC_REQUIRE_KEYCHAIN is set, so the keychain tests may not be skipped. ` +
          'Run the suite through scripts/test.sh (dbus-run-session + an unlocked gnome-keyring-daemon).',
      );
    },
  );

  describe.runIf(probe.ok)('KeytarKeyStore on the real Secret Service', () => {
    const store = new KeytarKeyStore();
    const account = `cXtest${randomBytes(6).toString('hex')}`;
    const phrase =
      'abandon ability able about above absent absorb abstract absurd abuse access accident';

    beforeAll(async () => {
      await store.delete(account);
    });
    afterAll(async () => {
      await store.delete(account).catch(() => false);
    });

    it('stores, lists, reads back and deletes a secret under the cess-sync service', async () => {
      expect(KEYCHAIN_SERVICE).toBe('cess-sync');
      expect(await store.get(account)).toBeNull();
      await store.set(account, phrase);
      expect(await store.get(account)).toBe(phrase);
      expect(await store.list()).toContain(account);
      // A second instance (another process would do the same) sees it: it lives in the keyring.
      expect(await new KeytarKeyStore().get(account)).toBe(phrase);
      await store.set(account, `${phrase} changed`);
      expect(await store.get(account)).toBe(`${phrase} changed`);
      expect(await store.delete(account)).toBe(true);
      expect(await store.delete(account)).toBe(false);
      expect(await store.get(account)).toBeNull();
    });

    it('is what openKeyStore picks when the keychain answers, even with a passphrase set', async () => {
      const s = await openKeyStore({ passphrase: 'would be used for the file store' });
      expect(s.kind).toBe('keychain');
      expect(s.location).toMatch(/Secret Service|Keychain|Credential/);
    });
  });
});
