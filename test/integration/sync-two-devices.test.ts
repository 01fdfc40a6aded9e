/**
 * Two devices of one account keep a folder in sync through CESS alone: the real CESS runtime,
 * the project's gateway, real SQLite manifests, real folders on disk.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initFolderRoot, syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { startTestDevnet, type TestDevnet } from '../support/devnet.js';
import {
  fundSyncAccount,
  listing,
  makeSyncDevice,
  type SyncAccount,
  type SyncDevice,
} from '../support/sync-device.js';

const FOLDER = 'f0000000000000000000000000000001';

type Device = SyncDevice;

let net: TestDevnet;
let work: string;
let acct: SyncAccount;
const devices: Device[] = [];

function makeDevice(name: string): Promise<Device> {
  return makeSyncDevice(net, acct.mnemonic, {
    name,
    folderId: FOLDER,
    root: path.join(work, name, 'Sync'),
    manifestPath: path.join(work, name, 'manifest.sqlite'),
  });
}

async function sync(d: Device) {
  return syncFolderOnce(d.ctx);
}

beforeAll(async () => {
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-2dev-'));
  acct = await fundSyncAccount(net);
  devices.push(await makeDevice('laptop'), await makeDevice('desktop'));
});

afterAll(async () => {
  for (const d of devices) await d.close();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('two devices, one account, one folder on CESS', () => {
  it('a new tree on one device appears byte-identical on the other', async () => {
    const [a, b] = devices as [Device, Device];
    await mkdir(path.join(a.root, 'docs/deep/er'), { recursive: true });
    await writeFile(path.join(a.root, 'hello.txt'), 'hello from the laptop\n');
    await writeFile(path.join(a.root, 'docs/report.md'), '# Report\n'.repeat(1000));
    await writeFile(path.join(a.root, 'docs/deep/er/empty.bin'), '');
    await writeFile(path.join(a.root, 'docs/Zürich ünïcödé.txt'), 'names are encrypted too');
    await writeFile(
      path.join(a.root, 'big.bin'),
      createHash('sha512').update('seed').digest().toString('hex').repeat(40_000),
    );

    const up = await sync(a);
    expect(up.uploaded).toBe(5);
    expect(up.uploadedPacks.length).toBeGreaterThanOrEqual(1);
    const down = await sync(b);
    expect(down.downloaded).toBe(5);
    expect(listing(b.root)).toEqual(listing(a.root));
  });

  it('nothing readable leaves the device: pack names are opaque and names are not in the packs', async () => {
    const a = devices[0]!;
    const files = await a.chain.userFiles(acct.pair.address);
    const pending = a.manifest.listPendingObjects();
    expect(pending.length).toBeGreaterThan(0);
    for (const p of pending) expect(p.name).toMatch(/^cs[0-9a-f]{32}$/);
    // Read one whole pack through the public download route and look for a plaintext name.
    const fid = pending[0]!.fid;
    const r = await fetch(`${net.gatewayUrl}/gateway/download/${fid}`);
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes.includes(Buffer.from('hello from the laptop'))).toBe(false);
    expect(bytes.includes(Buffer.from('report.md'))).toBe(false);
    expect(bytes.includes(Buffer.from('Zürich'))).toBe(false);
    expect(files.length + pending.length).toBeGreaterThan(0);
  });

  it('edits, renames, moves and deletes propagate; a rename does not re-upload content', async () => {
    const [a, b] = devices as [Device, Device];
    await writeFile(path.join(b.root, 'hello.txt'), 'edited on the desktop\n');
    await rename(
      path.join(b.root, 'docs/report.md'),
      path.join(b.root, 'docs/deep/report-final.md'),
    );
    await rename(path.join(b.root, 'big.bin'), path.join(b.root, 'docs/big-moved.bin'));
    await unlink(path.join(b.root, 'docs/deep/er/empty.bin'));
    const res = await sync(b);
    expect(res.uploaded).toBe(1); // only the edited file's content; moves are metadata
    await sync(a);
    expect(listing(a.root)).toEqual(listing(b.root));
    expect(await readFile(path.join(a.root, 'hello.txt'), 'utf8')).toBe('edited on the desktop\n');
    expect(existsSync(path.join(a.root, 'docs/deep/report-final.md'))).toBe(true);
    // The deleted file went to the local trash, not away.
    const trash = path.join(a.root, '.cess-sync', 'trash');
    expect(existsSync(trash)).toBe(true);
  });

  it('edits on both sides with different contents give a conflict copy; identical contents do not', async () => {
    const [a, b] = devices as [Device, Device];
    await writeFile(path.join(a.root, 'hello.txt'), 'laptop version\n');
    await writeFile(path.join(b.root, 'hello.txt'), 'desktop version\n');
    await writeFile(path.join(a.root, 'same.txt'), 'same on both\n');
    await writeFile(path.join(b.root, 'same.txt'), 'same on both\n');
    await sync(a);
    const res = await sync(b);
    expect(res.plan.conflicts.map((c) => c.kind)).toContain('editEdit');
    const names = readdirSync(b.root);
    const copy = names.find((n) => n.startsWith('hello (conflict from desktop'));
    expect(copy, names.join(', ')).toBeDefined();
    expect(await readFile(path.join(b.root, copy!), 'utf8')).toBe('desktop version\n');
    expect(await readFile(path.join(b.root, 'hello.txt'), 'utf8')).toBe('laptop version\n');
    expect(names.filter((n) => n.startsWith('same')).length).toBe(1);
    await sync(b); // uploads the conflict copy
    await sync(a);
    expect(listing(a.root)).toEqual(listing(b.root));
  });

  it('a missing root marker stops the folder instead of deleting remotely', async () => {
    const a = devices[0]!;
    await unlink(path.join(a.root, '.cess-sync-root'));
    await expect(sync(a)).rejects.toThrow(/no \.cess-sync-root/);
    await initFolderRoot(a.root);
  });

  it('selective sync: an excluded folder is neither downloaded nor deleted remotely', async () => {
    const [a, b] = devices as [Device, Device];
    await mkdir(path.join(a.root, 'Big/inner'), { recursive: true });
    await writeFile(path.join(a.root, 'Big/inner/huge.bin'), 'not wanted on the desktop');
    await writeFile(path.join(a.root, 'small.txt'), 'wanted everywhere');
    await sync(a);
    b.ctx.excluded = ['Big'];
    try {
      await sync(b);
      expect(existsSync(path.join(b.root, 'small.txt'))).toBe(true);
      expect(existsSync(path.join(b.root, 'Big'))).toBe(false);
      // The desktop's next pass must not read "absent here" as "deleted here".
      const again = await sync(b);
      expect(again.plan.ops).toEqual([]);
      await sync(a);
      expect(await readFile(path.join(a.root, 'Big/inner/huge.bin'), 'utf8')).toBe(
        'not wanted on the desktop',
      );
    } finally {
      b.ctx.excluded = [];
    }
    await sync(b);
    expect(existsSync(path.join(b.root, 'Big/inner/huge.bin'))).toBe(true);
  });

  it('passes on both devices at the same moment lose nothing: each new file reaches both', async () => {
    const [a, b] = devices as [Device, Device];
    await writeFile(path.join(a.root, 'fork-doomed.txt'), 'deleted on the desktop in the fork\n');
    await writeFile(path.join(a.root, 'fork-edited.txt'), 'one\n');
    await sync(a);
    await sync(b);
    await writeFile(path.join(a.root, 'concurrent-a.txt'), 'written on the laptop\n');
    await writeFile(path.join(a.root, 'fork-edited.txt'), 'two, on the laptop\n');
    await writeFile(path.join(b.root, 'concurrent-b.txt'), 'written on the desktop\n');
    await unlink(path.join(b.root, 'fork-doomed.txt'));
    // Both read the same newest snapshot and both publish a child of it: a fork on CESS.
    await Promise.all([sync(a), sync(b)]);
    for (let i = 0; i < 2; i++) {
      await sync(a);
      await sync(b);
    }
    for (const d of [a, b]) {
      expect(await readFile(path.join(d.root, 'concurrent-a.txt'), 'utf8')).toBe(
        'written on the laptop\n',
      );
      expect(await readFile(path.join(d.root, 'concurrent-b.txt'), 'utf8')).toBe(
        'written on the desktop\n',
      );
      // Planned from the common ancestor: a delete and an edit made in the fork both hold.
      expect(existsSync(path.join(d.root, 'fork-doomed.txt'))).toBe(false);
      expect(await readFile(path.join(d.root, 'fork-edited.txt'), 'utf8')).toBe(
        'two, on the laptop\n',
      );
    }
    expect(listing(a.root)).toEqual(listing(b.root));
  });

  it('a second pass with nothing changed does nothing', async () => {
    const [a, b] = devices as [Device, Device];
    expect((await sync(a)).plan.ops).toEqual([]);
    expect((await sync(b)).plan.ops).toEqual([]);
  });
});
