/**
 * Onboarding a device from nothing (setup mode, docs/daemon-api.md "Setup routes"): choose a
 * network, create (with a written-down-and-confirmed recovery phrase) or import an account, keep
 * its secret in the key store, fund it, pick or mint a territory, authorize a gateway, pick
 * folders, then save config.json and start the engine in this process.
 *
 * Secrets: a created phrase is returned once by createAccount() and kept in memory only until it
 * is confirmed; an imported one only for the duration of the call. Once in the key store, the
 * references are dropped (JavaScript strings cannot be wiped; nothing here copies them further).
 * No reply after the first and no log line carries a phrase or a passphrase.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { randomInt } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { mnemonicProblem, normalizeMnemonic } from '../../cess/account/index.js';
import type { AccountBalance, CostQuote, Gateway, Territory } from '../../cess/chain/client.js';
import { CessChain } from '../../cess/chain/client.js';
import {
  openKeyStore,
  PASSPHRASE_ENV,
  probeKeychain,
  type KeyStore,
  type OpenKeyStoreOptions,
} from '../../cess/keystore/index.js';
import type { FolderStatus } from '../../sync/api/schema.js';
import {
  CONFIRM_WORDS,
  MNEMONIC_WORDS,
  type BalanceReply,
  type ConfirmAccountRequest,
  type CreatedAccount,
  type FinishReply,
  type GatewayList,
  type ImportAccountRequest,
  type KeyStoreInfo,
  type MintTerritoryRequest,
  type NetworkRequest,
  type SetupState,
  type TerritoryInfo,
  type TerritoryList,
  type TerritoryQuote,
  type TerritoryQuoteRequest,
} from '../../sync/api/onboarding-schema.js';
import { configPath, keyFilePath, saveConfig, type DeviceConfig } from '../config.js';
import { chainFailure, keyStoreFailure, OnboardingError } from './errors.js';
import { domainMatches, networkPresets, resolveNetwork, type NetworkChoice } from './networks.js';
import { OneAtATime } from './one-at-a-time.js';
import { probeGateway } from './probe-gateway.js';
import { quotePrice, territorySpace } from './territory-view.js';

/** What onboarding needs from the chain (CessChain; a fake in unit tests). */
export interface OnboardingChain {
  readonly properties: {
    ss58Format: number;
    tokenSymbol: string;
    specName: string;
    specVersion: number;
    blocksPerDay: number;
  };
  format(amount: bigint): string;
  balance(address: string): Promise<AccountBalance>;
  quoteMint(gib: number, days: number): Promise<CostQuote>;
  territories(owner: string): Promise<Territory[]>;
  territory(owner: string, name: string): Promise<Territory | null>;
  mintTerritory(
    signer: KeyringPair,
    name: string,
    gib: number,
    days: number,
    opts?: { maxCost?: bigint },
  ): Promise<unknown>;
  gateways(): Promise<Gateway[]>;
  authorizedGateways(owner: string): Promise<string[]>;
  authorizeGateway(signer: KeyringPair, gateway: string): Promise<unknown>;
  /** The best block's number, for territory lifetimes. */
  bestBlock(): Promise<number>;
  disconnect(): Promise<void>;
}

/** The running engine, as far as onboarding needs it once started. */
export interface StartedEngine {
  addFolder(req: { root: string }): Promise<FolderStatus>;
}

export interface OnboardingOptions {
  stateDir: string;
  /** Where a new secret goes: 'auto' (default) the OS keychain when it answers, else the file. */
  keyStore?: 'auto' | 'keychain' | 'file';
  /** For CESS_SYNC_PASSPHRASE and the local network's URLs (default process.env). */
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /**
   * Starts the engine for the saved configuration, with the key store the secret was put in;
   * resolves once the engine runs and the daemon's routes are live.
   */
  start(config: DeviceConfig, keyStore: KeyStore): Promise<StartedEngine>;
  /** Default: CessChain.connect (20 s limit). */
  connect?: (endpoints: string[]) => Promise<OnboardingChain>;
  /** Resolves when something answers at the gateway URL (default: HTTP GET, 10 s). */
  probeGateway?: (url: string) => Promise<void>;
  /** Default: the real keychain probe (3 s limit). */
  probeKeychain?: () => Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Default: openKeyStore. Tests pass lighter scrypt parameters through here. */
  openKeyStore?: (opts: OpenKeyStoreOptions) => Promise<KeyStore>;
  /** Default: crypto.randomInt. */
  randomInt?: (max: number) => number;
}

