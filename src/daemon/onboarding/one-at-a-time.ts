/**
 * One mutating operation at a time (setup steps, the account's paid transactions): a chain
 * transaction may take seconds, and a second one would race the first's nonce and quote. A
 * second call meanwhile answers 409 `busy`.
 */
import { OnboardingError } from './errors.js';

export class OneAtATime {
  private busy: string | null = null;

  /** `what` names the operations in the busy message ("step", "transaction"). */
  constructor(private readonly what: string) {}

  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy !== null) {
      throw new OnboardingError(
        409,
        'busy',
        `Still working on the ${this.busy} ${this.what}; wait for it to finish, then try again.`,
      );
    }
    this.busy = name;
    try {
      return await fn();
    } finally {
      this.busy = null;
    }
  }
}
