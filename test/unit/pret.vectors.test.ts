// PReT against vectors from tools/pret-vectors (an independent Go port of cess-crypto's
// gosdk/pre.go on bwesterb/go-ristretto): every value must match bit for bit.
import { readFileSync } from 'node:fs';

import { Keyring } from '@polkadot/keyring';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  cryptoWaitReady,
  encodeAddress,
  mnemonicToEntropy,
  mnemonicToMiniSecret,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import { beforeAll, describe, expect, it } from 'vitest';

import {
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
  reEncrypt,
  secretScalarFromKeyringPair,
  secretScalarFromMnemonic,
  secretScalarFromSr25519,
  type PretError,
  type Rng,
} from '../../src/cess/pret/index.js';
import { encodeScalar, hashToScalar } from '../../src/cess/pret/group.js';

interface Account {
  name: string;
  mnemonic?: string;
  entropyHex?: string;
  miniSecretHex: string;
  secretScalarHex: string;
  polkadotSecretKeyHex: string;
  publicKeyHex: string;
}
interface Case {
  name: string;
  owner: string;
  recipient: string;
  third: string;
  eSeedHex: string;
  vSeedHex: string;
  xSeedHex: string;
  eScalarHex: string;
  vScalarHex: string;
  xScalarHex: string;
  EHex: string;
  VHex: string;
  SHex: string;
  hEVHex: string;
  sharedText: string;
  keyHex: string;
  capsuleJson: string;
  ownerKeyHex: string;
  thirdPartyOwnerKeyHex: string;
  XHex: string;
  dInputHex: string;
  dHex: string;
  rkHex: string;
  rkText: string;
  reEHex: string;
  reVHex: string;
  reCapsuleJson: string;
  recipientKeyHex: string;
  thirdPartyReKeyHex: string;
  reReEncryptRejected: boolean;
  tampered: { field: string; capsuleJson: string; goOutcome: 'decode-error' | 'verify-error' }[];
}
interface Vectors {
  accounts: Account[];
  hashToScalar: { inputHex: string; scalarHex: string }[];
  cases: Case[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/pret.json', import.meta.url), 'utf8'),
) as Vectors;
const accounts = new Map(vectors.accounts.map((a) => [a.name, a]));
const account = (name: string): Account => {
  const a = accounts.get(name);
  if (!a) throw new Error(`no account ${name} in vectors`);
  return a;
};
const sk = (name: string) => hexToBytes(account(name).secretScalarHex);
const pk = (name: string) => hexToBytes(account(name).publicKeyHex);

/** Hands out the given byte strings in order, as the Go tool fixed them. */
function fixedRng(...hex: string[]): Rng & { left: () => number } {
  const queue = hex.map((h) => hexToBytes(h));
  const rng = ((length: number) => {
    const next = queue.shift();
    if (!next) throw new Error('fixedRng: exhausted');
    if (next.length !== length) throw new Error(`fixedRng: asked ${length}, have ${next.length}`);
    return next;
  }) as Rng & { left: () => number };
  rng.left = () => queue.length;
  return rng;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as PretError).code ?? 'not a PretError';
  }
  return 'no error';
}

beforeAll(async () => {
  await cryptoWaitReady();
});

describe('PReT keys match the Go vectors', () => {
  it.each(vectors.accounts.map((a) => [a.name, a] as const))('%s', (_name, a) => {
    const mini = hexToBytes(a.miniSecretHex);
    // polkadot.js makes the same 64-byte secret key and public key from the seed...
    const pair = sr25519PairFromSeed(mini);
    expect(bytesToHex(pair.secretKey)).toBe(a.polkadotSecretKeyHex);
    expect(bytesToHex(pair.publicKey)).toBe(a.publicKeyHex);
    // ...and dividing by the cofactor gives schnorrkel's ExpandEd25519 scalar.
    expect(bytesToHex(secretScalarFromSr25519(pair.secretKey, pair.publicKey))).toBe(
      a.secretScalarHex,
    );
    expect(bytesToHex(publicKeyFromSecretScalar(hexToBytes(a.secretScalarHex)))).toBe(
      a.publicKeyHex,
    );
    expect(bytesToHex(publicKeyFromAddress(encodeAddress(pair.publicKey, 11330)))).toBe(
      a.publicKeyHex,
    );

    if (a.mnemonic) {
      expect(bytesToHex(mnemonicToEntropy(a.mnemonic))).toBe(a.entropyHex);
      expect(bytesToHex(mnemonicToMiniSecret(a.mnemonic))).toBe(a.miniSecretHex);
      expect(bytesToHex(secretScalarFromMnemonic(a.mnemonic))).toBe(a.secretScalarHex);
      const kp = new Keyring({ type: 'sr25519' }).addFromMnemonic(a.mnemonic);
      expect(bytesToHex(kp.publicKey)).toBe(a.publicKeyHex);
      expect(bytesToHex(secretScalarFromKeyringPair(kp))).toBe(a.secretScalarHex);
    }
  });

  it('the dev phrase gives the well-known root public key', () => {
    // Independent of both implementations: the documented sr25519 key of the Substrate dev phrase.
    expect(account('dev').publicKeyHex).toBe(
      '46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a',
    );
  });

  it('hash-to-scalar (SHA-512, wide reduction) matches', () => {
    for (const h of vectors.hashToScalar) {
      expect(bytesToHex(encodeScalar(hashToScalar(hexToBytes(h.inputHex))))).toBe(h.scalarHex);
    }
  });
});

