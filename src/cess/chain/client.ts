import { EventEmitter } from 'node:events';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Codec } from '@polkadot/types/types';
import { hexToString, isHex, u8aToString } from '@polkadot/util';
import { connectChain } from './connect.js';
import { CessError, friendlyMessage, toCessError, type ErrorContext } from './errors.js';
import { queryOf, txOf } from './metadata.js';
import { signAndWait, type TxResult, type WaitFor } from './tx.js';
import {
  formatBytes,
  formatToken,
  GIB,
  PRICE_PER_DAY_SPEC,
  remainingDays,
  spaceNeeded,
  territoryCost,
} from './units.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface CessChainOptions {
  /** One or more ws(s):// endpoints, tried in turn (failover) and again after a drop (reconnect). */
  endpoints: string | string[];
  /** Milliseconds between reconnect attempts (default 2500). */
  reconnectMs?: number;
  /** Give up if no endpoint is ready within this time (default 30 s). */
  timeoutMs?: number;
  /** Default for every transaction (default 'finalized'). */
  waitFor?: WaitFor;
  /** Per-transaction timeout (default 120 s). */
  txTimeoutMs?: number;
}

export interface ChainProperties {
  ss58Format: number;
  tokenSymbol: string;
  tokenDecimals: number;
  specName: string;
  specVersion: number;
  genesisHash: string;
  /** Blocks per day (storageHandler.OneDay), for territory lifetimes. */
  blocksPerDay: number;
}

export interface AccountBalance {
  free: bigint;
  reserved: bigint;
  frozen: bigint;
  /** What can be spent: free - frozen. */
  transferable: bigint;
}

export type TerritoryState = 'Active' | 'Frozen' | 'Expired' | 'OnConsignment' | string;

export interface Territory {
  owner: string;
  name: string;
  token: string;
  /** Bytes. */
  totalSpace: bigint;
  usedSpace: bigint;
  lockedSpace: bigint;
  remainingSpace: bigint;
  /** Block numbers. */
  start: number;
  deadline: number;
  state: TerritoryState;
}

export interface CostQuote {
  /** Planck the runtime will charge (fees not included). */
  cost: bigint;
  /** "30 TCESS". */
  formatted: string;
  unitPrice: bigint;
  specVersion: number;
  gib: number;
  days: number;
  /** The formula used, e.g. "1 GiB x 30 days x UnitPrice / 30". */
  formula: string;
  /** What is being bought, in words ("minting 1 GiB for 30 days"). */
  action: string;
}

export interface TxOptions {
  waitFor?: WaitFor;
  /** Check balance, territory and authorization before signing (default true). */
  preflight?: boolean;
  /** Refuse to pay more than this (planck). */
  maxCost?: bigint;
}

export interface PaidResult extends TxResult {
  quote: CostQuote;
}

export interface Gateway {
  account: string;
  /** The gateway's URL as registered on chain. */
  domain: string;
  peerId: string;
}

export type FileStatus =
  | {
      fid: string;
      state: 'pending';
      size: bigint;
      owner: string;
      territory: string;
      fileName: string;
      reported: number;
    }
  | {
      fid: string;
      state: 'stored';
      size: bigint;
      owners: { account: string; fileName: string; territory: string }[];
      fileState: string;
    }
  | { fid: string; state: 'absent' };

export interface HeldFile {
  fid: string;
  territory: string;
  size: bigint;
}

const FID_RE = /^[0-9a-f]{64}$/;

/** Checks a fid: 64 lowercase hex characters, no 0x (the chain stores the text itself). */
export function assertFid(fid: string): string {
  if (fid.startsWith('0x'))
    throw new CessError(
      `fid must be the plain 64-character hex string, without 0x: '${fid}'`,
      'preflight.fid',
      'preflight',
    );
  if (!FID_RE.test(fid))
    throw new CessError(
      `not a CESS fid (64 lowercase hex characters): '${fid}'`,
      'preflight.fid',
      'preflight',
    );
  return fid;
}

export function assertTerritoryName(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes < 1 || bytes > 63)
    throw new CessError(
      `a territory name has 1 to 63 bytes; '${name}' has ${bytes}`,
      'preflight.name',
      'preflight',
    );
  return name;
}

function bytesText(v: Codec | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return isHex(v) ? hexToString(v) : v;
  const u8 = v.toU8a(true);
  return u8aToString(u8);
}

