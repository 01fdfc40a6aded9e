/**
 * The onboarding contract (docs/daemon-api.md, "Setup routes"): what a client sends and receives
 * while a device is set up from nothing through the daemon's setup mode. Shared by the daemon
 * (src/daemon/onboarding) and the onboarding page (src/renderer/onboarding), so both validate the
 * same shapes. Amounts are decimal strings of planck (bigints do not survive JSON).
 */
import { z } from 'zod';
import { planckSchema as planck, quotePriceFields } from './quote-schema.js';

/** Route paths (under the same /api/v1 prefix and token as every other route). */
export const SETUP_PREFIX = '/api/v1/setup';
export const SETUP_ROUTES = {
  state: `${SETUP_PREFIX}/state`,
  network: `${SETUP_PREFIX}/network`,
  accountCreate: `${SETUP_PREFIX}/account/create`,
  accountConfirm: `${SETUP_PREFIX}/account/confirm`,
  accountImport: `${SETUP_PREFIX}/account/import`,
  balance: `${SETUP_PREFIX}/balance`,
  territories: `${SETUP_PREFIX}/territories`,
  territoryQuote: `${SETUP_PREFIX}/territory/quote`,
  territoryMint: `${SETUP_PREFIX}/territory/mint`,
  territorySelect: `${SETUP_PREFIX}/territory/select`,
  gateways: `${SETUP_PREFIX}/gateways`,
  gatewayAuthorize: `${SETUP_PREFIX}/gateway/authorize`,
  folders: `${SETUP_PREFIX}/folders`,
  foldersRemove: `${SETUP_PREFIX}/folders/remove`,
  finish: `${SETUP_PREFIX}/finish`,
} as const;

/** The error code of every normal route while the device is not set up (HTTP 409). */
export const NOT_SET_UP = 'not_set_up';

/** Recovery phrases have 24 words when created here; imports accept 12-24. */
export const MNEMONIC_WORDS = 24;
/** How many words the user re-types to show the phrase was written down. */
export const CONFIRM_WORDS = 3;

const urlText = z.string().min(1).max(2048);

export const networkPresetIdSchema = z.enum(['local', 'testnet', 'custom']);
export type NetworkPresetId = z.infer<typeof networkPresetIdSchema>;

export const networkPresetSchema = z
  .object({
    id: networkPresetIdSchema,
    label: z.string(),
    chain: z.array(z.string()),
    gateway: z.string(),
    /** Whether the user may change the URLs (local and custom: yes; testnet: fixed). */
    editable: z.boolean(),
  })
  .strict();
export type NetworkPreset = z.infer<typeof networkPresetSchema>;

/** POST setup/network: the URLs are required for 'custom' and optional overrides for 'local'. */
export const networkRequestSchema = z
  .object({
    preset: networkPresetIdSchema,
    chain: z.array(urlText).min(1).max(8).optional(),
    gateway: urlText.optional(),
  })
  .strict();
export type NetworkRequest = z.infer<typeof networkRequestSchema>;

export const connectedNetworkSchema = z
  .object({
    name: z.string(),
    chain: z.array(z.string()),
    gateway: z.string(),
    specName: z.string(),
    specVersion: z.number().int(),
    tokenSymbol: z.string(),
    ss58Format: z.number().int(),
  })
  .strict();
export type ConnectedNetwork = z.infer<typeof connectedNetworkSchema>;

export const keyStoreInfoSchema = z
  .object({
    /** 'keychain': the OS keychain; 'file': an encrypted key file in the state directory. */
    kind: z.enum(['keychain', 'file']),
    /** Where, in words ("the OS keychain", a file path). */
    location: z.string(),
    /** The client must ask for a passphrase (file store, none in the daemon's environment). */
    needsPassphrase: z.boolean(),
  })
  .strict();
export type KeyStoreInfo = z.infer<typeof keyStoreInfoSchema>;

export const setupAccountSchema = z
  .object({
    address: z.string(),
    source: z.enum(['created', 'imported']),
    /** In the key store (a created account only after its confirmation). */
    stored: z.boolean(),
  })
  .strict();

/** GET setup/state: where onboarding stands, so a reloaded page resumes at the right step. */
export const setupStateSchema = z
  .object({
    /** Onboarding is finished and the engine runs: go to the main page. */
    setUp: z.boolean(),
    presets: z.array(networkPresetSchema),
    network: connectedNetworkSchema.nullable(),
    account: setupAccountSchema.nullable(),
    /** A created account waits for these words (1-based positions) to be re-typed. */
    confirmation: z
      .object({ positions: z.array(z.number().int().min(1).max(MNEMONIC_WORDS)) })
      .strict()
      .nullable(),
    keyStore: keyStoreInfoSchema.nullable(),
    territory: z.string().nullable(),
    gateway: z.object({ account: z.string(), domain: z.string() }).strict().nullable(),
    folders: z.array(z.string()),
    deviceName: z.string(),
  })
  .strict();
export type SetupState = z.infer<typeof setupStateSchema>;

/**
 * POST setup/account/create: the only reply that ever carries the recovery phrase. The daemon
 * keeps it in memory until the confirmation, and never sends it again.
 */
