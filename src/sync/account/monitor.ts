/**
 * Which account problems a set-up device has, decided from what the chain says (AccountInfo):
 * a territory running out of room or time, and a gateway that may not store for the account.
 * A plain function (no I/O): the daemon's poller (src/daemon/account/poller.ts) feeds its
 * answer to the engine, which shows it with the other problems and notifies (notification-plan).
 */
import type { AccountInfo } from '../api/account-schema.js';
import type { Problem } from '../api/schema.js';

const GIB = 1024 ** 3;

export interface AccountThresholds {
  /** Low when remaining < max(fraction x total, minBytes). */
  lowFraction: number;
  lowMinBytes: number;
  /** Expiring when fewer days than this are left. */
  expiringDays: number;
}

export const DEFAULT_THRESHOLDS: AccountThresholds = {
  lowFraction: 0.1,
  lowMinBytes: GIB,
  expiringDays: 7,
};

/** Problem ids: stable, so a notification is shown once per problem, not per poll. */
export const ACCOUNT_PROBLEM_IDS = {
  territoryMissing: 'account:territoryMissing',
  territoryLow: 'account:territoryLow',
  territoryExpiring: 'account:territoryExpiring',
  gatewayUnauthorized: 'account:gatewayUnauthorized',
} as const;

export function accountProblems(
  info: AccountInfo,
  t: AccountThresholds = DEFAULT_THRESHOLDS,
): Problem[] {
  const out: Problem[] = [];
  const problem = (id: string, kind: string, message: string, actions: string[]): void => {
    out.push({ id, folderId: null, kind, path: null, message, actions });
  };
  const terr = info.territory;
  if (terr === null) {
    problem(
      ACCOUNT_PROBLEM_IDS.territoryMissing,
      'territoryExpired',
      `The territory '${info.territoryName}' does not exist on the chain, so nothing can be uploaded. Set the device up again with a territory you own.`,
      [],
    );
  } else {
    const inactive = terr.state !== 'Active';
    if (inactive || terr.expiresInDays < t.expiringDays) {
      problem(
        ACCOUNT_PROBLEM_IDS.territoryExpiring,
        inactive ? 'territoryExpired' : 'territoryExpiring',
        inactive
          ? `The territory '${terr.name}' is ${terr.state.toLowerCase()}: uploads stop until it is renewed.`
          : `The territory '${terr.name}' expires in ${daysText(terr.expiresInDays)}; renew it to keep your files stored.`,
        ['renewTerritory'],
      );
    }
    const threshold = Math.max(terr.totalBytes * t.lowFraction, t.lowMinBytes);
    if (terr.remainingBytes < threshold) {
      problem(
        ACCOUNT_PROBLEM_IDS.territoryLow,
        'territoryLow',
        `Only ${bytesText(terr.remainingBytes)} of ${bytesText(terr.totalBytes)} is left in the territory '${terr.name}'; add space so uploads do not stop.`,
        ['expandTerritory'],
      );
    }
  }
  if (!info.gateway.authorized) {
    problem(
      ACCOUNT_PROBLEM_IDS.gatewayUnauthorized,
      'gatewayUnauthorized',
      info.gateway.account === null
        ? `No gateway registered on the chain has the address ${info.gateway.url}, so uploads cannot be stored. Check the device's gateway address.`
        : `The gateway ${info.gateway.url} is not authorized to store files for this account, so uploads fail. Authorize it (a small fee).`,
      info.gateway.account === null ? [] : ['authorizeGateway'],
    );
  }
  return out;
}

function daysText(days: number): string {
  if (days < 1) return 'less than a day';
  const d = Math.floor(days);
  return `${d} day${d === 1 ? '' : 's'}`;
}

function bytesText(n: number): string {
  if (n >= GIB) return `${(Math.floor((n / GIB) * 100) / 100).toString()} GiB`;
  const mib = 1024 ** 2;
  if (n >= mib) return `${Math.floor(n / mib).toString()} MiB`;
  return `${n.toString()} B`;
}
