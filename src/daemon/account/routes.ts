/**
 * The account routes (/api/v1/account...) of a set-up device: bodies and replies are the
 * schemas of src/sync/api/account-schema.ts, validated by the server like every other route.
 * The service exists once the engine runs; until then (setup mode) every route answers 409
 * `not_set_up`, like the engine's own routes.
 */
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
import { serviceRoutes } from '../route-helpers.js';
import type { RouteTable } from '../server.js';
import type { AccountService } from './service.js';

export function accountRoutes(service: () => AccountService | null): RouteTable {
  const { get, post } = serviceRoutes((): AccountService => {
    const s = service();
    if (s === null) throw new NotSetUpError();
    return s;
  });
  return {
    [ACCOUNT_ROUTES.info]: { GET: get(accountInfoSchema, (s) => s.info()) },
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
