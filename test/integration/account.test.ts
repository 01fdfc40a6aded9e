/**
 * Account and space on the real local CESS network: the daemon of a set-up device reads its
 * balance, territory and gateway authorization (compared with @polkadot/api queries of the same
 * storage), renews and expands the territory (never above the quoted cost), and authorizes the
 * gateway, also from the problem the account poller raised.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOf, txOf } from '../../src/cess/chain/metadata.js';
import { signAndWait } from '../../src/cess/chain/tx.js';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run.js';
import { ROUTES } from '../../src/daemon/protocol.js';
import { prepareSyncAccount, type PreparedAccount } from '../../src/devnet/accounts.js';
import {
  ACCOUNT_ROUTES,
  accountInfoSchema,
  territoryOpQuoteSchema,
  type AccountInfo,
} from '../../src/sync/api/account-schema.js';
import { statusSchema } from '../../src/sync/api/schema.js';
import { callApiJson } from '../support/api-server.js';
import { setUpFileKeyDevice } from '../support/device-setup.js';
import { eventually, startTestDevnet, type TestDevnet } from '../support/devnet.js';

const GIB = 1024 ** 3;
let net: TestDevnet;
let work: string;
let daemon: RunningDaemon;
let acct: PreparedAccount;
const passphrase = randomBytes(16).toString('hex');

const call = (method: string, route: string, body?: unknown) =>
  callApiJson(daemon, method, route, body);

async function chainTerritory(): Promise<{ totalSpace: string; deadline: number }> {
  const v = await queryOf(net.api, 'storageHandler', 'territory')(acct.pair.address, 'acct');
  const j = v.toJSON() as { totalSpace: string | number; deadline: number };
  return { totalSpace: BigInt(j.totalSpace).toString(), deadline: Number(j.deadline) };
}

async function freeBalance(): Promise<bigint> {
  const a = (await net.api.query.system.account(acct.pair.address)) as unknown as {
    data: { free: { toString(): string } };
  };
  return BigInt(a.data.free.toString());
}

beforeAll(async () => {
  await cryptoWaitReady();
  net = await startTestDevnet({ minerDelay: 0 });
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-account-'));
  acct = await prepareSyncAccount(net, { territory: 'acct', gib: 1, days: 30 });
  // The gateway loses its authorization (as if cancelled from another device): the daemon's
  // poller must raise gatewayUnauthorized.
  await signAndWait(
    net.api,
    txOf(net.api, 'oss', 'cancelAuthorize')(net.keys.gateway.address),
    acct.pair,
  );
  const stateDir = path.join(work, 'device');
  await setUpFileKeyDevice(net, {
    stateDir,
    mnemonic: acct.mnemonic,
    territory: 'acct',
    deviceName: 'account-test',
    passphrase,
  });
  daemon = await runDaemon({
    stateDir,
    env: { ...process.env, CESS_SYNC_PASSPHRASE: passphrase },
    log: () => undefined,
  });
  await daemon.ready;
}, 240_000);

afterAll(async () => {
  await daemon?.stop();
  await net?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('account and space on the local network', () => {
  it('GET /account shows the balance and territory the chain holds', async () => {
    const r = await call('GET', ACCOUNT_ROUTES.info);
    expect(r.status).toBe(200);
    const info: AccountInfo = accountInfoSchema.parse(r.json);
    expect(info.address).toBe(acct.pair.address);
    expect(info.balance.freePlanck).toBe((await freeBalance()).toString());
    const t = await chainTerritory();
    expect(info.territory).not.toBeNull();
    expect(String(info.territory!.totalBytes)).toBe(t.totalSpace);
    expect(info.territory!.totalBytes).toBe(GIB);
    expect(info.territory!.expiresAtBlock).toBe(t.deadline);
    expect(info.territory!.state).toBe('Active');
    expect(info.territory!.expiresInDays).toBeGreaterThan(29);
    expect(info.territory!.expiresInDays).toBeLessThanOrEqual(30);
    expect(info.gateway).toEqual({
      url: net.gatewayUrl,
      account: net.keys.gateway.address,
      authorized: false,
    });
  });

  it('raises gatewayUnauthorized; the problem action authorizes, paid ones ask for a quote', async () => {
    const status = await eventually(
      async () => {
        const s = statusSchema.parse((await call('GET', ROUTES.status)).json);
        return s.problems.some((p) => p.kind === 'gatewayUnauthorized') ? s : undefined;
      },
      30_000,
      'the gatewayUnauthorized problem',
    );
    const p = status.problems.find((x) => x.kind === 'gatewayUnauthorized')!;
    expect(p.actions).toEqual(['authorizeGateway']);

    const paid = await call('POST', ROUTES.problemAction, {
      problemId: p.id,
      action: 'renewTerritory',
    });
    expect(paid.status).toBe(409);
    expect(paid.json.error.code).toBe('needs_quote');

    const r = await call('POST', ROUTES.problemAction, {
      problemId: p.id,
      action: 'authorizeGateway',
    });
    expect(r.status).toBe(200);
    const auth = (
      await queryOf(net.api, 'oss', 'authorityList')(acct.pair.address)
    ).toJSON() as string[];
    expect(auth.map((a) => net.api.createType('AccountId32', a).toString())).toContain(
      net.keys.gateway.address,
    );
    await eventually(
      async () => {
        const s = statusSchema.parse((await call('GET', ROUTES.status)).json);
        return s.problems.some((x) => x.kind === 'gatewayUnauthorized') ? undefined : true;
      },
      30_000,
      'the problem to clear',
    );
    // Authorizing again is a no-op, not a chain error.
    const again = await call('POST', ACCOUNT_ROUTES.gatewayAuthorize, {});
    expect(again.status).toBe(200);
    expect(again.json.gateway.authorized).toBe(true);
  }, 120_000);

  it('renews by the quoted days, extending the deadline by days x blocks per day', async () => {
    const before = await chainTerritory();
    const q = territoryOpQuoteSchema.parse(
      (await call('POST', ACCOUNT_ROUTES.territoryQuote, { op: 'renew', days: 30 })).json,
    );
    expect(q).toMatchObject({ op: 'renew', territory: 'acct', gib: 1, days: 30, enough: true });
    const balance = await freeBalance();
    const r = await call('POST', ACCOUNT_ROUTES.territoryRenew, { days: 30, maxCost: q.cost });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const info = accountInfoSchema.parse(r.json);
    const after = await chainTerritory();
    expect(after.deadline - before.deadline).toBe(30 * info.blocksPerDay);
    expect(info.territory!.expiresAtBlock).toBe(after.deadline);
    // The cost plus a fee, never more than the quote + fee.
    const spent = balance - (await freeBalance());
    expect(spent).toBeGreaterThanOrEqual(BigInt(q.cost));
    expect(spent - BigInt(q.cost)).toBeLessThan(10n ** 18n);
  }, 120_000);

  it('refuses to pay when the max cost is below the price, and changes nothing', async () => {
    const before = await chainTerritory();
    const q = territoryOpQuoteSchema.parse(
      (await call('POST', ACCOUNT_ROUTES.territoryQuote, { op: 'expand', gib: 1 })).json,
    );
    const balance = await freeBalance();
    const r = await call('POST', ACCOUNT_ROUTES.territoryExpand, {
      gib: 1,
      maxCost: (BigInt(q.cost) - 1n).toString(),
    });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('price_changed');
    expect(await chainTerritory()).toEqual(before);
    expect(await freeBalance()).toBe(balance);
  }, 60_000);

  it('expands by the quoted GiB', async () => {
    const q = territoryOpQuoteSchema.parse(
      (await call('POST', ACCOUNT_ROUTES.territoryQuote, { op: 'expand', gib: 2 })).json,
    );
    expect(q.gib).toBe(2);
    expect(q.days).toBeGreaterThan(0);
    const r = await call('POST', ACCOUNT_ROUTES.territoryExpand, { gib: 2, maxCost: q.cost });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const info = accountInfoSchema.parse(r.json);
    expect(info.territory!.totalBytes).toBe(3 * GIB);
    expect((await chainTerritory()).totalSpace).toBe(String(3 * GIB));
  }, 120_000);
});
