/**
 * `cess-sync share <path>` against a real daemon on the local CESS network (docs/sharing.md,
 * "Right-click in the file manager"): the verb hands the path to the running daemon, which checks
 * it (src/sync/share/local-path.ts) and pushes a shareRequest event to its WebSocket subscribers
 * (the UI opens its share dialog on it). Paths outside synced folders, `..` tricks, symbolic
 * links, cess-sync's own files and missing files are refused with a clear message, exit code 1,
 * and no event. Also once through the real CLI process, and through the Nautilus script the
 * daemon installs.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DaemonClient, type EventSubscription } from '../../src/daemon/client.js';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run.js';
import { setupDevice } from '../../src/daemon/setup.js';
import { prepareSyncAccount } from '../../src/devnet/accounts.js';
import { defaultCliCommand } from '../../src/integrations/command.js';
import { NAUTILUS_SCRIPT } from '../../src/integrations/linux.js';
import type { ShareRequestEvent } from '../../src/sync/api/schema.js';
import { startTestDevnet, type TestDevnet } from '../support/devnet.js';
import { runChild } from '../support/run-child.js';

let net: TestDevnet;
let work: string;
let stateDir: string;
let root: string;
let daemon: RunningDaemon;
let client: DaemonClient;
let folderId: string;
let sub: EventSubscription;
const requests: ShareRequestEvent[] = [];
const savedXdg = process.env.XDG_DATA_HOME;

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--state-dir', stateDir, ...args], {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: root, now: () => Date.now() },
    notify: async () => undefined,
  });
  return { code, out, err };
}

/** Events arrive over the socket shortly after the 202; wait for `n` of them (or time out). */
async function nextRequests(n: number, timeoutMs = 5000): Promise<ShareRequestEvent[]> {
  const end = Date.now() + timeoutMs;
  while (requests.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return requests.splice(0, requests.length);
}

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet();
  // realpath: tmpdir may sit behind a link, and the daemon reports real paths.
  work = await realpath(await mkdtemp(path.join(tmpdir(), 'cess-sync-share-verb-')));
  const { mnemonic } = await prepareSyncAccount(net, { territory: 'verb', gib: 5 });
  process.env.CESS_SYNC_PASSPHRASE ??= randomBytes(16).toString('hex');
  stateDir = path.join(work, 'state');
  const setup = await setupDevice({
    stateDir,
    network: { name: 'local', chain: [net.chainUrl], gateway: net.gatewayUrl },
    mnemonic,
    territory: 'verb',
    deviceName: 'verb-laptop',
    keyStore: 'file',
  });
  expect(setup.todo).toEqual([]);
  process.env.XDG_DATA_HOME = path.join(work, 'xdg-data');
  daemon = await runDaemon({ stateDir, pollMs: 60_000, log: () => undefined });
  await daemon.ready;
  client = await DaemonClient.fromStateDir(stateDir);
  root = path.join(work, 'My Sync');
  await mkdir(path.join(root, 'docs', 'deep'), { recursive: true });
  await writeFile(path.join(root, 'docs', 'report $(x) "q".txt'), 'report');
  await writeFile(path.join(root, 'docs', 'deep', 'notes.md'), 'notes');
  folderId = (await client.addFolder({ root })).id;
  await writeFile(path.join(work, 'outside.txt'), 'not synced');
  await symlink(path.join(work, 'outside.txt'), path.join(root, 'link-out.txt'));
  await symlink(path.join(root, 'docs'), path.join(work, 'docs-link'));
  await symlink(path.join(root, 'docs', 'deep'), path.join(root, 'deep-link'));
  sub = await client.subscribe((e) => {
    if (e.type === 'shareRequest') requests.push(e.request);
  });
}, 240_000);

