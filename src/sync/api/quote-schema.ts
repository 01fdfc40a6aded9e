/**
 * What every quote of a paid territory operation shows (setup's mint quote, the account page's
 * renew and expand quotes): its price, and that price weighed against the account's balance.
 */
import { z } from 'zod';

/** Planck as a decimal string (bigints do not survive JSON). */
export const planckSchema = z.string().regex(/^\d{1,60}$/);

/** The price in words and the balance check, after the quote's own fields and its cost. */
export const quotePriceFields = {
  /** "30 TCESS". */
  formatted: z.string(),
  formula: z.string(),
  action: z.string(),
  /** The transferable balance, formatted. */
  balance: z.string(),
  enough: z.boolean(),
  /** How much more to send (formatted) when the balance does not cover the cost. */
  shortfall: z.string().nullable(),
};
export type QuotePrice = z.infer<z.ZodObject<typeof quotePriceFields>>;
