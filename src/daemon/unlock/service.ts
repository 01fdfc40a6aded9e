/**
 * Locked mode: the device is set up, its account secret is in the passphrase-encrypted key file,
 * and the daemon was started without the passphrase (no CESS_SYNC_PASSPHRASE). The API runs; a
 * client sends the passphrase once (POST /api/v1/unlock) and the engine starts in this process.
 *
 * The passphrase is only handed to the key store opener: never logged, stored or put in a reply
 * or error. Every wrong attempt answers no sooner than `minFailMs` after it began (the scrypt
 * cost dominates anyway; this also hides the cheap refusals, e.g. a too-short passphrase), and
 * after MAX_FREE_ATTEMPTS wrong ones each next attempt must wait a doubling delay (429).
 */
import { KeyStoreError, type KeyStore } from '../../cess/keystore/types.js';
import {
  LOCKED,
  NOT_LOCKED,
  TOO_MANY_ATTEMPTS,
  WRONG_PASSPHRASE,
  type UnlockState,
} from '../../sync/api/unlock-schema.js';

export const MAX_FREE_ATTEMPTS = 5;
const BASE_DELAY_MS = 2_000;
const MAX_DELAY_MS = 60_000;

/** An error the server turns into its HTTP status and code (like OnboardingError). */
export class UnlockError extends Error {
  override name = 'UnlockError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What every engine route throws while locked (HTTP 409 `locked`). */
export class LockedError extends UnlockError {
  constructor() {
    super(
      409,
      LOCKED,
      'the sync engine is locked: enter the key file passphrase in the UI, or run cess-sync unlock',
    );
  }
}

export interface UnlockServiceOptions {
  /** Opens the key file with a passphrase; rejects with KeyStoreError 'wrong-passphrase' (or 'weak-passphrase'). */
  open(passphrase: string): Promise<KeyStore>;
  /** Starts the engine with the opened store; rejects if it cannot (the daemon stays locked). */
  start(keyStore: KeyStore): Promise<void>;
  log?: (line: string) => void;
  minFailMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class UnlockService {
  private unlocked = false;
  private failures = 0;
  private notBefore = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: UnlockServiceOptions) {
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get locked(): boolean {
    return !this.unlocked;
  }

  state(): UnlockState {
    return { locked: this.locked };
  }

  /** One attempt at a time: a second request waits for the first (and its back-off). */
  unlock(passphrase: string): Promise<UnlockState> {
    const run = this.queue.then(() => this.attempt(passphrase));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async attempt(passphrase: string): Promise<UnlockState> {
    if (this.unlocked)
      throw new UnlockError(409, NOT_LOCKED, 'the sync engine is already unlocked');
    const began = this.now();
    if (began < this.notBefore) {
      const seconds = Math.ceil((this.notBefore - began) / 1000);
      throw new UnlockError(
        429,
        TOO_MANY_ATTEMPTS,
        `too many wrong passphrases: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
      );
    }
    let store: KeyStore;
    try {
      store = await this.o.open(passphrase);
    } catch (err) {
      if (
        err instanceof KeyStoreError &&
        (err.code === 'wrong-passphrase' || err.code === 'weak-passphrase')
      ) {
        this.failures += 1;
        this.o.log?.(`unlock: wrong passphrase (attempt ${this.failures})`);
        if (this.failures >= MAX_FREE_ATTEMPTS) {
          const delay = Math.min(
            MAX_DELAY_MS,
            BASE_DELAY_MS * 2 ** (this.failures - MAX_FREE_ATTEMPTS),
          );
          this.notBefore = this.now() + delay;
        }
        const elapsed = this.now() - began;
        const pad = (this.o.minFailMs ?? 500) - elapsed;
        if (pad > 0) await this.sleep(pad);
        throw new UnlockError(
          400,
          WRONG_PASSPHRASE,
          'that passphrase does not open the key file; check it and try again',
        );
      }
      // A damaged or unreadable file: say so (its message names the file, never the passphrase).
      throw new UnlockError(
        500,
        'key_file_error',
        err instanceof Error ? err.message : String(err),
      );
    }
    try {
      await this.o.start(store);
    } catch (err) {
      throw new UnlockError(
        503,
        'start_failed',
        `the passphrase is right, but the sync engine did not start: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.unlocked = true;
    this.failures = 0;
    return this.state();
  }
}
