/**
 * Settings › Network against the local CESS network: the same devnet under another form of its
 * address (localhost instead of 127.0.0.1) is accepted, written to config.json and applied by
 * restarting the engine in the running daemon (a file added afterwards syncs); a chain with
 * another genesis (the devnet behind a proxy that reports a different genesis hash, which is what
 * a client sees of another network) is refused and nothing changes.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { PASSPHRASE_ENV } from '../../src/cess/keystore/index.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { configPath } from '../../src/daemon/config.js';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run.js';
import { prepareSyncAccount } from '../../src/devnet/accounts.js';
import { setUpFileKeyDevice } from '../support/device-setup.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';

const FAKE_GENESIS = `0x${'ab'.repeat(32)}`;

let net: TestDevnet;
let work: string;
let stateDir: string;
let daemon: RunningDaemon;
let client: DaemonClient;
let proxy: WebSocketServer;
let proxyUrl: string;
const logs: string[] = [];

async function call(method: string, body?: unknown): Promise<[number, Record<string, unknown>]> {
  const res = await fetch(`${daemon.url}/api/v1/network`, {
    method,
    headers: {
      Authorization: `Bearer ${daemon.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return [res.status, (await res.json()) as Record<string, unknown>];
}

/** The devnet's RPC, except that the genesis block hash (chain_getBlockHash(0)) is another. */
async function startGenesisProxy(upstream: string): Promise<void> {
  proxy = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  proxy.on('connection', (down) => {
    const up = new WebSocket(upstream);
    const queue: string[] = [];
    const genesisIds = new Set<unknown>();
    up.on('open', () => queue.splice(0).forEach((m) => up.send(m)));
    down.on('message', (data) => {
      const text = String(data);
      const msg = JSON.parse(text) as { id?: unknown; method?: string; params?: unknown[] };
      if (msg.method === 'chain_getBlockHash' && msg.params?.[0] === 0) genesisIds.add(msg.id);
      if (up.readyState === WebSocket.OPEN) up.send(text);
      else queue.push(text);
    });
    up.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: unknown; result?: unknown };
      if (msg.id !== undefined && genesisIds.delete(msg.id)) msg.result = FAKE_GENESIS;
      down.send(JSON.stringify(msg));
    });
    const close = (): void => {
      up.terminate();
      down.terminate();
    };
    up.on('close', close);
    up.on('error', close);
    down.on('close', close);
  });
  await new Promise<void>((r) => proxy.once('listening', r));
  const port = (proxy.address() as { port: number }).port;
  proxyUrl = `ws://127.0.0.1:${port}`;
}

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet();
  work = await realpath(await mkdtemp(path.join(tmpdir(), 'cess-sync-network-')));
  const { mnemonic } = await prepareSyncAccount(net, { territory: 'net', gib: 5 });
  // The daemon below reads the passphrase from the environment.
  const passphrase = (process.env[PASSPHRASE_ENV] ??= randomBytes(16).toString('hex'));
  stateDir = path.join(work, 'state');
  const setup = await setUpFileKeyDevice(net, {
    stateDir,
    mnemonic,
    territory: 'net',
    deviceName: 'net-laptop',
    passphrase,
  });
  expect(setup.todo).toEqual([]);
  daemon = await runDaemon({ stateDir, pollMs: 1000, log: (l) => logs.push(l) });
  await daemon.ready;
  client = await DaemonClient.fromStateDir(stateDir);
  await startGenesisProxy(net.chainUrl);
}, 240_000);

afterAll(async () => {
  await daemon?.stop();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('Settings › Network on a running daemon', () => {
  it('GET shows the configured addresses', async () => {
    const [status, body] = await call('GET');
    expect(status).toBe(200);
    expect(body).toMatchObject({ chain: [net.chainUrl], gateway: net.gatewayUrl });
  });

  it('a chain with another genesis is refused; nothing changes', async () => {
    const before = await readFile(configPath(stateDir), 'utf8');
    const [status, body] = await call('PUT', { chain: [proxyUrl], gateway: net.gatewayUrl });
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: { code: 'different_chain' } });
    expect(JSON.stringify(body)).toMatch(/different CESS network/);
    expect(await readFile(configPath(stateDir), 'utf8')).toBe(before);
    expect((await client.status()).account).not.toBeNull();
  }, 120_000);

  it('bad addresses: 400 with the reason', async () => {
    const [status, body] = await call('PUT', { chain: ['http://127.0.0.1:1'], gateway: 'x' });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'invalid_url' } });
  });

  it('the same devnet as localhost: saved, the engine restarts on it, a file syncs', async () => {
    const local = net.chainUrl.replace('127.0.0.1', 'localhost');
    const gateway = net.gatewayUrl.replace('127.0.0.1', 'localhost');
    expect(local).not.toBe(net.chainUrl);
    const [status, body] = await call('PUT', { chain: [local], gateway });
    expect(status).toBe(200);
    expect(body).toMatchObject({ preset: 'custom', chain: [local], gateway });
    expect(body.message).toMatch(/restarted on the new addresses/);
    const saved = JSON.parse(await readFile(configPath(stateDir), 'utf8')) as {
      network: unknown;
    };
    expect(saved.network).toEqual({ name: 'custom', chain: [local], gateway });
    expect(logs.some((l) => l.includes(`restarted on ${local}`))).toBe(true);
    expect((await call('GET'))[1]).toMatchObject({ chain: [local], gateway });

    // The restarted engine serves the same routes and syncs.
    const root = path.join(work, 'Synced');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'after-switch.txt'), 'same chain, another address');
    const folder = await client.addFolder({ root });
    await client.syncNow(folder.id);
    await eventually(
      async () => {
        const list = await client.files({ folderId: folder.id });
        return list.files.find((f) => f.path === 'after-switch.txt' && f.state === 'synced');
      },
      120_000,
      'after-switch.txt to be synced',
    );
  }, 240_000);
});
