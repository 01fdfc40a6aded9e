// PReT round trips with real sr25519 accounts, rejection of tampered and malformed input, and
// a property test over random keys. Bit-exactness against Go is in pret.vectors.test.ts.
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  GROUP_ORDER,
  PretError,
  decapsulate,
  decapsulateReEncrypted,
  decodeCapsuleJson,
  decodeReKeyText,
  encapsulate,
  encodeCapsuleJson,
  encodeReKeyText,
  generateReKey,
  publicKeyFromAddress,
  publicKeyFromSecretScalar,
  randomSecretScalar,
  reEncrypt,
  secretScalarFromKeyringPair,
  secretScalarFromMnemonic,
  secretScalarFromSr25519,
  verifyCapsule,
  type Capsule,
  type Rng,
} from '../../src/cess/pret/index.js';

const OWNER_MNEMONIC = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const RECIPIENT_MNEMONIC =
  'legal winner thank year wave sausage worth useful legal winner thank yellow';

let owner: KeyringPair;
let recipient: KeyringPair;
let third: KeyringPair;
let derived: KeyringPair;

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  owner = keyring.addFromMnemonic(OWNER_MNEMONIC);
  recipient = keyring.addFromMnemonic(RECIPIENT_MNEMONIC);
  // Hard- and soft-derived accounts: their secret keys come from other code paths in sr25519.
  third = keyring.addFromUri(`${OWNER_MNEMONIC}//third`);
  derived = keyring.addFromUri(`${RECIPIENT_MNEMONIC}//hard/soft`);
});

function expectPretError(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a PretError').toBeInstanceOf(PretError);
  expect((caught as PretError).code).toBe(code);
  if (message) expect((caught as PretError).message).toMatch(message);
}

function flipByte(capsule: Capsule, field: 'E' | 'V' | 'S', index: number, mask = 0x01): Capsule {
  const copy = { E: capsule.E.slice(), V: capsule.V.slice(), S: capsule.S.slice() };
  copy[field][index] = (copy[field][index] ?? 0) ^ mask;
  return copy;
}

describe('PReT owner -> proxy -> recipient with sr25519 accounts', () => {
  it('round-trips through capsule JSON, the re-key text and addresses', () => {
    const skOwner = secretScalarFromKeyringPair(owner);
    const skRecipient = secretScalarFromKeyringPair(recipient);
    expect(skOwner).toEqual(secretScalarFromMnemonic(OWNER_MNEMONIC));

    // Uploader side: only the owner's address is needed.
    const { key, capsule } = encapsulate(publicKeyFromAddress(owner.address));
    const capsuleJson = encodeCapsuleJson(capsule);
    expect(decapsulate(skOwner, decodeCapsuleJson(capsuleJson))).toEqual(key);

    // Owner delegates to the recipient's address.
    const { rk, X } = generateReKey(skOwner, publicKeyFromAddress(recipient.address));
    const rkText = encodeReKeyText(rk);

    // Proxy: sees only JSON, the re-key text and X.
    const reJson = encodeCapsuleJson(
      reEncrypt(decodeReKeyText(rkText), decodeCapsuleJson(capsuleJson)),
    );

    // Recipient.
    expect(decapsulateReEncrypted(skRecipient, X, decodeCapsuleJson(reJson))).toEqual(key);
  });

  it('works for derived keyring accounts (hard and soft paths)', () => {
    const skThird = secretScalarFromKeyringPair(third);
    const skDerived = secretScalarFromKeyringPair(derived);
    expect(publicKeyFromSecretScalar(skDerived)).toEqual(derived.publicKey);
    const { key, capsule } = encapsulate(third.publicKey);
    expect(decapsulate(skThird, capsule)).toEqual(key);
    const { rk, X } = generateReKey(skThird, derived.publicKey);
    expect(decapsulateReEncrypted(skDerived, X, reEncrypt(rk, capsule))).toEqual(key);
  });

  it('gives a third party a different key', () => {
    const skOwner = secretScalarFromKeyringPair(owner);
    const skThird = secretScalarFromKeyringPair(third);
    const { key, capsule } = encapsulate(owner.publicKey);
    expect(decapsulate(skThird, capsule)).not.toEqual(key);
    const { rk, X } = generateReKey(skOwner, recipient.publicKey);
    const re = reEncrypt(rk, capsule);
    expect(decapsulateReEncrypted(skThird, X, re)).not.toEqual(key);
    // The owner cannot use the recipient's path either, and a re-key for someone else is useless.
    expect(decapsulateReEncrypted(skOwner, X, re)).not.toEqual(key);
    const other = generateReKey(skOwner, third.publicKey);
    expect(
      decapsulateReEncrypted(
        secretScalarFromKeyringPair(recipient),
        other.X,
        reEncrypt(other.rk, capsule),
      ),
    ).not.toEqual(key);
  });

  it('uses fresh randomness by default', () => {
    const a = encapsulate(owner.publicKey);
    const b = encapsulate(owner.publicKey);
    expect(a.key).not.toEqual(b.key);
    expect(a.capsule.E).not.toEqual(b.capsule.E);
    const skOwner = secretScalarFromKeyringPair(owner);
    expect(generateReKey(skOwner, recipient.publicKey).X).not.toEqual(
      generateReKey(skOwner, recipient.publicKey).X,
    );
  });

  it('marks a re-encrypted capsule as such: no second re-encryption, no owner decapsulation', () => {
    const skOwner = secretScalarFromKeyringPair(owner);
    const { capsule } = encapsulate(owner.publicKey);
    expect(verifyCapsule(capsule)).toBe(true);
    const { rk } = generateReKey(skOwner, recipient.publicKey);
    const re = reEncrypt(rk, capsule);
    expect(verifyCapsule(re)).toBe(false);
    expectPretError(() => reEncrypt(rk, re), 'CAPSULE_CHECK_FAILED', /already re-encrypted/);
    expectPretError(
      () => decapsulate(skOwner, re),
      'CAPSULE_CHECK_FAILED',
      /decapsulateReEncrypted/,
    );
  });
});

