/**
 * Territory quotes for the in-memory chains of the daemon's unit tests, priced as CessChain
 * prices them before spec 121: the unit price per GiB for 30 days, in TCESS (18 decimals).
 */
import type { CostQuote } from '../../src/cess/chain/client.js';
import { formatToken } from '../../src/cess/chain/units.js';

export function territoryQuote(o: {
  unitPrice: bigint;
  gib: number;
  days: number;
  action: string;
  formula: string;
}): CostQuote {
  const cost = (o.unitPrice / 30n) * BigInt(o.gib) * BigInt(o.days);
  return { ...o, cost, formatted: formatToken(cost, 18, 'TCESS'), specVersion: 100 };
}
