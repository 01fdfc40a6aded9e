/**
 * The owner's share list on every device of the account (docs/sharing.md, docs/format.md §11),
 * on the local CESS network: two engines of one account (laptop A, desktop B) and a recipient
 * R. A share made on A is listed on B after a pass; B revokes it (the manifest object leaves
 * the account, A learns the revocation); a later version never opens with R's key; compaction
 * keeps the share record pack while it deletes an unreferenced pack of the very same shape.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cd2nClient, keyringSigner } from '../../src/cess/gateway/index.js';
import { secretScalarFromKeyringPair } from '../../src/cess/pret/index.js';
import { runCompaction } from '../../src/sync/compaction/index.js';
import { SyncEngine } from '../../src/sync/engine/engine.js';
import {
  FormatError,
  MemorySink,
  PackWriter,
  blobIdBytes,
  openFileNode,
  type FileEntry,
} from '../../src/sync/format/index.js';
import { looksLikeShareRecordPack } from '../../src/sync/share/account-records.js';
import {
  gatewayRangeReader,
  listShareRecords,
  receiveShare,
  type RangeReader,
} from '../../src/sync/share/index.js';
import { startTestDevnet, type TestDevnet } from '../support/devnet.js';
import { engineOf, sharingOf } from '../support/engine-node.js';
import { recipientKey, sealedFileNode } from '../support/share-key.js';
import {
  compactionContextOf,
  fundSyncAccount,
  makeSyncDevice,
  type SyncAccount,
  type SyncDevice,
} from '../support/sync-device.js';

const FOLDER = 'f0000000000000000000000000000611';
const HOUR = 3_600_000;

let net: TestDevnet;
let work: string;
let acct: SyncAccount;
let a: SyncDevice;
let b: SyncDevice;
let engineA: SyncEngine;
let engineB: SyncEngine;
let rPair: KeyringPair;
let read: RangeReader;

/** A device's engine sharing as the daemon does; compaction is run by hand below. */
const engineFor = (d: SyncDevice): SyncEngine =>
  engineOf(d, { compaction: false, sharing: sharingOf(d, path.join(work, d.name, 'received')) });

async function entryOf(d: SyncDevice, name: string): Promise<FileEntry> {
  await d.repo.refresh();
  const remote = await d.repo.loadFolder(FOLDER);
  for (const e of remote.files.values()) if (e.name === name) return e;
  throw new Error(`${name} is not in the remote tree`);
}

async function listed(d: SyncDevice): Promise<Set<string>> {
  return new Set((await d.store.list()).map((o) => o.fid));
}

async function shareRecordFids(d: SyncDevice): Promise<string[]> {
  await d.repo.refresh();
  return d.repo
    .packs()
    .filter((p) => looksLikeShareRecordPack(p))
    .map((p) => p.fid);
}

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-share-account-'));
  acct = await fundSyncAccount(net);
  a = await makeSyncDevice(net, acct.mnemonic, {
    name: 'laptop',
    folderId: FOLDER,
    root: path.join(work, 'A', 'Sync'),
    manifestPath: path.join(work, 'A', 'manifest.sqlite'),
  });
  b = await makeSyncDevice(net, acct.mnemonic, {
    name: 'desktop',
    folderId: FOLDER,
    root: path.join(work, 'B', 'Sync'),
    manifestPath: path.join(work, 'B', 'manifest.sqlite'),
  });
  rPair = new Keyring({ type: 'sr25519', ss58Format: net.ss58Format }).addFromMnemonic(
    mnemonicGenerate(24),
  );
  read = gatewayRangeReader(
    new Cd2nClient({ baseUrl: net.gatewayUrl, signer: keyringSigner(rPair) }),
  );
  engineA = engineFor(a);
  engineB = engineFor(b);
});

