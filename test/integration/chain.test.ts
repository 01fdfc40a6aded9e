import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyringPair } from '@polkadot/keyring/types';
import { createAccount } from '../../src/cess/account/index.js';
import {
  CessChain,
  CessError,
  GIB,
  MIB,
  signAndWait,
  toCessError,
  txOf,
  type AccountBalance,
} from '../../src/cess/chain/index.js';
import { setStorage } from '../../src/devnet/chain/dev-storage.js';
import { DEV_IDLE_SPACE } from '../../src/devnet/chain/setup.js';
import { encodeStorageValue, storageKey } from '../../src/devnet/chain/storage-codec.js';
import { startDevnet, type Devnet } from '../../src/devnet/network.js';

const GENESIS = process.env.CESS_GENESIS ?? '/work/shared/cess/cess-testnet-spec-raw.json';
const TCESS = 10n ** 18n;

let net: Devnet;
let chain: CessChain;
let stateDir: string;
let alice: KeyringPair;
const timings: Record<string, number[]> = {};

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    (timings[label] ??= []).push(Math.round(performance.now() - t0));
  }
}

/** The CessError `fn` rejects with (fails the test when it resolves or throws something else). */
async function cessError(fn: () => Promise<unknown>): Promise<CessError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CessError) return err;
    throw err;
  }
  throw new Error('expected a CessError, the call succeeded');
}

const hex64 = (): string => randomBytes(32).toString('hex');

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'cess-chain-test-'));
  net = await startDevnet({ genesisPath: GENESIS, stateDir, minerDelay: 'never' });
  timings['devnet start'] = [net.startMs];
  const t0 = performance.now();
  chain = await CessChain.connect({ endpoints: net.chainUrl });
  timings['client connect'] = [Math.round(performance.now() - t0)];
  alice = net.keys.users.Alice;
});

afterAll(async () => {
  await chain?.disconnect();
  await net?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  console.log('[chain timings ms]', JSON.stringify(timings));
});