interface Network extends NetworkChoice {
  chainApi: OnboardingChain;
}

/** A created account whose phrase has been shown but not confirmed yet. */
interface PendingAccount {
  words: string[];
  positions: number[];
}

interface Account {
  keyring: Keyring;
  pair: KeyringPair;
  source: 'created' | 'imported';
  pending: PendingAccount | null;
  /** The key store holding the secret, and the address it is filed under. */
  store: { keyStore: KeyStore; under: string; passphraseFromPage: boolean } | null;
}

const SUGGESTED = { gib: 1, days: 30 };

export class OnboardingService {
  private network: Network | null = null;
  private account: Account | null = null;
  private territory: string | null = null;
  private gateway: { account: string; domain: string } | null = null;
  private folders: string[] = [];
  private deviceName = safeHostname();
  private keyStoreInfo: KeyStoreInfo | null = null;
  private done = false;
  private closed = false;
  private readonly steps = new OneAtATime('step');
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly o: OnboardingOptions) {
    this.env = o.env ?? process.env;
  }

  // ---- state --------------------------------------------------------------------------------

  async state(): Promise<SetupState> {
    const keyStore = this.done ? this.keyStoreInfo : await this.keyStore();
    return {
      setUp: this.done,
      presets: networkPresets(this.env),
      network:
        this.network === null
          ? null
          : {
              name: this.network.name,
              chain: this.network.chain,
              gateway: this.network.gateway,
              specName: this.network.chainApi.properties.specName,
              specVersion: this.network.chainApi.properties.specVersion,
              tokenSymbol: this.network.chainApi.properties.tokenSymbol,
              ss58Format: this.network.chainApi.properties.ss58Format,
            },
      account:
        this.account === null
          ? null
          : {
              address: this.account.pair.address,
              source: this.account.source,
              stored: this.account.store !== null,
            },
      confirmation:
        this.account?.pending == null ? null : { positions: [...this.account.pending.positions] },
      keyStore,
      territory: this.territory,
      gateway: this.gateway,
      folders: [...this.folders],
      deviceName: this.deviceName,
    };
  }

  /** Where a new secret will be kept; the keychain is probed once. */
  private async keyStore(): Promise<KeyStoreInfo> {
    if (this.keyStoreInfo !== null) return this.keyStoreInfo;
    const prefer = this.o.keyStore ?? 'auto';
    let kind: 'keychain' | 'file' = 'file';
    if (prefer !== 'file') {
      const probe = await (this.o.probeKeychain ?? probeKeychain)();
      if (probe.ok) kind = 'keychain';
      else if (prefer === 'keychain') {
        throw new OnboardingError(
          409,
          'no_key_store',
          `The OS keychain was asked for but does not answer (${probe.reason}).`,
        );
      }
    }
    this.keyStoreInfo = {
      kind,
      location: kind === 'keychain' ? 'the OS keychain' : keyFilePath(this.o.stateDir),
      needsPassphrase: kind === 'file' && !this.env[PASSPHRASE_ENV],
    };
    return this.keyStoreInfo;
  }

  // ---- network ------------------------------------------------------------------------------

  async chooseNetwork(req: NetworkRequest): Promise<SetupState> {
    return this.step('network', async () => {
      const choice = resolveNetwork(req, networkPresets(this.env));
      const connect = this.o.connect ?? defaultConnect;
      let chainApi: OnboardingChain;
      try {
        chainApi = await connect(choice.chain);
      } catch (err) {
        throw new OnboardingError(
          424,
          'chain_unreachable',
          `Cannot reach the CESS chain at ${choice.chain.join(', ')}: ${reason(err)}. Check the address and your connection, then try again.`,
        );
      }
      try {
        await (this.o.probeGateway ?? probeGateway)(choice.gateway);
      } catch (err) {
        await chainApi.disconnect().catch(() => undefined);
        throw new OnboardingError(
          424,
          'gateway_unreachable',
          `Cannot reach the gateway at ${choice.gateway}: ${reason(err)}. Check the address, then try again.`,
        );
      }
      const previous = this.network;
      this.network = { ...choice, chainApi };
      if (previous !== null) {
        await previous.chainApi.disconnect().catch(() => undefined);
        // Territories and gateway authorizations belong to the chain they were read from.
        this.territory = null;
        this.gateway = null;
      }
      // The same key, written in this network's address format.
      this.account?.keyring.setSS58Format(chainApi.properties.ss58Format);
      this.o.log(
        `onboarding: connected to the ${choice.name} network (${choice.chain.join(', ')})`,
      );
      return this.state();
    });
  }

  private requireNetwork(): Network {
    if (this.network === null) {
      throw new OnboardingError(409, 'no_network', 'Choose a network first.');
    }
    return this.network;
  }

  // ---- account ------------------------------------------------------------------------------

  /** A new 24-word account. The reply is the only time the words leave the daemon. */
  async createAccount(): Promise<CreatedAccount> {
    return this.step('account', async () => {
      const net = this.requireNetwork();
      this.refuseReplacingStoredAccount();
      await cryptoWaitReady();
      const words = mnemonicGenerate(MNEMONIC_WORDS).split(' ');
      const keyring = new Keyring({
        type: 'sr25519',
        ss58Format: net.chainApi.properties.ss58Format,
      });
      const pair = keyring.addFromMnemonic(words.join(' '));
      const positions = this.pickPositions();
      this.forgetPending();
      this.account = {
        keyring,
        pair,
        source: 'created',
        pending: { words, positions },
        store: null,
      };
      this.o.log(`onboarding: created account ${pair.address}; waiting for its confirmation`);
      return {
        address: pair.address,
        words: [...words],
        confirmation: { positions: [...positions] },
      };
    });
  }

  /** Checks the re-typed words; right ones put the secret in the key store and forget it. */
  async confirmAccount(req: ConfirmAccountRequest): Promise<SetupState> {
    return this.step('account', async () => {
      const account = this.account;
      const pending = account?.pending;
      if (account == null || pending == null) {
        throw new OnboardingError(
          409,
          'nothing_to_confirm',
          'There is no new account waiting for confirmation. Create one first.',
        );
      }
      const asked = new Set(pending.positions);
      const given = new Map(req.words.map((w) => [w.position, w.word]));
      if (given.size !== asked.size || [...given.keys()].some((p) => !asked.has(p))) {
        throw new OnboardingError(
          400,
          'invalid_request',
          `Type words ${pending.positions.map((p) => `#${p}`).join(', ')} of your recovery phrase.`,
        );
      }
      const wrong = pending.positions.filter(
        (p) => normalizeWord(given.get(p) ?? '') !== pending.words[p - 1],
      );
      if (wrong.length > 0) {
        this.o.log(
          `onboarding: confirmation refused (${wrong.length} of ${CONFIRM_WORDS} words wrong)`,
        );
        throw new OnboardingError(
          400,
          'confirmation_mismatch',
          `${wrong.length === 1 ? 'Word' : 'Words'} ${wrong.map((p) => `#${p}`).join(', ')} ${wrong.length === 1 ? 'does' : 'do'} not match the recovery phrase. Check what you wrote down and try again.`,
        );
      }
      await this.storeSecret(account, pending.words.join(' '), req.passphrase);
      this.forgetPending();
      return this.state();
    });
  }

  async importAccount(req: ImportAccountRequest): Promise<SetupState> {
    return this.step('account', async () => {
      const net = this.requireNetwork();
      this.refuseReplacingStoredAccount();
      const problem = mnemonicProblem(req.mnemonic);
      if (problem !== undefined) {
        throw new OnboardingError(
          400,
          'invalid_mnemonic',
          `That recovery phrase cannot be used: ${problem}.`,
        );
      }
      await cryptoWaitReady();
      const keyring = new Keyring({
        type: 'sr25519',
        ss58Format: net.chainApi.properties.ss58Format,
      });
      const pair = keyring.addFromMnemonic(normalizeMnemonic(req.mnemonic));
      const account: Account = { keyring, pair, source: 'imported', pending: null, store: null };
      await this.storeSecret(account, normalizeMnemonic(req.mnemonic), req.passphrase);
      this.forgetPending();
      this.account = account;
      this.o.log(`onboarding: imported account ${pair.address}`);
      return this.state();
    });
  }

  private refuseReplacingStoredAccount(): void {
    if (this.account?.store != null) {
      throw new OnboardingError(
        409,
        'account_exists',
        `The account ${this.account.pair.address} is already kept on this device; continue with it.`,
      );
    }
  }

  private pickPositions(): number[] {
    const rand = this.o.randomInt ?? ((max: number) => randomInt(max));
    const picked = new Set<number>();
    while (picked.size < CONFIRM_WORDS) picked.add(rand(MNEMONIC_WORDS) + 1);
    return [...picked].sort((a, b) => a - b);
  }

  private forgetPending(): void {
    const account = this.account;
    if (account?.pending != null) {
      account.pending.words.fill('');
      account.pending = null;
    }
  }

  private async storeSecret(account: Account, secret: string, passphrase?: string): Promise<void> {
    const info = await this.keyStore();
    if (info.needsPassphrase && passphrase === undefined) {
      throw new OnboardingError(
        400,
        'passphrase_required',
        `This device has no OS keychain, so the account's key goes into an encrypted file (${info.location}). Choose a passphrase for it (at least 8 characters).`,
      );
    }
    const fromPage = info.needsPassphrase && passphrase !== undefined;
    let keyStore: KeyStore;
    try {
      keyStore = await (this.o.openKeyStore ?? openKeyStore)({
        prefer: info.kind,
        filePath: keyFilePath(this.o.stateDir),
        env: this.env,
        ...(fromPage ? { passphrase } : {}),
      });
      await keyStore.set(account.pair.address, secret);
    } catch (err) {
      throw keyStoreFailure(err, info.location);
    }
    account.store = { keyStore, under: account.pair.address, passphraseFromPage: fromPage };
    this.o.log(
      `onboarding: the key of ${account.pair.address} is kept in ${info.kind === 'keychain' ? 'the OS keychain' : 'the encrypted key file'}`,
    );
  }

  private requireAccount(): Account & { store: NonNullable<Account['store']> } {
    const a = this.account;
    if (a?.store == null) {
      throw new OnboardingError(
        409,
        'no_account',
        a?.pending != null
          ? 'Confirm your recovery phrase first.'
          : 'Create or import an account first.',
      );
    }
    return a as Account & { store: NonNullable<Account['store']> };
  }

  // ---- funds --------------------------------------------------------------------------------

  async balance(): Promise<BalanceReply> {
    const net = this.requireNetwork();
    const { pair } = this.requireAccount();
    const chain = net.chainApi;
    try {
      const [b, quote] = await Promise.all([
        chain.balance(pair.address),
        chain.quoteMint(SUGGESTED.gib, SUGGESTED.days),
      ]);
      return {
        address: pair.address,
        transferable: b.transferable.toString(),
        formatted: chain.format(b.transferable),
        symbol: chain.properties.tokenSymbol,
        suggested: {
          cost: quote.cost.toString(),
          formatted: quote.formatted,
          action: quote.action,
        },
        enough: b.transferable > quote.cost,
      };
    } catch (err) {
      throw chainFailure(err);
    }
  }

  // ---- territories --------------------------------------------------------------------------

  async territories(): Promise<TerritoryList> {
    const net = this.requireNetwork();
    const { pair } = this.requireAccount();
    try {
      const [list, now] = await Promise.all([
        net.chainApi.territories(pair.address),
        net.chainApi.bestBlock(),
      ]);
      return {
        territories: list.map((t) => territoryInfo(t, now, net.chainApi.properties.blocksPerDay)),
        selected: this.territory,
      };
    } catch (err) {
      throw chainFailure(err);
    }
  }

  async quote(req: TerritoryQuoteRequest): Promise<TerritoryQuote> {
    const net = this.requireNetwork();
    const { pair } = this.requireAccount();
    const chain = net.chainApi;
    try {
      const [q, b] = await Promise.all([
        chain.quoteMint(req.gib, req.days),
        chain.balance(pair.address),
      ]);
      return {
        gib: q.gib,
        days: q.days,
        cost: q.cost.toString(),
        ...quotePrice(chain, q, b.transferable),
      };
    } catch (err) {
      throw chainFailure(err);
    }
  }

  async mint(req: MintTerritoryRequest): Promise<TerritoryList> {
    await this.step('territory', async () => {
      const net = this.requireNetwork();
      const { pair } = this.requireAccount();
      const chain = net.chainApi;
      try {
        await chain.mintTerritory(pair, req.name, req.gib, req.days, {
          maxCost: BigInt(req.maxCost),
        });
      } catch (err) {
        throw chainFailure(err, {
          address: pair.address,
          shortfall: await this.shortfall(req.gib, req.days),
        });
      }
      this.territory = req.name;
      this.o.log(`onboarding: minted territory '${req.name}' (${req.gib} GiB, ${req.days} days)`);
    });
    return this.territories();
  }

  /** How much more the account needs for a territory (formatted), if anything. */
  private async shortfall(gib: number, days: number): Promise<string | undefined> {
    try {
      const q = await this.quote({ gib, days });
      return q.shortfall ?? undefined;
    } catch {
      return undefined;
    }
  }

  async selectTerritory(name: string): Promise<SetupState> {
    return this.step('territory', async () => {
      const net = this.requireNetwork();
      const { pair } = this.requireAccount();
      let t: Territory | null;
      try {
        t = await net.chainApi.territory(pair.address, name);
      } catch (err) {
        throw chainFailure(err);
      }
      if (t === null) {
        throw new OnboardingError(
          409,
          'no_territory',
          `${pair.address} has no territory named '${name}'.`,
        );
      }
      if (t.state !== 'Active') {
        throw new OnboardingError(
          409,
          'territory_inactive',
          `Territory '${name}' is ${t.state.toLowerCase()}, so files cannot be stored in it. Pick another one or mint a new one.`,
        );
      }
      this.territory = name;
      return this.state();
    });
  }

  // ---- gateways -----------------------------------------------------------------------------

  async gateways(): Promise<GatewayList> {
    const net = this.requireNetwork();
    const { pair } = this.requireAccount();
    try {
      const [list, authorized] = await Promise.all([
        net.chainApi.gateways(),
        net.chainApi.authorizedGateways(pair.address),
      ]);
      return {
        gateways: list.map((g) => ({
          account: g.account,
          domain: g.domain,
          authorized: authorized.includes(g.account),
          matchesNetwork: domainMatches(g.domain, net.gateway),
        })),
        gatewayUrl: net.gateway,
      };
    } catch (err) {
      throw chainFailure(err);
    }
  }

  /** Authorizes a registered gateway to store files for the account (nothing to pay if it already is). */
  async authorizeGateway(gatewayAccount: string): Promise<SetupState> {
    return this.step('gateway', async () => {
      const net = this.requireNetwork();
      const { pair } = this.requireAccount();
      const list = await this.gateways();
      const g = list.gateways.find((x) => x.account === gatewayAccount);
      if (g === undefined) {
        throw new OnboardingError(
          409,
          'unknown_gateway',
          `${gatewayAccount} is not a gateway registered on this chain. Pick one from the list.`,
        );
      }
      if (!g.authorized) {
        try {
          await net.chainApi.authorizeGateway(pair, g.account);
        } catch (err) {
          throw chainFailure(err, { address: pair.address });
        }
        this.o.log(`onboarding: authorized gateway ${g.account} (${g.domain})`);
      }
      this.gateway = { account: g.account, domain: g.domain };
      return this.state();
    });
  }

  // ---- folders ------------------------------------------------------------------------------

  async addFolder(root: string): Promise<SetupState> {
    return this.step('folders', async () => {
      if (!path.isAbsolute(root)) {
        throw new OnboardingError(
          400,
          'invalid_folder',
          `Give the folder's full path (starting with ${path.sep}) on the machine running the sync engine; "${root}" is relative.`,
        );
      }
      const abs = path.resolve(root);
      const s = await stat(abs).catch(() => null);
      if (s === null)
        throw new OnboardingError(
          400,
          'invalid_folder',
          `${abs} does not exist. Create it first, or pick another folder.`,
        );
      if (!s.isDirectory())
        throw new OnboardingError(400, 'invalid_folder', `${abs} is a file, not a folder.`);
      const state = path.resolve(this.o.stateDir);
      if (inside(abs, state) || inside(state, abs)) {
        throw new OnboardingError(
          400,
          'invalid_folder',
          `${abs} overlaps the sync engine's own directory (${state}); pick another folder.`,
        );
      }
      for (const f of this.folders) {
        if (inside(abs, f) || inside(f, abs)) {
          throw new OnboardingError(
            400,
            'invalid_folder',
            abs === f
              ? `${abs} is already in the list.`
              : `${abs} overlaps ${f}, which is already in the list.`,
          );
        }
      }
      this.folders.push(abs);
      return this.state();
    });
  }

  async removeFolder(root: string): Promise<SetupState> {
    return this.step('folders', async () => {
      this.folders = this.folders.filter((f) => f !== path.resolve(root));
      return this.state();
    });
  }

  // ---- finish -------------------------------------------------------------------------------

  async finish(deviceName?: string): Promise<FinishReply> {
    return this.step('finish', async () => {
      const net = this.requireNetwork();
      const account = this.requireAccount();
      if (this.territory === null) {
        throw new OnboardingError(409, 'no_territory', 'Pick or mint a territory first.');
      }
      if (this.gateway === null) {
        throw new OnboardingError(409, 'gateway_not_authorized', 'Authorize a gateway first.');
      }
      const { pair } = account;
      // The chain may have changed since the steps were done (a territory expires, an
      // authorization is cancelled from another device): check again before saving.
      let t: Territory | null;
      let authorized: string[];
      try {
        [t, authorized] = await Promise.all([
          net.chainApi.territory(pair.address, this.territory),
          net.chainApi.authorizedGateways(pair.address),
        ]);
      } catch (err) {
        throw chainFailure(err);
      }
      if (t === null || t.state !== 'Active') {
        throw new OnboardingError(
          409,
          'territory_inactive',
          `Territory '${this.territory}' is ${t === null ? 'gone' : t.state.toLowerCase()}; pick or mint another one.`,
        );
      }
      if (!authorized.includes(this.gateway.account)) {
        throw new OnboardingError(
          409,
          'gateway_not_authorized',
          `The gateway ${this.gateway.domain || this.gateway.account} is not authorized for ${pair.address} any more; authorize it again.`,
        );
      }
      const { keyStore } = account.store;
      if (account.store.under !== pair.address) {
        // The network changed after the key was stored: file it under this network's address.
        await this.refile(account.store, pair.address);
      }
      if (deviceName !== undefined) this.deviceName = deviceName;
      const config: DeviceConfig = {
        version: 1,
        network: { name: net.name, chain: net.chain, gateway: net.gateway },
        account: pair.address,
        territory: this.territory,
        deviceName: this.deviceName,
        keyStore: keyStore.kind,
      };
      // config.json first: if the engine cannot start, it is removed again so the next start
      // of the daemon is in setup mode too, and this step can be retried.
      await saveConfig(this.o.stateDir, config);
      let engine: StartedEngine;
      try {
        engine = await this.o.start(config, keyStore);
      } catch (err) {
        await rm(configPath(this.o.stateDir), { force: true });
        throw new OnboardingError(
          424,
          'engine_failed',
          `The settings are right, but the sync engine did not start: ${reason(err)}. Try again.`,
        );
      }
      this.done = true;
      this.o.log(`onboarding: finished; ${pair.address} syncs into territory '${this.territory}'`);
      const folders: FinishReply['folders'] = [];
      for (const root of this.folders) {
        try {
          await engine.addFolder({ root });
          folders.push({ root, added: true, error: null });
        } catch (err) {
          folders.push({ root, added: false, error: reason(err) });
        }
      }
      const reply: FinishReply = {
        account: pair.address,
        folders,
        keyStore: this.keyStoreInfo ?? (await this.keyStore()),
        passphraseAtStart: account.store.passphraseFromPage,
      };
      await net.chainApi.disconnect().catch(() => undefined);
      // Nothing of the account stays here: the engine has its own copy.
      this.account = null;
      return reply;
    });
  }

  private async refile(store: NonNullable<Account['store']>, address: string): Promise<void> {
    try {
      const secret = await store.keyStore.get(store.under);
      if (secret === null) throw new Error(`the key store lost the secret of ${store.under}`);
      await store.keyStore.set(address, secret);
      await store.keyStore.delete(store.under);
      store.under = address;
    } catch (err) {
      throw keyStoreFailure(err, this.keyStoreInfo?.location ?? 'the key store');
    }
  }

  /** Stops whatever onboarding holds (the chain connection); the daemon is stopping. */
  async close(): Promise<void> {
    this.closed = true;
    this.forgetPending();
    if (!this.done) await this.network?.chainApi.disconnect().catch(() => undefined);
  }

  /**
   * Runs one mutating step: one at a time (a transaction may take seconds), never after
   * onboarding finished or the daemon began stopping.
   */
  private async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.done) {
      throw new OnboardingError(409, 'already_set_up', 'This device is already set up.');
    }
    if (this.closed) throw new OnboardingError(409, 'stopping', 'The sync engine is stopping.');
    return this.steps.run(name, fn);
  }
}

function territoryInfo(t: Territory, now: number, blocksPerDay: number): TerritoryInfo {
  return {
    ...territorySpace(t),
    daysLeft: t.deadline > now ? Math.floor((t.deadline - now) / Math.max(1, blocksPerDay)) : 0,
  };
}

function normalizeWord(w: string): string {
  return w.normalize('NFKC').trim().toLowerCase();
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
}

function safeHostname(): string {
  const name = hostname().trim().slice(0, 64);
  return name === '' ? 'this device' : name;
}

async function defaultConnect(endpoints: string[]): Promise<OnboardingChain> {
  return CessChain.connect({ endpoints, timeoutMs: 20_000 });
}
