/**
 * Settings › Network (docs/daemon-api.md, "Network"): the chain and gateway addresses a set-up
 * device uses. Shared by the daemon (src/daemon/network) and the page (src/renderer/settings).
 */
import { z } from 'zod';

export const NETWORK_ROUTE = '/api/v1/network';

const urlText = z.string().min(1).max(2048);

/** PUT /network: the new addresses; checked further by the daemon (schemes, the same chain). */
export const networkUpdateSchema = z
  .object({ chain: z.array(urlText).min(1).max(8), gateway: urlText })
  .strict();
export type NetworkUpdate = z.infer<typeof networkUpdateSchema>;

export const networkInfoSchema = z
  .object({
    /** A preset the addresses equal ('local', 'testnet'), else 'custom'. */
    preset: z.enum(['local', 'testnet', 'custom']),
    chain: z.array(z.string()),
    gateway: z.string(),
    /** After PUT: what happened, in words for the page ("Saved and applied", ...). */
    message: z.string().optional(),
  })
  .strict();
export type NetworkInfo = z.infer<typeof networkInfoSchema>;
