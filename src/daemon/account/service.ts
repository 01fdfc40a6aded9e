/**
 * "Account and space" for a set-up device (docs/daemon-api.md, Account routes): the balance,
 * the configured territory and the gateway's authorization as the chain says now, and the
 * operations that change them: renew or expand the territory (paid: always quoted first, and
 * the payment carries the quoted cost as a ceiling) and authorize the configured gateway.
 */
import type { KeyringPair } from '@polkadot/keyring/types';
import type { AccountBalance, CostQuote, Gateway, Territory } from '../../cess/chain/client.js';
import {
  NEEDS_QUOTE,
  type AccountInfo,
  type AccountTerritory,
  type ExpandRequest,
  type RenewRequest,
  type TerritoryOpQuote,
  type TerritoryOpQuoteRequest,
} from '../../sync/api/account-schema.js';
import type { ProblemActionRequest } from '../../sync/api/schema.js';
import { chainFailure, OnboardingError } from '../onboarding/errors.js';
import { domainMatches } from '../onboarding/networks.js';
import { OneAtATime } from '../onboarding/one-at-a-time.js';
import { quotePrice, territorySpace } from '../onboarding/territory-view.js';

/** What the account service needs from the chain (CessChain plus bestBlock; a fake in tests). */
export interface AccountChain {
  readonly properties: { tokenSymbol: string; tokenDecimals: number; blocksPerDay: number };
  format(amount: bigint): string;
  balance(address: string): Promise<AccountBalance>;
  territory(owner: string, name: string): Promise<Territory | null>;
  quoteRenew(owner: string, name: string, days: number): Promise<CostQuote>;
  quoteExpand(owner: string, name: string, gib: number): Promise<CostQuote>;
  renewTerritory(
    signer: KeyringPair,
    name: string,
    days: number,
    opts: { maxCost: bigint },
  ): Promise<unknown>;
  expandTerritory(
    signer: KeyringPair,
    name: string,
    gib: number,
    opts: { maxCost: bigint },
  ): Promise<unknown>;
  gateways(): Promise<Gateway[]>;
  authorizedGateways(owner: string): Promise<string[]>;
  authorizeGateway(signer: KeyringPair, gateway: string): Promise<unknown>;
  bestBlock(): Promise<number>;
}

export interface AccountServiceOptions {
  chain: AccountChain;
  pair: KeyringPair;
  network: { name: string; chain: string[]; gateway: string };
  territory: string;
  log: (line: string) => void;
  /** Called after an operation changed the account (the poller re-reads it). */
  changed?: () => void;
  now?: () => number;
}

export class AccountService {
  /** One transaction at a time: a second one would race the first's nonce and quote. */
  private readonly one = new OneAtATime('transaction');

  constructor(private readonly o: AccountServiceOptions) {}

  async info(): Promise<AccountInfo> {
    const { chain, pair } = this.o;
    let balance: AccountBalance;
    let territory: Territory | null;
    let best: number;
    let gateway: { account: string | null; authorized: boolean };
    try {
      [balance, territory, best, gateway] = await Promise.all([
        chain.balance(pair.address),
        chain.territory(pair.address, this.o.territory),
        chain.bestBlock(),
        this.gatewayState(),
      ]);
    } catch (err) {
      throw chainFailure(err);
    }
    const p = chain.properties;
    const perDay = Math.max(1, p.blocksPerDay);
    return {
      address: pair.address,
      network: { name: this.o.network.name, chain: [...this.o.network.chain] },
      symbol: p.tokenSymbol,
      balance: {
        free: toDecimal(balance.free, p.tokenDecimals),
        freePlanck: balance.free.toString(),
        transferable: toDecimal(balance.transferable, p.tokenDecimals),
        transferablePlanck: balance.transferable.toString(),
        formatted: chain.format(balance.free),
      },
      territory: territory === null ? null : territoryView(territory, best, perDay, this.now()),
      territoryName: this.o.territory,
      gateway: { url: this.o.network.gateway, ...gateway },
      bestBlock: best,
      blocksPerDay: perDay,
    };
  }

  /** The configured gateway's on-chain account (by its registered URL) and authorization. */
  private async gatewayState(): Promise<{ account: string | null; authorized: boolean }> {
    const [list, authorized] = await Promise.all([
      this.o.chain.gateways(),
      this.o.chain.authorizedGateways(this.o.pair.address),
    ]);
    const g = list.find((x) => domainMatches(x.domain, this.o.network.gateway));
    return {
      account: g?.account ?? null,
      authorized: g !== undefined && authorized.includes(g.account),
    };
  }

