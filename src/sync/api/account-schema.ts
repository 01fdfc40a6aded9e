/**
 * The "Account and space" contract (docs/daemon-api.md): what a set-up device shows about its
 * account (balance, territory, gateway authorization) and the paid territory operations. Shared
 * by the daemon (src/daemon/account), the CLI and the page (src/renderer/settings/account.ts).
 * Amounts are decimal strings (bigints do not survive JSON): planck, and CESS for people.
 * Paying follows the onboarding rule: the request carries the quoted cost as `maxCost` and the
 * daemon refuses (409 price_changed) if the price rose since the quote was shown.
 */
import { z } from 'zod';
import { planckSchema as planck, quotePriceFields } from './quote-schema.js';

export const ACCOUNT_PREFIX = '/api/v1/account';
export const ACCOUNT_ROUTES = {
  info: ACCOUNT_PREFIX,
  territoryQuote: `${ACCOUNT_PREFIX}/territory/quote`,
  territoryRenew: `${ACCOUNT_PREFIX}/territory/renew`,
  territoryExpand: `${ACCOUNT_PREFIX}/territory/expand`,
  gatewayAuthorize: `${ACCOUNT_PREFIX}/gateway/authorize`,
} as const;

/** Problem actions that cost money: the API answers 409 with this code, the UI opens the quote. */
export const NEEDS_QUOTE = 'needs_quote';

/** "10000.5": CESS (or TCESS) without the symbol. */
const decimal = z.string().regex(/^\d{1,60}(\.\d{1,30})?$/);
const bytes = z.number().int().nonnegative();

export const MAX_RENEW_DAYS = 36_500;
export const MAX_EXPAND_GIB = 1_000_000;

export const accountTerritorySchema = z
  .object({
    name: z.string(),
    /** 'Active' | 'Frozen' | 'Expired' | 'OnConsignment' | whatever a newer runtime says. */
    state: z.string(),
    totalBytes: bytes,
    usedBytes: bytes,
    lockedBytes: bytes,
    remainingBytes: bytes,
    expiresAtBlock: z.number().int().nonnegative(),
    /** From the chain's blocks per day; 0 once expired. */
    expiresInDays: z.number().nonnegative(),
    /** Estimated wall-clock expiry (ms since epoch), from the block time. */
    expiresAtMs: z.number().int(),
  })
  .strict();
export type AccountTerritory = z.infer<typeof accountTerritorySchema>;

export const accountInfoSchema = z
  .object({
    address: z.string(),
    network: z.object({ name: z.string(), chain: z.array(z.string()) }).strict(),
    symbol: z.string(),
    balance: z
      .object({
        /** Free balance, in CESS (decimal string) and planck. */
        free: decimal,
        freePlanck: planck,
        /** What can be spent (free - frozen). */
        transferable: decimal,
        transferablePlanck: planck,
        /** "10000.5 TCESS". */
        formatted: z.string(),
      })
      .strict(),
    /** The configured territory; null when it does not exist on chain (any more). */
    territory: accountTerritorySchema.nullable(),
    territoryName: z.string(),
    gateway: z
      .object({
        url: z.string(),
        /** The gateway's on-chain account; null when no registered gateway has this URL. */
        account: z.string().nullable(),
        authorized: z.boolean(),
      })
      .strict(),
    bestBlock: z.number().int().nonnegative(),
    blocksPerDay: z.number().int().positive(),
  })
  .strict();
export type AccountInfo = z.infer<typeof accountInfoSchema>;

/** POST account/territory/quote: renew by `days` or expand by `gib` (exactly one). */
export const territoryOpQuoteRequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('renew'), days: z.number().int().min(1).max(MAX_RENEW_DAYS) }).strict(),
  z.object({ op: z.literal('expand'), gib: z.number().int().min(1).max(MAX_EXPAND_GIB) }).strict(),
]);
export type TerritoryOpQuoteRequest = z.infer<typeof territoryOpQuoteRequestSchema>;

export const territoryOpQuoteSchema = z
  .object({
    op: z.enum(['renew', 'expand']),
    territory: z.string(),
    gib: z.number().int().nonnegative(),
    days: z.number().int().nonnegative(),
    /** Planck; send it back as maxCost to pay. */
    cost: planck,
    /** CESS, decimal string. */
    costCess: decimal,
    ...quotePriceFields,
  })
  .strict();
export type TerritoryOpQuote = z.infer<typeof territoryOpQuoteSchema>;

export const renewRequestSchema = z
  .object({ days: z.number().int().min(1).max(MAX_RENEW_DAYS), maxCost: planck })
  .strict();
export type RenewRequest = z.infer<typeof renewRequestSchema>;

export const expandRequestSchema = z
  .object({ gib: z.number().int().min(1).max(MAX_EXPAND_GIB), maxCost: planck })
  .strict();
export type ExpandRequest = z.infer<typeof expandRequestSchema>;

/** POST account/gateway/authorize: the configured gateway; no body fields. */
export const authorizeConfiguredGatewayRequestSchema = z.object({}).strict();