export const createdAccountSchema = z
  .object({
    address: z.string(),
    words: z.array(z.string()).length(MNEMONIC_WORDS),
    confirmation: z
      .object({ positions: z.array(z.number().int().min(1).max(MNEMONIC_WORDS)) })
      .strict(),
  })
  .strict();
export type CreatedAccount = z.infer<typeof createdAccountSchema>;

const passphrase = z.string().min(1).max(1024);

export const confirmAccountRequestSchema = z
  .object({
    words: z
      .array(
        z
          .object({
            position: z.number().int().min(1).max(MNEMONIC_WORDS),
            word: z.string().max(64),
          })
          .strict(),
      )
      .length(CONFIRM_WORDS),
    passphrase: passphrase.optional(),
  })
  .strict();
export type ConfirmAccountRequest = z.infer<typeof confirmAccountRequestSchema>;

export const importAccountRequestSchema = z
  .object({ mnemonic: z.string().min(1).max(1024), passphrase: passphrase.optional() })
  .strict();
export type ImportAccountRequest = z.infer<typeof importAccountRequestSchema>;

/** GET setup/balance (the client polls it on the Funds step). */
export const balanceReplySchema = z
  .object({
    address: z.string(),
    transferable: planck,
    formatted: z.string(),
    symbol: z.string(),
    /** What the smallest territory (1 GiB for 30 days) costs, as a guide for funding. */
    suggested: z.object({ cost: planck, formatted: z.string(), action: z.string() }).strict(),
    /** Enough for that territory (fees not counted). */
    enough: z.boolean(),
  })
  .strict();
export type BalanceReply = z.infer<typeof balanceReplySchema>;

export const territoryInfoSchema = z
  .object({
    name: z.string(),
    state: z.string(),
    totalBytes: z.number().nonnegative(),
    usedBytes: z.number().nonnegative(),
    lockedBytes: z.number().nonnegative(),
    remainingBytes: z.number().nonnegative(),
    /** Days until the lease ends (rounded down); 0 when it has ended. */
    daysLeft: z.number().int().nonnegative(),
  })
  .strict();
export type TerritoryInfo = z.infer<typeof territoryInfoSchema>;

export const territoryListSchema = z
  .object({ territories: z.array(territoryInfoSchema), selected: z.string().nullable() })
  .strict();
export type TerritoryList = z.infer<typeof territoryListSchema>;

export const territoryQuoteRequestSchema = z
  .object({
    gib: z.number().int().min(1).max(1_000_000),
    days: z.number().int().min(30).max(36_500),
  })
  .strict();
export type TerritoryQuoteRequest = z.infer<typeof territoryQuoteRequestSchema>;

export const territoryQuoteSchema = z
  .object({
    gib: z.number().int(),
    days: z.number().int(),
    cost: planck,
    ...quotePriceFields,
  })
  .strict();
export type TerritoryQuote = z.infer<typeof territoryQuoteSchema>;

/** Territory names: 1-63 bytes on chain; kept to printable ASCII without spaces here. */
export const territoryNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,63}$/, 'use 1 to 63 letters, digits, dots, dashes or underscores');

export const mintTerritoryRequestSchema = z
  .object({
    name: territoryNameSchema,
    gib: z.number().int().min(1).max(1_000_000),
    days: z.number().int().min(30).max(36_500),
    /** The cost the user was shown: the daemon refuses to pay more (the price may change). */
    maxCost: planck,
  })
  .strict();
export type MintTerritoryRequest = z.infer<typeof mintTerritoryRequestSchema>;

export const selectTerritoryRequestSchema = z.object({ name: territoryNameSchema }).strict();

export const gatewayInfoSchema = z
  .object({
    account: z.string(),
    domain: z.string(),
    authorized: z.boolean(),
    /** Registered under the gateway URL chosen for this network. */
    matchesNetwork: z.boolean(),
  })
  .strict();
export type GatewayInfo = z.infer<typeof gatewayInfoSchema>;

export const gatewayListSchema = z
  .object({ gateways: z.array(gatewayInfoSchema), gatewayUrl: z.string() })
  .strict();
export type GatewayList = z.infer<typeof gatewayListSchema>;

export const authorizeGatewayRequestSchema = z
  .object({ account: z.string().min(40).max(64) })
  .strict();

export const setupFolderRequestSchema = z.object({ root: z.string().min(1).max(4096) }).strict();

export const finishRequestSchema = z
  .object({ deviceName: z.string().trim().min(1).max(64).optional() })
  .strict();

export const finishReplySchema = z
  .object({
    account: z.string(),
    folders: z.array(
      z.object({ root: z.string(), added: z.boolean(), error: z.string().nullable() }).strict(),
    ),
    keyStore: keyStoreInfoSchema,
    /**
     * The key file's passphrase came from this page: the next start of the sync engine needs it
     * again (CESS_SYNC_PASSPHRASE), so the page says so.
     */
    passphraseAtStart: z.boolean(),
  })
  .strict();
export type FinishReply = z.infer<typeof finishReplySchema>;
