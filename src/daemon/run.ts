/**
 * The headless sync daemon: the engine plus its local API, for one device (state directory).
 * The desktop app starts the same thing as a child process; `cess-sync daemon` runs it in a
 * terminal or under a service manager.
 *
 * Setup mode: without <stateDir>/config.json the API starts anyway (same token, port and
 * daemon.json), with the onboarding routes and the UI; every other route answers 409
 * `not_set_up` until onboarding finishes, then the engine starts in this process and is bound
 * to the routes already registered (onboarding/deferred.ts), so nothing restarts.
 *
 * Locked mode: a set-up device whose secret is in the passphrase-encrypted key file, started
 * without CESS_SYNC_PASSPHRASE, likewise serves the API with every engine route answering 409
 * `locked` until POST /api/v1/unlock gives the passphrase (unlock/service.ts); then the engine
 * starts and is bound the same way. A daemon waiting for its passphrase is not a crash.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { access, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CessChain } from '../cess/chain/client.js';
import { Cd2nClient, keyringSigner } from '../cess/gateway/index.js';
import { openKeyStore, PASSPHRASE_ENV, type KeyStore } from '../cess/keystore/index.js';
import { pretAccountOf } from '../cess/pret/index.js';
import { SyncEngine } from '../sync/engine/engine.js';
import { localProxy } from '../sync/share/index.js';
import { deriveKeys } from '../sync/format/index.js';
import { Manifest } from '../sync/manifest/index.js';
import { CessObjectStore } from '../sync/remote/cess-object-store.js';
import { RateLimiter } from '../sync/remote/rate-limiter.js';
import { Repository } from '../sync/remote/repository.js';
import {
  configPath,
  deviceConfigSchema,
  keyFilePath,
  loadConfig,
  type LoadedDeviceConfig,
} from './config.js';
import { deferredEngine } from './onboarding/deferred.js';
import { onboardingRoutes } from './onboarding/routes.js';
import { folderSettingsRoutes } from './folders/routes.js';
import { OnboardingService } from './onboarding/service.js';
import { LockedError, UnlockService } from './unlock/service.js';
import { unlockRoutes } from './unlock/routes.js';
import { networkRoutes } from './network/routes.js';
import { NetworkService, RestartingError } from './network/service.js';
import { accountRoutes } from './account/routes.js';
import { startAccountPoller } from './account/poller.js';
import { AccountService } from './account/service.js';
import { createIntegrationService } from '../integrations/service.js';
import { startDaemonServer, type DaemonServer } from './server.js';
import { processExists } from './state-file.js';

export interface RunDaemonOptions {
  stateDir: string;
  port?: number;
  /** Serve the UI from this directory (headless mode). */
  staticDir?: string;
  pollMs?: number;
  log?: (line: string) => void;
  /** Setup mode: where onboarding keeps a new account's secret (default 'auto'). */
  keyStore?: 'auto' | 'keychain' | 'file';
  /** For the key file's passphrase and the local network preset (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningDaemon {
  url: string;
  token: string;
  /** The engine; in setup mode a stand-in whose calls throw NotSetUpError until set up. */
  engine: SyncEngine;
  /** False while the daemon is in setup mode (or locked). */
  readonly setUp: boolean;
  /** True while locked mode waits for the key file's passphrase. */
  readonly locked: boolean;
  /** Resolves when the engine runs: at once, or when onboarding finishes. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** One daemon per state directory: a pid lock file, taken over only from a dead process. */
async function takeLock(stateDir: string): Promise<() => Promise<void>> {
  const lock = path.join(stateDir, 'daemon.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lock, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && processExists(pid)) {
        throw new Error(`a cess-sync daemon (pid ${pid}) already runs for ${stateDir}`);
      }
      await rm(lock, { force: true }); // left by a crashed daemon
    }
  }
  throw new Error(`cannot take ${lock}`);
}

