/**
 * Onboarding (setup mode) through the daemon's real HTTP server: the decisions and checks of
 * src/daemon/onboarding with the chain replaced by an in-memory one that refuses what CESS
 * refuses, with the library's own error sentences. The real chain path runs in
 * test/e2e/onboarding.spec.ts. Secrets: every reply and log line of a run is recorded, and the
 * recovery phrase (or the passphrase) must appear in exactly one reply: the create reply.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CessError } from '../../src/cess/chain/errors.js';
import { friendlyMessage } from '../../src/cess/chain/errors.js';
import type { AccountBalance, CostQuote, Gateway, Territory } from '../../src/cess/chain/client.js';
import { formatToken } from '../../src/cess/chain/units.js';
import {
  EncryptedFileKeyStore,
  openKeyStore,
  type KeyStore,
} from '../../src/cess/keystore/index.js';
import { configPath, keyFilePath, loadConfig, type DeviceConfig } from '../../src/daemon/config.js';
import { deferredEngine, NotSetUpError } from '../../src/daemon/onboarding/deferred.js';
import { statusCommand, type CliIO } from '../../src/cli/commands.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { runDaemon } from '../../src/daemon/run.js';
import { readDaemonFile } from '../../src/daemon/state-file.js';
import { checkUrl, domainMatches } from '../../src/daemon/onboarding/networks.js';
import { onboardingRoutes } from '../../src/daemon/onboarding/routes.js';
import {
  OnboardingService,
  type OnboardingChain,
  type StartedEngine,
} from '../../src/daemon/onboarding/service.js';
import { ROUTES, wsProtocols } from '../../src/daemon/protocol.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import {
  SETUP_ROUTES,
  createdAccountSchema,
  setupStateSchema,
  type SetupState,
} from '../../src/sync/api/onboarding-schema.js';
import {
  API_VERSION,
  type DaemonEvent,
  type FolderStatus,
  type Status,
  type SyncService,
} from '../../src/sync/api/schema.js';
import { callApi } from '../support/api-server.js';
import { territoryQuote } from '../support/cost-quote.js';
import { zeroProgress } from '../support/status.js';

const UNIT = 10n ** 18n;
const SS58 = 11330;
const FAST_SCRYPT = { N: 2 ** 14, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';

/** The chain: balances, territories, gateways, refusing what the runtime refuses. */
class MemoryChain implements OnboardingChain {
  readonly properties = {
    ss58Format: SS58,
    tokenSymbol: 'TCESS',
    specName: 'cess-node',
    specVersion: 100,
    blocksPerDay: 14_400,
  };
  balances = new Map<string, bigint>();
  territoryMap = new Map<string, Territory>();
  registered: Gateway[] = [
    { account: gatewayPair().address, domain: 'http://127.0.0.1:8080', peerId: '' },
    { account: otherGatewayPair().address, domain: 'https://elsewhere.example', peerId: '' },
  ];
  authorities = new Map<string, string[]>();
  unitPrice = 30n * UNIT; // per GiB for 30 days (spec < 121)
  block = 1000;
  disconnected = false;
  txs: string[] = [];

