/**
 * The account routes (src/daemon/account) through the daemon's real HTTP server, the chain
 * replaced by an in-memory one that charges and refuses as CessChain does (maxCost ceiling,
 * balance). The real chain path runs in test/integration/account.test.ts.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AccountBalance, CostQuote, Gateway, Territory } from '../../src/cess/chain/client.js';
import { CessError } from '../../src/cess/chain/errors.js';
import { formatToken, GIB } from '../../src/cess/chain/units.js';
import { startAccountPoller } from '../../src/daemon/account/poller.js';
import { accountRoutes } from '../../src/daemon/account/routes.js';
import { AccountService, toDecimal, type AccountChain } from '../../src/daemon/account/service.js';
import { deferredEngine } from '../../src/daemon/onboarding/deferred.js';
import { DaemonClient } from '../../src/daemon/client.js';
import {
  accountCommand,
  gatewayAuthorizeCommand,
  territoryCommand,
} from '../../src/cli/account-commands.js';
import { UsageError, type CliIO } from '../../src/cli/commands.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { ACCOUNT_ROUTES, accountInfoSchema } from '../../src/sync/api/account-schema.js';
import type { Problem, SyncService } from '../../src/sync/api/schema.js';
import { callApiJson } from '../support/api-server.js';
import { territoryQuote } from '../support/cost-quote.js';

const UNIT = 10n ** 18n;
const GATEWAY_URL = 'http://127.0.0.1:8080';
let owner: KeyringPair;
let gw: KeyringPair;

class MemoryChain implements AccountChain {
  readonly properties = { tokenSymbol: 'TCESS', tokenDecimals: 18, blocksPerDay: 14_400 };
  balance_ = 1000n * UNIT;
  unitPrice = 30n * UNIT; // 1 GiB for 30 days (spec < 121)
  block = 1000;
  t: Territory | null = null;
  authorized: string[] = [];
  txs: string[] = [];

  format(a: bigint): string {
    return formatToken(a, 18, 'TCESS');
  }
  async balance(): Promise<AccountBalance> {
    return { free: this.balance_, reserved: 0n, frozen: 0n, transferable: this.balance_ };
  }
  async territory(): Promise<Territory | null> {
    return this.t;
  }
  private q(gib: number, days: number, action: string): CostQuote {
    return territoryQuote({ unitPrice: this.unitPrice, gib, days, action, formula: 'f' });
  }
  async quoteRenew(_o: string, name: string, days: number): Promise<CostQuote> {
    return this.q(Number(this.t!.totalSpace / GIB), days, `renewing '${name}'`);
  }
  async quoteExpand(_o: string, name: string, gib: number): Promise<CostQuote> {
    const days = Math.max(0, Math.ceil((this.t!.deadline - this.block - 1) / 14_400));
    return this.q(gib, days, `expanding '${name}'`);
  }
  private charge(q: CostQuote, max: bigint): void {
    if (q.cost > max)
      throw new CessError(
        `${q.action} costs ${q.formatted}, more than the limit of ${this.format(max)}`,
        'preflight.maxCost',
        'preflight',
      );
    this.balance_ -= q.cost;
  }
  async renewTerritory(s: KeyringPair, name: string, days: number, o: { maxCost: bigint }) {
    this.charge(await this.quoteRenew(s.address, name, days), o.maxCost);
    this.t = { ...this.t!, deadline: this.t!.deadline + days * 14_400 };
    this.txs.push(`renew ${days}`);
  }
  async expandTerritory(s: KeyringPair, name: string, gib: number, o: { maxCost: bigint }) {
    this.charge(await this.quoteExpand(s.address, name, gib), o.maxCost);
    const add = BigInt(gib) * GIB;
    this.t = {
      ...this.t!,
      totalSpace: this.t!.totalSpace + add,
      remainingSpace: this.t!.remainingSpace + add,
    };
    this.txs.push(`expand ${gib}`);
  }
  async gateways(): Promise<Gateway[]> {
    return [{ account: gw.address, domain: GATEWAY_URL, peerId: '' }];
  }
  async authorizedGateways(): Promise<string[]> {
    return this.authorized;
  }
  async authorizeGateway(_s: KeyringPair, g: string): Promise<unknown> {
    this.authorized.push(g);
    this.txs.push(`authorize ${g}`);
    return undefined;
  }
  async bestBlock(): Promise<number> {
    return this.block;
  }
}

let server: DaemonServer | null = null;
let dir = '';

beforeAll(async () => {
  await cryptoWaitReady();
  const k = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  owner = k.addFromUri('//AccountOwner');
  gw = k.addFromUri('//AccountGateway');
});

afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function harness(withService = true) {
  const chain = new MemoryChain();
  chain.t = {
    owner: owner.address,
    name: 'main',
    token: '0x00',
    totalSpace: 2n * GIB,
    usedSpace: GIB / 2n,
    lockedSpace: 0n,
    remainingSpace: GIB + GIB / 2n,
    start: 0,
    deadline: 1000 + 20 * 14_400,
    state: 'Active',
  };
  const service = new AccountService({
    chain,
    pair: owner,
    network: { name: 'local', chain: ['ws://127.0.0.1:9944'], gateway: GATEWAY_URL },
    territory: 'main',
    log: () => undefined,
    now: () => 1_700_000_000_000,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'account-routes-'));
  server = await startDaemonServer({
    service: deferredEngine<SyncService>().service,
    extraRoutes: accountRoutes(() => (withService ? service : null)),
    stateDir: dir,
    log: () => undefined,
  });
  const s = server;
  const call = (method: string, route: string, body?: unknown) =>
    callApiJson(s, method, route, body);
  return { chain, service, call };
}

describe('account routes', () => {
  it('GET /account shows balance, territory and gateway', async () => {
    const { call } = await harness();
    const r = await call('GET', ACCOUNT_ROUTES.info);
    expect(r.status).toBe(200);
    const info = accountInfoSchema.parse(r.json);
    expect(info.address).toBe(owner.address);
    expect(info.balance).toMatchObject({ free: '1000', freePlanck: (1000n * UNIT).toString() });
    expect(info.territory).toMatchObject({
      name: 'main',
      totalBytes: 2 * 1024 ** 3,
      usedBytes: 1024 ** 3 / 2,
      remainingBytes: 1.5 * 1024 ** 3,
      expiresAtBlock: 1000 + 20 * 14_400,
      expiresInDays: 20,
      expiresAtMs: 1_700_000_000_000 + 20 * 86_400_000,
    });
    expect(info.gateway).toEqual({ url: GATEWAY_URL, account: gw.address, authorized: false });
  });

  it('refuses bad bodies with 400 and says what is wrong', async () => {
    const { call, chain } = await harness();
    for (const [route, body] of [
      [ACCOUNT_ROUTES.territoryQuote, { op: 'renew', days: 0 }],
      [ACCOUNT_ROUTES.territoryQuote, { op: 'expand', gib: 1.5 }],
      [ACCOUNT_ROUTES.territoryQuote, { op: 'shrink', gib: 1 }],
      [ACCOUNT_ROUTES.territoryQuote, { op: 'renew', days: 30, gib: 1 }],
      [ACCOUNT_ROUTES.territoryRenew, { days: 30 }],
      [ACCOUNT_ROUTES.territoryRenew, { days: 30, maxCost: '-1' }],
      [ACCOUNT_ROUTES.territoryExpand, { gib: 1, maxCost: 5 }],
      [ACCOUNT_ROUTES.territoryExpand, { gib: 2_000_000, maxCost: '1' }],
      [ACCOUNT_ROUTES.gatewayAuthorize, { account: 'x' }],
    ] as const) {
      const r = await call('POST', route, body);
      expect(r.status, `${route} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json.error.code).toBe('invalid_request');
    }
    expect(chain.txs).toEqual([]);
  });

  it('quotes, then pays no more than the quote', async () => {
    const { call, chain } = await harness();
    const q = await call('POST', ACCOUNT_ROUTES.territoryQuote, { op: 'renew', days: 30 });
    expect(q.status).toBe(200);
    // 2 GiB x 30 days x 30 TCESS / 30
    expect(q.json).toMatchObject({
      op: 'renew',
      gib: 2,
      days: 30,
      cost: (60n * UNIT).toString(),
      costCess: '60',
      enough: true,
    });
    const before = chain.t!.deadline;
    const r = await call('POST', ACCOUNT_ROUTES.territoryRenew, { days: 30, maxCost: q.json.cost });
    expect(r.status).toBe(200);
    expect(chain.t!.deadline).toBe(before + 30 * 14_400);
    expect(r.json.territory.expiresAtBlock).toBe(before + 30 * 14_400);
    expect(r.json.balance.free).toBe('940');

    const e = await call('POST', ACCOUNT_ROUTES.territoryQuote, { op: 'expand', gib: 1 });
    chain.unitPrice *= 2n; // the price rises between the quote and the payment
    const refused = await call('POST', ACCOUNT_ROUTES.territoryExpand, {
      gib: 1,
      maxCost: e.json.cost,
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('price_changed');
    expect(refused.json.error.message).toMatch(/price changed/);
    expect(chain.txs).toEqual(['renew 30']);
  });

  it('authorizes the configured gateway once', async () => {
    const { call, chain } = await harness();
    const r = await call('POST', ACCOUNT_ROUTES.gatewayAuthorize, {});
    expect(r.status).toBe(200);
    expect(r.json.gateway.authorized).toBe(true);
    await call('POST', ACCOUNT_ROUTES.gatewayAuthorize);
    expect(chain.txs).toEqual([`authorize ${gw.address}`]);
  });

  it('answers 409 not_set_up before the engine runs', async () => {
    const { call } = await harness(false);
    const r = await call('GET', ACCOUNT_ROUTES.info);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('not_set_up');
  });
});

describe('account poller and problem actions', () => {
  it('feeds problems to the engine; paid actions ask for a quote, authorizing runs', async () => {
    const { service, chain } = await harness();
    chain.t = { ...chain.t!, remainingSpace: GIB / 4n };
    const got: {
      problems: Problem[];
      resolve?: (r: { problemId: string; action: string }) => Promise<void>;
    }[] = [];
    const poller = startAccountPoller({
      service,
      engine: {
        setExternalProblems: (_s, problems, resolve) =>
          got.push({ problems, ...(resolve ? { resolve } : {}) }),
      },
      log: () => undefined,
    });
    try {
      await poller.poll();
      const last = got.at(-1)!;
      expect(last.problems.map((p) => p.kind).sort()).toEqual([
        'gatewayUnauthorized',
        'territoryLow',
      ]);
      await expect(
        last.resolve!({ problemId: 'account:territoryLow', action: 'expandTerritory' }),
      ).rejects.toMatchObject({ statusCode: 409, code: 'needs_quote' });
      await last.resolve!({ problemId: 'account:gatewayUnauthorized', action: 'authorizeGateway' });
      expect(chain.txs).toEqual([`authorize ${gw.address}`]);
      await poller.poll();
      expect(got.at(-1)!.problems.map((p) => p.kind)).toEqual(['territoryLow']);
    } finally {
      poller.stop();
    }
  });

  it('toDecimal is exact', () => {
    expect(toDecimal(0n, 18)).toBe('0');
    expect(toDecimal(1n, 18)).toBe('0.000000000000000001');
    expect(toDecimal(12_345n * 10n ** 17n, 18)).toBe('1234.5');
  });
});

describe('cess-sync account / territory / gateway', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    const sink: CliIO = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      cwd: '/',
      now: () => 0,
    };
    return { sink, out, err };
  };
  const client = () => new DaemonClient({ url: server!.url, token: server!.token });

  it('account prints balance, territory space and expiry, gateway state', async () => {
    await harness();
    const { sink, out } = io();
    expect(await accountCommand(client(), sink)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(owner.address);
    expect(text).toContain('Balance:   1000 TCESS');
    expect(text).toMatch(/remaining 1\.5 GiB of 2\.0 GiB/);
    expect(text).toContain('in about 20 days');
    expect(text).toContain('NOT authorized (run: cess-sync gateway authorize)');
  });

  it('territory renew asks first: no means nothing is paid, yes pays the quoted cost', async () => {
    const { chain } = await harness();
    const questions: string[] = [];
    const a = io();
    const no = await territoryCommand(client(), a.sink, 'renew', '30', {
      ask: async (q) => (questions.push(q), false),
    });
    expect(no).toBe(1);
    expect(a.err.join('\n')).toMatch(/Renewing 'main' costs 60 TCESS/);
    expect(questions).toEqual(['Pay 60 TCESS? [y/N] ']);
    expect(chain.txs).toEqual([]);

    const b = io();
    expect(await territoryCommand(client(), b.sink, 'expand', '1', { yes: true })).toBe(0);
    expect(chain.txs).toEqual(['expand 1']);
    expect(b.out.join('\n')).toMatch(/of 3\.0 GiB/);
  });

  it('rejects bad amounts before asking the daemon', async () => {
    const { chain } = await harness();
    for (const bad of ['0', '-1', '1.5', 'ten', '99999999']) {
      await expect(
        territoryCommand(client(), io().sink, 'renew', bad, { yes: true }),
      ).rejects.toBeInstanceOf(UsageError);
    }
    expect(chain.txs).toEqual([]);
  });

  it('gateway authorize authorizes the configured gateway', async () => {
    const { chain } = await harness();
    const { sink, out } = io();
    expect(await gatewayAuthorizeCommand(client(), sink)).toBe(0);
    expect(out.join('')).toContain(`Gateway ${GATEWAY_URL} is authorized`);
    expect(chain.authorized).toEqual([gw.address]);
  });
});