describe('CessChain against the real CESS runtime (spec 100 under chopsticks)', () => {
  it('reads the chain properties', () => {
    const p = chain.properties;
    expect(p.ss58Format).toBe(11330);
    expect(p.tokenSymbol).toBe('TCESS');
    expect(p.tokenDecimals).toBe(18);
    expect(p.specName).toBe('cess-node');
    expect(p.specVersion).toBe(100);
    expect(p.blocksPerDay).toBeGreaterThan(0);
    expect(chain.state).toBe('connected');
    expect(chain.endpoint).toBe(net.chainUrl);
  });

  it('funds a new account, quotes, mints, expands and renews a territory, and lists it', async () => {
    const acct = await createAccount(chain.properties.ss58Format);
    expect(acct.address.startsWith('cX')).toBe(true);
    const seen: AccountBalance[] = [];
    const unsub = await chain.subscribeBalance(acct.address, (b) => seen.push(b));

    await timed('transfer (finalized)', () => chain.transfer(alice, acct.address, 200n * TCESS));
    expect((await chain.balance(acct.address)).free).toBe(200n * TCESS);
    await expect
      .poll(() => seen.some((b) => b.free === 200n * TCESS), { timeout: 5_000 })
      .toBe(true);
    unsub();

    // Cost shown before paying: spec 100 charges gib * days * UnitPrice / 30 (UnitPrice 30 TCESS).
    const quote = await chain.quoteMint(1, 30);
    expect(quote.unitPrice).toBe(30n * TCESS);
    expect(quote.cost).toBe(30n * TCESS);
    expect(quote.formatted).toBe('30 TCESS');
    expect(quote.formula).toBe('1 GiB x 30 days x UnitPrice / 30');

    const before = (await chain.balance(acct.address)).free;
    const minted = await timed('mintTerritory (finalized)', () =>
      chain.mintTerritory(acct.pair, 'photos', 1, 30),
    );
    const after = (await chain.balance(acct.address)).free;
    const fee = before - after - minted.quote.cost;
    // What the chain took is the quote plus a transaction fee (small, positive).
    expect(fee > 0n && fee < TCESS).toBe(true);

    let t = await chain.territory(acct.address, 'photos');
    expect(t).not.toBeNull();
    expect(t?.state).toBe('Active');
    expect(t?.totalSpace).toBe(GIB);
    expect(t?.remainingSpace).toBe(GIB);
    const deadline0 = t?.deadline ?? 0;
    expect(deadline0 - (t?.start ?? 0)).toBe(30 * chain.properties.blocksPerDay);

    // Expand: the added GiB for the days the territory has left (30).
    const qe = await chain.quoteExpand(acct.address, 'photos', 1);
    expect(qe.days).toBe(30);
    expect(qe.cost).toBe(30n * TCESS);
    const b1 = (await chain.balance(acct.address)).free;
    await timed('expandingTerritory (finalized)', () =>
      chain.expandTerritory(acct.pair, 'photos', 1),
    );
    const b2 = (await chain.balance(acct.address)).free;
    expect(b1 - b2 - qe.cost < TCESS && b1 - b2 > qe.cost).toBe(true);
    t = await chain.territory(acct.address, 'photos');
    expect(t?.totalSpace).toBe(2n * GIB);

    // Renew: the whole territory (2 GiB) for 30 more days = 60 TCESS.
    const qr = await chain.quoteRenew(acct.address, 'photos', 30);
    expect(qr.cost).toBe(60n * TCESS);
    await timed('renewalTerritory (inBlock)', () =>
      chain.renewTerritory(acct.pair, 'photos', 30, { waitFor: 'inBlock' }),
    );
    t = await chain.territory(acct.address, 'photos');
    expect(t?.deadline).toBe(deadline0 + 30 * chain.properties.blocksPerDay);

    await chain.mintTerritory(acct.pair, 'docs', 1, 30, { waitFor: 'inBlock' });
    const list = await chain.territories(acct.address);
    expect(list.map((x) => x.name)).toEqual(['docs', 'photos']);
    expect(await chain.territories(net.keys.users.Ferdie.address)).toEqual([]);

    // A too-big upload is refused before anything is sent, with the figures.
    // 330 MiB = 11 segments of 32 MiB, each locking 96 MiB: 1056 MiB > 1 GiB.
    const room = await cessError(() =>
      chain.assertCanUpload(acct.address, 'docs', 330 * 1024 * 1024),
    );
    expect(room.code).toBe('fileBank.InsufficientAvailableSpace');
    expect(room.message).toBe("territory 'docs' has 1 GiB left; this upload needs 1.03 GiB");
    await chain.assertCanUpload(acct.address, 'docs', 1); // fits, no gateway involved
  });

  it('discovers the gateway on chain, authorizes it and cancels the authorization', async () => {
    const gws = await chain.gateways();
    expect(gws).toContainEqual(
      expect.objectContaining({ account: net.keys.gateway.address, domain: net.gatewayUrl }),
    );

    const bob = net.keys.users.Bob;
    const gw = net.keys.gateway.address;
    expect(await chain.authorizedGateways(bob.address)).toEqual([]);
    const unauth = await cessError(() => chain.assertCanUpload(bob.address, 'none', 1, gw));
    expect(unauth.code).toBe('storageHandler.NotHaveTerritory');

    await timed('authorize (finalized)', () => chain.authorizeGateway(bob, gw));
    expect(await chain.authorizedGateways(bob.address)).toEqual([gw]);

    // Twice: refused before sending. (Spec 100 itself accepts a repeat and keeps one entry.)
    const pre = await cessError(() => chain.authorizeGateway(bob, gw));
    expect(pre.kind).toBe('preflight');
    expect(pre.code).toBe('oss.Existed');
    expect(pre.message).toBe(`gateway ${gw} is already authorized by account ${bob.address}`);
    await chain.authorizeGateway(bob, gw, { preflight: false, waitFor: 'inBlock' });
    expect(await chain.authorizedGateways(bob.address)).toEqual([gw]);

    await timed('cancelAuthorize (finalized)', () => chain.cancelGatewayAuthorization(bob, gw));
    expect(await chain.authorizedGateways(bob.address)).toEqual([]);
    // Cancelling again is refused before sending (spec 100 would accept it and do nothing).
    const none = await cessError(() => chain.cancelGatewayAuthorization(bob, gw));
    expect(none.code).toBe('oss.NoAuthorization');
    expect(none.message).toBe(
      `gateway ${gw} is not authorized by account ${bob.address}, so there is nothing to cancel`,
    );

    // An account that is not a gateway cannot be authorized.
    const charlie = net.keys.users.Charlie.address;
    const unreg = await cessError(() => chain.authorizeGateway(bob, charlie));
    expect(unreg.code).toBe('oss.UnRegister');
    expect(unreg.message).toBe(`${charlie} is not a registered gateway on this chain`);
  });

  it('explains a mint without funds, before paying and as the chain says it', async () => {
    const empty = await createAccount(chain.properties.ss58Format);
    const pre = await cessError(() => chain.mintTerritory(empty.pair, 'x', 1, 30));
    expect(pre.kind).toBe('preflight');
    expect(pre.message).toBe(
      'not enough TCESS: minting 1 GiB for 30 days costs 30 TCESS, balance is 0 TCESS',
    );

    // Sent anyway: the node refuses it (no fee can be paid), in words.
    const pool = await cessError(() =>
      chain.mintTerritory(empty.pair, 'x', 1, 30, { preflight: false }),
    );
    expect(pool.code).toBe('pool.payment');
    expect(pool.message).toBe(
      `account ${empty.address} cannot pay the transaction fee (balance is 0 TCESS) for minting 1 GiB for 30 days; fund it with some TCESS first`,
    );

    // Enough for the fee, not for the territory: the runtime's InsufficientBalance, with the figures.
    const poor = await createAccount(chain.properties.ss58Format);
    await chain.transfer(alice, poor.address, 2n * TCESS, { waitFor: 'inBlock' });
    const mod = await cessError(() =>
      chain.mintTerritory(poor.pair, 'x', 1, 30, { preflight: false }),
    );
    expect(mod.kind).toBe('module');
    expect(mod.code).toBe('storageHandler.InsufficientBalance');
    expect(mod.message).toBe(
      'not enough TCESS: minting 1 GiB for 30 days costs 30 TCESS, balance is 2 TCESS',
    );
    expect(mod.detail).toContain('storageHandler.InsufficientBalance');
  });

  it('explains operations on a territory that does not exist', async () => {
    const dave = net.keys.users.Dave;
    const pre = await cessError(() => chain.expandTerritory(dave, 'nope', 1));
    expect(pre.kind).toBe('preflight');
    expect(pre.message).toBe(
      `account ${dave.address} has no territory 'nope'; mint one first (mintTerritory)`,
    );
    const mod = await cessError(() => chain.renewTerritory(dave, 'nope', 30, { preflight: false }));
    expect(mod.kind).toBe('module');
    expect(mod.code).toBe('storageHandler.NotHaveTerritory');
    expect(mod.message).toBe(pre.message);
  });

  it('follows a file from pending to stored, refuses strangers, and deletes it', async () => {
    const eve = net.keys.users.Eve;
    const gw = net.keys.gateway;
    await chain.mintTerritory(eve, 'files', 1, 30, { waitFor: 'inBlock' });

    const fid = hex64();
    const segments = [{ hash: hex64(), fragments: Array.from({ length: 12 }, hex64) }];
    const declare = {
      owner: eve.address,
      territory: 'files',
      fileName: 'report.bin',
      fid,
      size: 1000,
      segments,
    };

    // The gateway may not declare for Eve before she authorizes it: the runtime's NoPermission, in words.
    const brief = chain.api.createType('PalletFileBankUserBrief').toJSON() as Record<
      string,
      unknown
    >;
    const userBrief = {
      user: eve.address,
      fileName: 'report.bin',
      territoryName: 'files',
      ...('bucketName' in brief ? { bucketName: 'cess-sync' } : {}),
    };
    const dealInfo = segments.map((s) => ({ hash_: s.hash, fragmentList: s.fragments }));
    const denied = await signAndWait(
      chain.api,
      txOf(chain.api, 'fileBank', 'uploadDeclaration')(fid, dealInfo, userBrief, 1000),
      gw,
      'inBlock',
    ).then(
      () => undefined,
      (err: unknown) => toCessError(err, { owner: eve.address, gateway: gw.address }),
    );
    expect(denied).toBeInstanceOf(CessError);
    expect((denied as CessError).code).toBe('fileBank.NoPermission');
    expect((denied as CessError).message).toBe(
      `the gateway ${gw.address} is not authorized to act for ${eve.address}; authorize it first (oss.authorize)`,
    );
    const noAuth = await cessError(() =>
      chain.assertCanUpload(eve.address, 'files', 1000, gw.address),
    );
    expect(noAuth.message).toBe((denied as CessError).message);

    await chain.authorizeGateway(eve, gw.address, { waitFor: 'inBlock' });
    await chain.assertCanUpload(eve.address, 'files', 1000, gw.address);
    await net.backend.declare(declare);
    const pending = await chain.fileStatus(fid);
    expect(pending).toMatchObject({
      state: 'pending',
      owner: eve.address,
      territory: 'files',
      fileName: 'report.bin',
      size: 1000n,
    });
    expect(await chain.userFiles(eve.address)).toEqual([]); // pending files are not listed per user
    expect((await chain.territory(eve.address, 'files'))?.lockedSpace).toBe(96n * MIB);
    const pendingDelete = await cessError(() => chain.deleteFile(eve, fid));
    expect(pendingDelete.message).toMatch(/still pending/);

    expect(await net.backend.completeNow(fid)).toBe(true);
    const stored = await chain.fileStatus(fid);
    expect(stored).toMatchObject({
      state: 'stored',
      size: 1000n,
      owners: [{ account: eve.address, fileName: 'report.bin', territory: 'files' }],
    });
    expect(await chain.userFiles(eve.address)).toEqual([{ fid, territory: 'files', size: 1000n }]);

    // Someone who neither owns it nor is authorized: refused by the runtime, explained.
    const ferdie = net.keys.users.Ferdie;
    const stranger = await cessError(() =>
      chain.deleteFile(ferdie, fid, eve.address, { preflight: false }),
    );
    expect(stranger.kind).toBe('module');
    expect(['fileBank.NoPermission', 'fileBank.NotOwner']).toContain(stranger.code);
    expect(stranger.message).not.toMatch(/^fileBank\./);

    await expect(chain.fileStatus(`0x${fid}`)).rejects.toThrow(/without 0x/);

    // The devnet's miner simulation does not count the stored file in StorageHandler.TotalServiceSpace,
    // which delete_file decrements (Overflow otherwise): set it as the real miners' reports would.
    await setStorage(net.rpc, [
      [
        storageKey(chain.api, 'storageHandler', 'totalServiceSpace'),
        encodeStorageValue(chain.api, 'storageHandler', 'totalServiceSpace', DEV_IDLE_SPACE),
      ],
    ]);
    await timed('deleteFile (finalized)', () => chain.deleteFile(eve, fid));
    expect((await chain.fileStatus(fid)).state).toBe('absent');
    expect(await chain.userFiles(eve.address)).toEqual([]);
  });
});
