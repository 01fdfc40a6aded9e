/**
 * Onboarding failures as the daemon's API reports them: an HTTP status (4xx, so the server
 * passes status, code and message through; docs/daemon-api.md), a stable code for the page and
 * a sentence for people that says what to do next. Every step can be retried after one.
 */
import { CessError } from '../../cess/chain/errors.js';
import { KeyStoreError } from '../../cess/keystore/index.js';

export class OnboardingError extends Error {
  override name = 'OnboardingError';
  constructor(
    /** 400 bad input, 409 not possible in this state (or on chain), 424 the chain/gateway failed. */
    readonly statusCode: 400 | 409 | 424,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A chain failure in plain words. Not enough balance says how much is missing and where to send
 * it; a lost connection says the chain is unreachable; everything else keeps the library's
 * sentence (errors.ts FRIENDLY_ERRORS), which already names the territory or gateway.
 */
export function chainFailure(
  err: unknown,
  o: { address?: string; shortfall?: string } = {},
): Error {
  if (err instanceof OnboardingError) return err;
  if (!(err instanceof CessError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new OnboardingError(
      424,
      'chain_error',
      `The CESS chain did not accept this: ${message}`,
    );
  }
  const code = err.code ?? '';
  if (code.startsWith('connection.') || err.kind === 'disconnected' || err.kind === 'timeout') {
    return new OnboardingError(
      424,
      'chain_unreachable',
      `${capital(err.message)}. Check your network connection, then try again.`,
    );
  }
  if (
    code === 'storageHandler.InsufficientBalance' ||
    code === 'balances.InsufficientBalance' ||
    code === 'pool.payment' ||
    code === 'token.FundsUnavailable'
  ) {
    const more = o.shortfall !== undefined ? `Send at least ${o.shortfall} more` : 'Send some';
    return new OnboardingError(
      409,
      'insufficient_balance',
      `${capital(err.message)}. ${more}${o.address !== undefined ? ` to ${o.address}` : ''} (plus a little for the fee), then try again.`,
    );
  }
  if (code === 'preflight.maxCost') {
    return new OnboardingError(
      409,
      'price_changed',
      `${capital(err.message)}: the price changed since it was shown. Check the new cost and try again.`,
    );
  }
  return new OnboardingError(
    err.kind === 'preflight' ? 409 : 424,
    'chain_refused',
    `${capital(err.message)}.`,
  );
}

/** A key store failure in plain words (wrong or weak passphrase, no keychain, disk). */
export function keyStoreFailure(err: unknown, location: string): Error {
  if (!(err instanceof KeyStoreError)) return err instanceof Error ? err : new Error(String(err));
  switch (err.code) {
    case 'wrong-passphrase':
      return new OnboardingError(
        409,
        'wrong_passphrase',
        `A key file already exists at ${location} and this passphrase does not open it. Type the passphrase it was made with, or move that file away and try again.`,
      );
    case 'weak-passphrase':
      return new OnboardingError(400, 'weak_passphrase', `${capital(err.message)}.`);
    case 'no-store':
    case 'no-keychain':
      return new OnboardingError(409, 'no_key_store', `${capital(err.message)}`);
    default:
      return new OnboardingError(
        409,
        'key_store_failed',
        `Could not keep the account's key in ${location}: ${err.message}`,
      );
  }
}
