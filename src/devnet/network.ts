import { WsProvider, type ApiPromise } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import path from 'node:path';
import { connectChain } from '../cess/chain/connect.js';
import { startChopsticks, type ChopsticksHandle } from './chain/chopsticks-process.js';
import { restoreChainState, saveChainState } from './chain/snapshot.js';
import { alignBlockHashes, devKeys, prepareChain, type DevKeys } from './chain/setup.js';
import { ChainBackend, type MinerDelay } from './gateway/chain-backend.js';
import { createGatewayServer, type GatewayServer } from './gateway/server.js';

export interface DevnetOptions {
  genesisPath: string;
  /** Chain state, gateway data and logs live here; a state saved by stop() is restored. */
  stateDir: string;
  chainPort?: number;
  gatewayPort?: number;
  /** When simulated miners report a declared file as stored (ms, or 'never'). */
  minerDelay?: MinerDelay;
  log?: (msg: string) => void;
}

export interface Devnet {
  chainUrl: string;
  /** The chopsticks child process (for diagnostics and crash tests). */
  chainPid: number;
  gatewayUrl: string;
  /** The chain's ss58 prefix (11330 for the CESS testnet runtime). */
  ss58Format: number;
  keys: DevKeys;
  api: ApiPromise;
  backend: ChainBackend;
  gateway: GatewayServer;
  /** chopsticks' dev_* RPCs (setStorage, newBlock, timeTravel). */
  rpc: WsProvider;
  /** Start-up time in ms, for the readiness report. */
  startMs: number;
  stop(): Promise<void>;
}

export const DEFAULT_GENESIS = path.resolve('../shared/cess/cess-testnet-spec-raw.json');

/** Starts the real CESS runtime under chopsticks, prepares it, and the project's gateway in front. */
export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  await cryptoWaitReady();
  const chain: ChopsticksHandle = await startChopsticks({
    genesisPath: opts.genesisPath,
    stateDir: path.join(opts.stateDir, 'chain'),
    ...(opts.chainPort !== undefined ? { port: opts.chainPort } : {}),
  });
  let api: ApiPromise | undefined;
  let rpc: WsProvider | undefined;
  let backend: ChainBackend | undefined;
  try {
    log(`chain: CESS runtime on ${chain.wsUrl}`);
    api = await connectChain({ endpoints: chain.wsUrl });
    rpc = new WsProvider(chain.wsUrl);
    await rpc.isReady;
    const ss58Format = api.registry.chainSS58 ?? 42;
    const keys = devKeys(ss58Format);
    const minerDelay = opts.minerDelay ?? 0;
    backend = new ChainBackend({
      api,
      rpc,
      gateway: keys.gateway,
      miner: keys.miner,
      minerDelay,
      log,
    });
    const gateway = await createGatewayServer({
      backend,
      dataDir: path.join(opts.stateDir, 'gateway'),
      host: '127.0.0.1',
      port: opts.gatewayPort ?? 0,
      log: (level, msg) => {
        if (level !== 'debug') log(msg);
      },
    });
    const stateFile = path.join(opts.stateDir, 'chain', 'state.json');
    if (await restoreChainState(api, rpc, stateFile)) {
      await alignBlockHashes(api, rpc);
      log('chain: state of the previous run restored');
    }
    await prepareChain(api, rpc, keys, gateway.url);
    // Deals declared before a restart lost their timers: the miners finish them now.
    if (minerDelay !== 'never') {
      const done = await backend.completePending();
      if (done.length) log(`miners: completed ${done.length} deal(s) left pending by the last run`);
    }
    const a = api,
      r = rpc,
      b = backend;
    return {
      chainUrl: chain.wsUrl,
      chainPid: chain.pid,
      gatewayUrl: gateway.url,
      ss58Format,
      keys,
      api: a,
      backend: b,
      gateway,
      rpc: r,
      startMs: Date.now() - t0,
      stop: async () => {
        b.close();
        await gateway.close();
        await saveChainState(a, r, stateFile).catch((err: unknown) =>
          log(`chain: state not saved: ${String(err)}`),
        );
        await a.disconnect().catch(() => undefined);
        await r.disconnect().catch(() => undefined);
        await chain.stop();
      },
    };
  } catch (err) {
    backend?.close();
    await api?.disconnect().catch(() => undefined);
    await rpc?.disconnect().catch(() => undefined);
    await chain.stop();
    throw err;
  }
}