  format(amount: bigint): string {
    return formatToken(amount, 18, 'TCESS');
  }
  async balance(address: string): Promise<AccountBalance> {
    const free = this.balances.get(address) ?? 0n;
    return { free, reserved: 0n, frozen: 0n, transferable: free };
  }
  async quoteMint(gib: number, days: number): Promise<CostQuote> {
    return territoryQuote({
      unitPrice: this.unitPrice,
      gib,
      days,
      formula: `${gib} GiB x ${days} days x UnitPrice / 30`,
      action: `minting ${gib} GiB for ${days} days`,
    });
  }
  async territories(owner: string): Promise<Territory[]> {
    return [...this.territoryMap.values()].filter((t) => t.owner === owner);
  }
  async territory(owner: string, name: string): Promise<Territory | null> {
    return this.territoryMap.get(`${owner}/${name}`) ?? null;
  }
  async mintTerritory(
    signer: KeyringPair,
    name: string,
    gib: number,
    days: number,
    opts: { maxCost?: bigint } = {},
  ): Promise<unknown> {
    const quote = await this.quoteMint(gib, days);
    if (opts.maxCost !== undefined && quote.cost > opts.maxCost) {
      throw new CessError(
        `${quote.action} costs ${quote.formatted}, more than the limit of ${this.format(opts.maxCost)}`,
        'preflight.maxCost',
        'preflight',
      );
    }
    const balance = this.balances.get(signer.address) ?? 0n;
    if (balance <= quote.cost) {
      const code = 'storageHandler.InsufficientBalance';
      throw new CessError(
        friendlyMessage(code, {
          account: signer.address,
          cost: quote.formatted,
          balance: this.format(balance),
          action: quote.action,
          symbol: 'TCESS',
        }) ?? code,
        code,
        'preflight',
      );
    }
    this.balances.set(signer.address, balance - quote.cost);
    this.territoryMap.set(`${signer.address}/${name}`, {
      owner: signer.address,
      name,
      token: '0x00',
      totalSpace: BigInt(gib) * 1024n ** 3n,
      usedSpace: 0n,
      lockedSpace: 0n,
      remainingSpace: BigInt(gib) * 1024n ** 3n,
      start: this.block,
      deadline: this.block + days * this.properties.blocksPerDay,
      state: 'Active',
    });
    this.txs.push(`mint:${name}`);
    return {};
  }
  async gateways(): Promise<Gateway[]> {
    return this.registered;
  }
  async authorizedGateways(owner: string): Promise<string[]> {
    return this.authorities.get(owner) ?? [];
  }
  async authorizeGateway(signer: KeyringPair, gateway: string): Promise<unknown> {
    this.authorities.set(signer.address, [
      ...(this.authorities.get(signer.address) ?? []),
      gateway,
    ]);
    this.txs.push(`authorize:${gateway}`);
    return {};
  }
  async bestBlock(): Promise<number> {
    return this.block;
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

let gatewayKey: KeyringPair | undefined;
let otherGatewayKey: KeyringPair | undefined;
function gatewayPair(): KeyringPair {
  gatewayKey ??= new Keyring({ type: 'sr25519', ss58Format: SS58 }).addFromUri('//Gateway');
  return gatewayKey;
}
function otherGatewayPair(): KeyringPair {
  otherGatewayKey ??= new Keyring({ type: 'sr25519', ss58Format: SS58 }).addFromUri('//Other');
  return otherGatewayKey;
}

/** What the daemon's engine would be once started: enough for the routes and finish(). */
class StartedFakeEngine implements StartedEngine, Pick<SyncService, 'status' | 'subscribe'> {
  folders: FolderStatus[] = [];
  listeners = new Set<(e: DaemonEvent) => void>();
  constructor(readonly account: string) {}
  status(): Status {
    return {
      apiVersion: API_VERSION,
      state: 'idle',
      account: this.account,
      folders: this.folders,
      progress: zeroProgress(),
      problems: [],
    };
  }
  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async addFolder(req: { root: string }): Promise<FolderStatus> {
    const folder: FolderStatus = {
      id: `f${this.folders.length}`,
      root: req.root,
      state: 'syncing',
      files: 0,
      bytes: 0,
      lastSyncMs: null,
      pendingObjects: 0,
    };
    this.folders.push(folder);
    return folder;
  }
}

interface Harness {
  server: DaemonServer;
  chain: MemoryChain;
  stateDir: string;
  work: string;
  logs: string[];
  replies: string[];
  started: { config: DeviceConfig; keyStore: KeyStore }[];
  /** Makes the next engine start fail. */
  failStart: { next: boolean };
  /** Makes the chain or the gateway unreachable. */
  reach: { chain: boolean; gateway: boolean };
  /** Replies are checked field by field (or parsed with the contract's schemas) by the tests. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }>;
}

async function harness(env: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const work = await mkdtemp(path.join(tmpdir(), 'cess-onboarding-'));
  const stateDir = path.join(work, 'state');
  await mkdir(stateDir, { recursive: true });
  const logs: string[] = [];
  const replies: string[] = [];
  const chain = new MemoryChain();
  const started: Harness['started'] = [];
  const failStart = { next: false };
  const reach = { chain: true, gateway: true };
  const slot = deferredEngine<SyncService>();
  const log = (line: string): void => void logs.push(line);
  const service = new OnboardingService({
    stateDir,
    keyStore: 'file',
    env,
    log,
    connect: async (endpoints) => {
      if (!reach.chain) throw new Error(`connection refused (${endpoints.join(', ')})`);
      chain.disconnected = false;
      return chain;
    },
    probeGateway: async () => {
      if (!reach.gateway) throw new Error('ECONNREFUSED');
    },
    probeKeychain: async () => ({ ok: false, reason: 'no D-Bus session' }),
    openKeyStore: (opts) => openKeyStore({ ...opts, scrypt: FAST_SCRYPT }),
    start: async (config, keyStore) => {
      if (failStart.next) {
        failStart.next = false;
        throw new Error('the manifest is locked');
      }
      started.push({ config, keyStore });
      const engine = new StartedFakeEngine(config.account);
      slot.bind(engine as unknown as SyncService);
      return engine;
    },
  });
  const server = await startDaemonServer({
    service: slot.service,
    extraRoutes: onboardingRoutes(service),
    stateDir,
    log,
  });
  const call: Harness['call'] = async (method, route, body) => {
    const { status, text } = await callApi(server, method, route, body);
    replies.push(text);
    return { status, json: text === '' ? undefined : JSON.parse(text) };
  };
  return { server, chain, stateDir, work, logs, replies, started, failStart, reach, call };
}

const LOCAL = { preset: 'local', chain: ['ws://127.0.0.1:9944'], gateway: 'http://127.0.0.1:8080' };

/** Network + a created and confirmed account; returns the words. */
async function createdAccount(h: Harness): Promise<{ words: string[]; address: string }> {
  expect((await h.call('POST', SETUP_ROUTES.network, LOCAL)).status).toBe(200);
  const created = await h.call('POST', SETUP_ROUTES.accountCreate);
  expect(created.status).toBe(200);
  const { words, address, confirmation } = createdAccountSchema.parse(created.json);
  const confirm = await h.call('POST', SETUP_ROUTES.accountConfirm, {
    words: confirmation.positions.map((p) => ({ position: p, word: words[p - 1] })),
    passphrase: PASSPHRASE,
  });
  expect(confirm.status).toBe(200);
  return { words, address };
}

beforeAll(async () => {
  await cryptoWaitReady();
});

describe('setup mode', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.server.close();
    await rm(h.work, { recursive: true, force: true });
  });

  it('the normal routes answer 409 not_set_up, the event stream is refused, setup state answers', async () => {
    const status = await h.call('GET', ROUTES.status);
    expect(status.status).toBe(409);
    expect(status.json.error.code).toBe('not_set_up');
    expect(status.json.error.message).toMatch(/not set up yet/);
    const settings = await h.call('GET', ROUTES.settings);
    expect(settings.json.error.code).toBe('not_set_up');

    const ws = new WebSocket(
      `${h.server.url.replace('http', 'ws')}${ROUTES.events}`,
      wsProtocols(h.server.token),
    );
    ws.on('error', () => undefined);
    const refused = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    ws.terminate();
    expect(refused).toBe(409);

    const state = setupStateSchema.parse((await h.call('GET', SETUP_ROUTES.state)).json);
    expect(state.setUp).toBe(false);
    expect(state.network).toBeNull();
    expect(state.presets.map((p) => p.id)).toEqual(['local', 'testnet', 'custom']);
    expect(state.presets.find((p) => p.id === 'testnet')?.chain[0]).toBe(
      'wss://testnet-rpc.cess.network/ws/',
    );
    expect(state.keyStore).toEqual({
      kind: 'file',
      location: keyFilePath(h.stateDir),
      needsPassphrase: true,
    });
    // Setup routes need the token like every other route.
    const bare = await fetch(`${h.server.url}${SETUP_ROUTES.state}`);
    expect(bare.status).toBe(401);
  });

  it('network: bad URLs are explained; an unreachable chain or gateway is said so and can be retried', async () => {
    const cases: [unknown, RegExp][] = [
      [{ preset: 'custom' }, /address of a CESS chain node/],
      [
        { preset: 'custom', chain: ['http://node.example'], gateway: 'http://g' },
        /starts with ws:\/\/ or wss:\/\//,
      ],
      [{ preset: 'custom', chain: ['not a url'], gateway: 'http://g' }, /is not a web address/],
      [
        { preset: 'custom', chain: ['wss://u:pw@node.example'], gateway: 'http://g' },
        /user name or password/,
      ],
      [
        { preset: 'custom', chain: ['wss://node.example'], gateway: 'ftp://g.example' },
        /starts with http:\/\/ or https:\/\//,
      ],
      [
        { preset: 'custom', chain: ['wss://node.example'], gateway: 'https://g.example/#x' },
        /# part/,
      ],
      [{ preset: 'testnet', chain: ['wss://other.example'] }, /fixed addresses/],
    ];
    for (const [body, message] of cases) {
      const r = await h.call('POST', SETUP_ROUTES.network, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message).toMatch(message);
    }
    // Not even a string: the schema refuses it.
    expect((await h.call('POST', SETUP_ROUTES.network, { preset: 'mainnet' })).status).toBe(400);

    h.reach.chain = false;
    const down = await h.call('POST', SETUP_ROUTES.network, LOCAL);
    expect(down.status).toBe(424);
    expect(down.json.error.code).toBe('chain_unreachable');
    expect(down.json.error.message).toContain('Cannot reach the CESS chain at ws://127.0.0.1:9944');

    h.reach.chain = true;
    h.reach.gateway = false;
    const noGateway = await h.call('POST', SETUP_ROUTES.network, LOCAL);
    expect(noGateway.json.error.code).toBe('gateway_unreachable');
    expect(h.chain.disconnected).toBe(true);

    h.reach.gateway = true;
    const ok = await h.call('POST', SETUP_ROUTES.network, LOCAL);
    expect(ok.status).toBe(200);
    expect(setupStateSchema.parse(ok.json).network).toMatchObject({
      name: 'local',
      chain: ['ws://127.0.0.1:9944'],
      tokenSymbol: 'TCESS',
      ss58Format: SS58,
    });
  });

  it('create: 24 words once; wrong words are refused without revealing any; the right ones store the key', async () => {
    expect((await h.call('POST', SETUP_ROUTES.accountCreate)).json.error.code).toBe('no_network');
    await h.call('POST', SETUP_ROUTES.network, LOCAL);
    const created = createdAccountSchema.parse(
      (await h.call('POST', SETUP_ROUTES.accountCreate)).json,
    );
    const { words, confirmation, address } = created;
    expect(words).toHaveLength(24);
    expect(confirmation.positions).toHaveLength(3);
    expect(new Set(confirmation.positions).size).toBe(3);
    const phrase = words.join(' ');
    expect(new Keyring({ type: 'sr25519', ss58Format: SS58 }).addFromMnemonic(phrase).address).toBe(
      address,
    );
    const createReplyIndex = h.replies.length - 1;

    // The state knows a confirmation is pending, and where; never the words.
    const pending = setupStateSchema.parse((await h.call('GET', SETUP_ROUTES.state)).json);
    expect(pending.account).toEqual({ address, source: 'created', stored: false });
    expect(pending.confirmation?.positions).toEqual(confirmation.positions);

    // One wrong word: refused, naming the position only.
    const [p1, p2, p3] = confirmation.positions as [number, number, number];
    const wrongWord = words[p2 - 1] === 'zoo' ? 'abandon' : 'zoo';
    const wrong = await h.call('POST', SETUP_ROUTES.accountConfirm, {
      words: [
        { position: p1, word: words[p1 - 1] },
        { position: p2, word: wrongWord },
        { position: p3, word: words[p3 - 1] },
      ],
      passphrase: PASSPHRASE,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('confirmation_mismatch');
    expect(wrong.json.error.message).toBe(
      `Word #${p2} does not match the recovery phrase. Check what you wrote down and try again.`,
    );
    // Other positions than the ones asked.
    const otherPositions = [1, 2, 3, 4, 5, 6].filter((p) => !confirmation.positions.includes(p));
    const off = await h.call('POST', SETUP_ROUTES.accountConfirm, {
      words: otherPositions.slice(0, 3).map((p) => ({ position: p, word: words[p - 1] })),
      passphrase: PASSPHRASE,
    });
    expect(off.status).toBe(400);
    expect(off.json.error.message).toContain(`#${p1}, #${p2}, #${p3}`);

    const right = confirmation.positions.map((p) => ({
      position: p,
      word: ` ${words[p - 1]!.toUpperCase()} `, // spacing and case do not matter
    }));
    // No keychain here: a passphrase for the key file is required, and a short one refused.
    const noPass = await h.call('POST', SETUP_ROUTES.accountConfirm, { words: right });
    expect(noPass.json.error.code).toBe('passphrase_required');
    expect(noPass.json.error.message).toContain(keyFilePath(h.stateDir));
    const weak = await h.call('POST', SETUP_ROUTES.accountConfirm, {
      words: right,
      passphrase: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.json.error.code).toBe('weak_passphrase');

    const ok = await h.call('POST', SETUP_ROUTES.accountConfirm, {
      words: right,
      passphrase: PASSPHRASE,
    });
    expect(ok.status).toBe(200);
    const state = setupStateSchema.parse(ok.json);
    expect(state.account).toEqual({ address, source: 'created', stored: true });
    expect(state.confirmation).toBeNull();
    const file = new EncryptedFileKeyStore({
      path: keyFilePath(h.stateDir),
      passphrase: PASSPHRASE,
    });
    expect(await file.get(address)).toBe(phrase);
    expect((await stat(keyFilePath(h.stateDir))).mode & 0o777).toBe(0o600);

    // Done once: nothing left to confirm, and the account is not replaced by accident.
    const again = await h.call('POST', SETUP_ROUTES.accountConfirm, { words: right });
    expect(again.json.error.code).toBe('nothing_to_confirm');
    expect((await h.call('POST', SETUP_ROUTES.accountCreate)).json.error.code).toBe(
      'account_exists',
    );

    // The phrase (or any 3 of its words in a row) and the passphrase: only in the create reply.
    await h.call('GET', SETUP_ROUTES.state);
    await h.call('GET', SETUP_ROUTES.balance);
    // Three words in a row, as text or as JSON array items.
    const windows = words
      .slice(0, -2)
      .flatMap((_, k) => [
        words.slice(k, k + 3).join(' '),
        JSON.stringify(words.slice(k, k + 3)).slice(1, -1),
      ]);
    h.replies.forEach((reply, i) => {
      const leaks = windows.filter((w) => reply.includes(w));
      if (i === createReplyIndex) expect(leaks.length).toBeGreaterThan(0);
      else expect(leaks, `reply ${i}: ${reply}`).toEqual([]);
      expect(reply).not.toContain(PASSPHRASE);
    });
    for (const line of h.logs) {
      expect(
        windows.some((w) => line.includes(w)),
        line,
      ).toBe(false);
      expect(line).not.toContain(PASSPHRASE);
    }
    expect(h.logs.join('\n')).toContain(`created account ${address}`);
  });

  it('import: an invalid phrase gets the library reason without being echoed; a valid one is stored', async () => {
    await h.call('POST', SETUP_ROUTES.network, LOCAL);
    const bad = await h.call('POST', SETUP_ROUTES.accountImport, {
      mnemonic: 'wagon zebra mystery',
      passphrase: PASSPHRASE,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_mnemonic');
    expect(bad.json.error.message).toBe(
      'That recovery phrase cannot be used: a recovery phrase has 12, 15, 18, 21 or 24 words; this one has 3.',
    );
    const phrase = mnemonicGenerate(12);
    const words = phrase.split(' ');
    const swapped = [words[1], words[0], ...words.slice(2)].join(' ');
    const checksum = await h.call('POST', SETUP_ROUTES.accountImport, {
      mnemonic: swapped,
      passphrase: PASSPHRASE,
    });
    // A swap can keep the checksum valid by chance (1 in 16): only check when it does not.
    if (checksum.status === 400) expect(checksum.json.error.message).toMatch(/checksum mismatch/);
    else expect(checksum.status).toBe(200);
    if (checksum.status === 200) return;

    const ok = await h.call('POST', SETUP_ROUTES.accountImport, {
      mnemonic: `  ${phrase.toUpperCase()}\n`,
      passphrase: PASSPHRASE,
    });
    expect(ok.status).toBe(200);
    const address = new Keyring({ type: 'sr25519', ss58Format: SS58 }).addFromMnemonic(
      phrase,
    ).address;
    expect(setupStateSchema.parse(ok.json).account).toEqual({
      address,
      source: 'imported',
      stored: true,
    });
    const file = new EncryptedFileKeyStore({
      path: keyFilePath(h.stateDir),
      passphrase: PASSPHRASE,
    });
    expect(await file.get(address)).toBe(phrase);
    for (const text of [...h.replies, ...h.logs]) {
      expect(text).not.toContain(phrase);
      expect(text).not.toContain('wagon zebra mystery');
    }
  });

  it('a key file made with another passphrase is explained, not overwritten', async () => {
    const other = new EncryptedFileKeyStore({
      path: keyFilePath(h.stateDir),
      passphrase: 'another passphrase',
      scrypt: FAST_SCRYPT,
    });
    await other.set('cXsomeone', 'secret');
    await h.call('POST', SETUP_ROUTES.network, LOCAL);
    const r = await h.call('POST', SETUP_ROUTES.accountImport, {
      mnemonic: mnemonicGenerate(12),
      passphrase: PASSPHRASE,
    });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('wrong_passphrase');
    expect(r.json.error.message).toContain('does not open it');
    expect(await other.get('cXsomeone')).toBe('secret');
  });

  it('funds and territory: the cost is quoted first; not enough balance says how much and where to send it', async () => {
    const { address } = await createdAccount(h);
    const empty = await h.call('GET', SETUP_ROUTES.balance);
    expect(empty.json).toMatchObject({
      address,
      transferable: '0',
      formatted: '0 TCESS',
      enough: false,
      suggested: { formatted: '30 TCESS', action: 'minting 1 GiB for 30 days' },
    });
    h.chain.balances.set(address, 20n * UNIT);
    const quote = await h.call('POST', SETUP_ROUTES.territoryQuote, { gib: 1, days: 30 });
    expect(quote.json).toMatchObject({
      cost: (30n * UNIT).toString(),
      formatted: '30 TCESS',
      balance: '20 TCESS',
      enough: false,
    });
    expect(quote.json.shortfall).toMatch(/^10(\.0+1)? TCESS$/);

    const poor = await h.call('POST', SETUP_ROUTES.territoryMint, {
      name: 'home',
      gib: 1,
      days: 30,
      maxCost: quote.json.cost,
    });
    expect(poor.status).toBe(409);
    expect(poor.json.error.code).toBe('insufficient_balance');
    expect(poor.json.error.message).toContain(
      'Not enough TCESS: minting 1 GiB for 30 days costs 30 TCESS, balance is 20 TCESS',
    );
    expect(poor.json.error.message).toContain(`more to ${address}`);
    expect(h.chain.txs).toEqual([]);

    h.chain.balances.set(address, 100n * UNIT);
    // The price went up after the quote: not paid.
    h.chain.unitPrice = 60n * UNIT;
    const dearer = await h.call('POST', SETUP_ROUTES.territoryMint, {
      name: 'home',
      gib: 1,
      days: 30,
      maxCost: quote.json.cost,
    });
    expect(dearer.json.error.code).toBe('price_changed');
    h.chain.unitPrice = 30n * UNIT;

    const badName = await h.call('POST', SETUP_ROUTES.territoryMint, {
      name: 'my files',
      gib: 1,
      days: 30,
      maxCost: quote.json.cost,
    });
    expect(badName.status).toBe(400);
    const short = await h.call('POST', SETUP_ROUTES.territoryQuote, { gib: 1, days: 7 });
    expect(short.status).toBe(400);

    const minted = await h.call('POST', SETUP_ROUTES.territoryMint, {
      name: 'home',
      gib: 1,
      days: 30,
      maxCost: quote.json.cost,
    });
    expect(minted.status).toBe(200);
    expect(minted.json).toEqual({
      territories: [
        {
          name: 'home',
          state: 'Active',
          totalBytes: 1024 ** 3,
          usedBytes: 0,
          lockedBytes: 0,
          remainingBytes: 1024 ** 3,
          daysLeft: 30,
        },
      ],
      selected: 'home',
    });
    const missing = await h.call('POST', SETUP_ROUTES.territorySelect, { name: 'nope' });
    expect(missing.json.error.code).toBe('no_territory');
  });

  it('gateway, folders and finish: checked, saved, the engine started and the routes live', async () => {
    const { address, words } = await createdAccount(h);
    h.chain.balances.set(address, 100n * UNIT);
    const early = await h.call('POST', SETUP_ROUTES.finish, {});
    expect(early.json.error.code).toBe('no_territory');
    const q = await h.call('POST', SETUP_ROUTES.territoryQuote, { gib: 1, days: 30 });
    await h.call('POST', SETUP_ROUTES.territoryMint, {
      name: 'home',
      gib: 1,
      days: 30,
      maxCost: q.json.cost,
    });
    expect((await h.call('POST', SETUP_ROUTES.finish, {})).json.error.code).toBe(
      'gateway_not_authorized',
    );

    const list = await h.call('GET', SETUP_ROUTES.gateways);
    expect(list.json.gatewayUrl).toBe('http://127.0.0.1:8080');
    expect(list.json.gateways).toEqual([
      {
        account: gatewayPair().address,
        domain: 'http://127.0.0.1:8080',
        authorized: false,
        matchesNetwork: true,
      },
      {
        account: otherGatewayPair().address,
        domain: 'https://elsewhere.example',
        authorized: false,
        matchesNetwork: false,
      },
    ]);
    const unknown = await h.call('POST', SETUP_ROUTES.gatewayAuthorize, { account: address });
    expect(unknown.json.error.code).toBe('unknown_gateway');
    const auth = await h.call('POST', SETUP_ROUTES.gatewayAuthorize, {
      account: gatewayPair().address,
    });
    expect(auth.status).toBe(200);
    expect(setupStateSchema.parse(auth.json).gateway?.account).toBe(gatewayPair().address);
    // Authorizing again costs nothing: no second transaction.
    await h.call('POST', SETUP_ROUTES.gatewayAuthorize, { account: gatewayPair().address });
    expect(h.chain.txs.filter((t) => t.startsWith('authorize'))).toHaveLength(1);

    const sync = path.join(h.work, 'Sync');
    const photos = path.join(h.work, 'Photos');
    await mkdir(sync);
    await mkdir(photos);
    await writeFile(path.join(h.work, 'file.txt'), 'x');
    const folderCases: [string, RegExp][] = [
      ['relative/dir', /full path/],
      [path.join(h.work, 'missing'), /does not exist/],
      [path.join(h.work, 'file.txt'), /is a file, not a folder/],
      [h.work, /overlaps the sync engine's own directory/],
      [path.join(h.stateDir, 'inner'), /does not exist|overlaps/],
    ];
    for (const [root, message] of folderCases) {
      const r = await h.call('POST', SETUP_ROUTES.folders, { root });
      expect(r.status, root).toBe(400);
      expect(r.json.error.message).toMatch(message);
    }
    expect((await h.call('POST', SETUP_ROUTES.folders, { root: sync })).status).toBe(200);
    const twice = await h.call('POST', SETUP_ROUTES.folders, { root: `${sync}/` });
    expect(twice.json.error.message).toContain('already in the list');
    await h.call('POST', SETUP_ROUTES.folders, { root: photos });
    const removed = await h.call('POST', SETUP_ROUTES.foldersRemove, { root: photos });
    expect(setupStateSchema.parse(removed.json).folders).toEqual([sync]);

    // The engine does not start: config.json is taken back, the step can be retried.
    h.failStart.next = true;
    const failed = await h.call('POST', SETUP_ROUTES.finish, { deviceName: 'laptop' });
    expect(failed.status).toBe(424);
    expect(failed.json.error.message).toContain('the manifest is locked');
    await expect(stat(configPath(h.stateDir))).rejects.toThrow();
    expect((await h.call('GET', ROUTES.status)).json.error.code).toBe('not_set_up');

    const done = await h.call('POST', SETUP_ROUTES.finish, { deviceName: 'laptop' });
    expect(done.status).toBe(200);
    expect(done.json).toEqual({
      account: address,
      folders: [{ root: sync, added: true, error: null }],
      keyStore: { kind: 'file', location: keyFilePath(h.stateDir), needsPassphrase: true },
      passphraseAtStart: true,
    });
    const config = await loadConfig(h.stateDir);
    expect(config).toMatchObject({
      network: { name: 'local', chain: ['ws://127.0.0.1:9944'], gateway: 'http://127.0.0.1:8080' },
      account: address,
      territory: 'home',
      deviceName: 'laptop',
      keyStore: 'file',
    });
    const configText = await readFile(configPath(h.stateDir), 'utf8');
    expect(configText).not.toContain(words.slice(0, 3).join(' '));
    expect(h.started).toHaveLength(1);
    expect(await h.started[0]!.keyStore.get(address)).toBe(words.join(' '));
    expect(h.chain.disconnected).toBe(true);

    // The normal routes are live on the same server; onboarding is over.
    const status = await h.call('GET', ROUTES.status);
    expect(status.status).toBe(200);
    expect(status.json.account).toBe(address);
    expect(status.json.folders.map((f: FolderStatus) => f.root)).toEqual([sync]);
    const state: SetupState = setupStateSchema.parse(
      (await h.call('GET', SETUP_ROUTES.state)).json,
    );
    expect(state.setUp).toBe(true);
    expect((await h.call('POST', SETUP_ROUTES.accountCreate)).json.error.code).toBe(
      'already_set_up',
    );
  });
});

describe('without a keychain but with CESS_SYNC_PASSPHRASE', () => {
  it('needs no passphrase from the page, and says the start needs none either', async () => {
    const h = await harness({ CESS_SYNC_PASSPHRASE: PASSPHRASE });
    try {
      const state = setupStateSchema.parse((await h.call('GET', SETUP_ROUTES.state)).json);
      expect(state.keyStore?.needsPassphrase).toBe(false);
      await h.call('POST', SETUP_ROUTES.network, LOCAL);
      const phrase = mnemonicGenerate(24);
      const r = await h.call('POST', SETUP_ROUTES.accountImport, { mnemonic: phrase });
      expect(r.status).toBe(200);
      const address = setupStateSchema.parse(r.json).account!.address;
      const file = new EncryptedFileKeyStore({
        path: keyFilePath(h.stateDir),
        passphrase: PASSPHRASE,
      });
      expect(await file.get(address)).toBe(phrase);
    } finally {
      await h.server.close();
      await rm(h.work, { recursive: true, force: true });
    }
  });
});

describe('deferredEngine', () => {
  it('throws not_set_up until bound, and hands early subscribers to the engine', () => {
    const slot = deferredEngine<SyncService>();
    const events: DaemonEvent[] = [];
    const unsubscribe = slot.service.subscribe((e) => events.push(e));
    expect(() => slot.service.status()).toThrow(NotSetUpError);
    expect(slot.bound).toBe(false);
    // Not a thenable: awaiting it must not call anything.
    expect((slot.service as unknown as { then?: unknown }).then).toBeUndefined();
    const engine = new StartedFakeEngine('cXme');
    slot.bind(engine as unknown as SyncService);
    expect(slot.service.status().account).toBe('cXme');
    const event: DaemonEvent = { type: 'status', status: engine.status() };
    for (const l of engine.listeners) l(event);
    expect(events).toEqual([event]);
    unsubscribe();
    expect(engine.listeners.size).toBe(0);
    expect(() => slot.bind(engine as unknown as SyncService)).toThrow(/already bound/);
  });
});

describe('URLs', () => {
  it('checkUrl accepts ws(s) chains and http(s) gateways only', () => {
    expect(checkUrl(' wss://testnet-rpc.cess.network/ws/ ', 'chain')).toBe(
      'wss://testnet-rpc.cess.network/ws/',
    );
    expect(checkUrl('http://127.0.0.1:8080', 'gateway')).toBe('http://127.0.0.1:8080');
    expect(() => checkUrl('https://node', 'chain')).toThrow(/ws:\/\//);
    expect(() => checkUrl('ws://node', 'gateway')).toThrow(/http:\/\//);
    expect(() => checkUrl('javascript:alert(1)', 'gateway')).toThrow(/http:\/\//);
    expect(() => checkUrl('', 'gateway')).toThrow(/not a web address/);
  });
  it('domainMatches compares a registered domain with the chosen gateway URL', () => {
    expect(domainMatches('http://127.0.0.1:8080', 'http://127.0.0.1:8080/')).toBe(true);
    expect(domainMatches('gateway.cess.network', 'http://gateway.cess.network')).toBe(true);
    expect(domainMatches('HTTP://Gateway.CESS.network/', 'http://gateway.cess.network')).toBe(true);
    expect(domainMatches('http://127.0.0.1:8081', 'http://127.0.0.1:8080')).toBe(false);
    expect(domainMatches('', 'http://127.0.0.1:8080')).toBe(false);
  });
});

describe('runDaemon without config.json', () => {
  it('starts in setup mode: same API protections, daemon.json, 409 not_set_up; the CLI says what to do', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'cess-setup-mode-'));
    const stateDir = path.join(work, 'fresh', 'state');
    const logs: string[] = [];
    const daemon = await runDaemon({
      stateDir,
      keyStore: 'file',
      env: {},
      log: (l) => void logs.push(l),
    });
    try {
      expect(daemon.setUp).toBe(false);
      expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
      const file = await readDaemonFile(stateDir);
      expect(
        file.kind === 'ok' && file.info.url === daemon.url && file.info.token === daemon.token,
      ).toBe(true);
      expect(logs.join('\n')).toContain('in setup mode');
      const client = await DaemonClient.fromStateDir(stateDir);
      await expect(client.status()).rejects.toMatchObject({ status: 409, code: 'not_set_up' });
      expect(() => daemon.engine.status()).toThrow(NotSetUpError);

      // Token still required; a foreign Origin still refused.
      expect((await fetch(`${daemon.url}${SETUP_ROUTES.state}`)).status).toBe(401);
      const foreign = await fetch(`${daemon.url}${SETUP_ROUTES.state}`, {
        headers: { Authorization: `Bearer ${daemon.token}`, Origin: 'http://evil.example' },
      });
      expect(foreign.status).toBe(403);
      const state = await fetch(`${daemon.url}${SETUP_ROUTES.state}`, {
        headers: { Authorization: `Bearer ${daemon.token}` },
      });
      expect(setupStateSchema.parse(await state.json()).setUp).toBe(false);

      const out: string[] = [];
      const io: CliIO = {
        out: (t) => void out.push(t),
        err: () => undefined,
        cwd: work,
        now: Date.now,
      };
      expect(await statusCommand(client, io)).toBe(1);
      expect(out).toEqual(['not set up: open the UI or run cess-sync setup']);
      const json: string[] = [];
      expect(
        await statusCommand(client, { ...io, json: true, out: (t) => void json.push(t) }),
      ).toBe(1);
      expect(JSON.parse(json[0]!)).toEqual({ setUp: false });
    } finally {
      await daemon.stop();
    }
    // Stopped cleanly: the lock and daemon.json are gone, and a new daemon can start.
    expect((await readDaemonFile(stateDir)).kind).toBe('missing');
    await expect(stat(path.join(stateDir, 'daemon.lock'))).rejects.toThrow();
    await rm(work, { recursive: true, force: true });
  });
});