describe('PReT rejects tampered capsules', () => {
  it('reEncrypt refuses a capsule with any one byte of E, V or S changed', () => {
    const skOwner = secretScalarFromKeyringPair(owner);
    const { capsule } = encapsulate(owner.publicKey);
    const { rk } = generateReKey(skOwner, recipient.publicKey);
    for (const field of ['E', 'V', 'S'] as const) {
      for (let i = 0; i < 32; i++) {
        const bad = flipByte(capsule, field, i, i % 2 === 0 ? 0x01 : 0x80);
        let caught: unknown;
        try {
          reEncrypt(rk, bad);
        } catch (err) {
          caught = err;
        }
        expect(caught, `${field}[${i}]`).toBeInstanceOf(PretError);
        expect(['INVALID_CAPSULE', 'CAPSULE_CHECK_FAILED'], `${field}[${i}]`).toContain(
          (caught as PretError).code,
        );
      }
    }
  });

  it('reEncrypt refuses a capsule whose components were swapped or replayed', () => {
    const skOwner = secretScalarFromKeyringPair(owner);
    const a = encapsulate(owner.publicKey).capsule;
    const b = encapsulate(owner.publicKey).capsule;
    const { rk } = generateReKey(skOwner, recipient.publicKey);
    expectPretError(() => reEncrypt(rk, { E: a.V, V: a.E, S: a.S }), 'CAPSULE_CHECK_FAILED');
    expectPretError(() => reEncrypt(rk, { E: a.E, V: a.V, S: b.S }), 'CAPSULE_CHECK_FAILED');
    expectPretError(() => reEncrypt(rk, { E: a.E, V: b.V, S: a.S }), 'CAPSULE_CHECK_FAILED');
  });
});

