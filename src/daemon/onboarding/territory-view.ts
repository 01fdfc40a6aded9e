/**
 * How the chain's territories and territory quotes appear in replies, shared by setup (the
 * territory list, the mint quote) and the account page (its territory, renew and expand quotes).
 */
import type { CostQuote, Territory } from '../../cess/chain/client.js';
import type { QuotePrice } from '../../sync/api/quote-schema.js';

/** A territory's name, state and space in bytes. */
export function territorySpace(t: Territory): {
  name: string;
  state: string;
  totalBytes: number;
  usedBytes: number;
  lockedBytes: number;
  remainingBytes: number;
} {
  return {
    name: t.name,
    state: t.state,
    totalBytes: Number(t.totalSpace),
    usedBytes: Number(t.usedSpace),
    lockedBytes: Number(t.lockedSpace),
    remainingBytes: Number(t.remainingSpace),
  };
}

/** A quote's price in words, weighed against the transferable balance (fees not counted). */
export function quotePrice(
  chain: { format(amount: bigint): string },
  q: Pick<CostQuote, 'cost' | 'formatted' | 'formula' | 'action'>,
  transferable: bigint,
): QuotePrice {
  const enough = transferable > q.cost;
  return {
    formatted: q.formatted,
    formula: q.formula,
    action: q.action,
    balance: chain.format(transferable),
    enough,
    shortfall: enough ? null : chain.format(q.cost - transferable + 1n),
  };
}
