/**
 * Locked mode against the local CESS network: a device set up with the passphrase-encrypted key
 * file, its daemon started without CESS_SYNC_PASSPHRASE. The API runs, engine routes answer 409
 * `locked`, a wrong passphrase 400, the right one (through `cess-sync unlock`) starts the engine
 * in the same process and a file syncs. Neither passphrase appears in any log line or reply.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockCommand } from '../../src/cli/unlock-command.js';
import { DaemonApiError, DaemonClient } from '../../src/daemon/client.js';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run.js';
import { prepareSyncAccount } from '../../src/devnet/accounts.js';
import { callApi } from '../support/api-server.js';
import { setUpFileKeyDevice } from '../support/device-setup.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';

const PASSPHRASE = `right-${randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${randomBytes(12).toString('hex')}`;

let net: TestDevnet;
let work: string;
let stateDir: string;
let daemon: RunningDaemon;
let client: DaemonClient;
const logs: string[] = [];
/** Every reply body and error message the tests saw, checked for the passphrases at the end. */
const seen: string[] = [];

async function raw(method: string, route: string, body?: unknown): Promise<[number, unknown]> {
  const { status, text } = await callApi(daemon, method, route, body);
  seen.push(text);
  return [status, JSON.parse(text) as unknown];
}

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet();
  work = await realpath(await mkdtemp(path.join(tmpdir(), 'cess-sync-unlock-')));
  const { mnemonic } = await prepareSyncAccount(net, { territory: 'unlock', gib: 5 });
  stateDir = path.join(work, 'state');
  const setup = await setUpFileKeyDevice(net, {
    stateDir,
    mnemonic,
    territory: 'unlock',
    deviceName: 'unlock-laptop',
    passphrase: PASSPHRASE,
  });
  expect(setup.todo).toEqual([]);
  const env = { ...process.env };
  delete env.CESS_SYNC_PASSPHRASE; // locked mode: the daemon has no passphrase
  daemon = await runDaemon({ stateDir, env, pollMs: 1000, log: (l) => logs.push(l) });
  client = await DaemonClient.fromStateDir(stateDir);
}, 240_000);

afterAll(async () => {
  await daemon?.stop();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('a daemon whose key file needs a passphrase it does not have', () => {
  it('starts locked: the API answers, engine routes say 409 locked, the event stream is refused', async () => {
    expect(daemon.locked).toBe(true);
    expect(daemon.setUp).toBe(false);
    expect(await raw('GET', '/api/v1/unlock')).toEqual([200, { locked: true }]);
    const [status, body] = await raw('GET', '/api/v1/status');
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: { code: 'locked' } });
    const [settingsStatus, settings] = await raw('GET', '/api/v1/settings');
    expect(settingsStatus).toBe(409);
    expect(settings).toMatchObject({ error: { code: 'locked' } });
    await expect(client.subscribe(() => undefined)).rejects.toMatchObject({ status: 409 });
    expect(logs.some((l) => l.includes('is locked'))).toBe(true);
  });

  it('a wrong passphrase: 400 wrong_passphrase, still locked', async () => {
    const [status, body] = await raw('POST', '/api/v1/unlock', { passphrase: WRONG });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'wrong_passphrase' } });
    const short = await raw('POST', '/api/v1/unlock', { passphrase: 'short' });
    expect(short[0]).toBe(400);
    expect(short[1]).toMatchObject({ error: { code: 'wrong_passphrase' } });
    const bad = await raw('POST', '/api/v1/unlock', { passphrase: 42 });
    expect(bad[0]).toBe(400);
    expect(bad[1]).toMatchObject({ error: { code: 'invalid_request' } });
    // The CLI gets the same refusal (runCli prints its message, exit code 1).
    const refused = unlockCommand(
      client,
      { out: () => undefined, err: () => undefined, cwd: work, now: () => Date.now() },
      { stdin: true },
      () => Promise.resolve(WRONG),
    );
    await expect(refused).rejects.toBeInstanceOf(DaemonApiError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'wrong_passphrase' });
    expect(await raw('GET', '/api/v1/unlock')).toEqual([200, { locked: true }]);
  });

  it('the right passphrase through `cess-sync unlock --stdin`: the engine runs and a file syncs', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), cwd: work };
    const code = await unlockCommand(
      client,
      { ...io, now: () => Date.now() },
      { stdin: true },
      () => Promise.resolve(PASSPHRASE),
    );
    seen.push(...out, ...err);
    expect({ code, out, err }).toEqual({
      code: 0,
      out: ['Unlocked: the sync engine is running.'],
      err: [],
    });
    await daemon.ready;
    expect(daemon.locked).toBe(false);
    expect(daemon.setUp).toBe(true);
    expect(await raw('GET', '/api/v1/unlock')).toEqual([200, { locked: false }]);
    const again = await raw('POST', '/api/v1/unlock', { passphrase: PASSPHRASE });
    expect(again[0]).toBe(409);
    expect(again[1]).toMatchObject({ error: { code: 'not_locked' } });

    const root = path.join(work, 'Synced');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'after-unlock.txt'), 'unlocked and synced');
    const folder = await client.addFolder({ root });
    await client.syncNow(folder.id);
    const entry = await eventually(
      async () => {
        const list = await client.files({ folderId: folder.id });
        const f = list.files.find((x) => x.path === 'after-unlock.txt');
        return f?.state === 'synced' ? f : undefined;
      },
      120_000,
      'after-unlock.txt to be synced',
    );
    expect(entry).toMatchObject({ kind: 'file', size: 'unlocked and synced'.length });
    // The unlocked CLI path says so instead of asking again.
    const out2: string[] = [];
    const code2 = await unlockCommand(
      client,
      { out: (t) => out2.push(t), err: () => undefined, cwd: work, now: () => Date.now() },
      {},
      () => Promise.reject(new Error('must not ask')),
    );
    expect({ code2, out2 }).toEqual({ code2: 0, out2: ['The sync engine is not locked.'] });
  }, 180_000);

  it('no log line and no reply holds either passphrase', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(5);
    for (const text of [...logs, ...seen]) {
      expect(text).not.toContain(PASSPHRASE);
      expect(text).not.toContain(WRONG);
    }
  });
});