export async function runDaemon(o: RunDaemonOptions): Promise<RunningDaemon> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  await cryptoWaitReady();
  const setupMode = !(await access(configPath(o.stateDir)).then(
    () => true,
    () => false,
  ));
  const config = setupMode ? null : await loadConfig(o.stateDir);
  if (setupMode) await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  const release = await takeLock(o.stateDir);
  const lockedMode =
    config !== null && config.keyStore === 'file' && !(o.env ?? process.env)[PASSPHRASE_ENV];

  const slot = deferredEngine<SyncEngine>(lockedMode ? () => new LockedError() : undefined);
  // The engine, or until onboarding finishes its stand-in: what the routes are given.
  const engine = slot.service;
  let markReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let stopEngine: (() => Promise<void>) | null = null;
  let onboarding: OnboardingService | null = null;
  let unlock: UnlockService | null = null;
  // The key store the engine was started with when it was handed over (unlock, onboarding):
  // a restart (Settings › Network) reuses it, as the passphrase is not kept anywhere else.
  let keyStoreInUse: KeyStore | undefined;
  let restartWanted = false;
  let account: AccountService | null = null;
  let server: DaemonServer | null = null;
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    stopping = true;
    const steps = [() => server?.close(), () => onboarding?.close(), () => stopEngine?.(), release];
    for (const step of steps)
      await Promise.resolve(step()).catch((e: unknown) => log(`shutdown: ${String(e)}`));
  };
  /**
   * Starts the engine on `cfg` and hands it to the routes (unlock, onboarding, the configured
   * start, a restart), unless the daemon began stopping meanwhile. `keyStore` is the one handed
   * over, kept for restarts. Ready from the first start on (later calls leave it resolved).
   */
  const startAndBind = async (
    cfg: LoadedDeviceConfig,
    keyStore?: KeyStore,
  ): Promise<StartedEngine> => {
    const started = await startEngine(o, cfg, log, keyStore);
    keyStoreInUse = keyStore;
    if (stopping) {
      await started.stop();
      throw new Error('the daemon is stopping');
    }
    stopEngine = started.stop;
    slot.bind(started.engine);
    account = started.account;
    markReady();
    return started;
  };
  // Settings › Network (network/service.ts): stop the engine, start it on the new addresses,
  // bind it to the same routes. Not running (setup mode, locked): nothing to restart.
  const apply = async (next: LoadedDeviceConfig): Promise<boolean> => {
    if (stopping || (!slot.bound && !restartWanted)) return false;
    restartWanted = true; // until it runs again: a failed start is retried on the old addresses
    if (slot.bound) slot.unbind(() => new RestartingError());
    await stopEngine?.();
    stopEngine = null;
    await startAndBind(next, keyStoreInUse);
    restartWanted = false;
    log(`the sync engine restarted on ${next.network.chain.join(', ')}`);
    return true;
  };
  try {
    if (config !== null && lockedMode) {
      unlock = new UnlockService({
        open: (passphrase) =>
          openKeyStore({ prefer: 'file', passphrase, filePath: keyFilePath(o.stateDir) }),
        start: async (keyStore) => {
          if (stopping) throw new Error('the daemon is stopping');
          // Reloaded: Settings › Network may have changed the addresses while locked.
          await startAndBind(await loadConfig(o.stateDir), keyStore);
          log(
            `cess-sync daemon for ${config.account} (${config.deviceName}) is unlocked and syncing`,
          );
        },
        log,
      });
    } else if (config !== null) {
      await startAndBind(config);
    } else {
      onboarding = new OnboardingService({
        stateDir: o.stateDir,
        keyStore: o.keyStore ?? 'auto',
        env: o.env ?? process.env,
        log,
        start: async (saved, keyStore) => {
          if (stopping) throw new Error('the daemon is stopping');
          const started = await startAndBind(deviceConfigSchema.parse(saved), keyStore);
          log(`cess-sync daemon for ${saved.account} (${saved.deviceName}) is set up and syncing`);
          return started.engine;
        },
      });
    }
    server = await startDaemonServer({
      service: engine,
      shares: engine,
      versions: engine,
      compaction: engine,
      files: engine,
      shareRequests: engine,
      integrations: createIntegrationService({ stateDir: o.stateDir, log }),
      extraRoutes: {
        ...onboardingRoutes(onboarding),
        ...unlockRoutes(unlock),
        ...networkRoutes(
          new NetworkService({ stateDir: o.stateDir, env: o.env ?? process.env, apply, log }),
        ),
        ...accountRoutes(() => account),
        ...folderSettingsRoutes(engine),
      },
      stateDir: o.stateDir,
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.staticDir !== undefined ? { staticDir: o.staticDir } : {}),
      log,
    });
    log(
      lockedMode
        ? `cess-sync daemon on ${server.url} is locked: the key file needs its passphrase; open the UI (cess-sync ui-url) or run cess-sync unlock`
        : config !== null
          ? `cess-sync daemon for ${config.account} (${config.deviceName}) on ${server.url}`
          : `cess-sync daemon on ${server.url} in setup mode: this device is not set up yet; open the UI (cess-sync ui-url) to set it up`,
    );
    let stopped: Promise<void> | undefined;
    return {
      url: server.url,
      token: server.token,
      engine,
      get setUp() {
        return slot.bound;
      },
      get locked() {
        return unlock?.locked ?? false;
      },
      ready,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

interface StartedEngine {
  engine: SyncEngine;
  account: AccountService;
  stop(): Promise<void>;
}

/**
 * Wires and starts the engine of a set-up device: the secret from the key store (the one
 * onboarding just wrote to, or the configured one), the chain, the gateway, the repository.
 */
async function startEngine(
  o: RunDaemonOptions,
  config: LoadedDeviceConfig,
  log: (line: string) => void,
  openedKeyStore?: KeyStore,
): Promise<StartedEngine> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse())
      await Promise.resolve(c()).catch((e: unknown) => log(`shutdown: ${String(e)}`));
  };
  try {
    const keyStore =
      openedKeyStore ??
      (await openKeyStore({
        prefer: config.keyStore === 'file' ? 'file' : 'keychain',
        filePath: keyFilePath(o.stateDir),
        ...(o.env !== undefined ? { env: o.env } : {}),
      }));
    const mnemonic = await keyStore.get(config.account);
    if (!mnemonic)
      throw new Error(
        `the key store has no secret for ${config.account}; run cess-sync setup again`,
      );
    const chain = await CessChain.connect({ endpoints: config.network.chain });
    cleanups.push(() => chain.disconnect());
    const pair = new Keyring({
      type: 'sr25519',
      ss58Format: chain.api.registry.chainSS58 ?? 42,
    }).addFromMnemonic(mnemonic);
    if (pair.address !== config.account) {
      throw new Error(
        `the stored secret is for ${pair.address}, the configuration names ${config.account}`,
      );
    }
    const gateway = new Cd2nClient({
      baseUrl: config.network.gateway,
      signer: keyringSigner(pair),
    });
    // The device's bandwidth limits are engine settings, read on every transfer.
    const limits: { engine?: SyncEngine } = {};
    const store = new CessObjectStore({
      chain,
      gateway,
      account: pair,
      territory: config.territory,
      upload: new RateLimiter(() => limits.engine?.getSettings().uploadLimitBytesPerSec ?? null),
      download: new RateLimiter(
        () => limits.engine?.getSettings().downloadLimitBytesPerSec ?? null,
      ),
    });
    const keys = deriveKeys(mnemonicToMiniSecret(mnemonic));
    const manifest = Manifest.open(path.join(o.stateDir, 'manifest.sqlite'));
    cleanups.push(() => manifest.close());
    const engine = new SyncEngine({
      manifest,
      keys,
      account: pretAccountOf(pair),
      repo: new Repository(store, keys),
      store,
      deviceName: config.deviceName,
      sharing: {
        signer: keyringSigner(pair),
        proxy: config.sharingProxy === 'gateway' ? gateway : localProxy,
        ss58Format: chain.api.registry.chainSS58 ?? 42,
        receiveDir: o.stateDir,
      },
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    });
    limits.engine = engine;
    await engine.start();
    cleanups.push(() => engine.stop());
    // Balance, territory and gateway: shown in Account and space, problems fed to the engine.
    const poller: { poll(): Promise<void> } = { poll: () => Promise.resolve() };
    const account = new AccountService({
      chain,
      pair,
      network: config.network,
      territory: config.territory,
      log,
      changed: () => void poller.poll(),
    });
    const started = startAccountPoller({ service: account, engine, log });
    poller.poll = started.poll;
    cleanups.push(() => started.stop());
    return { engine, account, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
