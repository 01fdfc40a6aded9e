/**
 * The shell's supervisor running the real daemon: the `cess-sync daemon` CLI (through the same
 * child-entry.ts the app starts under Electron) on a device set up for the local CESS network.
 * Start -> status -> a folder syncs (recent files from the event stream) -> pause -> stop, and
 * nothing is left: no process, no daemon.json, no lock.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/daemon/client.js';
import { setupDevice } from '../../src/daemon/setup.js';
import { processExists } from '../../src/daemon/state-file.js';
import { prepareSyncAccount } from '../../src/devnet/accounts.js';
import { nodeDaemonCommand } from '../../src/main/daemon/daemon-command.js';
import { ProcessSupervisor } from '../../src/main/daemon/process-supervisor.js';
import type { DaemonStatus } from '../../src/main/daemon/supervisor.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';

const REPO = path.resolve(import.meta.dirname, '../..');

let net: TestDevnet;
let work: string;
let stateDir: string;
const passphrase = randomBytes(16).toString('hex');

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet({ minerDelay: 0 });
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-shell-daemon-'));
  const { mnemonic } = await prepareSyncAccount(net, { territory: 'shell', gib: 1 });
  stateDir = path.join(work, 'device');
  const previous = process.env.CESS_SYNC_PASSPHRASE;
  process.env.CESS_SYNC_PASSPHRASE = passphrase;
  try {
    const setup = await setupDevice({
      stateDir,
      network: { name: 'local', chain: [net.chainUrl], gateway: net.gatewayUrl },
      mnemonic,
      territory: 'shell',
      deviceName: 'shell-test',
      keyStore: 'file',
    });
    expect(setup.todo).toEqual([]);
  } finally {
    if (previous === undefined) delete process.env.CESS_SYNC_PASSPHRASE;
    else process.env.CESS_SYNC_PASSPHRASE = previous;
  }
});

afterAll(async () => {
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('ProcessSupervisor with the real daemon', () => {
  it('starts it, follows it, pauses it and stops it without leaving anything behind', async () => {
    const log: string[] = [];
    const supervisor = new ProcessSupervisor({
      stateDir,
      command: nodeDaemonCommand({
        repoRoot: REPO,
        stateDir,
        env: { ...process.env, CESS_SYNC_PASSPHRASE: passphrase },
      }),
      startTimeoutMs: 90_000,
      log: (line) => log.push(line),
    });
    const statuses: DaemonStatus[] = [];
    supervisor.onStatus((s) => statuses.push(s));
    try {
      const endpoint = await supervisor.start();
      const pid = supervisor.pid!;
      expect(endpoint.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(log.some((l) => l.startsWith('[daemon] cess-sync daemon for '))).toBe(true);

      // An account but no folder yet: the window is where to pick one.
      await eventually(
        async () => (supervisor.status.state.kind === 'needs-setup' ? true : undefined),
        30_000,
        'the first status',
      );
      expect(supervisor.status.state).toEqual({ kind: 'needs-setup', what: 'folder' });

      const root = path.join(work, 'Sync');
      await mkdir(path.join(root, 'docs'), { recursive: true });
      await writeFile(path.join(root, 'docs', 'hello.txt'), 'hello from the shell test\n');
      const client = new DaemonClient({ url: endpoint.origin, token: endpoint.token });
      await client.addFolder({ root });
      await eventually(
        async () =>
          supervisor.status.state.kind === 'synced' && supervisor.status.recentFiles.length > 0
            ? true
            : undefined,
        90_000,
        'the folder synced, with the file among the recent ones',
      );
      expect(supervisor.status.syncRoot).toBe(root);
      expect(supervisor.status.recentFiles[0]).toEqual({
        path: path.join(root, 'docs', 'hello.txt'),
        displayName: 'docs/hello.txt',
      });
      expect(statuses.some((s) => s.state.kind === 'syncing')).toBe(true);

      await supervisor.setPaused(true);
      expect(supervisor.status.state).toEqual({ kind: 'paused' });
      expect((await client.status()).state).toBe('paused');

      await supervisor.stop();
      expect(processExists(pid)).toBe(false);
      expect(existsSync(path.join(stateDir, 'daemon.json'))).toBe(false);
      expect(existsSync(path.join(stateDir, 'daemon.lock'))).toBe(false);
      expect(log.some((l) => l.includes('killing it'))).toBe(false); // it stopped on SIGTERM
    } finally {
      await supervisor.stop();
    }
  });
});
