/**
 * The onboarding page's client for the daemon's setup routes (docs/daemon-api.md, "Setup
 * routes"): fetch with the bearer token, every reply validated with the onboarding contract's
 * zod schemas. Errors are the same ApiError as the status page's (status 0: unreachable).
 */
import type { z } from 'zod';
import {
  SETUP_ROUTES,
  balanceReplySchema,
  createdAccountSchema,
  finishReplySchema,
  gatewayListSchema,
  setupStateSchema,
  territoryListSchema,
  territoryQuoteSchema,
  type BalanceReply,
  type CreatedAccount,
  type FinishReply,
  type GatewayList,
  type NetworkRequest,
  type SetupState,
  type TerritoryList,
  type TerritoryQuote,
} from '../../sync/api/onboarding-schema.js';
import { callApi } from '../http.js';

export class SetupApi {
  constructor(
    readonly origin: string,
    readonly token: string,
  ) {}

  state(): Promise<SetupState> {
    return this.call('GET', SETUP_ROUTES.state, setupStateSchema);
  }
  network(req: NetworkRequest): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.network, setupStateSchema, req);
  }
  createAccount(): Promise<CreatedAccount> {
    return this.call('POST', SETUP_ROUTES.accountCreate, createdAccountSchema, {});
  }
  confirmAccount(
    words: { position: number; word: string }[],
    passphrase?: string,
  ): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.accountConfirm, setupStateSchema, {
      words,
      ...(passphrase === undefined ? {} : { passphrase }),
    });
  }
  importAccount(mnemonic: string, passphrase?: string): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.accountImport, setupStateSchema, {
      mnemonic,
      ...(passphrase === undefined ? {} : { passphrase }),
    });
  }
  balance(): Promise<BalanceReply> {
    return this.call('GET', SETUP_ROUTES.balance, balanceReplySchema);
  }
  territories(): Promise<TerritoryList> {
    return this.call('GET', SETUP_ROUTES.territories, territoryListSchema);
  }
  quote(gib: number, days: number): Promise<TerritoryQuote> {
    return this.call('POST', SETUP_ROUTES.territoryQuote, territoryQuoteSchema, { gib, days });
  }
  mint(name: string, gib: number, days: number, maxCost: string): Promise<TerritoryList> {
    return this.call('POST', SETUP_ROUTES.territoryMint, territoryListSchema, {
      name,
      gib,
      days,
      maxCost,
    });
  }
  selectTerritory(name: string): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.territorySelect, setupStateSchema, { name });
  }
  gateways(): Promise<GatewayList> {
    return this.call('GET', SETUP_ROUTES.gateways, gatewayListSchema);
  }
  authorizeGateway(account: string): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.gatewayAuthorize, setupStateSchema, { account });
  }
  addFolder(root: string): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.folders, setupStateSchema, { root });
  }
  removeFolder(root: string): Promise<SetupState> {
    return this.call('POST', SETUP_ROUTES.foldersRemove, setupStateSchema, { root });
  }
  finish(deviceName?: string): Promise<FinishReply> {
    return this.call(
      'POST',
      SETUP_ROUTES.finish,
      finishReplySchema,
      deviceName === undefined ? {} : { deviceName },
    );
  }

  private call<T>(
    method: 'GET' | 'POST',
    route: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    return callApi(
      this,
      method,
      route,
      schema,
      body,
      'The sync engine is not reachable. Is it still running?',
    );
  }
}