describe('PReT rejects malformed input with clear errors', () => {
  const good = () =>
    encodeCapsuleJson(
      encapsulate(hexToBytes('46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a'))
        .capsule,
    );
  const withField = (field: 'E' | 'V' | 'S', value: unknown) => {
    const obj = JSON.parse(good()) as Record<string, unknown>;
    obj[field] = value;
    return JSON.stringify(obj);
  };
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const leBytes = (n: bigint) => {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
    return out;
  };

  it('accepts the canonical form and nothing looser', () => {
    const json = good();
    expect(encodeCapsuleJson(decodeCapsuleJson(json))).toBe(json);
    expect(json).toMatch(
      /^\{"E":"[A-Za-z0-9+/]{43}=","V":"[A-Za-z0-9+/]{43}=","S":"[A-Za-z0-9+/]{43}="\}$/,
    );
  });

  it.each([
    ['not JSON', 'nope', /not valid JSON/],
    ['empty', '', /not valid JSON/],
    ['null', 'null', /expected a JSON object/],
    ['an array', '["a","b","c"]', /expected a JSON object/],
    ['a string', '"E"', /expected a JSON object/],
  ])('rejects %s', (_what, text, message) => {
    expectPretError(() => decodeCapsuleJson(text), 'INVALID_CAPSULE', message);
  });

  it('rejects missing, extra and wrongly-cased fields (Go would accept the last two)', () => {
    const obj = JSON.parse(good()) as Record<string, string>;
    expectPretError(
      () => decodeCapsuleJson(JSON.stringify({ E: obj.E, V: obj.V })),
      'INVALID_CAPSULE',
      /missing field\(s\) "S"/,
    );
    expectPretError(
      () => decodeCapsuleJson(JSON.stringify({ ...obj, X: 'y' })),
      'INVALID_CAPSULE',
      /unexpected field\(s\) "X"/,
    );
    expectPretError(
      () => decodeCapsuleJson(JSON.stringify({ e: obj.E, v: obj.V, s: obj.S })),
      'INVALID_CAPSULE',
      /unexpected field/,
    );
  });

  it.each([
    ['a number', 42, /expected a base64 string, got number/],
    ['null', null, /expected a base64 string/],
    ['unpadded base64', 'A'.repeat(43), /44 characters/],
    ['URL-safe alphabet', `${'-'.repeat(43)}=`, /44 characters/],
    ['31 bytes', b64(new Uint8Array(31)), /44 characters/],
    ['33 bytes', b64(new Uint8Array(33)), /44 characters/],
    ['a line break', `${'A'.repeat(20)}\n${'A'.repeat(23)}=`, /44 characters/],
    ['non-zero unused bits', `${'A'.repeat(42)}B=`, /non-canonical base64/],
    ['hex instead of base64', '00'.repeat(32), /44 characters/],
  ])('rejects E given as %s', (_what, value, message) => {
    expectPretError(() => decodeCapsuleJson(withField('E', value)), 'INVALID_CAPSULE', message);
  });

  it('rejects the identity and non-canonical points', () => {
    expectPretError(
      () => decodeCapsuleJson(withField('V', b64(new Uint8Array(32)))),
      'INVALID_CAPSULE',
      /capsule\.V: must not be the identity/,
    );
    const negative = new Uint8Array(32);
    negative[0] = 1; // odd s: "negative" field element, never a canonical encoding
    expectPretError(
      () => decodeCapsuleJson(withField('E', b64(negative))),
      'INVALID_CAPSULE',
      /capsule\.E: not a canonical ristretto255/,
    );
    const overP = new Uint8Array(32).fill(0xff);
    overP[31] = 0x7f; // 2^255 - 1 > p
    expectPretError(
      () => decodeCapsuleJson(withField('E', b64(overP))),
      'INVALID_CAPSULE',
      /not a canonical ristretto255/,
    );
  });

  it('rejects non-canonical and zero scalars', () => {
    expectPretError(
      () => decodeCapsuleJson(withField('S', b64(leBytes(GROUP_ORDER)))),
      'INVALID_CAPSULE',
      /capsule\.S: not a canonical scalar/,
    );
    expectPretError(
      () => decodeCapsuleJson(withField('S', b64(leBytes(2n ** 256n - 1n)))),
      'INVALID_CAPSULE',
      /not a canonical scalar/,
    );
    expectPretError(
      () => decodeCapsuleJson(withField('S', b64(new Uint8Array(32)))),
      'INVALID_CAPSULE',
      /capsule\.S: must not be zero/,
    );
  });

  it('rejects bad lengths and values for keys, re-keys and X', () => {
    const skOwner = secretScalarFromKeyringPair(owner);
    const { capsule } = encapsulate(owner.publicKey);
    const { rk, X } = generateReKey(skOwner, recipient.publicKey);
    expectPretError(
      () => encapsulate(new Uint8Array(31)),
      'INVALID_PUBLIC_KEY',
      /expected 32 bytes, got 31 bytes/,
    );
    expectPretError(() => encapsulate(new Uint8Array(32)), 'INVALID_PUBLIC_KEY', /identity/);
    expectPretError(
      () => decapsulate(new Uint8Array(32), capsule),
      'INVALID_SECRET_KEY',
      /must not be zero/,
    );
    expectPretError(
      () => decapsulate(leBytes(GROUP_ORDER + 1n), capsule),
      'INVALID_SECRET_KEY',
      /not a canonical scalar/,
    );
    expectPretError(
      () => generateReKey(skOwner, new Uint8Array(33)),
      'INVALID_PUBLIC_KEY',
      /33 bytes/,
    );
    expectPretError(
      () => reEncrypt(new Uint8Array(32), capsule),
      'INVALID_RE_KEY',
      /must not be zero/,
    );
    expectPretError(() => reEncrypt(rk.subarray(1), capsule), 'INVALID_RE_KEY', /31 bytes/);
    expectPretError(
      () => decapsulateReEncrypted(skOwner, X.subarray(0, 16), reEncrypt(rk, capsule)),
      'INVALID_RE_KEY',
      /X: expected 32 bytes/,
    );
    expectPretError(
      () => decodeReKeyText(encodeReKeyText(rk).replace('=', '')),
      'INVALID_RE_KEY',
      /44 characters/,
    );
    expectPretError(
      () => decodeReKeyText(b64(leBytes(GROUP_ORDER))),
      'INVALID_RE_KEY',
      /not a canonical scalar/,
    );
  });

  it('rejects sr25519 secret keys that are not in the polkadot.js layout', () => {
    const pair = sr25519PairFromSeed(new Uint8Array(32).fill(7));
    expect(bytesToHex(publicKeyFromSecretScalar(secretScalarFromSr25519(pair.secretKey)))).toBe(
      bytesToHex(pair.publicKey),
    );
    expectPretError(
      () => secretScalarFromSr25519(pair.secretKey.subarray(0, 32)),
      'INVALID_SECRET_KEY',
      /expected 64 bytes/,
    );
    const shifted = pair.secretKey.slice();
    shifted[0] = (shifted[0] ?? 0) | 1;
    expectPretError(() => secretScalarFromSr25519(shifted), 'INVALID_SECRET_KEY', /low 3 bits/);
    const tooBig = pair.secretKey.slice();
    tooBig.set(leBytes(GROUP_ORDER * 8n), 0);
    expectPretError(() => secretScalarFromSr25519(tooBig), 'INVALID_SECRET_KEY', /group order/);
    expectPretError(
      () => secretScalarFromSr25519(pair.secretKey, owner.publicKey),
      'INVALID_SECRET_KEY',
      /expected public key/,
    );
  });

  it('rejects unusable addresses and keyring pairs', () => {
    expectPretError(
      () => publicKeyFromAddress('not an address'),
      'INVALID_PUBLIC_KEY',
      /cannot decode/,
    );
    expectPretError(
      () => publicKeyFromAddress(`0x${'00'.repeat(32)}`),
      'INVALID_PUBLIC_KEY',
      /identity/,
    );
    expectPretError(
      () => publicKeyFromAddress(`0x${'00'.repeat(20)}`),
      'INVALID_PUBLIC_KEY',
      /32-byte account id/,
    );
    const ed = new Keyring({ type: 'ed25519' }).addFromMnemonic(OWNER_MNEMONIC);
    expectPretError(
      () => secretScalarFromKeyringPair(ed),
      'INVALID_SECRET_KEY',
      /needs an sr25519 pair/,
    );
    const locked = new Keyring({ type: 'sr25519' }).addFromAddress(owner.address);
    expectPretError(() => secretScalarFromKeyringPair(locked), 'INVALID_SECRET_KEY', /locked/);
    expectPretError(
      () => secretScalarFromMnemonic('not a mnemonic at all'),
      'INVALID_SECRET_KEY',
      /mnemonic/,
    );
  });

  it('rejects a broken rng', () => {
    const short: Rng = (n) => new Uint8Array(n - 1);
    expectPretError(
      () => encapsulate(owner.publicKey, short),
      'RNG_FAILURE',
      /asked for 64 bytes, got 63/,
    );
    const zeros: Rng = (n) => new Uint8Array(n);
    expectPretError(() => encapsulate(owner.publicKey, zeros), 'RNG_FAILURE', /only zero scalars/);
  });
});

