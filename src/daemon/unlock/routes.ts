/**
 * GET/POST /api/v1/unlock for the daemon's server (locked mode, ./service.ts). Without a service
 * (the daemon was not started locked) GET says `{locked: false}` and POST answers 409 `not_locked`.
 */
import {
  NOT_LOCKED,
  UNLOCK_ROUTE,
  unlockRequestSchema,
  unlockStateSchema,
} from '../../sync/api/unlock-schema.js';
import type { RouteTable } from '../server.js';
import { UnlockError, type UnlockService } from './service.js';

export function unlockRoutes(service: UnlockService | null): RouteTable {
  return {
    [UNLOCK_ROUTE]: {
      GET: {
        reply: unlockStateSchema,
        run: () => service?.state() ?? { locked: false },
      },
      POST: {
        body: unlockRequestSchema,
        reply: unlockStateSchema,
        run: (b) => {
          if (service === null) {
            throw new UnlockError(409, NOT_LOCKED, 'the sync engine is not locked');
          }
          return service.unlock(unlockRequestSchema.parse(b).passphrase);
        },
      },
    },
  };
}
