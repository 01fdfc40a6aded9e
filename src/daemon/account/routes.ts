/**
 * The account routes (/api/v1/account...) of a set-up device: bodies and replies are the
 * schemas of src/sync/api/account-schema.ts, validated by the server like every other route.
 * The service exists once the engine runs; until then (setup mode) every route answers 409
 * `not_set_up`, like the engine's own routes.
 */
import type { z } from 'zod';
import {
  ACCOUNT_ROUTES,
  accountInfoSchema,
  authorizeConfiguredGatewayRequestSchema,
  expandRequestSchema,
  renewRequestSchema,
  territoryOpQuoteRequestSchema,
  territoryOpQuoteSchema,
} from '../../sync/api/account-schema.js';
import { NotSetUpError } from '../onboarding/deferred.js';
import type { Route, RouteTable } from '../server.js';
import type { AccountService } from './service.js';

export function accountRoutes(service: () => AccountService | null): RouteTable {
  const use = <T>(fn: (s: AccountService) => T): T => {
    const s = service();
    if (s === null) throw new NotSetUpError();
    return fn(s);
  };
  const post = <S extends z.ZodType>(
    body: S,
    reply: z.ZodType,
    run: (s: AccountService, b: z.infer<S>) => Promise<unknown>,
    emptyBodyIsObject = false,
  ): Route => ({
    body,
    reply,
    emptyBodyIsObject,
    run: (b) => use((s) => run(s, body.parse(b))),
  });
  return {
    [ACCOUNT_ROUTES.info]: { GET: { reply: accountInfoSchema, run: () => use((s) => s.info()) } },
    [ACCOUNT_ROUTES.territoryQuote]: {
      POST: post(territoryOpQuoteRequestSchema, territoryOpQuoteSchema, (s, b) => s.quote(b)),
    },
    [ACCOUNT_ROUTES.territoryRenew]: {
      POST: post(renewRequestSchema, accountInfoSchema, (s, b) => s.renew(b)),
    },
    [ACCOUNT_ROUTES.territoryExpand]: {
      POST: post(expandRequestSchema, accountInfoSchema, (s, b) => s.expand(b)),
    },
    [ACCOUNT_ROUTES.gatewayAuthorize]: {
      POST: post(
        authorizeConfiguredGatewayRequestSchema,
        accountInfoSchema,
        (s) => s.authorizeGateway(),
        true,
      ),
    },
  };
}
