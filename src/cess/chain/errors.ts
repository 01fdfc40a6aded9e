import { ChainTxError, type TxFailureKind } from './tx.js';

/** What the caller was doing when a CESS call failed, so the message can say it in its terms. */
export interface ErrorContext {
  /** The account that signed (ss58). */
  account?: string;
  territory?: string;
  gateway?: string;
  fid?: string;
  owner?: string;
  /** Human amounts, already formatted with the token symbol (e.g. "30 TCESS"). */
  cost?: string;
  balance?: string;
  /** What was being bought, e.g. "minting 1 GiB for 30 days". */
  action?: string;
  /** Space figures, formatted (e.g. "12 MiB"). */
  remaining?: string;
  needed?: string;
  symbol?: string;
}

type Describe = (c: ErrorContext) => string;

const q = (s: string | undefined, fallback: string): string => (s ? `'${s}'` : fallback);
const who = (c: ErrorContext): string => (c.account ? `account ${c.account}` : 'this account');
const tok = (c: ErrorContext): string => c.symbol ?? 'TCESS';

/**
 * Sentences for the CESS pallet errors a storage client meets. Keys are `pallet.Error` as
 * decoded from the runtime metadata (camelCase pallet, as @polkadot/api names sections).
 */
export const FRIENDLY_ERRORS: Readonly<Record<string, Describe>> = {
  // storageHandler (territories)
  'storageHandler.InsufficientBalance': (c) =>
    c.cost
      ? `not enough ${tok(c)}: ${c.action ?? 'this operation'} costs ${c.cost}${c.balance ? `, balance is ${c.balance}` : ''}`
      : `not enough ${tok(c)} in ${who(c)} to pay for ${c.action ?? 'this territory operation'}`,
  'storageHandler.NotHaveTerritory': (c) =>
    `${who(c)} has no territory ${q(c.territory, 'of that name')}; mint one first (mintTerritory)`,
  'storageHandler.InsufficientAvailableSpace': () =>
    'the CESS network has not enough free storage to sell this much space right now; try fewer GiB or later',
  'storageHandler.InsufficientStorage': (c) =>
    `territory ${q(c.territory, '')} has not enough free space${c.remaining ? ` (${c.remaining} left)` : ''}`,
  'storageHandler.NotActive': (c) =>
    `territory ${q(c.territory, '')} is not active (frozen or expired); renew or reactivate it first`,
  'storageHandler.NotExpire': (c) =>
    `territory ${q(c.territory, '')} has not expired, so it cannot be reactivated; renew it instead`,
  'storageHandler.LeaseFreeze': (c) =>
    `territory ${q(c.territory, '')} is frozen (its lease ran out); renew it to use it again`,
  'storageHandler.LeaseExpired': (c) =>
    `territory ${q(c.territory, '')} has expired; reactivate it (reactivateTerritory)`,
  'storageHandler.OnConsignment': (c) =>
    `territory ${q(c.territory, '')} is on consignment (for sale) and cannot be changed`,
  'storageHandler.StateError': (c) =>
    `territory ${q(c.territory, '')} is not in a state that allows this operation`,
  'storageHandler.BoundariesNotMet': () => 'a territory must be minted for at least 30 days',
  'storageHandler.DuplicateTokens': (c) =>
    `${who(c)} already has a territory named ${q(c.territory, 'like that')}`,
  'storageHandler.BoundedVecError': () => 'the territory name is too long (at most 63 bytes)',
  'storageHandler.Overflow': () => 'the amount is too large (arithmetic overflow on chain)',
  // fileBank (files)
  'fileBank.NoPermission': (c) =>
    `the gateway${c.gateway ? ` ${c.gateway}` : ''} is not authorized to act for ${c.owner ?? c.account ?? 'this account'}; authorize it first (oss.authorize)`,
  'fileBank.NotOwner': (c) =>
    `${c.account ?? 'this account'} does not own file ${c.fid ?? ''}`.trim(),
  'fileBank.InsufficientAvailableSpace': (c) =>
    c.remaining && c.needed
      ? `territory ${q(c.territory, '')} has ${c.remaining} left; this upload needs ${c.needed}`
      : `territory ${q(c.territory, '')} has not enough space left for this file`,
  'fileBank.NonExistent': (c) =>
    `file ${c.fid ?? ''} is not stored on CESS (pending uploads cannot be deleted)`,
  'fileBank.FileNonExistent': (c) => `file ${c.fid ?? ''} does not exist on CESS`,
  'fileBank.FileExistent': (c) => `file ${c.fid ?? ''} is already stored`,
  'fileBank.IsOwned': (c) => `${c.owner ?? 'that account'} already owns file ${c.fid ?? ''}`,
  'fileBank.Unprepared': (c) => `file ${c.fid ?? ''} is not fully stored yet`,
  'fileBank.NotActive': (c) => `file ${c.fid ?? ''} is not active`,
  'fileBank.SpecError': () =>
    'the file declaration does not meet the specification (segments, fragments or name length)',
  'fileBank.LessMinLength': () => 'the file name is too short (at least 3 bytes)',
  'fileBank.LengthExceedsLimit': () => 'a name is too long',
  // oss (gateways)
  'oss.NoAuthorization': (c) =>
    `gateway ${c.gateway ?? ''} is not authorized by ${who(c)}, so there is nothing to cancel`,
  'oss.Existed': (c) => `gateway ${c.gateway ?? ''} is already authorized by ${who(c)}`,
  'oss.UnRegister': (c) =>
    `${c.gateway ?? 'that account'} is not a registered gateway on this chain`,
  'oss.Registered': (c) => `${who(c)} is already registered as a gateway`,
  'oss.BoundedVecError': () =>
    'the account has authorized the maximum number of gateways (20); cancel one first',
  'oss.Expired': () => 'the signed authorization has expired; sign a new one',
  'oss.VerifySigFailed': () => 'the signed authorization does not verify (wrong signer or payload)',
  // balances and fee payment
  'balances.InsufficientBalance': (c) =>
    `not enough ${tok(c)}${c.action ? ` for ${c.action}` : ''}${c.balance ? `: balance is ${c.balance}` : ''}`,
  'balances.ExistentialDeposit': (c) =>
    `the amount is below the existential deposit (1 ${tok(c)}): a new account needs at least that much`,
  'balances.Expendability': (c) =>
    `this would leave ${who(c)} below the existential deposit; send less`,
  'token.FundsUnavailable': (c) =>
    `not enough ${tok(c)} available in ${who(c)}${c.balance ? ` (balance is ${c.balance})` : ''}`,
  'token.BelowMinimum': (c) => `the amount is below the existential deposit (1 ${tok(c)})`,
  'pool.payment': (c) =>
    `${who(c)} cannot pay the transaction fee${c.balance ? ` (balance is ${c.balance})` : ''}${c.action ? ` for ${c.action}` : ''}; fund it with some ${tok(c)} first`,
  'connection.disconnected': () => 'lost the connection to the CESS chain',
};

