/**
 * The onboarding routes (/api/v1/setup/...) for the daemon's server: bodies and replies are the
 * schemas of src/sync/api/onboarding-schema.ts, validated by the server like every other route.
 * Without a service (the device was already set up when the daemon started) the state says so
 * and every step answers 409 `already_set_up`.
 */
import { z } from 'zod';
import {
  authorizeGatewayRequestSchema,
  balanceReplySchema,
  confirmAccountRequestSchema,
  createdAccountSchema,
  finishReplySchema,
  finishRequestSchema,
  gatewayListSchema,
  importAccountRequestSchema,
  mintTerritoryRequestSchema,
  networkRequestSchema,
  selectTerritoryRequestSchema,
  setupFolderRequestSchema,
  setupStateSchema,
  SETUP_ROUTES,
  territoryListSchema,
  territoryQuoteRequestSchema,
  territoryQuoteSchema,
  type SetupState,
} from '../../sync/api/onboarding-schema.js';
import { serviceRoutes } from '../route-helpers.js';
import type { RouteTable } from '../server.js';
import { OnboardingError } from './errors.js';
import type { OnboardingService } from './service.js';

const emptyObject = z.object({}).strict();

const SET_UP_STATE: SetupState = {
  setUp: true,
  presets: [],
  network: null,
  account: null,
  confirmation: null,
  keyStore: null,
  territory: null,
  gateway: null,
  folders: [],
  deviceName: '',
};

export function onboardingRoutes(service: OnboardingService | null): RouteTable {
  const { get, post } = serviceRoutes((): OnboardingService => {
    if (service === null) {
      throw new OnboardingError(409, 'already_set_up', 'This device is already set up.');
    }
    return service;
  });

  return {
    [SETUP_ROUTES.state]: {
      GET: {
        reply: setupStateSchema,
        run: () => (service === null ? SET_UP_STATE : service.state()),
      },
    },
    [SETUP_ROUTES.network]: {
      POST: post(networkRequestSchema, setupStateSchema, (s, b) => s.chooseNetwork(b)),
    },
    [SETUP_ROUTES.accountCreate]: {
      POST: post(emptyObject, createdAccountSchema, (s) => s.createAccount(), true),
    },
    [SETUP_ROUTES.accountConfirm]: {
      POST: post(confirmAccountRequestSchema, setupStateSchema, (s, b) => s.confirmAccount(b)),
    },
    [SETUP_ROUTES.accountImport]: {
      POST: post(importAccountRequestSchema, setupStateSchema, (s, b) => s.importAccount(b)),
    },
    [SETUP_ROUTES.balance]: { GET: get(balanceReplySchema, (s) => s.balance()) },
    [SETUP_ROUTES.territories]: { GET: get(territoryListSchema, (s) => s.territories()) },
    [SETUP_ROUTES.territoryQuote]: {
      POST: post(territoryQuoteRequestSchema, territoryQuoteSchema, (s, b) => s.quote(b)),
    },
    [SETUP_ROUTES.territoryMint]: {
      POST: post(mintTerritoryRequestSchema, territoryListSchema, (s, b) => s.mint(b)),
    },
    [SETUP_ROUTES.territorySelect]: {
      POST: post(selectTerritoryRequestSchema, setupStateSchema, (s, b) =>
        s.selectTerritory(b.name),
      ),
    },
    [SETUP_ROUTES.gateways]: { GET: get(gatewayListSchema, (s) => s.gateways()) },
    [SETUP_ROUTES.gatewayAuthorize]: {
      POST: post(authorizeGatewayRequestSchema, setupStateSchema, (s, b) =>
        s.authorizeGateway(b.account),
      ),
    },
    [SETUP_ROUTES.folders]: {
      POST: post(setupFolderRequestSchema, setupStateSchema, (s, b) => s.addFolder(b.root)),
    },
    [SETUP_ROUTES.foldersRemove]: {
      POST: post(setupFolderRequestSchema, setupStateSchema, (s, b) => s.removeFolder(b.root)),
    },
    [SETUP_ROUTES.finish]: {
      POST: post(finishRequestSchema, finishReplySchema, (s, b) => s.finish(b.deviceName), true),
    },
  };
}
