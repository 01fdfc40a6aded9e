/**
 * The local CESS network with one funded sync account, for the benchmarks that run real engine
 * passes (latency.ts, upload-pass.ts). Setup as in test/integration/sync-two-devices.test.ts.
 *
 * Genesis: CESS_GENESIS, else ../shared/cess/cess-testnet-spec-raw.json beside this checkout.
 */
import { mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CessChain } from '../src/cess/chain/client.js';
import { Cd2nClient, keyringSigner } from '../src/cess/gateway/index.js';
import { pretAccountOf } from '../src/cess/pret/index.js';
import { prepareSyncAccount } from '../src/devnet/accounts.js';
import { startDevnet, type Devnet } from '../src/devnet/network.js';
import { initFolderRoot, type FolderSyncContext } from '../src/sync/engine/folder-sync.js';
import { deriveKeys } from '../src/sync/format/index.js';
import { Manifest } from '../src/sync/manifest/index.js';
import { CessObjectStore } from '../src/sync/remote/cess-object-store.js';
import { Repository } from '../src/sync/remote/repository.js';

export const GENESIS =
  process.env.CESS_GENESIS ??
  path.resolve(import.meta.dirname, '../../shared/cess/cess-testnet-spec-raw.json');

export interface DevnetSync {
  devnetStartMs: number;
  /** A new synced folder `id` at `<work>/<name>` with its engine context (one manifest). */
  folder(id: string, name: string): Promise<FolderSyncContext>;
  close(): Promise<void>;
}

/** Starts the devnet under `work`; a string says why it could not (the bench is skipped). */
export async function openDevnetSync(work: string): Promise<DevnetSync | string> {
  if (!existsSync(GENESIS)) return `no CESS genesis at ${GENESIS} (set CESS_GENESIS)`;
  const t0 = performance.now();
  let net: Devnet;
  try {
    net = await startDevnet({
      genesisPath: GENESIS,
      stateDir: path.join(work, 'devnet'),
      minerDelay: 0,
    });
  } catch (e) {
    return `devnet did not start: ${(e as Error).message.split('\n')[0]}`;
  }
  const devnetStartMs = Math.round(performance.now() - t0);
  let chain: CessChain | undefined;
  let manifest: Manifest | undefined;
  try {
    const { mnemonic, pair: account } = await prepareSyncAccount(net, {
      territory: 'sync',
      gib: 20,
      funds: 100_000n,
    });
    manifest = Manifest.open(path.join(work, 'manifest.sqlite'));
    chain = await CessChain.connect({ endpoints: net.chainUrl });
    const gateway = new Cd2nClient({ baseUrl: net.gatewayUrl, signer: keyringSigner(account) });
    const store = new CessObjectStore({ chain, gateway, account, territory: 'sync' });
    const keys = deriveKeys(mnemonicToMiniSecret(mnemonic));
    const repo = new Repository(store, keys);
    const m = manifest;
    return {
      devnetStartMs,
      async folder(id, name) {
        const root = path.join(work, name);
        await mkdir(root, { recursive: true });
        await initFolderRoot(root);
        m.addFolder({ id, rootPath: root });
        return {
          folderId: id,
          root,
          manifest: m,
          keys,
          account: pretAccountOf(account),
          repo,
          store,
          deviceName: 'laptop',
        };
      },
      async close() {
        m.close();
        await chain?.disconnect();
        await net.stop();
      },
    };
  } catch (e) {
    manifest?.close();
    await chain?.disconnect();
    await net.stop();
    throw e;
  }
}
