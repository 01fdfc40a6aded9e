/**
 * The folder pass under hostile conditions ("bad input gets a clear error and loses nothing"):
 * gateway faults, a chain that goes away, malicious snapshots, a tampered pack, and awkward
 * but legal trees (empty files, deep paths, NFC/NFD names, case clashes).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CessError } from '../../src/cess/chain/index.js';
import { capsuleToJsonValue, encapsulate } from '../../src/cess/pret/index.js';
import { syncFolderOnce, type PassResult } from '../../src/sync/engine/folder-sync.js';
import {
  FormatError,
  Packer,
  blobIdBytes,
  storeFileContent,
  storeFileNode,
  storeSnapshot,
  storeTree,
  writableSink,
  type FileEntry,
  type TreeEntry,
} from '../../src/sync/format/index.js';
import { toHex } from '../../src/sync/format/bytes.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';
import {
  fundSyncAccount,
  listing,
  makeSyncDevice,
  type SyncAccount,
  type SyncDevice,
} from '../support/sync-device.js';

const F_MAIN = 'f00000000000000000000000000000b1';
const F_HOSTILE = 'f00000000000000000000000000000b2';
const MiB = 1 << 20;

let tnet: TestDevnet;
let work: string;
let acct: SyncAccount;
let a: SyncDevice;
let b: SyncDevice;
const opened: SyncDevice[] = [];
const fastRetry = { attempts: 4, baseDelayMs: 50, maxDelayMs: 400 };

async function device(
  name: string,
  folderId: string,
  extra: { root?: string; chainUrl?: string; reconnectMs?: number } = {},
): Promise<SyncDevice> {
  const d = await makeSyncDevice(
    { ...tnet, ...(extra.chainUrl ? { chainUrl: extra.chainUrl } : {}) },
    acct.mnemonic,
    {
      name,
      folderId,
      root: extra.root ?? path.join(work, name, folderId, 'Sync'),
      manifestPath: path.join(work, name, folderId, 'manifest.sqlite'),
      retry: fastRetry,
      ...(extra.reconnectMs !== undefined ? { reconnectMs: extra.reconnectMs } : {}),
    },
  );
  opened.push(d);
  return d;
}

const pass = (d: SyncDevice): Promise<PassResult> => syncFolderOnce(d.ctx);

/** A pass that may fail once with a clear error; the next pass must then complete. */
async function passOrRetry(d: SyncDevice, errors: string[]): Promise<PassResult> {
  try {
    return await pass(d);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    expect(msg.length, 'a failed pass says why').toBeGreaterThan(10);
    errors.push(msg);
    return pass(d);
  }
}

async function randomFile(file: string, bytes: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, randomBytes(bytes));
}

