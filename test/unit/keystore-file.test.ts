import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EncryptedFileKeyStore,
  KeyStoreError,
  openKeyStore,
  type ScryptParams,
} from '../../src/cess/keystore/index.js';

// The minimum cost the store accepts, to keep the suite fast; production uses N = 2^17.
const FAST: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };
const PHRASE =
  'abandon ability able about above absent absorb abstract absurd abuse access accident';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cess-keystore-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('EncryptedFileKeyStore', () => {
  it('stores, lists, reads back and deletes secrets across instances', async () => {
    const file = path.join(dir, 'sub', 'keys.json.enc');
    const a = new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse', scrypt: FAST });
    expect(await a.get('cXalice')).toBeNull();
    await a.set('cXalice', PHRASE);
    await a.set('cXbob', 'bob secret');
    const b = new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse', scrypt: FAST });
    expect(await b.get('cXalice')).toBe(PHRASE);
    expect(await b.list()).toEqual(['cXalice', 'cXbob']);
    expect(await b.delete('cXbob')).toBe(true);
    expect(await b.delete('cXbob')).toBe(false);
    expect(await a.list()).toEqual(['cXalice']);
  });

  it('never writes the secret in clear, keeps the file 0600 in a 0700 directory, leaves no temp files', async () => {
    const file = path.join(dir, 'cfg', 'keys.json.enc');
    const s = new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse', scrypt: FAST });
    await s.set('cXalice', PHRASE);
    await s.set('cXalice', PHRASE + ' x');
    const raw = readFileSync(file);
    expect(raw.includes(Buffer.from('abandon'))).toBe(false);
    expect(raw.includes(Buffer.from('cXalice'))).toBe(false); // account names are encrypted too
    const doc = JSON.parse(raw.toString('utf8')) as {
      kdf: { name: string; N: number };
      cipher: { name: string };
    };
    expect(doc.kdf).toMatchObject({ name: 'scrypt', N: FAST.N });
    expect(doc.cipher.name).toBe('aes-256-gcm');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readdirSync(path.dirname(file))).toEqual(['keys.json.enc']);
  });

  it('uses strong scrypt parameters by default', async () => {
    const file = path.join(dir, 'keys.json.enc');
    await new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse' }).set('a', 'b');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { kdf: { N: number; r: number } };
    expect(doc.kdf.N).toBe(2 ** 17);
    expect(doc.kdf.r).toBe(8);
  });

  it('refuses a wrong passphrase and a tampered file, saying which file', async () => {
    const file = path.join(dir, 'keys.json.enc');
    await new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse', scrypt: FAST }).set(
      'cXalice',
      PHRASE,
    );
    const wrong = new EncryptedFileKeyStore({
      path: file,
      passphrase: 'wrong horse',
      scrypt: FAST,
    });
    await expect(wrong.get('cXalice')).rejects.toMatchObject({
      code: 'wrong-passphrase',
      message: `cannot open the key file ${file}: wrong passphrase, or the file was modified`,
    });
    // Lowering the KDF cost in the header (to speed up guessing) breaks authentication.
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { kdf: { N: number } };
    doc.kdf.N = 2 ** 15;
    writeFileSync(file, JSON.stringify(doc));
    await expect(
      new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse', scrypt: FAST }).get(
        'cXalice',
      ),
    ).rejects.toMatchObject({ code: 'wrong-passphrase' });
    writeFileSync(file, 'not json');
    await expect(
      new EncryptedFileKeyStore({ path: file, passphrase: 'correct horse', scrypt: FAST }).list(),
    ).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('rejects short passphrases and weak KDF parameters', () => {
    expect(
      () => new EncryptedFileKeyStore({ path: path.join(dir, 'k'), passphrase: 'short' }),
    ).toThrow(KeyStoreError);
    expect(
      () =>
        new EncryptedFileKeyStore({
          path: path.join(dir, 'k'),
          passphrase: 'long enough',
          scrypt: { N: 1024, r: 8, p: 1 },
        }),
    ).toThrow(/too weak/);
  });

  it('serialises concurrent writes of one instance (no lost update)', async () => {
    const s = new EncryptedFileKeyStore({
      path: path.join(dir, 'keys.json.enc'),
      passphrase: 'correct horse',
      scrypt: FAST,
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => s.set(`acct${i}`, `secret${i}`)));
    expect(await s.list()).toHaveLength(8);
  });
});

describe('openKeyStore without a keychain', () => {
  // No D-Bus session: the keychain probe fails fast, whatever the test runner has.
  const env = { HOME: '/nonexistent' } as NodeJS.ProcessEnv;
  const noBus = async <T>(fn: () => Promise<T>): Promise<T> => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    try {
      return await fn();
    } finally {
      if (saved !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  };

  it('uses the encrypted file when a passphrase is given (argument or CESS_SYNC_PASSPHRASE)', async () => {
    if (process.platform !== 'linux') return;
    const file = path.join(dir, 'keys.json.enc');
    const s = await noBus(() =>
      openKeyStore({
        env: { ...env, CESS_SYNC_PASSPHRASE: 'from the env var' },
        filePath: file,
        scrypt: FAST,
      }),
    );
    expect(s.kind).toBe('file');
    expect(s.location).toBe(file);
    await s.set('cXalice', PHRASE);
    // An existing file with the wrong passphrase fails at open, not at first use.
    await expect(
      noBus(() => openKeyStore({ env, passphrase: 'not the one', filePath: file, scrypt: FAST })),
    ).rejects.toMatchObject({ code: 'wrong-passphrase' });
  });

  it('says what to do when there is neither a keychain nor a passphrase', async () => {
    if (process.platform !== 'linux') return;
    const err = await noBus(() => openKeyStore({ env: { XDG_CONFIG_HOME: dir } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeyStoreError);
    expect((err as KeyStoreError).code).toBe('no-store');
    expect((err as Error).message).toBe(
      'no place to keep account keys: no OS keychain (no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service), ' +
        'and no passphrase for an encrypted key file. Either run inside a desktop session with a keyring ' +
        '(on a server: dbus-run-session + gnome-keyring-daemon --unlock), or set CESS_SYNC_PASSPHRASE ' +
        `(or pass a passphrase) to keep keys in ${path.join(dir, 'cess-sync', 'keys.json.enc')}, encrypted.`,
    );
  });
});