function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  return 0n;
}

function enumName(v: unknown): string {
  if (typeof v === 'string') return v.charAt(0).toUpperCase() + v.slice(1);
  if (v && typeof v === 'object') {
    const k = Object.keys(v)[0] ?? '';
    return k.charAt(0).toUpperCase() + k.slice(1);
  }
  return String(v);
}

interface OptionCodec extends Codec {
  isNone?: boolean;
  isSome?: boolean;
  unwrap?: () => Codec;
}

function unwrapJson<T>(v: Codec): T | null {
  const o = v as OptionCodec;
  if (o.isNone === true || o.isEmpty) return null;
  const inner = typeof o.unwrap === 'function' ? o.unwrap() : o;
  return inner.toJSON() as T;
}

/**
 * A connection to a CESS chain (testnet, mainnet or the local devnet) and the account,
 * territory, gateway and file operations a storage client needs. Errors are CessError with a
 * sentence for people (`message`), the runtime's code (`code`) and its wording (`detail`).
 *
 * Events: 'state' (ConnectionState, endpoint), 'connected' (endpoint), 'disconnected', 'error'.
 */
export class CessChain extends EventEmitter<{
  state: [ConnectionState, string | undefined];
  connected: [string | undefined];
  disconnected: [];
  error: [Error];
}> {
  private _state: ConnectionState = 'connecting';
  private props: ChainProperties | undefined;

  private constructor(
    readonly api: ApiPromise,
    private readonly opts: CessChainOptions,
  ) {
    super();
  }

  /** Connects to the first endpoint that answers; keeps reconnecting (rotating endpoints) after a drop. */
  static async connect(opts: CessChainOptions): Promise<CessChain> {
    const api = await connectChain({
      endpoints: opts.endpoints,
      autoConnectMs: opts.reconnectMs ?? 2_500,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    }).catch((err: unknown) => {
      const list = Array.isArray(opts.endpoints) ? opts.endpoints.join(', ') : opts.endpoints;
      throw new CessError(
        `cannot reach the CESS chain at ${list}: ${err instanceof Error ? err.message : String(err)}`,
        'connection.unreachable',
        'disconnected',
      );
    });
    const chain = new CessChain(api, opts);
    chain.attach();
    await chain.loadProperties();
    return chain;
  }

  /** Wraps an ApiPromise someone else connected (e.g. the devnet's); its lifetime stays theirs. */
  static async fromApi(api: ApiPromise, opts: Partial<CessChainOptions> = {}): Promise<CessChain> {
    await api.isReady;
    const chain = new CessChain(api, { endpoints: [], ...opts });
    chain.attach();
    await chain.loadProperties();
    return chain;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** The endpoint currently in use. */
  get endpoint(): string | undefined {
    const p = this.api as unknown as { _rpcCore?: { provider?: { endpoint?: string } } };
    return p._rpcCore?.provider?.endpoint;
  }

  private setState(s: ConnectionState): void {
    if (this._state === s || this._state === 'closed') return;
    this._state = s;
    this.emit('state', s, this.endpoint);
  }

  private attach(): void {
    this._state = this.api.isConnected ? 'connected' : 'connecting';
    this.api.on('connected', () => {
      this.setState('connected');
      this.emit('connected', this.endpoint);
    });
    this.api.on('disconnected', () => {
      if (this._state === 'closed') return;
      this.setState('disconnected');
      this.emit('disconnected');
    });
    this.api.on('error', (err: unknown) => {
      if (this.listenerCount('error') > 0)
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Resolves when connected (at once if already), rejects after timeoutMs. */
  waitConnected(timeoutMs = 30_000): Promise<void> {
    if (this._state === 'connected' && this.api.isConnected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', ok);
        reject(
          new CessError(
            `not reconnected to the CESS chain within ${timeoutMs} ms`,
            'connection.timeout',
            'timeout',
          ),
        );
      }, timeoutMs);
      const ok = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', ok);
    });
  }

  async disconnect(): Promise<void> {
    this._state = 'closed';
    this.emit('state', 'closed', this.endpoint);
    await this.api.disconnect().catch(() => undefined);
  }

  /** Runs a read; a connection lost before or during it becomes a CessError 'connection.disconnected'. */
  private async io<T>(fn: () => Promise<T>): Promise<T> {
    this.requireConnected();
    try {
      return await fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (!this.api.isConnected || /disconnected from|not connected/i.test(msg)) {
        throw new CessError(
          `lost the connection to the CESS chain${this.endpoint ? ` at ${this.endpoint}` : ''} while reading from it; retrying in the background`,
          'connection.disconnected',
          'disconnected',
          msg,
        );
      }
      throw err;
    }
  }

  private requireConnected(sending = false): void {
    if (!this.api.isConnected) {
      throw new CessError(
        `not connected to the CESS chain${this.endpoint ? ` at ${this.endpoint}` : ''} (state: ${this._state})` +
          `${sending ? '; the transaction was not sent' : ''}; retrying in the background`,
        'connection.disconnected',
        'disconnected',
      );
    }
  }

  private async loadProperties(): Promise<ChainProperties> {
    const api = this.api;
    const p = api.registry.getChainProperties();
    const symbol = p?.tokenSymbol.isSome
      ? (p.tokenSymbol.unwrap()[0]?.toString() ?? 'UNIT')
      : 'UNIT';
    const decimals = p?.tokenDecimals.isSome ? (p.tokenDecimals.unwrap()[0]?.toNumber() ?? 12) : 12;
    const ss58 = api.registry.chainSS58 ?? 42;
    const oneDay = (api.consts.storageHandler as Record<string, Codec> | undefined)?.oneDay;
    this.props = {
      ss58Format: ss58,
      tokenSymbol: symbol,
      tokenDecimals: decimals,
      specName: api.runtimeVersion.specName.toString(),
      specVersion: api.runtimeVersion.specVersion.toNumber(),
      genesisHash: api.genesisHash.toHex(),
      blocksPerDay: oneDay ? Number(oneDay.toString()) : 14_400,
    };
    return this.props;
  }

  /** ss58 format, token, decimals and runtime version, as the chain states them. */
  get properties(): ChainProperties {
    if (!this.props) throw new Error('CessChain not initialised');
    // The runtime can be upgraded under a live connection: follow its version.
    this.props.specVersion = this.api.runtimeVersion.specVersion.toNumber();
    return this.props;
  }

  /** Planck as "1.5 TCESS". */
  format(amount: bigint): string {
    const p = this.properties;
    return formatToken(amount, p.tokenDecimals, p.tokenSymbol);
  }

  private ctx(extra: ErrorContext): ErrorContext {
    return { symbol: this.properties.tokenSymbol, ...extra };
  }

  private async send(
    tx: SubmittableExtrinsic<'promise'>,
    signer: KeyringPair,
    ctx: ErrorContext,
    waitFor?: WaitFor,
  ): Promise<TxResult> {
    try {
      return await signAndWait(this.api, tx, signer, waitFor ?? this.opts.waitFor ?? 'finalized', {
        ...(this.opts.txTimeoutMs !== undefined ? { timeoutMs: this.opts.txTimeoutMs } : {}),
      });
    } catch (err) {
      // The pool's "cannot pay fees" gets the balance in its sentence.
      const c = { account: signer.address, ...ctx };
      if (
        err instanceof Error &&
        (err as { code?: string }).code === 'pool.payment' &&
        !c.balance
      ) {
        const b = await this.balance(signer.address).catch(() => undefined);
        if (b) c.balance = this.format(b.transferable);
      }
      throw toCessError(err, this.ctx(c));
    }
  }

  // ---- balances -------------------------------------------------------------------------

  async balance(address: string): Promise<AccountBalance> {
    const info = await this.io(() => this.api.query.system.account(address));
    return this.toBalance(info.data);
  }

  private toBalance(data: {
    free: Codec;
    reserved: Codec;
    frozen?: Codec;
    miscFrozen?: Codec;
    feeFrozen?: Codec;
  }): AccountBalance {
    const free = big(data.free.toString());
    const reserved = big(data.reserved.toString());
    const frozen = data.frozen
      ? big(data.frozen.toString())
      : big(data.miscFrozen?.toString() ?? '0');
    return { free, reserved, frozen, transferable: free > frozen ? free - frozen : 0n };
  }

  /** Calls `onChange` with the balance now and at every change; resolves to an unsubscribe function. */
  async subscribeBalance(
    address: string,
    onChange: (b: AccountBalance) => void,
  ): Promise<() => void> {
    const unsub = await this.io(() =>
      this.api.query.system.account(address, (info) => onChange(this.toBalance(info.data))),
    );
    return () => unsub();
  }

  /** Sends `amount` planck; `keepAlive` (default) refuses to leave the sender below the existential deposit. */
  async transfer(
    signer: KeyringPair,
    to: string,
    amount: bigint,
    opts: TxOptions & { keepAlive?: boolean } = {},
  ): Promise<TxResult> {
    this.requireConnected(true);
    const action = `sending ${this.format(amount)} to ${to}`;
    if (opts.preflight !== false) {
      const b = await this.balance(signer.address);
      if (b.transferable < amount) {
        throw new CessError(
          `not enough ${this.properties.tokenSymbol}: ${action} needs ${this.format(amount)}, balance is ${this.format(b.transferable)}`,
          'balances.InsufficientBalance',
          'preflight',
        );
      }
    }
    const call = opts.keepAlive === false ? 'transferAllowDeath' : 'transferKeepAlive';
    return this.send(
      txOf(this.api, 'balances', call)(to, amount),
      signer,
      { action },
      opts.waitFor,
    );
  }

  // ---- territories ----------------------------------------------------------------------

  async unitPrice(): Promise<bigint> {
    const v = await this.io(() => queryOf(this.api, 'storageHandler', 'unitPrice')());
    const j = unwrapJson<string | number>(v);
    if (j === null)
      throw new CessError(
        'this chain has no territory price (storageHandler.UnitPrice is empty)',
        'preflight.price',
        'preflight',
      );
    return big(j);
  }

  private async quote(gib: number, days: number, action: string): Promise<CostQuote> {
    if (!Number.isInteger(gib) || gib < 0 || !Number.isInteger(days) || days < 0) {
      throw new CessError(
        `GiB and days are whole numbers (got ${gib} GiB, ${days} days)`,
        'preflight.args',
        'preflight',
      );
    }
    const unitPrice = await this.unitPrice();
    const specVersion = this.properties.specVersion;
    const cost = territoryCost(unitPrice, gib, days, specVersion);
    const formula = `${gib} GiB x ${days} days x UnitPrice${specVersion < PRICE_PER_DAY_SPEC ? ' / 30' : ''}`;
    return {
      cost,
      formatted: this.format(cost),
      unitPrice,
      specVersion,
      gib,
      days,
      formula,
      action,
    };
  }

  /** What minting `gib` GiB for `days` days costs (read before paying). */
  quoteMint(gib: number, days: number): Promise<CostQuote> {
    return this.quote(gib, days, `minting ${gib} GiB for ${days} days`);
  }

  /** The best block's number (for deadlines given in blocks). */
  async bestBlock(): Promise<number> {
    return (await this.io(() => this.api.rpc.chain.getHeader())).number.toNumber();
  }

  /** What adding `gib` GiB to a territory costs: the added space for the days it has left. */
  async quoteExpand(owner: string, name: string, gib: number): Promise<CostQuote> {
    const t = await this.requireTerritory(owner, name);
    const now = await this.bestBlock();
    // The call runs in the next block.
    const days = remainingDays(t.deadline, now + 1, this.properties.blocksPerDay);
    return this.quote(
      gib,
      days,
      `adding ${gib} GiB to territory '${name}' for its ${days} remaining days`,
    );
  }

  /** What extending a territory by `days` days costs (its whole size). */
  async quoteRenew(owner: string, name: string, days: number): Promise<CostQuote> {
    const t = await this.requireTerritory(owner, name);
    const gib = Number(t.totalSpace / GIB);
    return this.quote(gib, days, `renewing territory '${name}' (${gib} GiB) for ${days} days`);
  }

  async territory(owner: string, name: string): Promise<Territory | null> {
    const v = await this.io(() => queryOf(this.api, 'storageHandler', 'territory')(owner, name));
    const j = unwrapJson<Record<string, unknown>>(v);
    return j ? this.toTerritory(owner, name, j) : null;
  }

  /** The account's territories, by name. */
  async territories(owner: string): Promise<Territory[]> {
    const entries = await this.io(() =>
      queryOf(this.api, 'storageHandler', 'territory').entries(owner),
    );
    const list: Territory[] = [];
    for (const [key, value] of entries) {
      const j = unwrapJson<Record<string, unknown>>(value);
      if (!j) continue;
      list.push(this.toTerritory(owner, bytesText(key.args[1]), j));
    }
    return list.sort((a, b) => a.name.localeCompare(b.name));
  }

  private toTerritory(owner: string, name: string, j: Record<string, unknown>): Territory {
    return {
      owner,
      name,
      token: String(j.token),
      totalSpace: big(j.totalSpace),
      usedSpace: big(j.usedSpace),
      lockedSpace: big(j.lockedSpace),
      remainingSpace: big(j.remainingSpace),
      start: Number(j.start),
      deadline: Number(j.deadline),
      state: enumName(j.state),
    };
  }

  private async requireTerritory(owner: string, name: string): Promise<Territory> {
    const t = await this.territory(owner, name);
    if (!t) {
      throw new CessError(
        toMessage('storageHandler.NotHaveTerritory', this.ctx({ account: owner, territory: name })),
        'storageHandler.NotHaveTerritory',
        'preflight',
      );
    }
    return t;
  }

  /** A territory purchase: refused before signing when unaffordable, errors told with the cost. */
  private async payFor(
    signer: KeyringPair,
    territory: string,
    quote: CostQuote,
    tx: SubmittableExtrinsic<'promise'>,
    opts: TxOptions,
  ): Promise<PaidResult> {
    await this.checkAffordable(signer, quote, opts);
    const ctx = { territory, cost: quote.formatted, action: quote.action };
    const r = await this.send(tx, signer, await this.withBalance(signer, ctx), opts.waitFor);
    return { ...r, quote };
  }

  private async checkAffordable(
    signer: KeyringPair,
    quote: CostQuote,
    opts: TxOptions,
  ): Promise<void> {
    if (opts.maxCost !== undefined && quote.cost > opts.maxCost) {
      throw new CessError(
        `${quote.action} costs ${quote.formatted}, more than the limit of ${this.format(opts.maxCost)}`,
        'preflight.maxCost',
        'preflight',
      );
    }
    if (opts.preflight === false) return;
    const b = await this.balance(signer.address);
    if (b.transferable <= quote.cost) {
      throw new CessError(
        toMessage(
          'storageHandler.InsufficientBalance',
          this.ctx({
            account: signer.address,
            cost: quote.formatted,
            balance: this.format(b.transferable),
            action: quote.action,
          }),
        ),
        'storageHandler.InsufficientBalance',
        'preflight',
      );
    }
  }

  /** Mints a territory; the cost is computed from UnitPrice and checked against the balance first. */
  async mintTerritory(
    signer: KeyringPair,
    name: string,
    gib: number,
    days: number,
    opts: TxOptions = {},
  ): Promise<PaidResult> {
    this.requireConnected(true);
    assertTerritoryName(name);
    if (opts.preflight !== false) {
      if (days < 30)
        throw new CessError(
          'a territory must be minted for at least 30 days',
          'storageHandler.BoundariesNotMet',
          'preflight',
        );
      if (await this.territory(signer.address, name)) {
        throw new CessError(
          toMessage(
            'storageHandler.DuplicateTokens',
            this.ctx({ account: signer.address, territory: name }),
          ),
          'storageHandler.DuplicateTokens',
          'preflight',
        );
      }
    }
    const quote = await this.quoteMint(gib, days);
    return this.payFor(
      signer,
      name,
      quote,
      txOf(this.api, 'storageHandler', 'mintTerritory')(gib, name, days),
      opts,
    );
  }

  async expandTerritory(
    signer: KeyringPair,
    name: string,
    gib: number,
    opts: TxOptions = {},
  ): Promise<PaidResult> {
    this.requireConnected(true);
    const quote = await this.quoteExpand(signer.address, name, gib).catch(async (err: unknown) => {
      if (
        opts.preflight === false &&
        err instanceof CessError &&
        err.code === 'storageHandler.NotHaveTerritory'
      )
        return this.quote(gib, 0, `adding ${gib} GiB to territory '${name}'`);
      throw err;
    });
    return this.payFor(
      signer,
      name,
      quote,
      txOf(this.api, 'storageHandler', 'expandingTerritory')(name, gib),
      opts,
    );
  }

  async renewTerritory(
    signer: KeyringPair,
    name: string,
    days: number,
    opts: TxOptions = {},
  ): Promise<PaidResult> {
    this.requireConnected(true);
    const quote = await this.quoteRenew(signer.address, name, days).catch(async (err: unknown) => {
      if (
        opts.preflight === false &&
        err instanceof CessError &&
        err.code === 'storageHandler.NotHaveTerritory'
      )
        return this.quote(0, days, `renewing territory '${name}' for ${days} days`);
      throw err;
    });
    return this.payFor(
      signer,
      name,
      quote,
      txOf(this.api, 'storageHandler', 'renewalTerritory')(name, days),
      opts,
    );
  }

  /** Brings an expired territory back for `days` days (cost: its size for those days). */
  async reactivateTerritory(
    signer: KeyringPair,
    name: string,
    days: number,
    opts: TxOptions = {},
  ): Promise<PaidResult> {
    this.requireConnected(true);
    const quote = await this.quoteRenew(signer.address, name, days);
    quote.action = `reactivating territory '${name}' for ${days} days`;
    return this.payFor(
      signer,
      name,
      quote,
      txOf(this.api, 'storageHandler', 'reactivateTerritory')(name, days),
      opts,
    );
  }

  private async withBalance(signer: KeyringPair, ctx: ErrorContext): Promise<ErrorContext> {
    const b = await this.balance(signer.address).catch(() => undefined);
    return b ? { ...ctx, balance: this.format(b.transferable) } : ctx;
  }

  /**
   * Throws a CessError saying why `owner` cannot upload `size` bytes into `territory` now
   * (no territory, not active, not enough room, gateway not authorized), or resolves.
   */
  async assertCanUpload(
    owner: string,
    territory: string,
    size: number,
    gateway?: string,
  ): Promise<void> {
    const t = await this.requireTerritory(owner, territory);
    if (t.state !== 'Active') {
      throw new CessError(
        toMessage('storageHandler.NotActive', this.ctx({ account: owner, territory })) +
          ` (state: ${t.state})`,
        'storageHandler.NotActive',
        'preflight',
      );
    }
    const needed = spaceNeeded(size);
    if (t.remainingSpace < needed) {
      const ctx = this.ctx({
        account: owner,
        territory,
        remaining: formatBytes(t.remainingSpace),
        needed: formatBytes(needed),
      });
      throw new CessError(
        toMessage('fileBank.InsufficientAvailableSpace', ctx),
        'fileBank.InsufficientAvailableSpace',
        'preflight',
      );
    }
    if (gateway && gateway !== owner) {
      const auth = await this.authorizedGateways(owner);
      if (!auth.includes(gateway)) {
        throw new CessError(
          toMessage('fileBank.NoPermission', this.ctx({ owner, gateway })),
          'fileBank.NoPermission',
          'preflight',
        );
      }
    }
  }

  // ---- gateways -------------------------------------------------------------------------

  /** Gateways registered on chain (oss.Oss). */
  async gateways(): Promise<Gateway[]> {
    const entries = await this.io(() => queryOf(this.api, 'oss', 'oss').entries());
    const list = entries.map(([key, value]) => {
      const j = unwrapJson<{ domain?: string; peerId?: string }>(value) ?? {};
      return {
        account: String(key.args[0]?.toString()),
        domain: bytesText(j.domain),
        peerId: String(j.peerId ?? ''),
      };
    });
    return list.sort((a, b) => a.account.localeCompare(b.account));
  }

  /** The gateways `owner` has authorized to act for it (oss.AuthorityList). */
  async authorizedGateways(owner: string): Promise<string[]> {
    const v = await this.io(() => queryOf(this.api, 'oss', 'authorityList')(owner));
    return (unwrapJson<string[]>(v) ?? []).map((a) =>
      this.api.createType('AccountId32', a).toString(),
    );
  }

  async authorizeGateway(
    signer: KeyringPair,
    gateway: string,
    opts: TxOptions = {},
  ): Promise<TxResult> {
    this.requireConnected(true);
    const ctx = { gateway };
    if (opts.preflight !== false) {
      const [registered, auth] = await Promise.all([
        this.io(() => queryOf(this.api, 'oss', 'oss')(gateway)),
        this.authorizedGateways(signer.address),
      ]);
      if ((registered as OptionCodec).isNone === true || registered.isEmpty) {
        throw new CessError(
          toMessage('oss.UnRegister', this.ctx({ account: signer.address, ...ctx })),
          'oss.UnRegister',
          'preflight',
        );
      }
      if (auth.includes(gateway))
        throw new CessError(
          toMessage('oss.Existed', this.ctx({ account: signer.address, ...ctx })),
          'oss.Existed',
          'preflight',
        );
    }
    return this.send(txOf(this.api, 'oss', 'authorize')(gateway), signer, ctx, opts.waitFor);
  }

  async cancelGatewayAuthorization(
    signer: KeyringPair,
    gateway: string,
    opts: TxOptions = {},
  ): Promise<TxResult> {
    this.requireConnected(true);
    const ctx = { gateway };
    if (opts.preflight !== false) {
      const auth = await this.authorizedGateways(signer.address);
      if (!auth.includes(gateway)) {
        throw new CessError(
          toMessage('oss.NoAuthorization', this.ctx({ account: signer.address, ...ctx })),
          'oss.NoAuthorization',
          'preflight',
        );
      }
    }
    return this.send(txOf(this.api, 'oss', 'cancelAuthorize')(gateway), signer, ctx, opts.waitFor);
  }

  // ---- files ----------------------------------------------------------------------------

  /** Where a file is: pending (declared, miners not done), stored, or absent. */
  async fileStatus(fid: string): Promise<FileStatus> {
    assertFid(fid);
    const [file, deal] = await this.io(() =>
      Promise.all([
        queryOf(this.api, 'fileBank', 'file')(fid),
        queryOf(this.api, 'fileBank', 'dealMap')(fid),
      ]),
    );
    const f = unwrapJson<{
      fileSize: string | number;
      owner: { user: string; fileName: string; territoryName: string }[];
      stat: unknown;
    }>(file);
    if (f) {
      return {
        fid,
        state: 'stored',
        size: big(f.fileSize),
        owners: f.owner.map((o) => ({
          account: this.api.createType('AccountId32', o.user).toString(),
          fileName: bytesText(o.fileName),
          territory: bytesText(o.territoryName),
        })),
        fileState: enumName(f.stat),
      };
    }
    const d = unwrapJson<{
      fileSize: string | number;
      user: { user: string; fileName: string; territoryName: string };
      completeList?: unknown[];
    }>(deal);
    if (d) {
      return {
        fid,
        state: 'pending',
        size: big(d.fileSize),
        owner: this.api.createType('AccountId32', d.user.user).toString(),
        territory: bytesText(d.user.territoryName),
        fileName: bytesText(d.user.fileName),
        reported: d.completeList?.length ?? 0,
      };
    }
    return { fid, state: 'absent' };
  }

  /** Files `owner` holds (stored ones only: pending deals are not listed per user on chain). */
  async userFiles(owner: string): Promise<HeldFile[]> {
    const v = await this.io(() => queryOf(this.api, 'fileBank', 'userHoldFileList')(owner));
    const list =
      unwrapJson<{ fileHash: string; territoryName: string; fileSize: string | number }[]>(v) ?? [];
    return list.map((e) => ({
      fid: bytesText(e.fileHash),
      territory: bytesText(e.territoryName),
      size: big(e.fileSize),
    }));
  }

  /** Deletes a stored file of `owner` (default: the signer; a gateway may sign for an owner who authorized it). */
  async deleteFile(
    signer: KeyringPair,
    fid: string,
    owner: string = signer.address,
    opts: TxOptions = {},
  ): Promise<TxResult> {
    this.requireConnected(true);
    assertFid(fid);
    const ctx: ErrorContext = {
      fid,
      owner,
      gateway: signer.address === owner ? undefined : signer.address,
    };
    if (opts.preflight !== false) {
      const st = await this.fileStatus(fid);
      if (st.state === 'absent')
        throw new CessError(
          toMessage('fileBank.NonExistent', this.ctx(ctx)),
          'fileBank.NonExistent',
          'preflight',
        );
      if (st.state === 'pending') {
        throw new CessError(
          `file ${fid} is still pending (miners have not stored it yet); only stored files can be deleted`,
          'fileBank.NonExistent',
          'preflight',
        );
      }
      if (!st.owners.some((o) => o.account === owner)) {
        throw new CessError(
          toMessage('fileBank.NotOwner', this.ctx({ ...ctx, account: owner })),
          'fileBank.NotOwner',
          'preflight',
        );
      }
    }
    return this.send(
      txOf(this.api, 'fileBank', 'deleteFile')(owner, fid),
      signer,
      ctx,
      opts.waitFor,
    );
  }
}

function toMessage(code: string, ctx: ErrorContext): string {
  return friendlyMessage(code, ctx) ?? code;
}