/** Names and sizes (and sha256) of everything under a dir, for "unchanged" checks. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else
        out[r] = createHash('sha256')
          .update(readFileSync(path.join(d, e.name)))
          .digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

beforeAll(async () => {
  tnet = await startTestDevnet();
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-robust-'));
  acct = await fundSyncAccount(tnet, 30);
  a = await device('laptop', F_MAIN);
  b = await device('desktop', F_MAIN);
});

afterAll(async () => {
  tnet?.gateway.faults.clear();
  for (const d of opened) await d.close().catch(() => undefined);
  await tnet?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('gateway faults during a pass', () => {
  it('500s on upload and on download are retried; the pass completes and the other device converges', async () => {
    await randomFile(path.join(a.root, 'fault/one.bin'), 2 * MiB);
    tnet.gateway.faults.failNext({ count: 2, status: 500, path: '/gateway/upload' });
    expect((await pass(a)).uploaded).toBe(1);
    tnet.gateway.faults.failNext({ count: 2, status: 500, path: '/gateway/download' });
    expect((await pass(b)).downloaded).toBe(1);
    expect(listing(b.root)).toEqual(listing(a.root));
    expect(tnet.gateway.faults.fired.filter((f) => f.kind === 'fail').length).toBe(4);
    tnet.gateway.faults.clear();
  });

  it('a connection cut mid-body on upload and on download: the pass completes, or fails clearly and the next one completes', async () => {
    const errors: string[] = [];
    await randomFile(path.join(a.root, 'fault/two.bin'), 3 * MiB);
    tnet.gateway.faults.cutNext({ afterBytes: 512 * 1024, path: '/gateway/upload' });
    expect((await passOrRetry(a, errors)).uploaded).toBe(1);
    tnet.gateway.faults.cutNext({ afterBytes: 64 * 1024, path: '/gateway/download' });
    expect((await passOrRetry(b, errors)).downloaded).toBe(1);
    expect(listing(b.root)).toEqual(listing(a.root));
    expect(tnet.gateway.faults.fired.map((f) => f.kind).sort()).toEqual([
      'cut-request',
      'cut-response',
    ]);
    if (errors.length) console.log(`[robustness] cut errors: ${errors.join(' | ')}`);
    tnet.gateway.faults.clear();
  });

  it('downloads failing past the retry budget fail the pass with a clear error; the next pass completes', async () => {
    await writeFile(path.join(a.root, 'fault/three.txt'), 'three\n');
    await pass(a);
    tnet.gateway.faults.failNext({ count: 50, status: 503, path: '/gateway/download' });
    const err = await pass(b).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/503|injected fault|unavailable/i);
    tnet.gateway.faults.clear();
    expect(existsSync(path.join(b.root, 'fault/three.txt'))).toBe(false);
    expect((await pass(b)).downloaded).toBe(1);
    expect(listing(b.root)).toEqual(listing(a.root));
  });

  it('a slow gateway (delays) only slows the pass', async () => {
    await writeFile(path.join(a.root, 'fault/slow.txt'), 'slow\n');
    tnet.gateway.faults.delay({ ms: 1_500, count: 3 });
    expect((await pass(a)).uploaded).toBe(1);
    expect((await pass(b)).downloaded).toBe(1);
    expect(listing(b.root)).toEqual(listing(a.root));
    tnet.gateway.faults.clear();
  });
});

/** A TCP relay to the chain that the test can cut and restore (same port). */
class ChainRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    const server = net.createServer((c) => {
      const up = net.connect(Number(this.target.port), this.target.hostname);
      this.sockets.add(c).add(up);
      c.pipe(up).pipe(c);
      const drop = (): void => {
        c.destroy();
        up.destroy();
        this.sockets.delete(c);
        this.sockets.delete(up);
      };
      c.on('error', drop).on('close', drop);
      up.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

describe('the chain goes away', () => {
  it('a pass while the chain is unreachable fails clearly; after reconnection it completes', async () => {
    const relay = new ChainRelay(new URL(tnet.chainUrl));
    await relay.start();
    const c = await device('roaming', F_MAIN, {
      chainUrl: `ws://127.0.0.1:${relay.port}`,
      reconnectMs: 300,
    });
    await pass(c);
    await writeFile(path.join(c.root, 'offline.txt'), 'written while the chain was away\n');

    await relay.cut();
    await eventually(
      async () =>
        c.chain.state === 'disconnected' || c.chain.state === 'connecting' ? true : undefined,
      10_000,
      'the drop to be seen',
    );
    const timeout = new Promise<string>((r) => setTimeout(() => r('the pass hung'), 30_000));
    const err = await Promise.race([
      pass(c).then(
        () => 'the pass succeeded',
        (e: unknown) => e,
      ),
      timeout,
    ]);
    expect(err).toBeInstanceOf(CessError);
    expect((err as Error).message).toMatch(
      /not connected to the CESS chain|lost the connection to the CESS chain/,
    );

    await relay.start();
    await c.chain.waitConnected(20_000);
    expect((await pass(c)).uploaded).toBe(1);
    await pass(a);
    expect(readFileSync(path.join(a.root, 'offline.txt'), 'utf8')).toBe(
      'written while the chain was away\n',
    );
    await c.close();
    await relay.cut();
  });
});

/** Writes packs to temp files and uploads them through the store, as an attacker with the keys could. */
function attackerPacker(d: SyncDevice, dir: string, fids: string[]): Packer {
  let n = 0;
  return new Packer(d.ctx.keys, {
    openSink: () => {
      const file = path.join(dir, `evil-${n++}.pack`);
      const stream = createWriteStream(file);
      return Object.assign(writableSink(stream), { file, stream });
    },
    onPack: async (_info, sink) => {
      const s = sink as unknown as { file: string; stream: NodeJS.WritableStream };
      await new Promise<void>((r) => s.stream.end(() => r()));
      fids.push(await d.store.put(s.file, `cs${randomBytes(16).toString('hex')}`));
    },
  });
}

describe('hostile snapshots', () => {
  let evil: SyncDevice;
  let victim: SyncDevice;
  let box: string;

  beforeAll(async () => {
    evil = await device('evil', F_HOSTILE);
    box = path.join(work, 'victim-box');
    victim = await device('victim', F_HOSTILE, { root: path.join(box, 'inner', 'Sync') });
    await writeFile(path.join(box, 'inner', 'sibling.txt'), 'outside the root\n');
  });

  it('unsafe names are withheld and reported, never written; good entries sync; nothing leaves the root', async () => {
    const fids: string[] = [];
    const packer = attackerPacker(evil, path.join(work, 'evil'), fids);
    const keys = evil.ctx.keys;
    const enc = encapsulate(evil.ctx.account.publicKey);
    const stored = await storeFileContent(keys, [Buffer.from('good content\n')], packer);
    const fileNode = {
      blobId: await storeFileNode(keys, stored.node, enc.key, packer),
      capsule: capsuleToJsonValue(enc.capsule),
    };
    const id = (): string => randomBytes(16).toString('hex');
    const file = (name: string): FileEntry => ({
      kind: 'file',
      itemId: id(),
      name,
      mtimeMs: 1_700_000_000_000,
      mode: null,
      size: stored.node.size,
      contentId: stored.contentId,
      fileNode,
    });
    const dir = async (name: string, entries: TreeEntry[]): Promise<TreeEntry> => ({
      kind: 'dir',
      itemId: id(),
      name,
      mtimeMs: 1_700_000_000_000,
      mode: null,
      subtree: await storeTree(keys, { version: 1, entries }, packer),
    });
    const long = 'L'.repeat(300);
    const rootEntries: TreeEntry[] = [
      file('good.txt'),
      await dir('gooddir', [file('inner.txt'), file('back\\slash')]),
      file('C:\\x'),
      file(long),
      file('CON'),
      file('Name.txt'),
      file('name.txt'),
      await dir('.cess-sync', [file('manifest.sqlite'), await dir('tmp', [file('x')])]),
      file('.cess-sync-root'),
      await dir('.CESS-SYNC', [file('y')]),
    ];
    const tree = await storeTree(keys, { version: 1, entries: rootEntries }, packer);
    await storeSnapshot(
      keys,
      {
        version: 1,
        folderId: F_HOSTILE,
        deviceId: evil.manifest.deviceId(),
        seq: 10,
        parents: [],
        timeMs: Date.now(),
        tree,
      },
      packer,
    );
    await packer.flush();
    expect(fids.length).toBe(1);

    const before = fingerprint(box);
    const res = await pass(victim);
    const after = fingerprint(box);
    // Only the root's own contents changed.
    const outside = (fp: Record<string, string>) =>
      Object.fromEntries(Object.entries(fp).filter(([k]) => !k.startsWith('inner/Sync/')));
    expect(outside(after)).toEqual(outside(before));
    expect(existsSync('/etc/x')).toBe(false);
    expect(Object.keys(listing(victim.root)).sort()).toEqual([
      'CON',
      'Name.txt',
      'good.txt',
      'gooddir/',
      'gooddir/inner.txt',
      'name.txt',
    ]);
    expect(readFileSync(path.join(victim.root, 'good.txt'), 'utf8')).toBe('good content\n');
    // The metadata dir got nothing from the snapshot.
    expect(existsSync(path.join(victim.root, '.cess-sync', 'manifest.sqlite'))).toBe(false);
    expect(existsSync(path.join(victim.root, '.cess-sync', 'tmp', 'x'))).toBe(false);
    expect(
      readdirSync(victim.root).some((n) => n.toLowerCase() === '.cess-sync' && n !== '.cess-sync'),
    ).toBe(false);
    const byPath = Object.fromEntries(res.remoteProblems.map((p) => [p.path, p.code]));
    expect(byPath).toEqual({
      'C:\\x': 'DRIVE_LETTER',
      [long]: 'NAME_TOO_LONG',
      'gooddir/back\\slash': 'BACKSLASH',
      '.cess-sync': 'RESERVED_NAME',
      '.cess-sync-root': 'RESERVED_NAME',
      '.CESS-SYNC': 'RESERVED_NAME',
    });
    for (const p of res.remoteProblems) expect(p.message).toMatch(/not synced here/);

    // The victim's next snapshot keeps the withheld entries for the devices that can hold them.
    await writeFile(path.join(victim.root, 'mine.txt'), 'from the victim\n');
    expect((await pass(victim)).uploaded).toBe(1);
    await victim.repo.refresh();
    const again = await victim.repo.loadFolder(F_HOSTILE);
    expect(again.snapshot?.snapshot.deviceId).toBe(victim.manifest.deviceId());
    expect(again.problems.map((p) => p.path).sort()).toEqual(Object.keys(byPath).sort());
  });

  it('trees the format refuses (.., /, NUL, duplicates) fail the pass with a clear error and write nothing', async () => {
    const cases: [string, string[]][] = [
      ['..', ['..']],
      ['../escape', ['../escape']],
      ['a/b', ['a/b']],
      ['/etc/x', ['/etc/x']],
      ['x\u0000y', ['x\u0000y']],
      ['clash', ['twice', 'twice']],
      ['nfd', ['cafe\u0301']],
    ];
    const fids: string[] = [];
    const packer = attackerPacker(evil, path.join(work, 'evil'), fids);
    const keys = evil.ctx.keys;
    const enc = encapsulate(evil.ctx.account.publicKey);
    const stored = await storeFileContent(keys, [Buffer.from('payload\n')], packer);
    const fileNode = {
      blobId: await storeFileNode(keys, stored.node, enc.key, packer),
      capsule: capsuleToJsonValue(enc.capsule),
    };
    const folders: string[] = [];
    for (const [i, [, names]] of cases.entries()) {
      // Hand-made canonical-looking JSON: the encoder would refuse these names.
      const entries = names.map((name) => ({
        itemId: randomBytes(16).toString('hex'),
        name,
        kind: 'file',
        mtimeMs: 0,
        mode: null,
        size: stored.node.size,
        contentId: stored.contentId,
        fileNode,
      }));
      const plaintext = new TextEncoder().encode(JSON.stringify({ version: 1, entries }));
      const idBytes = blobIdBytes(keys, 'tree', plaintext);
      await packer.add('tree', toHex(idBytes), keys.metadata, plaintext, idBytes);
      const folderId = `f0000000000000000000000000000e${i.toString(16).padStart(2, '0')}`;
      folders.push(folderId);
      await storeSnapshot(
        keys,
        {
          version: 1,
          folderId,
          deviceId: evil.manifest.deviceId(),
          seq: 5,
          parents: [],
          timeMs: Date.now(),
          tree: toHex(idBytes),
        },
        packer,
      );
    }
    await packer.flush();

    const root = path.join(work, 'refuse-box', 'Sync');
    for (const [i, folderId] of folders.entries()) {
      const d = await device(`refuse-${i}`, folderId, { root: path.join(root, String(i)) });
      const before = fingerprint(path.join(work, 'refuse-box'));
      const err = await pass(d).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, cases[i]![0]).toBeInstanceOf(FormatError);
      expect((err as Error).message).toMatch(
        new RegExp(`folder ${folderId}: snapshot [0-9a-f]+ has a bad tree at "/"`),
      );
      expect((err as Error).message).toMatch(/invalid name|duplicate|canonical|NFC/);
      expect(fingerprint(path.join(work, 'refuse-box'))).toEqual(before);
      expect(Object.keys(listing(d.root))).toEqual([]);
    }
  });

  it('a tampered pack gives a clear error, never wrong data; the intact pack syncs', async () => {
    await randomFile(path.join(a.root, 'tamper/data.bin'), MiB);
    const up = await pass(a);
    expect(up.uploadedPacks.length).toBe(1);
    const fid = up.uploadedPacks[0]!;
    const stored = path.join(tnet.stateDir, 'gateway', 'files', fid);
    expect(existsSync(stored)).toBe(true);
    const size = statSync(stored).size;
    const fh = await open(stored, 'r+');
    const at = Math.floor(size / 2);
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, at);
    await fh.write(Buffer.from([one[0]! ^ 0x40]), 0, 1, at);

    const err = await pass(b).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).code).toBe('AUTH_FAILED');
    expect(existsSync(path.join(b.root, 'tamper/data.bin'))).toBe(false);

    await fh.write(one, 0, 1, at);
    await fh.close();
    expect((await pass(b)).downloaded).toBe(1);
    expect(listing(b.root)).toEqual(listing(a.root));
  });
});

