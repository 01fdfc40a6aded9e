/**
 * Changing a set-up device's network addresses (Settings › Network). A change is checked before
 * it is saved: the URLs' form (the onboarding checks), a chain that answers and is the same chain
 * the account's data lives on (the genesis hash of the current addresses' chain; when those no
 * longer answer, which is a reason to change them, the new chain must hold this account's
 * territory instead), and a gateway that answers. Then config.json is
 * replaced atomically and the engine restarted in this process on the new addresses (or, while
 * the daemon is locked, the addresses are used when it is unlocked).
 */
import { access } from 'node:fs/promises';
import { CessChain } from '../../cess/chain/client.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import type { NetworkInfo, NetworkUpdate } from '../../sync/api/network-schema.js';
import { configPath, deviceConfigSchema, loadConfig, type LoadedDeviceConfig } from '../config.js';
import { NotSetUpError } from '../onboarding/deferred.js';
import { OnboardingError } from '../onboarding/errors.js';
import { checkUrl, networkPresets } from '../onboarding/networks.js';
import { probeGateway } from '../onboarding/probe-gateway.js';

export interface Owner {
  account: string;
  territory: string;
}
export interface ChainProbe {
  genesisHash: string;
  territoryFound: boolean;
}

/** Engine routes while the engine restarts on new addresses (HTTP 409 `restarting`). */
export class RestartingError extends Error {
  override name = 'RestartingError';
  readonly statusCode = 409;
  readonly code = 'restarting';
  constructor() {
    super('the sync engine is restarting on new network addresses; try again in a moment');
  }
}

export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NetworkServiceOptions {
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  /** Restarts the engine on `config` if it runs; resolves to whether it did. */
  apply(config: LoadedDeviceConfig): Promise<boolean>;
  /** Connects to `chain`: its genesis hash, and whether it holds the territory (tests inject). */
  probeChain?: (chain: string[], owner: Owner) => Promise<ChainProbe>;
  probeGateway?: (url: string) => Promise<void>;
  log?: (line: string) => void;
}

/** The preset whose addresses these are, else 'custom'. */
export function presetOf(
  chain: readonly string[],
  gateway: string,
  env: NodeJS.ProcessEnv = process.env,
): NetworkInfo['preset'] {
  const same = (a: readonly string[], b: readonly string[]): boolean =>
    a.length === b.length && a.every((u, i) => u === b[i]);
  const hit = networkPresets(env).find(
    (p) => p.id !== 'custom' && same(p.chain, chain) && p.gateway === gateway,
  );
  return hit?.id ?? 'custom';
}

/** The URLs' form, as onboarding checks it; a repeated chain URL is dropped. */
export function validateNetworkUpdate(req: NetworkUpdate): NetworkUpdate {
  try {
    return {
      chain: [...new Set(req.chain.map((u) => checkUrl(u, 'chain')))],
      gateway: checkUrl(req.gateway, 'gateway'),
    };
  } catch (err) {
    if (err instanceof OnboardingError) throw new NetworkError(400, 'invalid_url', err.message);
    throw err;
  }
}

export class NetworkService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: NetworkServiceOptions) {}

  /** Setup mode has no configuration yet: 409 not_set_up, like the engine routes. */
  private async config(): Promise<LoadedDeviceConfig> {
    const exists = await access(configPath(this.o.stateDir)).then(
      () => true,
      () => false,
    );
    if (!exists) throw new NotSetUpError();
    return loadConfig(this.o.stateDir);
  }

  async get(): Promise<NetworkInfo> {
    const c = await this.config();
    return {
      preset: presetOf(c.network.chain, c.network.gateway, this.o.env),
      chain: c.network.chain,
      gateway: c.network.gateway,
    };
  }

  /** One change at a time. */
  update(req: NetworkUpdate): Promise<NetworkInfo> {
    const run = this.queue.then(() => this.change(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async change(req: NetworkUpdate): Promise<NetworkInfo> {
    const next = validateNetworkUpdate(req);
    const config = await this.config();
    const probe = this.o.probeChain ?? probeChain;
    const owner = { account: config.account, territory: config.territory };
    let after: ChainProbe;
    try {
      after = await probe(next.chain, owner);
    } catch (err) {
      throw new NetworkError(
        424,
        'chain_unreachable',
        `Cannot reach the CESS chain at ${next.chain.join(', ')}: ${reason(err)}. Nothing was changed.`,
      );
    }
    const before = await probe(config.network.chain, owner).then(
      (p) => p.genesisHash,
      () => null, // the current addresses do not answer: judge by the territory
    );
    if (before !== null ? after.genesisHash !== before : !after.territoryFound) {
      throw new NetworkError(
        409,
        'different_chain',
        before !== null
          ? `${next.chain.join(', ')} is a different CESS network than the one this device uses. This account's files are stored on the current network, so switching is refused: enter addresses of the same network (for example another node of it). Nothing was changed.`
          : `The current addresses do not answer, and ${next.chain.join(', ')} does not hold this account's territory "${config.territory}", so it is not the network this account's files are on. Nothing was changed.`,
      );
    }
    try {
      await (this.o.probeGateway ?? probeGateway)(next.gateway);
    } catch (err) {
      throw new NetworkError(
        424,
        'gateway_unreachable',
        `Cannot reach the gateway at ${next.gateway}: ${reason(err)}. Nothing was changed.`,
      );
    }
    const preset = presetOf(next.chain, next.gateway, this.o.env);
    const updated = deviceConfigSchema.parse({
      ...config,
      network: { name: preset, chain: next.chain, gateway: next.gateway },
    });
    await saveConfigAtomic(this.o.stateDir, updated);
    this.o.log?.(`network: addresses changed to ${next.chain.join(', ')} and ${next.gateway}`);
    let restarted: boolean;
    try {
      restarted = await this.o.apply(updated);
    } catch (err) {
      // The engine did not come back on the new addresses: put the old ones back (apply()
      // restarts on them) so the device keeps working, and say so.
      await saveConfigAtomic(this.o.stateDir, config);
      await this.o.apply(config).catch((e: unknown) => this.o.log?.(`network: ${reason(e)}`));
      throw new NetworkError(
        424,
        'restart_failed',
        `The sync engine did not start on the new addresses (${reason(err)}); the previous ones were restored.`,
      );
    }
    return {
      preset,
      chain: next.chain,
      gateway: next.gateway,
      message: restarted
        ? 'Saved. The sync engine restarted on the new addresses.'
        : 'Saved. The new addresses are used when the sync engine starts (after unlocking).',
    };
  }
}

async function saveConfigAtomic(stateDir: string, config: LoadedDeviceConfig): Promise<void> {
  await writeFileAtomic(configPath(stateDir), `${JSON.stringify(config, null, 2)}\n`, {
    mode: 0o600,
  });
}

async function probeChain(chain: string[], owner: Owner): Promise<ChainProbe> {
  const c = await CessChain.connect({ endpoints: chain, timeoutMs: 20_000 });
  try {
    const territory = await c.territory(owner.account, owner.territory).catch(() => null);
    return { genesisHash: c.properties.genesisHash, territoryFound: territory !== null };
  } finally {
    await c.disconnect().catch(() => undefined);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