  async quote(req: TerritoryOpQuoteRequest): Promise<TerritoryOpQuote> {
    const { chain, pair } = this.o;
    const name = this.o.territory;
    try {
      const [q, b] = await Promise.all([
        req.op === 'renew'
          ? chain.quoteRenew(pair.address, name, req.days)
          : chain.quoteExpand(pair.address, name, req.gib),
        chain.balance(pair.address),
      ]);
      if (req.op === 'expand' && q.days === 0) {
        throw new OnboardingError(
          409,
          'territory_expired',
          `The territory '${name}' has no days left, so space cannot be added to it. Renew it first.`,
        );
      }
      return {
        op: req.op,
        territory: name,
        gib: q.gib,
        days: q.days,
        cost: q.cost.toString(),
        costCess: toDecimal(q.cost, chain.properties.tokenDecimals),
        ...quotePrice(chain, q, b.transferable),
      };
    } catch (err) {
      throw chainFailure(err);
    }
  }

  async renew(req: RenewRequest): Promise<AccountInfo> {
    return this.pay('renew', { op: 'renew', days: req.days }, req.maxCost, (signer, name, max) =>
      this.o.chain.renewTerritory(signer, name, req.days, { maxCost: max }),
    );
  }

  async expand(req: ExpandRequest): Promise<AccountInfo> {
    return this.pay('expand', { op: 'expand', gib: req.gib }, req.maxCost, (signer, name, max) =>
      this.o.chain.expandTerritory(signer, name, req.gib, { maxCost: max }),
    );
  }

  private async pay(
    what: string,
    quoteReq: TerritoryOpQuoteRequest,
    maxCost: string,
    run: (signer: KeyringPair, name: string, maxCost: bigint) => Promise<unknown>,
  ): Promise<AccountInfo> {
    await this.one.run(what, async () => {
      const { pair } = this.o;
      try {
        // CessChain re-quotes right before signing and refuses above maxCost (preflight.maxCost).
        await run(pair, this.o.territory, BigInt(maxCost));
      } catch (err) {
        const shortfall = await this.quote(quoteReq).then(
          (q) => q.shortfall ?? undefined,
          () => undefined,
        );
        throw chainFailure(err, { address: pair.address, ...(shortfall ? { shortfall } : {}) });
      }
      this.o.log(
        `account: ${what === 'renew' ? `renewed territory '${this.o.territory}'` : `expanded territory '${this.o.territory}'`} (${JSON.stringify(quoteReq)})`,
      );
    });
    this.o.changed?.();
    return this.info();
  }

  /** Authorizes the configured gateway (only the transaction fee is paid); no-op if it already is. */
  async authorizeGateway(): Promise<AccountInfo> {
    await this.one.run('gateway', async () => {
      let state: { account: string | null; authorized: boolean };
      try {
        state = await this.gatewayState();
      } catch (err) {
        throw chainFailure(err);
      }
      if (state.account === null) {
        throw new OnboardingError(
          409,
          'unknown_gateway',
          `No gateway registered on the chain has the address ${this.o.network.gateway}; check the device's configuration.`,
        );
      }
      if (state.authorized) return;
      try {
        await this.o.chain.authorizeGateway(this.o.pair, state.account);
      } catch (err) {
        throw chainFailure(err, { address: this.o.pair.address });
      }
      this.o.log(`account: authorized gateway ${state.account} (${this.o.network.gateway})`);
    });
    this.o.changed?.();
    return this.info();
  }

  /**
   * A problem's action (engine.resolveProblem): authorizing is done at once; renewing and
   * expanding cost money, so the client is told to show a quote first.
   */
  async resolveProblem(req: ProblemActionRequest): Promise<void> {
    if (req.action === 'authorizeGateway') {
      await this.authorizeGateway();
      return;
    }
    if (req.action === 'renewTerritory' || req.action === 'expandTerritory') {
      throw new OnboardingError(
        409,
        NEEDS_QUOTE,
        `${req.action === 'renewTerritory' ? 'Renewing' : 'Expanding'} the territory costs ${this.o.chain.properties.tokenSymbol}: get a quote in Account and space (or cess-sync territory ${req.action === 'renewTerritory' ? 'renew' : 'expand'}) and confirm it there.`,
      );
    }
    throw new OnboardingError(400, 'invalid_request', `unknown action ${req.action}`);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}

export function territoryView(
  t: Territory,
  best: number,
  blocksPerDay: number,
  nowMs: number,
): AccountTerritory {
  const left = Math.max(0, t.deadline - best);
  const msPerBlock = 86_400_000 / blocksPerDay;
  return {
    ...territorySpace(t),
    expiresAtBlock: t.deadline,
    expiresInDays: Math.round((left / blocksPerDay) * 100) / 100,
    expiresAtMs: Math.round(nowMs + left * msPerBlock),
  };
}

/** Planck as a decimal string of whole tokens ("10000.5"), exact. */
export function toDecimal(amount: bigint, decimals: number): string {
  const unit = 10n ** BigInt(decimals);
  const whole = (amount / unit).toString();
  const frac = (amount % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return frac === '' ? whole : `${whole}.${frac}`;
}