/** A CESS call that failed, with a sentence for people and the raw cause for logs. */
export class CessError extends Error {
  override name = 'CessError';
  constructor(
    message: string,
    /** `pallet.Error`, `pool.<reason>`, `connection.*`, or `preflight.<what>` for checks made before paying. */
    readonly code: string | undefined,
    readonly kind: TxFailureKind | 'preflight',
    /** The runtime's own wording, when there was one. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The friendly sentence for `code` in this context, or undefined when the table has none. */
export function friendlyMessage(
  code: string | undefined,
  ctx: ErrorContext = {},
): string | undefined {
  if (!code) return undefined;
  return FRIENDLY_ERRORS[code]?.(ctx);
}

/**
 * Rewrites a ChainTxError into a CessError whose message a person understands. Errors with no
 * table entry keep the runtime's wording; disconnection and timeout messages are kept as is
 * (they already say what to do).
 */
export function toCessError(err: unknown, ctx: ErrorContext = {}): unknown {
  if (!(err instanceof ChainTxError)) return err;
  if (err.kind === 'disconnected' || err.kind === 'timeout') {
    return new CessError(err.message, err.code, err.kind, err.message);
  }
  const friendly = friendlyMessage(err.code, ctx);
  return new CessError(friendly ?? err.message, err.code, err.kind, err.message);
}
