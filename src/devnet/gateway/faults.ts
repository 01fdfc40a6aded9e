/**
 * Fault injection for the local gateway: the knobs tests (and the admin route
 * POST /__devnet/faults) use to make the gateway fail the way real networks do.
 *
 * - failNext: the next `count` matching requests get HTTP `status` and a `{code,msg,data}` body
 *   without being handled (their request body is drained and discarded).
 * - cutNext: the next `count` matching requests lose their connection after `afterBytes` body
 *   bytes. A request that carries a body (upload) is cut on the way in: the gateway stops
 *   reading, resets the socket and the handler discards what it got. A request without a body
 *   (download) is cut on the way out: the response headers and the first `afterBytes` bytes are
 *   sent, then the socket is destroyed.
 * - delay: the next `count` (or, without count, every) matching requests wait `ms` before they
 *   are handled.
 *
 * `path` is a prefix of the request path (no query); without it a rule matches every route
 * except the admin route itself. Every fault that fires is recorded in `fired`.
 */
import { z } from 'zod';

export interface FailRule {
  count: number;
  status: number;
  path?: string;
}

export interface CutRule {
  count: number;
  afterBytes: number;
  path?: string;
}

export interface DelayRule {
  ms: number;
  /** Without count the rule stays until clear(). */
  count?: number;
  path?: string;
}

export interface FiredFault {
  kind: 'fail' | 'cut-request' | 'cut-response' | 'delay';
  method: string;
  path: string;
  /** status for fail, afterBytes for cuts, ms for delay */
  value: number;
  at: number;
}

export interface FaultsSnapshot {
  fail: FailRule[];
  cut: CutRule[];
  delay: DelayRule[];
  fired: FiredFault[];
}

/** What applies to one request, decided once when it arrives. */
export interface FaultDecision {
  delayMs: number;
  fail?: { status: number };
  cut?: { afterBytes: number };
}

const countSchema = z.number().int().min(1).max(1_000_000);
const pathSchema = z.string().startsWith('/').max(1024).optional();

export const failRuleSchema = z.strictObject({
  count: countSchema.default(1),
  status: z.number().int().min(100).max(599),
  path: pathSchema,
});
export const cutRuleSchema = z.strictObject({
  count: countSchema.default(1),
  afterBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  path: pathSchema,
});
export const delayRuleSchema = z.strictObject({
  ms: z.number().int().min(0).max(600_000),
  count: countSchema.optional(),
  path: pathSchema,
});

/** Body of POST /__devnet/faults. */
export const faultCommandSchema = z.discriminatedUnion('action', [
  failRuleSchema.extend({ action: z.literal('failNext') }),
  cutRuleSchema.extend({ action: z.literal('cutNext') }),
  delayRuleSchema.extend({ action: z.literal('delay') }),
  z.strictObject({ action: z.literal('clear') }),
]);
export type FaultCommand = z.infer<typeof faultCommandSchema>;

const MAX_FIRED = 1000;

function matches(rule: { path?: string }, path: string): boolean {
  return rule.path === undefined || path.startsWith(rule.path);
}

export class GatewayFaults {
  private failRules: FailRule[] = [];
  private cutRules: CutRule[] = [];
  private delayRules: DelayRule[] = [];
  /** Faults that fired, oldest first (at most 1000 kept). */
  readonly fired: FiredFault[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  failNext(rule: { count?: number; status: number; path?: string }): void {
    this.failRules.push(failRuleSchema.parse(rule));
  }

  cutNext(rule: { count?: number; afterBytes: number; path?: string }): void {
    this.cutRules.push(cutRuleSchema.parse(rule));
  }

  delay(rule: DelayRule): void {
    this.delayRules.push(delayRuleSchema.parse(rule));
  }

  /** Removes every rule and forgets what fired. */
  clear(): void {
    this.failRules = [];
    this.cutRules = [];
    this.delayRules = [];
    this.fired.length = 0;
  }

  /** The rules still armed and what fired, as plain data (copies). */
  snapshot(): FaultsSnapshot {
    return {
      fail: this.failRules.map((r) => ({ ...r })),
      cut: this.cutRules.map((r) => ({ ...r })),
      delay: this.delayRules.map((r) => ({ ...r })),
      fired: this.fired.map((f) => ({ ...f })),
    };
  }

  apply(cmd: FaultCommand): void {
    switch (cmd.action) {
      case 'failNext': {
        const { action: _a, ...rule } = cmd;
        this.failNext(rule);
        return;
      }
      case 'cutNext': {
        const { action: _a, ...rule } = cmd;
        this.cutNext(rule);
        return;
      }
      case 'delay': {
        const { action: _a, ...rule } = cmd;
        this.delay(rule);
        return;
      }
      case 'clear':
        this.clear();
        return;
    }
  }

  /** Called once per request; consumes the counts of the rules that apply. */
  decide(method: string, path: string, hasBody: boolean): FaultDecision {
    const decision: FaultDecision = { delayMs: 0 };
    const delayIdx = this.delayRules.findIndex((r) => matches(r, path));
    const delayRule = this.delayRules[delayIdx];
    if (delayRule) {
      decision.delayMs = delayRule.ms;
      this.record('delay', method, path, delayRule.ms);
      if (delayRule.count !== undefined && --delayRule.count <= 0)
        this.delayRules.splice(delayIdx, 1);
    }
    const failIdx = this.failRules.findIndex((r) => matches(r, path));
    const failRule = this.failRules[failIdx];
    if (failRule) {
      decision.fail = { status: failRule.status };
      this.record('fail', method, path, failRule.status);
      if (--failRule.count <= 0) this.failRules.splice(failIdx, 1);
      return decision;
    }
    const cutIdx = this.cutRules.findIndex((r) => matches(r, path));
    const cutRule = this.cutRules[cutIdx];
    if (cutRule) {
      decision.cut = { afterBytes: cutRule.afterBytes };
      this.record(hasBody ? 'cut-request' : 'cut-response', method, path, cutRule.afterBytes);
      if (--cutRule.count <= 0) this.cutRules.splice(cutIdx, 1);
    }
    return decision;
  }

  private record(kind: FiredFault['kind'], method: string, path: string, value: number): void {
    this.fired.push({ kind, method, path, value, at: this.clock() });
    if (this.fired.length > MAX_FIRED) this.fired.splice(0, this.fired.length - MAX_FIRED);
  }
}
