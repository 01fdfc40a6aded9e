/**
 * CLI verbs for the account (docs/daemon-api.md, Account routes): `account` shows balance,
 * territory and gateway; `territory renew <days>` / `territory expand <gib>` print the quote and
 * pay only after a yes (or --yes), never more than the quoted cost; `gateway authorize`.
 */
import { createInterface } from 'node:readline/promises';
import type { DaemonClient } from '../daemon/client.js';
import {
  ACCOUNT_ROUTES,
  accountInfoSchema,
  MAX_EXPAND_GIB,
  MAX_RENEW_DAYS,
  territoryOpQuoteSchema,
  type AccountInfo,
  type TerritoryOpQuoteRequest,
} from '../sync/api/account-schema.js';
import { UsageError, type CliIO } from './commands.js';
import { formatBytes, safeText } from './format.js';

/** Asks a yes/no question; resolves true for yes. */
export type Ask = (question: string) => Promise<boolean>;

export async function accountCommand(client: DaemonClient, io: CliIO): Promise<number> {
  const info = await client.call('GET', ACCOUNT_ROUTES.info, accountInfoSchema);
  if (io.json === true) io.out(JSON.stringify(info, null, 2));
  else io.out(formatAccount(info));
  return 0;
}

export function formatAccount(info: AccountInfo): string {
  const lines = [
    `Account:   ${info.address}`,
    `Network:   ${safeText(info.network.name)}`,
    `Balance:   ${info.balance.free} ${info.symbol} (transferable ${info.balance.transferable})`,
  ];
  const t = info.territory;
  if (t === null) {
    lines.push(`Territory: '${safeText(info.territoryName)}' does not exist on the chain`);
  } else {
    lines.push(
      `Territory: ${safeText(t.name)} (${t.state})`,
      `  used ${formatBytes(t.usedBytes)}, locked ${formatBytes(t.lockedBytes)}, remaining ${formatBytes(t.remainingBytes)} of ${formatBytes(t.totalBytes)}`,
      `  expires at block ${t.expiresAtBlock} (in about ${t.expiresInDays} days, ${new Date(t.expiresAtMs).toISOString().slice(0, 10)})`,
    );
  }
  lines.push(
    `Gateway:   ${safeText(info.gateway.url)} ${info.gateway.authorized ? 'authorized' : info.gateway.account === null ? 'NOT registered on this chain' : 'NOT authorized (run: cess-sync gateway authorize)'}`,
  );
  return lines.join('\n');
}

export function parseCount(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} must be a whole number`);
  const n = Number(text);
  if (n < 1 || n > max) throw new UsageError(`${what} must be between 1 and ${max}`);
  return n;
}

export async function territoryCommand(
  client: DaemonClient,
  io: CliIO,
  op: 'renew' | 'expand',
  amount: string,
  opts: { yes?: boolean; ask?: Ask },
): Promise<number> {
  const req: TerritoryOpQuoteRequest =
    op === 'renew'
      ? { op, days: parseCount(amount, 'days', MAX_RENEW_DAYS) }
      : { op, gib: parseCount(amount, 'GiB', MAX_EXPAND_GIB) };
  const q = await client.call('POST', ACCOUNT_ROUTES.territoryQuote, territoryOpQuoteSchema, req);
  io.err(`${capital(q.action)} costs ${q.formatted} (${q.formula}); balance ${q.balance}.`);
  if (!q.enough) {
    io.err(`Not enough to pay: send at least ${q.shortfall ?? 'some'} more first.`);
    return 1;
  }
  if (opts.yes !== true) {
    const ask = opts.ask ?? askOnTerminal;
    if (!(await ask(`Pay ${q.formatted}? [y/N] `))) {
      io.err('Nothing paid.');
      return 1;
    }
  }
  const info = await client.call(
    'POST',
    op === 'renew' ? ACCOUNT_ROUTES.territoryRenew : ACCOUNT_ROUTES.territoryExpand,
    accountInfoSchema,
    op === 'renew' ? { days: q.days, maxCost: q.cost } : { gib: q.gib, maxCost: q.cost },
  );
  if (io.json === true) io.out(JSON.stringify(info, null, 2));
  else io.out(formatAccount(info));
  return 0;
}

export async function gatewayAuthorizeCommand(client: DaemonClient, io: CliIO): Promise<number> {
  const info = await client.call('POST', ACCOUNT_ROUTES.gatewayAuthorize, accountInfoSchema, {});
  if (io.json === true) io.out(JSON.stringify(info, null, 2));
  else io.out(`Gateway ${safeText(info.gateway.url)} is authorized for ${info.address}.`);
  return 0;
}

/** y/N on the terminal; without one, paying needs --yes. */
async function askOnTerminal(question: string): Promise<boolean> {
  if (process.stdin.isTTY !== true) {
    throw new UsageError('no terminal to confirm the payment on: add --yes to pay the quoted cost');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