afterAll(async () => {
  await engineA?.stop();
  await engineB?.stop();
  await a?.close();
  await b?.close();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('shares on every device of the owner', () => {
  let shareId = '';
  let link = '';
  let manifestFid = '';

  it('a share made on A is listed on B after a pass', async () => {
    await writeFile(path.join(a.root, 'plan.txt'), 'version one\n');
    await engineA.start();
    await engineA.syncNow();
    const made = await engineA.share({
      path: path.join(a.root, 'plan.txt'),
      recipient: rPair.address,
    });
    shareId = made.id;
    link = made.link;
    manifestFid = made.manifest.fid;
    // A published its list: one share record pack, opaque name, not the manifest pack.
    const records = await shareRecordFids(a);
    expect(records).toHaveLength(1);
    expect(records[0]).not.toBe(manifestFid);

    // The recipient can open it.
    const got = await receiveShare({
      link,
      recipient: { address: rPair.address, secretScalar: secretScalarFromKeyringPair(rPair) },
      read,
      baseDir: path.join(work, 'R'),
    });
    expect(await readFile(got.path, 'utf8')).toBe('version one\n');

    expect(engineB.shares()).toEqual([]);
    await engineB.start();
    await engineB.syncNow();
    const onB = engineB.shares();
    expect(onB.map((s) => s.id)).toEqual([shareId]);
    expect(onB[0]).toMatchObject({
      link,
      recipient: rPair.address,
      path: 'plan.txt',
      revokedAt: null,
    });
    // B did not make it: it is not in B's own list (B's compaction does not pin it).
    expect(listShareRecords(b.manifest)).toEqual([]);
    // B knew nothing new, so it published nothing.
    expect(await shareRecordFids(b)).toEqual(records);
  });

  it('B revokes it: the manifest object leaves the account and A learns the revocation', async () => {
    const revoked = await engineB.revokeShare(shareId);
    expect(revoked.revokedAt).not.toBeNull();
    expect(revoked.manifestDeleted).toBe(true);
    expect(await listed(b)).not.toContain(manifestFid);
    expect(engineB.shares()[0]?.revokedAt).toBe(revoked.revokedAt);
    // B published a record with the revocation.
    expect(await shareRecordFids(b)).toHaveLength(2);

    await engineA.syncNow();
    expect(engineA.shares()[0]).toMatchObject({
      id: shareId,
      revokedAt: revoked.revokedAt,
      manifestDeleted: true,
    });
    // A's own list too, so that A's compaction releases the share's pins.
    expect(listShareRecords(a.manifest)[0]).toMatchObject({ revokedAt: revoked.revokedAt });
  });

  it('a later version never opens with the recipient key', async () => {
    const oldEntry = await entryOf(a, 'plan.txt');
    await writeFile(path.join(a.root, 'plan.txt'), 'version two, after the revocation\n');
    await engineA.syncNow();
    const newEntry = await entryOf(a, 'plan.txt');
    expect(newEntry.contentId).not.toBe(oldEntry.contentId);
    const keyR = recipientKey(link, rPair);
    const sealed = await sealedFileNode(a.repo, read, newEntry.fileNode.blobId);
    expect(() => openFileNode(keyR, newEntry.fileNode.blobId, sealed)).toThrow(FormatError);
    // Control: the key does open the shared (old) version's node.
    const oldSealed = await sealedFileNode(a.repo, read, oldEntry.fileNode.blobId);
    expect(openFileNode(keyR, oldEntry.fileNode.blobId, oldSealed).size).toBe(12);
  });

  it('compaction keeps share record packs; an unreferenced pack of the same shape goes', async () => {
    // The control: one tree blob that nothing references, in a pack with an ordinary random id.
    const sink = new MemorySink();
    const w = new PackWriter(a.ctx.keys, sink, {});
    const plain = new TextEncoder().encode(`{"stray":"${randomBytes(8).toString('hex')}"}`);
    await w.add('tree', blobIdBytes(a.ctx.keys, 'tree', plain), a.ctx.keys.metadata, plain);
    const info = await w.finish();
    const strayFile = path.join(work, 'stray.pack');
    await writeFile(strayFile, sink.bytes());
    const stray = await a.store.put(strayFile, info.name);

    const records = await shareRecordFids(a);
    expect(records.length).toBeGreaterThanOrEqual(1);
    let clock = Date.now();
    const ctx = compactionContextOf(a, () => clock);
    const run = () => runCompaction(ctx, { options: { graceMs: HOUR } });
    await run(); // first sight of every pack
    clock += 2 * HOUR;
    const second = await run(); // dooms what is dead and old enough
    expect(second.errors).toEqual([]);
    expect(second.doomed).toContain(stray);
    for (const r of records) expect(second.doomed).not.toContain(r);
    clock += 2 * HOUR;
    const third = await run(); // deletes it a grace period after the announcement
    expect(third.deleted).toContain(stray);
    const now = await listed(a);
    expect(now).not.toContain(stray);
    for (const r of records) expect(now).toContain(r);
    // And B still reads the list after the run.
    await engineB.syncNow();
    expect(engineB.shares()[0]).toMatchObject({ id: shareId, manifestDeleted: true });
  });
});
