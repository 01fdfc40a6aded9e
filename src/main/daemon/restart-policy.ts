/**
 * When to restart a daemon that died on its own. A plain function so the policy is a table in
 * the tests and the supervisor only applies it: exponential backoff (1 s, 2 s, 4 s ... capped),
 * reset once a run has stayed up for a stable period, and a give-up after too many quick
 * crashes in a row (a daemon that dies at every start would otherwise loop forever, hiding the
 * reason behind a spinner).
 */
export interface RestartPolicy {
  /** Delay before the first restart after a crash. */
  initialDelayMs: number;
  /** Upper bound of the delay. */
  maxDelayMs: number;
  /** A run that lasted at least this long was healthy: the next crash starts over. */
  stableAfterMs: number;
  /** Quick crashes in a row tolerated; the next one gives up. */
  maxQuickCrashes: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  maxQuickCrashes: 5,
};

export type RestartDecision =
  | { action: 'restart'; delayMs: number; quickCrashes: number }
  | { action: 'give-up'; quickCrashes: number };

/**
 * The decision after a crash. `quickCrashesBefore` is the count carried over from the previous
 * decision (0 at first); `uptimeMs` is how long the run that just ended was up.
 */
export function decideRestart(
  quickCrashesBefore: number,
  uptimeMs: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): RestartDecision {
  const quickCrashes = uptimeMs >= policy.stableAfterMs ? 1 : quickCrashesBefore + 1;
  if (quickCrashes > policy.maxQuickCrashes) return { action: 'give-up', quickCrashes };
  const delayMs = Math.min(policy.initialDelayMs * 2 ** (quickCrashes - 1), policy.maxDelayMs);
  return { action: 'restart', delayMs, quickCrashes };
}

/** Checks a policy read from configuration or given by a test; throws on nonsense. */
export function validateRestartPolicy(policy: RestartPolicy): RestartPolicy {
  const { initialDelayMs, maxDelayMs, stableAfterMs, maxQuickCrashes } = policy;
  if (!(initialDelayMs >= 0 && maxDelayMs >= initialDelayMs && stableAfterMs > 0)) {
    throw new Error(`invalid restart policy delays: ${JSON.stringify(policy)}`);
  }
  if (!Number.isInteger(maxQuickCrashes) || maxQuickCrashes < 0) {
    throw new Error(`maxQuickCrashes must be a non-negative integer, got ${maxQuickCrashes}`);
  }
  return policy;
}
