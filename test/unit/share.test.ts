/**
 * Sharing without a network: link encoding and its strictness (tamper, truncation, canonical
 * form), the share manifest's checks, path resolution for `cess-sync share <path>`, expiry
 * parsing, and the daemon routes + CLI verbs against a fake ShareService.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import {
  encapsulate,
  encodeCapsuleJson,
  generateReKey,
  reEncrypt,
  capsuleToJsonValue,
  publicKeyFromAddress,
  secretScalarFromKeyringPair,
} from '../../src/cess/pret/index.js';
import type {
  ReceiveShareRequest,
  ReceivedShare,
  ShareInfo,
  ShareRequest,
  ShareService,
  SyncService,
} from '../../src/sync/api/schema.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import {
  LINK_PREFIX,
  ShareError,
  checkLinkFor,
  checkRecipientAddress,
  decodeShareManifest,
  encodeLinkBody,
  encodeShareManifest,
  openShareManifest,
  parseExpiry,
  parseShareLink,
  resolveSharePath,
  shareManifestBlob,
  signLink,
  type ShareLinkBody,
  type ShareManifest,
} from '../../src/sync/share/index.js';
import { sealBlob } from '../../src/sync/format/index.js';

const SS58 = 11330;
let alice: ReturnType<Keyring['addFromUri']>;
let bob: ReturnType<Keyring['addFromUri']>;
let body: ShareLinkBody;
let link: string;

function code(f: () => unknown): string {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (e instanceof ShareError) return e.code;
    throw e;
  }
}

beforeAll(async () => {
  await cryptoWaitReady();
  const k = new Keyring({ type: 'sr25519', ss58Format: SS58 });
  alice = k.addFromUri('//Alice');
  bob = k.addFromUri('//Bob');
  const enc = encapsulate(alice.publicKey);
  const { rk, X } = generateReKey(
    secretScalarFromKeyringPair(alice),
    publicKeyFromAddress(bob.address),
  );
  body = {
    v: 1,
    id: 'ab'.repeat(16),
    kind: 'file',
    owner: alice.address,
    recipient: bob.address,
    manifest: { fid: 'f'.repeat(64), offset: 5, length: 400, blobId: 'c'.repeat(64) },
    capsule: capsuleToJsonValue(reEncrypt(rk, enc.capsule)),
    X: Buffer.from(X).toString('base64'),
    expiresAt: null,
    message: 'hi',
    createdAt: 1_700_000_000_000,
  };
  link = signLink(body, alice);
});

describe('share links', () => {
  it('round-trip and verify', () => {
    const l = parseShareLink(link);
    expect(l.owner).toBe(alice.address);
    expect(
      encodeCapsuleJson({
        E: Buffer.from(l.capsule.E, 'base64'),
        V: Buffer.from(l.capsule.V, 'base64'),
        S: Buffer.from(l.capsule.S, 'base64'),
      }),
    ).toBe(JSON.stringify(body.capsule));
    expect(parseShareLink(`  <${link}>\n`).id).toBe(body.id);
  });

  it('any one-character change is refused; the payload never silently changes', () => {
    const payload = link.slice(LINK_PREFIX.length);
    const alphabet = 'AQgw';
    for (let i = 0; i < payload.length; i++) {
      const ch = alphabet.split('').find((c) => c !== payload[i])!;
      const c = code(() =>
        parseShareLink(LINK_PREFIX + payload.slice(0, i) + ch + payload.slice(i + 1)),
      );
      expect(['BAD_LINK', 'BAD_SIGNATURE'], `position ${i}`).toContain(c);
    }
  });

  it('every truncation is a BAD_LINK', () => {
    for (let n = 0; n < link.length; n++)
      expect(code(() => parseShareLink(link.slice(0, n)))).toBe('BAD_LINK');
  });

  it('changed fields with the old signature fail the signature', () => {
    const l = parseShareLink(link);
    for (const change of [
      { recipient: alice.address },
      { expiresAt: 9e12 },
      { message: 'hello' },
      { manifest: { ...l.manifest, offset: 6 } },
    ]) {
      const forged =
        LINK_PREFIX + Buffer.from(encodeLinkBody({ ...l, ...change }, l.sig)).toString('base64url');
      expect(code(() => parseShareLink(forged))).toBe('BAD_SIGNATURE');
    }
    // Signed by someone else than the owner it names.
    const bySomeoneElse = signLink({ ...body, owner: bob.address }, bob);
    const l2 = parseShareLink(bySomeoneElse);
    const claimed =
      LINK_PREFIX +
      Buffer.from(encodeLinkBody({ ...l2, owner: alice.address }, l2.sig)).toString('base64url');
    expect(code(() => parseShareLink(claimed))).toBe('BAD_SIGNATURE');
  });

  it('non-canonical JSON, unknown keys and other versions are refused', () => {
    const l = parseShareLink(link);
    const spaced = LINK_PREFIX + Buffer.from(JSON.stringify(l, null, 1)).toString('base64url');
    expect(code(() => parseShareLink(spaced))).toBe('BAD_LINK');
    const extra =
      LINK_PREFIX + Buffer.from(JSON.stringify({ ...l, extra: 1 })).toString('base64url');
    expect(code(() => parseShareLink(extra))).toBe('BAD_LINK');
    expect(parseShareLink.bind(null, link.replace('/v1/', '/v2/'))).toThrow(/version/);
    expect(code(() => parseShareLink('x'.repeat(10_000)))).toBe('BAD_LINK');
  });

  it('recipient, network and expiry checks', () => {
    const l = parseShareLink(link);
    expect(code(() => checkLinkFor(l, bob.address, 0, SS58))).toBe('OK');
    // Same key in another ss58 format is the same account.
    expect(
      code(() =>
        checkLinkFor(
          l,
          new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Bob').address,
          0,
        ),
      ),
    ).toBe('OK');
    expect(code(() => checkLinkFor(l, alice.address, 0, SS58))).toBe('NOT_FOR_THIS_ACCOUNT');
    expect(code(() => checkLinkFor(l, bob.address, 0, 42))).toBe('WRONG_NETWORK');
    expect(code(() => checkLinkFor({ ...l, expiresAt: 10 }, bob.address, 10))).toBe('EXPIRED');
    expect(code(() => checkLinkFor({ ...l, expiresAt: 10 }, bob.address, 9))).toBe('OK');
  });

  it('recipient addresses are validated for the network', () => {
    expect(code(() => checkRecipientAddress(bob.address, SS58))).toBe('OK');
    expect(() =>
      checkRecipientAddress(
        new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Bob').address,
        SS58,
      ),
    ).toThrow(/another network \(ss58 format 42/);
    expect(code(() => checkRecipientAddress('cXnot-an-address', SS58))).toBe('BAD_RECIPIENT');
    expect(code(() => checkRecipientAddress(bob.address.slice(0, -1), SS58))).toBe('BAD_RECIPIENT');
  });
});

describe('share manifests', () => {
  const keys = deriveKeys(new Uint8Array(32).fill(1));
  const chunk = {
    fid: 'a'.repeat(64),
    offset: 5,
    length: 128,
    id: 'b'.repeat(64),
    key: 'c'.repeat(64),
    size: 100,
  };
  const good: ShareManifest = {
    v: 1,
    shareId: 'ab'.repeat(16),
    kind: 'folder',
    name: 'album',
    files: [
      {
        path: 'x/y.txt',
        size: 100,
        mtimeMs: 1,
        mode: null,
        contentId: 'd'.repeat(64),
        chunks: [chunk],
      },
    ],
  };

  it('round-trips sealed under the share key, and fails under any other key', () => {
    const key = new Uint8Array(32).fill(9);
    const blob = shareManifestBlob(keys, good, key);
    const sealed = sealBlob(key, 'filenode', blob.idBytes, blob.plaintext);
    expect(openShareManifest(key, blob.id, sealed)).toEqual(good);
    expect(code(() => openShareManifest(new Uint8Array(32).fill(8), blob.id, sealed))).toBe(
      'AUTH_FAILED',
    );
    const flipped = Uint8Array.from(sealed);
    flipped[20]! ^= 1;
    expect(code(() => openShareManifest(key, blob.id, flipped))).toBe('AUTH_FAILED');
  });

  it('refuses unsafe paths, duplicates, bad sizes and a file inside a file', () => {
    const enc = (m: ShareManifest) => encodeShareManifest(m);
    for (const p of ['../evil', '/etc/passwd', 'a//b', 'a/./b', '.', 'a\\b', 'x\0y']) {
      expect(
        code(() => decodeShareManifest(enc({ ...good, files: [{ ...good.files[0]!, path: p }] }))),
        p,
      ).toBe('BAD_MANIFEST');
    }
    expect(
      code(() => decodeShareManifest(enc({ ...good, files: [good.files[0]!, good.files[0]!] }))),
    ).toBe('BAD_MANIFEST');
    expect(
      code(() => decodeShareManifest(enc({ ...good, files: [{ ...good.files[0]!, size: 99 }] }))),
    ).toBe('BAD_MANIFEST');
    expect(
      code(() =>
        decodeShareManifest(
          enc({ ...good, files: [{ ...good.files[0]!, path: 'x' }, good.files[0]!] }),
        ),
      ),
    ).toBe('BAD_MANIFEST');
    expect(code(() => decodeShareManifest(enc({ ...good, name: '..' })))).toBe('BAD_MANIFEST');
    expect(code(() => decodeShareManifest(enc({ ...good, kind: 'file' })))).toBe('BAD_MANIFEST');
    expect(
      code(() => decodeShareManifest(new TextEncoder().encode(JSON.stringify(good, null, 1)))),
    ).toBe('BAD_MANIFEST');
    expect(code(() => decodeShareManifest(Uint8Array.of(1, 0, 0)))).toBe('BAD_MANIFEST');
  });
});

describe('cess-sync share <path>: path resolution', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cess-share-path-'));
    root = path.join(dir, 'Sync');
    await mkdir(path.join(root, 'docs'), { recursive: true });
    await mkdir(path.join(root, '.cess-sync'), { recursive: true });
    await writeFile(path.join(root, 'docs', 'a.txt'), 'a');
    await writeFile(path.join(dir, 'outside.txt'), 'o');
    await symlink(path.join(dir, 'outside.txt'), path.join(root, 'docs', 'link.txt'));
    await symlink(path.join(root, 'docs'), path.join(root, 'docs-link'));
    await symlink(root, path.join(dir, 'SyncAlias'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts files and folders inside a synced folder, through links above it', async () => {
    const folders = [{ id: 'f1', root }];
    expect(await resolveSharePath(path.join(root, 'docs', 'a.txt'), folders)).toMatchObject({
      folderId: 'f1',
      rel: 'docs/a.txt',
      kind: 'file',
    });
    expect(await resolveSharePath(path.join(root, 'docs'), folders)).toMatchObject({
      rel: 'docs',
      kind: 'dir',
    });
    expect(await resolveSharePath(root, folders)).toMatchObject({ rel: '', kind: 'dir' });
    expect(
      await resolveSharePath(path.join(dir, 'SyncAlias', 'docs', 'a.txt'), folders),
    ).toMatchObject({ rel: 'docs/a.txt' });
  });

  it('refuses everything else', async () => {
    const folders = [{ id: 'f1', root }];
    for (const p of [
      path.join(dir, 'outside.txt'),
      path.join(root, 'docs', 'link.txt'),
      path.join(root, 'docs-link', 'a.txt'),
      path.join(root, 'docs', '..', '..', 'outside.txt'),
      path.join(root, '.cess-sync'),
      path.join(root, 'missing.txt'),
      'docs/a.txt',
      '',
    ]) {
      await expect(resolveSharePath(p, folders), p).rejects.toMatchObject({ code: 'BAD_PATH' });
    }
  });

  it('parses expiry durations', () => {
    expect(parseExpiry('7d')).toBe(7 * 86_400_000);
    expect(parseExpiry('30m')).toBe(1_800_000);
    for (const bad of ['', '7', 'd', '-1d', '0d', '400d', '1y'])
      expect(
        code(() => parseExpiry(bad)),
        bad,
      ).not.toBe('OK');
  });
});

describe('daemon share routes and CLI verbs', () => {
  let server: DaemonServer;
  let stateDir: string;
  const calls: unknown[] = [];
  const info: ShareInfo = {
    id: 'ab'.repeat(16),
    kind: 'file',
    name: 'a.txt',
    folderId: 'f1',
    path: 'docs/a.txt',
    recipient: 'cXbob',
    createdAt: 1,
    expiresAt: null,
    message: null,
    files: 1,
    size: 1,
    contentIds: ['d'.repeat(64)],
    manifest: { fid: 'f'.repeat(64), offset: 5, length: 40, blobId: 'c'.repeat(64) },
    link: `${LINK_PREFIX}abc`,
    revokedAt: null,
    manifestDeleted: false,
  };
  const shares: ShareService = {
    share: (req: ShareRequest) => {
      calls.push(req);
      return Promise.resolve(info);
    },
    shares: () => [info],
    revokeShare: (id: string) => Promise.resolve({ ...info, id, revokedAt: 2 }),
    receive: (req: ReceiveShareRequest): Promise<ReceivedShare> => {
      calls.push(req);
      if (req.link === 'bad')
        return Promise.reject(
          new ShareError('NOT_FOR_THIS_ACCOUNT', 'this share is for cXbob, not for this account'),
        );
      return Promise.resolve({
        id: info.id,
        kind: 'file',
        owner: 'cXalice',
        message: 'hi',
        name: 'a.txt',
        size: 1,
        fileCount: 1,
        createdAt: 1,
        expiresAt: null,
        path: req.preview ? null : '/x/Shared with me/cXalice/a.txt',
        files: [{ path: 'a.txt', size: 1 }],
      });
    },
  };
  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'cess-share-daemon-'));
    server = await startDaemonServer({
      service: { status: () => ({}), subscribe: () => () => undefined } as unknown as SyncService,
      shares,
      stateDir,
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('routes validate bodies and map share errors to 4xx', async () => {
    const client = new DaemonClient({ url: server.url, token: server.token });
    expect((await client.share({ path: '/a', recipient: 'cXbob' })).id).toBe(info.id);
    expect(await client.shares()).toHaveLength(1);
    expect((await client.revokeShare(info.id)).revokedAt).toBe(2);
    await expect(client.revokeShare('nope')).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    await expect(
      client.share({ path: '/a', recipient: 'x', message: 'm'.repeat(501) }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.receiveShare({ link: 'bad' })).rejects.toMatchObject({
      status: 403,
      code: 'NOT_FOR_THIS_ACCOUNT',
    });
  });

  it('cess-sync share / receive / shares / revoke', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      cwd: '/home/u/Sync',
      now: () => 1000,
    };
    const run = (args: string[]) => runCli(['--state-dir', stateDir, ...args], { io, env: {} });
    expect(
      await run(['share', 'docs/a.txt', '--to', 'cXbob', '--expires', '7d', '-m', 'hello']),
    ).toBe(0);
    expect(calls.at(-1)).toEqual({
      path: '/home/u/Sync/docs/a.txt',
      recipient: 'cXbob',
      message: 'hello',
      expiresAt: 1000 + 7 * 86_400_000,
    });
    expect(out.at(-1)).toBe(info.link);
    expect(await run(['share', 'a', '--to', 'cXbob', '--expires', 'soon'])).toBe(2);
    // Without --to the verb asks the running app's dialog (test/unit/share-verb.test.ts);
    // --message only goes with --to.
    expect(await run(['share', 'a', '-m', 'hi'])).toBe(2);
    expect(await run(['receive', 'cess-sync://share/v1/x', '--preview'])).toBe(0);
    expect(out.at(-1)).toContain('preview');
    expect(await run(['receive', 'bad'])).toBe(1);
    expect(err.at(-1)).toContain('not for this account');
    expect(await run(['shares'])).toBe(0);
    expect(out.at(-1)).toContain('docs/a.txt -> cXbob');
    expect(await run(['revoke', info.id])).toBe(0);
    expect(await run(['revoke', 'zz'])).toBe(2);
  });
});
