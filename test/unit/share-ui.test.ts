/**
 * The share screens' pure parts (src/renderer/share): the in-page ss58 check against
 * @polkadot/util-crypto (the daemon's own decoder), BLAKE2b-512 against the reference, expiry
 * choices, path joining, error wording and link intake from the fragment.
 */
import { blake2AsU8a, cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { blake2b512 } from '../../src/renderer/share/blake2b.js';
import { decodeSs58, recipientProblem } from '../../src/renderer/share/ss58.js';
import {
  cleanPastedLink,
  expiryFrom,
  joinSharePath,
  receiveErrorText,
  shareLinkFromHash,
  shareState,
} from '../../src/renderer/share/wording.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import {
  MAX_RECEIVED_RECORDS,
  addReceivedRecord,
  listReceivedRecords,
} from '../../src/sync/share/received.js';

const CESS = 11330;

beforeAll(async () => {
  await cryptoWaitReady();
});

describe('blake2b512', () => {
  it('matches @polkadot/util-crypto on inputs of every block boundary', () => {
    for (const n of [0, 1, 3, 41, 127, 128, 129, 255, 256, 257, 1000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
      expect(Buffer.from(blake2b512(data)).toString('hex')).toBe(
        Buffer.from(blake2AsU8a(data, 512)).toString('hex'),
      );
    }
  });

  it('matches on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (data) => {
        expect(Buffer.from(blake2b512(data)).equals(Buffer.from(blake2AsU8a(data, 512)))).toBe(
          true,
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('ss58 addresses in the page', () => {
  it('decodes what @polkadot encodes, 1- and 2-byte prefixes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(0, 2, 42, 63, 64, 255, CESS, 16383),
        (pk, prefix) => {
          const r = decodeSs58(encodeAddress(pk, prefix));
          expect(r.ok).toBe(true);
          if (r.ok) {
            expect(r.prefix).toBe(prefix);
            expect(Buffer.from(r.publicKey).equals(Buffer.from(pk))).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a typo (checksum), a truncation, foreign characters and empty input', () => {
    const good = encodeAddress(new Uint8Array(32).fill(7), CESS);
    const flipped = good.slice(0, 10) + (good[10] === 'a' ? 'b' : 'a') + good.slice(11);
    expect(recipientProblem(flipped, null)).toMatch(/checksum|length/);
    expect(recipientProblem(good.slice(0, -2), null)).toMatch(/wrong length|checksum/);
    expect(recipientProblem(`${good}0`, null)).toMatch(/characters/);
    expect(recipientProblem('  ', null)).toMatch(/Enter/);
    // Every single-character change is refused (checksum or length).
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    for (let i = 0; i < good.length; i++) {
      const c = alphabet[(alphabet.indexOf(good[i] as string) + 1) % 58] as string;
      expect(decodeSs58(good.slice(0, i) + c + good.slice(i + 1)).ok).toBe(false);
    }
  });

  it("wants this network's format and another account than the owner's", () => {
    const own = encodeAddress(new Uint8Array(32).fill(1), CESS);
    const other = new Uint8Array(32).fill(2);
    expect(recipientProblem(encodeAddress(other, CESS), own)).toBeNull();
    expect(recipientProblem(encodeAddress(other, 42), own)).toBe(
      'That is an address of another network (ss58 format 42); this network uses format 11330.',
    );
    expect(recipientProblem(own, own)).toMatch(/your own account/);
    // The same key under another prefix is still the owner... but first another network.
    expect(recipientProblem(encodeAddress(new Uint8Array(32).fill(1), 42), own)).toMatch(
      /another network/,
    );
  });
});

describe('share wording', () => {
  const now = new Date(2030, 0, 15, 12, 0, 0).getTime();

  it('expiry choices', () => {
    expect(expiryFrom('never', '', now)).toEqual({ expiresAt: null });
    expect(expiryFrom('1d', '', now)).toEqual({ expiresAt: now + 86_400_000 });
    expect(expiryFrom('30d', '', now)).toEqual({ expiresAt: now + 30 * 86_400_000 });
    expect(expiryFrom('custom', '2030-01-20', now)).toEqual({
      expiresAt: new Date(2030, 0, 20, 23, 59, 59, 999).getTime(),
    });
    // Today still works (until midnight); yesterday, nonsense and no date do not.
    expect(expiryFrom('custom', '2030-01-15', now)).toHaveProperty('expiresAt');
    expect(expiryFrom('custom', '2030-01-14', now)).toHaveProperty('invalid');
    expect(expiryFrom('custom', '2030-02-31', now)).toHaveProperty('invalid');
    expect(expiryFrom('custom', '', now)).toHaveProperty('invalid');
    expect(expiryFrom('soon', '', now)).toHaveProperty('invalid');
  });

  it('joins an item path to its folder root and refuses escapes', () => {
    expect(joinSharePath('/home/me/Sync', 'a/b.txt')).toBe('/home/me/Sync/a/b.txt');
    expect(joinSharePath('/home/me/Sync/', 'b.txt')).toBe('/home/me/Sync/b.txt');
    expect(joinSharePath('/home/me/Sync', '')).toBe('/home/me/Sync');
    expect(joinSharePath('/', 'x')).toBe('/x');
    expect(joinSharePath('C:\\Users\\me\\Sync', 'a/b.txt')).toBe('C:\\Users\\me\\Sync\\a\\b.txt');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', 'a\0b'])
      expect(joinSharePath('/home/me/Sync', bad)).toBeNull();
    expect(joinSharePath('', 'a')).toBeNull();
  });

  it('share states', () => {
    expect(shareState({ revokedAt: null, expiresAt: null }, now)).toBe('active');
    expect(shareState({ revokedAt: null, expiresAt: now - 1 }, now)).toBe('expired');
    expect(shareState({ revokedAt: now - 5, expiresAt: now - 1 }, now)).toBe('revoked');
  });

  it('receive errors are told apart by code', () => {
    const kinds = {
      NOT_FOR_THIS_ACCOUNT: 'not-for-account',
      EXPIRED: 'expired',
      BAD_LINK: 'invalid-link',
      BAD_SIGNATURE: 'invalid-link',
      WRONG_NETWORK: 'wrong-network',
      NOT_FOUND: 'unavailable',
      AUTH_FAILED: 'tampered-data',
      BAD_MANIFEST: 'tampered-data',
    };
    for (const [code, kind] of Object.entries(kinds))
      expect(receiveErrorText(400, code, 'x').kind).toBe(kind);
    expect(receiveErrorText(0, 'unreachable', 'x').kind).toBe('network');
    expect(receiveErrorText(500, 'internal', 'fetch failed').kind).toBe('network');
    expect(
      receiveErrorText(403, 'NOT_FOR_THIS_ACCOUNT', 'this share is for cX1, not for this account')
        .detail,
    ).toMatch(/^this share is for cX1, not for this account\. Only/);
  });

  it('reads #share= (alone or with the token) and cleans pasted links', () => {
    const link = 'cess-sync://share/v1/eyJ2IjoxfQ';
    expect(shareLinkFromHash(`#share=${encodeURIComponent(link)}`)).toBe(link);
    expect(shareLinkFromHash(`#token=${'a'.repeat(43)}&share=${encodeURIComponent(link)}`)).toBe(
      link,
    );
    expect(shareLinkFromHash('#share=https%3A%2F%2Fexample.com')).toBeNull();
    expect(shareLinkFromHash('#token=abc')).toBeNull();
    expect(cleanPastedLink(` cess-sync://share/v1/ab\n cd \n`)).toBe('cess-sync://share/v1/abcd');
  });
});

describe('the list of received shares (engine side)', () => {
  it('keeps the newest first, bounded, and skips unreadable entries', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-received-'));
    const m = Manifest.open(path.join(dir, 'manifest.sqlite'));
    try {
      expect(listReceivedRecords(m)).toEqual([]);
      const entry = (i: number) => ({
        id: `id${i}`,
        kind: 'file' as const,
        owner: 'cX',
        message: null,
        name: `f${i}`,
        size: i,
        fileCount: 1,
        createdAt: i,
        expiresAt: null,
        path: `/s/f${i}`,
        receivedAt: 1000 + i,
      });
      for (let i = 0; i < MAX_RECEIVED_RECORDS + 5; i++) addReceivedRecord(m, entry(i));
      const list = listReceivedRecords(m);
      expect(list).toHaveLength(MAX_RECEIVED_RECORDS);
      expect(list[0]?.name).toBe(`f${MAX_RECEIVED_RECORDS + 4}`);
      m.setState('sharesReceived', [{ nonsense: true }, entry(1)]);
      expect(listReceivedRecords(m).map((r) => r.name)).toEqual(['f1']);
      expect(() => addReceivedRecord(m, { ...entry(2), path: 5 as unknown as string })).toThrow();
    } finally {
      m.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