describe('PReT property: round trip over random keys', () => {
  it('owner, proxy and recipient agree; a third party does not', () => {
    const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const wide = fc.uint8Array({ minLength: 64, maxLength: 64 });
    fc.assert(
      fc.property(seed, seed, seed, wide, wide, wide, (a, b, c, e, v, x) => {
        fc.pre(bytesToHex(a) !== bytesToHex(c) && bytesToHex(b) !== bytesToHex(c));
        const keys = [a, b, c].map((s) => {
          const pair = sr25519PairFromSeed(s);
          return {
            sk: secretScalarFromSr25519(pair.secretKey, pair.publicKey),
            pk: pair.publicKey,
          };
        });
        const [A, B, C] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
        const queue = [e, v, x];
        const rng: Rng = (n) => queue.shift() ?? new Uint8Array(n);
        const { key, capsule } = encapsulate(A.pk, rng);
        const json = encodeCapsuleJson(capsule);
        expect(decapsulate(A.sk, decodeCapsuleJson(json))).toEqual(key);
        const { rk, X } = generateReKey(A.sk, B.pk, rng);
        const re = decodeCapsuleJson(
          encodeCapsuleJson(
            reEncrypt(decodeReKeyText(encodeReKeyText(rk)), decodeCapsuleJson(json)),
          ),
        );
        expect(decapsulateReEncrypted(B.sk, X, re)).toEqual(key);
        expect(decapsulateReEncrypted(C.sk, X, re)).not.toEqual(key);
        expect(decapsulate(C.sk, capsule)).not.toEqual(key);
      }),
      { numRuns: 25, seed: 0x9e7 },
    );
  });
});