describe.each(vectors.cases.map((c) => [c.name, c] as const))('PReT vector %s', (_name, c) => {
  it('encapsulates to the owner exactly as Go', () => {
    const rng = fixedRng(c.eSeedHex, c.vSeedHex);
    const { key, capsule } = encapsulate(pk(c.owner), rng);
    expect(rng.left()).toBe(0);
    expect(bytesToHex(capsule.E)).toBe(c.EHex);
    expect(bytesToHex(capsule.V)).toBe(c.VHex);
    expect(bytesToHex(capsule.S)).toBe(c.SHex);
    expect(bytesToHex(key)).toBe(c.keyHex);
    expect(encodeCapsuleJson(capsule)).toBe(c.capsuleJson);
    // Intermediate values, to locate a mismatch quickly.
    expect(bytesToHex(encodeScalar(hashToScalar(capsule.E, capsule.V)))).toBe(c.hEVHex);
  });

  it('the owner and a third party decapsulate as Go', () => {
    const capsule = decodeCapsuleJson(c.capsuleJson);
    expect(bytesToHex(decapsulate(sk(c.owner), capsule))).toBe(c.ownerKeyHex);
    expect(c.ownerKeyHex).toBe(c.keyHex);
    expect(bytesToHex(decapsulate(sk(c.third), capsule))).toBe(c.thirdPartyOwnerKeyHex);
    expect(c.thirdPartyOwnerKeyHex).not.toBe(c.keyHex);
  });

  it('generates the re-key as Go', () => {
    const rng = fixedRng(c.xSeedHex);
    const { rk, X } = generateReKey(sk(c.owner), pk(c.recipient), rng);
    expect(bytesToHex(X)).toBe(c.XHex);
    expect(bytesToHex(encodeScalar(hashToScalar(hexToBytes(c.dInputHex))))).toBe(c.dHex);
    expect(bytesToHex(rk)).toBe(c.rkHex);
    expect(encodeReKeyText(rk)).toBe(c.rkText);
    expect(bytesToHex(decodeReKeyText(c.rkText))).toBe(c.rkHex);
    // d's input is X ‖ pkB ‖ 44 characters of base64 text.
    const dInput = hexToBytes(c.dInputHex);
    expect(dInput.length).toBe(108);
    expect(bytesToHex(dInput.subarray(0, 32))).toBe(c.XHex);
    expect(bytesToHex(dInput.subarray(32, 64))).toBe(account(c.recipient).publicKeyHex);
  });

  it('re-encrypts and the recipient decapsulates as Go', () => {
    const re = reEncrypt(hexToBytes(c.rkHex), decodeCapsuleJson(c.capsuleJson));
    expect(bytesToHex(re.E)).toBe(c.reEHex);
    expect(bytesToHex(re.V)).toBe(c.reVHex);
    expect(bytesToHex(re.S)).toBe(c.SHex);
    expect(encodeCapsuleJson(re)).toBe(c.reCapsuleJson);

    const fromGo = decodeCapsuleJson(c.reCapsuleJson);
    expect(bytesToHex(decapsulateReEncrypted(sk(c.recipient), hexToBytes(c.XHex), fromGo))).toBe(
      c.recipientKeyHex,
    );
    expect(c.recipientKeyHex).toBe(c.keyHex);
    expect(bytesToHex(decapsulateReEncrypted(sk(c.third), hexToBytes(c.XHex), fromGo))).toBe(
      c.thirdPartyReKeyHex,
    );
    expect(c.thirdPartyReKeyHex).not.toBe(c.keyHex);
  });

  it('refuses a second re-encryption, as Go does', () => {
    expect(c.reReEncryptRejected).toBe(true);
    expect(codeOf(() => reEncrypt(hexToBytes(c.rkHex), decodeCapsuleJson(c.reCapsuleJson)))).toBe(
      'CAPSULE_CHECK_FAILED',
    );
  });

  it('rejects every tampered capsule at the same stage Go does', () => {
    expect(c.tampered.length).toBe(6);
    for (const t of c.tampered) {
      const expected = t.goOutcome === 'decode-error' ? 'INVALID_CAPSULE' : 'CAPSULE_CHECK_FAILED';
      expect(
        codeOf(() => reEncrypt(hexToBytes(c.rkHex), decodeCapsuleJson(t.capsuleJson))),
        t.field,
      ).toBe(expected);
    }
  });
});
