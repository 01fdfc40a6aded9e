import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { CessChain, CessError, type ConnectionState } from '../../src/cess/chain/index.js';
import {
  startChopsticks,
  type ChopsticksHandle,
} from '../../src/devnet/chain/chopsticks-process.js';
import { balancePairs, setStorage } from '../../src/devnet/chain/dev-storage.js';

// The CESS runtime under chopsticks alone (no gateway): this file stops and restarts the chain.
const GENESIS = process.env.CESS_GENESIS ?? '/work/shared/cess/cess-testnet-spec-raw.json';
const TCESS = 10n ** 18n;

let stateDir: string;
let node: ChopsticksHandle | undefined;
let alice: KeyringPair;
let bob: KeyringPair;
const chains: CessChain[] = [];

// A restarted chain gets a fresh database: resuming one (`--resume true`) is refused by
// chopsticks 1.5.1's option parser (reported to the devnet owner). Same runtime, same port.
let starts = 0;
function start(port?: number): Promise<ChopsticksHandle> {
  starts += 1;
  return startChopsticks({
    genesisPath: GENESIS,
    stateDir: path.join(stateDir, `chain-${starts}`),
    ...(port ? { port } : {}),
  });
}

async function fund(url: string, chain: CessChain): Promise<void> {
  const rpc = new WsProvider(url);
  await rpc.isReady;
  await setStorage(rpc, balancePairs(chain.api, [alice.address], 1_000_000n * TCESS));
  await rpc.disconnect();
}

/** A port nothing listens on (bound then released). */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

beforeAll(async () => {
  await cryptoWaitReady();
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'cess-reconnect-test-'));
  node = await start();
  const kr = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  alice = kr.addFromUri('//Alice');
  bob = kr.addFromUri('//Bob');
  const chain = await CessChain.connect({ endpoints: node.wsUrl });
  await fund(node.wsUrl, chain);
  await chain.disconnect();
});

afterAll(async () => {
  for (const c of chains) await c.disconnect();
  await node?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('CessChain connection handling', () => {
  it('fails over to the next endpoint when the first one does not answer', async () => {
    const dead = `ws://127.0.0.1:${await deadPort()}`;
    const t0 = performance.now();
    const chain = await CessChain.connect({
      endpoints: [dead, node!.wsUrl],
      reconnectMs: 200,
      timeoutMs: 15_000,
    });
    chains.push(chain);
    console.log(`[reconnect] failover connect took ${Math.round(performance.now() - t0)} ms`);
    expect(chain.state).toBe('connected');
    expect(chain.endpoint).toBe(node!.wsUrl);
    expect((await chain.balance(alice.address)).free).toBe(1_000_000n * TCESS);
  });

  it('says clearly when no endpoint answers', async () => {
    const dead = `ws://127.0.0.1:${await deadPort()}`;
    const err = await CessChain.connect({
      endpoints: dead,
      reconnectMs: 200,
      timeoutMs: 1_500,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CessError);
    expect((err as CessError).message).toMatch(
      new RegExp(`^cannot reach the CESS chain at ${dead}: chain not ready after 1500 ms`),
    );
  });

  it('reports a drop mid-transaction, fails calls clearly while down, and reconnects when the chain is back', async () => {
    const chain = await CessChain.connect({ endpoints: node!.wsUrl, reconnectMs: 300 });
    chains.push(chain);
    const states: ConnectionState[] = [];
    chain.on('state', (s) => states.push(s));
    const port = node!.port;

    // The chain goes away while a transfer is on its way: once it is signed (it is submitted in
    // the same tick), not yet finalized (building a block takes the devnet about a second). A
    // fixed sleep instead raced signing on a loaded machine.
    let signed!: () => void;
    const wasSigned = new Promise<void>((r) => (signed = r));
    const signer = Object.create(alice) as typeof alice;
    signer.sign = (...args: Parameters<typeof alice.sign>) => {
      signed();
      return alice.sign(...args);
    };
    const pending = chain.transfer(signer, bob.address, 5n * TCESS, { preflight: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await wasSigned;
    await new Promise((r) => setTimeout(r, 100));
    const stopping = node!.stop();
    node = undefined;
    const err = await pending;
    await stopping;
    expect(err).toBeInstanceOf(CessError);
    expect((err as CessError).code).toBe('connection.disconnected');
    console.log(`[reconnect] transfer during the drop: ${(err as CessError).message}`);
    // It had been sent: the client must not claim it was not, nor that it failed for sure.
    expect((err as CessError).message).toMatch(
      /^lost the connection to the chain at ws:\/\/127\.0\.0\.1:\d+ while waiting for the transaction; it may or may not have been included, check the chain before sending it again$/,
    );
    await expect.poll(() => chain.state, { timeout: 5_000 }).toBe('disconnected');
    expect(states).toContain('disconnected');

    // While down: immediate, explicit failures (no hanging).
    const t0 = performance.now();
    const q = await chain.balance(alice.address).catch((e: unknown) => e);
    expect(q).toBeInstanceOf(CessError);
    expect((q as CessError).message).toMatch(
      /^not connected to the CESS chain at ws:\/\/127\.0\.0\.1:\d+ \(state: disconnected\); retrying in the background$/,
    );
    const tx = await chain
      .transfer(alice, bob.address, TCESS, { preflight: false })
      .catch((e: unknown) => e);
    expect((tx as CessError).code).toBe('connection.disconnected');
    expect((tx as CessError).message).toMatch(/the transaction was not sent/);
    expect(performance.now() - t0).toBeLessThan(1_000);

    // The chain comes back on the same port (same database): the client reconnects by itself.
    const t1 = performance.now();
    node = await start(port);
    await chain.waitConnected(30_000);
    console.log(
      `[reconnect] chain restart + client reconnect took ${Math.round(performance.now() - t1)} ms`,
    );
    expect(chain.state).toBe('connected');
    expect(states.slice(-1)).toEqual(['connected']);
    await expect
      .poll(
        async () => (await chain.balance(alice.address).catch(() => undefined))?.free !== undefined,
        { timeout: 10_000 },
      )
      .toBe(true);
    await fund(node.wsUrl, chain);
    const before = (await chain.balance(bob.address)).free;
    await chain.transfer(alice, bob.address, 7n * TCESS);
    expect((await chain.balance(bob.address)).free - before).toBe(7n * TCESS);
  });
});