describe('PReT randomSecretScalar', () => {
  it('makes distinct usable key pairs', () => {
    const a = randomSecretScalar();
    const b = randomSecretScalar();
    expect(a).not.toEqual(b);
    const { key, capsule } = encapsulate(publicKeyFromSecretScalar(a));
    expect(decapsulate(a, capsule)).toEqual(key);
  });
});

describe('encapsulation to many keys (the per-key tables are a bounded cache)', () => {
  it('each key decapsulates its own capsules, in any order, beyond the cache size', () => {
    const sks = Array.from({ length: 7 }, () => randomSecretScalar());
    const pks = sks.map((sk) => publicKeyFromSecretScalar(sk));
    for (const round of [0, 1]) {
      for (let i = 0; i < sks.length; i++) {
        const j = round === 0 ? i : sks.length - 1 - i;
        const { key, capsule } = encapsulate(pks[j]!);
        expect(decapsulate(sks[j]!, decodeCapsuleJson(encodeCapsuleJson(capsule)))).toEqual(key);
        expect(() => decapsulate(sks[(j + 1) % sks.length]!, capsule)).not.toThrow();
        expect(decapsulate(sks[(j + 1) % sks.length]!, capsule)).not.toEqual(key);
      }
    }
  });

  it('a capsule altered after encapsulate is still refused on encoding', () => {
    const { capsule } = encapsulate(publicKeyFromSecretScalar(randomSecretScalar()));
    const bad: Capsule = { ...capsule, E: new Uint8Array(32).fill(0xff) };
    expect(() => encodeCapsuleJson(bad)).toThrow(PretError);
  });
});
