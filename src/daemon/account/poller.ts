/**
 * Reads the account every few minutes and hands its problems (src/sync/account/monitor.ts) to
 * the engine, so a territory running out of room or time, or a gateway that lost its
 * authorization, shows up (and is notified) before uploads start failing. A failed read keeps
 * the last known problems: the chain being briefly unreachable is the engine's own problem.
 */
import { accountProblems, type AccountThresholds } from '../../sync/account/monitor.js';
import type { Problem, ProblemActionRequest } from '../../sync/api/schema.js';
import type { AccountService } from './service.js';

export const ACCOUNT_PROBLEM_SOURCE = 'account';

export interface ProblemSink {
  setExternalProblems(
    source: string,
    problems: Problem[],
    resolve?: (req: ProblemActionRequest) => Promise<void>,
  ): void;
}

export interface AccountPoller {
  /** Reads now (also after an operation); concurrent calls share one read. */
  poll(): Promise<void>;
  stop(): void;
}

export function startAccountPoller(o: {
  service: AccountService;
  engine: ProblemSink;
  intervalMs?: number;
  thresholds?: AccountThresholds;
  log: (line: string) => void;
}): AccountPoller {
  let stopped = false;
  let running: Promise<void> | null = null;
  let lastError = '';
  const resolve = (req: ProblemActionRequest): Promise<void> => o.service.resolveProblem(req);
  const read = async (): Promise<void> => {
    try {
      const info = await o.service.info();
      if (stopped) return;
      o.engine.setExternalProblems(
        ACCOUNT_PROBLEM_SOURCE,
        accountProblems(info, o.thresholds),
        resolve,
      );
      lastError = '';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Once per distinct failure, not every interval.
      if (message !== lastError) o.log(`account: cannot read the account: ${message}`);
      lastError = message;
    }
  };
  const poll = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= read().finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void poll(), o.intervalMs ?? 10 * 60_000);
  timer.unref();
  void poll();
  return {
    poll,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