afterAll(async () => {
  sub?.close();
  await daemon?.stop();
  await net?.stop();
  if (savedXdg === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedXdg;
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('cess-sync share <path> hands the path to the running daemon', () => {
  it('a synced file: the subscriber gets a shareRequest with its folder and path', async () => {
    const file = path.join(root, 'docs', 'report $(x) "q".txt');
    const r = await cli('share', file);
    expect(r).toEqual({
      code: 0,
      out: ['The share dialog is open in cess-sync for report $(x) "q".txt.'],
      err: [],
    });
    expect(await nextRequests(1)).toEqual([
      {
        folderId,
        path: 'docs/report $(x) "q".txt',
        absPath: file,
        name: 'report $(x) "q".txt',
        kind: 'file',
      },
    ]);
  });

  it('several items at once (relative, a folder, the synced folder itself): one request each', async () => {
    const r = await cli('share', 'docs/deep/notes.md', path.join(root, 'docs'), root);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(3);
    expect(await nextRequests(3)).toEqual([
      {
        folderId,
        path: 'docs/deep/notes.md',
        absPath: path.join(root, 'docs', 'deep', 'notes.md'),
        name: 'notes.md',
        kind: 'file',
      },
      { folderId, path: 'docs', absPath: path.join(root, 'docs'), name: 'docs', kind: 'folder' },
      { folderId, path: '', absPath: root, name: 'My Sync', kind: 'folder' },
    ]);
  });

  it('a `..` inside the synced folder is resolved; one leaving it is refused', async () => {
    const r = await cli(
      'share',
      path.join(root, 'docs', 'deep', '..', '..', 'docs', 'deep', 'notes.md'),
    );
    expect(r.code).toBe(0);
    expect((await nextRequests(1))[0]?.path).toBe('docs/deep/notes.md');
    const out = await cli('share', path.join(root, 'docs', '..', '..', 'outside.txt'));
    expect(out.code).toBe(1);
    expect(out.err).toEqual([
      `cess-sync: ${path.join(work, 'outside.txt')} is not inside a synced folder`,
    ]);
    expect(await nextRequests(1, 500)).toEqual([]);
  });

  const refusals: [string, () => string, RegExp][] = [
    [
      'outside every synced folder',
      () => path.join(work, 'outside.txt'),
      /is not inside a synced folder$/,
    ],
    [
      'a symbolic link in the folder',
      () => path.join(root, 'link-out.txt'),
      /is a symbolic link; share the file it points to instead$/,
    ],
    [
      'a path through a link inside the folder',
      () => path.join(root, 'deep-link', 'notes.md'),
      /goes through the symbolic link .*deep-link; use the real path/,
    ],
    [
      'a path through a link from outside into it',
      () => path.join(work, 'docs-link', 'deep', 'notes.md'),
      /goes through the symbolic link .*docs-link|is not inside a synced folder/,
    ],
    [
      "cess-sync's own marker file",
      () => path.join(root, '.cess-sync-root'),
      /is one of cess-sync's own files$/,
    ],
    [
      "cess-sync's metadata folder",
      () => path.join(root, '.cess-sync'),
      /is one of cess-sync's own files$/,
    ],
    ['a file that does not exist', () => path.join(root, 'nope.txt'), /does not exist$/],
    ['a remote URI', () => 'file://otherhost/share/x', /is not a local file/],
  ];
  for (const [what, p, message] of refusals) {
    it(`refuses ${what}: clear error, exit 1, no event`, async () => {
      const r = await cli('share', p());
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^cess-sync: /);
      expect(r.err[0]).toMatch(message);
      expect(await nextRequests(1, 500)).toEqual([]);
    });
  }

  it('the CLI as its own process (src/cli/main.ts), a file:// URI as Nemo passes it', async () => {
    const [node, ...rest] = defaultCliCommand({});
    const uri = `file://${encodeURI(path.join(root, 'docs', 'deep', 'notes.md'))}`;
    const r = await runChild(node!, [...rest, '--state-dir', stateDir, 'share', '--', uri], {
      env: { ...process.env },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('The share dialog is open in cess-sync for notes.md.\n');
    expect(r.status).toBe(0);
    expect((await nextRequests(1))[0]?.absPath).toBe(path.join(root, 'docs', 'deep', 'notes.md'));
  }, 90_000);

  it('through the Nautilus script the daemon installs (a real right-click, minus the mouse)', async () => {
    const list = await client.setIntegration({ id: 'nautilus', install: true });
    expect(list.integrations.find((i) => i.id === 'nautilus')?.installed).toBe(true);
    const script = path.join(work, 'xdg-data', NAUTILUS_SCRIPT);
    const r = await runChild(script, ['report $(x) "q".txt', 'deep'], {
      cwd: path.join(root, 'docs'),
      env: { ...process.env, PWD: '/' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect((await nextRequests(2)).map((q) => q.path)).toEqual([
      'docs/report $(x) "q".txt',
      'docs/deep',
    ]);
    await client.setIntegration({ id: 'nautilus', install: false });
  }, 90_000);

  it('with no window open: exit 1 and says so', async () => {
    sub.close();
    await sub.closed;
    await new Promise((r) => setTimeout(r, 200));
    const r = await cli('share', path.join(root, 'docs'));
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'cess-sync: no cess-sync window is open to show the share dialog; open the app and try again',
    ]);
  });
});

describe('the daemon is not running', () => {
  it('says how to start it and exits 1', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--state-dir', path.join(work, 'no-daemon'), 'share', root], {
      io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: root, now: () => 0 },
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(
      /cess-sync daemon is not running .*start it by opening the CESS Sync app, or headless with: cess-sync daemon/,
    );
  });
});
