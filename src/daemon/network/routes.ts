/**
 * GET/PUT /api/v1/network (Settings › Network, ./service.ts). Without a service (setup mode: no
 * configuration yet) both answer 409 `not_set_up`; the onboarding routes choose the network then.
 */
import {
  NETWORK_ROUTE,
  networkInfoSchema,
  networkUpdateSchema,
} from '../../sync/api/network-schema.js';
import { NotSetUpError } from '../onboarding/deferred.js';
import type { RouteTable } from '../server.js';
import type { NetworkService } from './service.js';

export function networkRoutes(service: NetworkService | null): RouteTable {
  const use = (): NetworkService => {
    if (service === null) throw new NotSetUpError();
    return service;
  };
  return {
    [NETWORK_ROUTE]: {
      GET: { reply: networkInfoSchema, run: () => use().get() },
      PUT: {
        body: networkUpdateSchema,
        reply: networkInfoSchema,
        run: (b) => use().update(networkUpdateSchema.parse(b)),
      },
    },
  };
}
