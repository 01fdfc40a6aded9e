/**
 * The headless sync daemon: the engine plus its local API, for one device (state directory).
 * The desktop app starts the same thing as a child process; `cess-sync daemon` runs it in a
 * terminal or under a service manager.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CessChain } from '../cess/chain/client.js';
import { Cd2nClient, keyringSigner } from '../cess/gateway/index.js';
import { openKeyStore } from '../cess/keystore/index.js';
import { secretScalarFromKeyringPair } from '../cess/pret/index.js';
import { SyncEngine } from '../sync/engine/engine.js';
import { localProxy } from '../sync/share/index.js';
import { deriveKeys } from '../sync/format/index.js';
import { Manifest } from '../sync/manifest/index.js';
import { CessObjectStore } from '../sync/remote/cess-object-store.js';
import { RateLimiter } from '../sync/remote/rate-limiter.js';
import { Repository } from '../sync/remote/repository.js';
import { keyFilePath, loadConfig } from './config.js';
import { startDaemonServer, type DaemonServer } from './server.js';
import { processExists } from './state-file.js';

export interface RunDaemonOptions {
  stateDir: string;
  port?: number;
  /** Serve the UI from this directory (headless mode). */
  staticDir?: string;
  pollMs?: number;
  log?: (line: string) => void;
}

export interface RunningDaemon {
  url: string;
  token: string;
  engine: SyncEngine;
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
  const config = await loadConfig(o.stateDir);
  const release = await takeLock(o.stateDir);
  const cleanups: (() => Promise<void> | void)[] = [release];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse())
      await Promise.resolve(c()).catch((e: unknown) => log(`shutdown: ${String(e)}`));
  };
  try {
    const keyStore = await openKeyStore({
      prefer: config.keyStore === 'file' ? 'file' : 'keychain',
      filePath: keyFilePath(o.stateDir),
    });
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
      account: {
        address: pair.address,
        publicKey: pair.publicKey,
        secretScalar: secretScalarFromKeyringPair(pair),
      },
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
    const server: DaemonServer = await startDaemonServer({
      service: engine,
      shares: engine,
      versions: engine,
      stateDir: o.stateDir,
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.staticDir !== undefined ? { staticDir: o.staticDir } : {}),
      log,
    });
    cleanups.push(() => server.close());
    log(`cess-sync daemon for ${config.account} (${config.deviceName}) on ${server.url}`);
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      token: server.token,
      engine,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
