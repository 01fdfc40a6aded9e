/**
 * A sync pass killed with SIGKILL mid-upload or mid-download loses nothing: the next pass on
 * the same manifest and folder completes, the other device converges byte-identically, no item
 * is duplicated and no temp file shows in the synced folder. Also: a huge file syncs, and the
 * peak RSS of each pass process is reported (not asserted: bench/sync-memory.ts measures).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncFolderOnce } from '../../src/sync/engine/folder-sync.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';
import type { ChildConfig, ChildResult } from '../support/sync-child.js';
import {
  fundSyncAccount,
  listing,
  makeSyncDevice,
  type SyncAccount,
  type SyncDevice,
} from '../support/sync-device.js';

const FOLDER = 'f00000000000000000000000000c4a54';
const CHILD = path.resolve(import.meta.dirname, '../support/sync-child.ts');
const MiB = 1 << 20;
const HUGE_MIB = Number(process.env.SYNC_HUGE_MIB ?? 128);

let net: TestDevnet;
let work: string;
let acct: SyncAccount;

const paths = (name: string) => ({
  root: path.join(work, name, 'Sync'),
  manifestPath: path.join(work, name, 'manifest.sqlite'),
});

/** The device in this process (the child must not be running on the same manifest). */
function device(name: string): Promise<SyncDevice> {
  return makeSyncDevice(net, acct.mnemonic, { name, folderId: FOLDER, ...paths(name) });
}

async function passIn(name: string) {
  const d = await device(name);
  try {
    return await syncFolderOnce(d.ctx);
  } finally {
    await d.close();
  }
}

interface Child {
  pid: number;
  exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    result?: ChildResult;
    stderr: string;
  }>;
  kill(): void;
}

function passInChild(name: string): Child {
  const cfg: ChildConfig = {
    chainUrl: net.chainUrl,
    gatewayUrl: net.gatewayUrl,
    ss58Format: net.ss58Format,
    mnemonic: acct.mnemonic,
    folderId: FOLDER,
    deviceName: name,
    ...paths(name),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(cfg)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    result?: ChildResult;
    stderr: string;
  }>((resolve) => {
    child.on('exit', (code, signal) => {
      const line = out.trim().split('\n').pop();
      let result: ChildResult | undefined;
      try {
        result = line ? (JSON.parse(line) as ChildResult) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ code, signal, ...(result ? { result } : {}), stderr: err });
    });
  });
  return { pid: child.pid ?? -1, exited, kill: () => child.kill('SIGKILL') };
}

/** A file of pseudo-random bytes (incompressible, no dedup), written 1 MiB at a time. */
async function randomFile(file: string, mib: number): Promise<void> {
  const fh = await open(file, 'w');
  try {
    for (let i = 0; i < mib; i++) await fh.write(randomBytes(MiB));
  } finally {
    await fh.close();
  }
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

function tmpFiles(root: string): string[] {
  const dir = path.join(root, '.cess-sync', 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

beforeAll(async () => {
  net = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-crash-'));
  acct = await fundSyncAccount(net, 40);
  // Create both folders and manifests once.
  for (const n of ['laptop', 'desktop']) await (await device(n)).close();
});

afterAll(async () => {
  net?.gateway.faults.clear();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a pass killed with SIGKILL', () => {
  it('mid-upload: the next pass completes and the other device converges, nothing lost or duplicated', async () => {
    const a = paths('laptop');
    const b = paths('desktop');
    await randomFile(path.join(a.root, 'big.bin'), 40);
    await writeFile(path.join(a.root, 'note.txt'), 'written before the crash\n');

    // Every upload waits 5 s at the gateway: the kill lands while the first pack is in flight.
    net.gateway.faults.delay({ ms: 5_000, path: '/gateway/upload' });
    const child = passInChild('laptop');
    await eventually(
      async () =>
        net.gateway.faults.fired.some(
          (f) => f.kind === 'delay' && f.path.startsWith('/gateway/upload'),
        )
          ? true
          : undefined,
      60_000,
      'an upload in flight',
    );
    child.kill();
    const ended = await child.exited;
    expect(ended.signal).toBe('SIGKILL');
    net.gateway.faults.clear();

    const again = await passIn('laptop');
    expect(again.uploaded).toBe(2);
    const down = await passIn('desktop');
    expect(down.downloaded).toBe(2);
    expect(listing(b.root)).toEqual(listing(a.root));
    expect(Object.keys(listing(a.root)).sort()).toEqual(['big.bin', 'note.txt']);
    // The remote tree has each item once.
    const d = await device('desktop');
    try {
      await d.repo.refresh();
      const remote = await d.repo.loadFolder(FOLDER);
      expect(
        [...remote.tree.values()]
          .filter((n) => n.name !== '')
          .map((n) => n.name)
          .sort(),
      ).toEqual(['big.bin', 'note.txt']);
    } finally {
      await d.close();
    }
    // A second pass on either side has nothing to do.
    expect((await passIn('laptop')).plan.ops).toEqual([]);
    expect((await passIn('desktop')).plan.ops).toEqual([]);
  });

  it('mid-download: the next pass completes byte-identical, the partial file never shows', async () => {
    const a = paths('laptop');
    const b = paths('desktop');
    await randomFile(path.join(a.root, 'big2.bin'), 40);
    expect((await passIn('laptop')).uploaded).toBe(1);

    // Each ranged read waits 300 ms: the kill lands once the temp file has data.
    net.gateway.faults.delay({ ms: 300, path: '/gateway/download' });
    const child = passInChild('desktop');
    await eventually(
      async () =>
        tmpFiles(b.root).some(
          (f) =>
            f.startsWith('dl-') && statSync(path.join(b.root, '.cess-sync', 'tmp', f)).size > 0,
        )
          ? true
          : undefined,
      60_000,
      'a partial download',
    );
    child.kill();
    expect((await child.exited).signal).toBe('SIGKILL');
    net.gateway.faults.clear();
    expect(existsSync(path.join(b.root, 'big2.bin'))).toBe(false);

    const again = await passIn('desktop');
    expect(again.downloaded).toBe(1);
    expect(listing(b.root)).toEqual(listing(a.root));
    expect(Object.keys(listing(b.root)).sort()).toEqual(['big.bin', 'big2.bin', 'note.txt']);
    expect((await passIn('laptop')).plan.ops).toEqual([]);
  });
});

describe('a huge file', () => {
  it(`${HUGE_MIB} MiB syncs through child passes; peak RSS reported`, async () => {
    const a = paths('laptop');
    const b = paths('desktop');
    await randomFile(path.join(a.root, 'huge.bin'), HUGE_MIB);
    const up = await passInChild('laptop').exited;
    expect(up.result, up.stderr).toMatchObject({ ok: true, uploaded: 1 });
    const down = await passInChild('desktop').exited;
    expect(down.result, down.stderr).toMatchObject({ ok: true, downloaded: 1 });
    expect(await sha256(path.join(b.root, 'huge.bin'))).toBe(
      await sha256(path.join(a.root, 'huge.bin')),
    );
    console.log(
      `[sync-crash] ${HUGE_MIB} MiB file: upload pass ${up.result?.ms} ms, peak RSS ${up.result?.maxRssMiB} MiB; ` +
        `download pass ${down.result?.ms} ms, peak RSS ${down.result?.maxRssMiB} MiB`,
    );
    expect(tmpFiles(b.root).filter((f) => f.startsWith('dl-'))).toEqual([]);
  });
});