describe('awkward but legal trees', () => {
  it('empty files, 50-level paths, NFC and NFD names, and a case clash sync; the clash is reported', async () => {
    const deep = Array.from({ length: 50 }, (_, i) => `d${i}`).join('/');
    await mkdir(path.join(a.root, 'edge', deep), { recursive: true });
    await writeFile(path.join(a.root, 'edge', deep, 'leaf.txt'), 'at the bottom\n');
    await writeFile(path.join(a.root, 'edge/empty.bin'), '');
    await writeFile(path.join(a.root, 'edge/caf\u00e9-nfc.txt'), 'nfc\n');
    await writeFile(path.join(a.root, 'edge/re\u0301sume\u0301-nfd.txt'), 'nfd\n');
    await writeFile(path.join(a.root, 'edge/Readme.md'), 'upper\n');
    await writeFile(path.join(a.root, 'edge/README.md'), 'shouting\n');

    const up = await pass(a);
    expect(up.uploaded).toBe(6);
    expect(
      up.scanProblems
        .filter((p) => p.code === 'CASE_CLASH')
        .map((p) => p.path)
        .sort(),
    ).toEqual(['edge/README.md', 'edge/Readme.md']);
    const down = await pass(b);
    expect(down.downloaded).toBe(6);
    const nfc = (l: Record<string, string>) =>
      Object.fromEntries(Object.entries(l).map(([k, v]) => [k.normalize('NFC'), v]));
    expect(nfc(listing(b.root))).toEqual(nfc(listing(a.root)));
    expect(readFileSync(path.join(b.root, 'edge/empty.bin')).length).toBe(0);
    expect(readFileSync(path.join(b.root, 'edge', deep, 'leaf.txt'), 'utf8')).toBe(
      'at the bottom\n',
    );
    // Settled: nothing to do on either side (an NFD name does not loop as rename/re-upload).
    expect((await pass(a)).plan.ops).toEqual([]);
    expect((await pass(b)).plan.ops).toEqual([]);
  });
});
