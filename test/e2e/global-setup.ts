/**
 * Once per e2e run: builds the UI into dist/renderer, starts the local CESS network (the real
 * CESS runtime under chopsticks + the project's gateway), makes a funded account with a territory
 * and the gateway authorized, and sets up one device state dir for it (secret in an encrypted key
 * file, never the user's keychain), plus a second account and device (the recipient of shares).
 * What the tests need is passed on in E2E_* variables. The returned function is the teardown: it
 * stops the network and removes everything.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setupDevice } from '../../src/daemon/setup.js';
import { DEFAULT_GENESIS, startDevnet } from '../../src/devnet/network.js';
import { prepareSyncAccount } from '../../src/devnet/accounts.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const repo = path.resolve(import.meta.dirname, '../..');
  if (process.env.E2E_SKIP_BUILD !== '1') {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build-renderer.mjs')], {
      stdio: 'inherit',
    });
  }
  await cryptoWaitReady();
  const genesis = path.resolve(repo, process.env.CESS_GENESIS ?? DEFAULT_GENESIS);
  const work = await mkdtemp(path.join(tmpdir(), 'cess-sync-e2e-'));
  const net = await startDevnet({
    genesisPath: genesis,
    stateDir: path.join(work, 'devnet'),
    minerDelay: 1000,
    chainPort: 0,
    gatewayPort: 0,
  });
  try {
    const { mnemonic, pair } = await prepareSyncAccount(net, { territory: 'e2e', gib: 5 });

    process.env.CESS_SYNC_PASSPHRASE = randomBytes(16).toString('hex');
    const stateDir = path.join(work, 'device-a');
    const setup = await setupDevice({
      stateDir,
      network: { name: 'local', chain: [net.chainUrl], gateway: net.gatewayUrl },
      mnemonic,
      territory: 'e2e',
      deviceName: 'e2e-laptop',
      keyStore: 'file',
    });
    if (setup.todo.length > 0) throw new Error(`device not ready: ${setup.todo.join('; ')}`);
    // The recipient of share.spec.ts: a second account with a device of its own.
    const recipient = await prepareSyncAccount(net, { territory: 'e2e-b', gib: 1 });
    const recipientStateDir = path.join(work, 'device-b');
    const recipientSetup = await setupDevice({
      stateDir: recipientStateDir,
      network: { name: 'local', chain: [net.chainUrl], gateway: net.gatewayUrl },
      mnemonic: recipient.mnemonic,
      territory: 'e2e-b',
      deviceName: 'e2e-recipient',
      keyStore: 'file',
    });
    if (recipientSetup.todo.length > 0)
      throw new Error(`recipient device not ready: ${recipientSetup.todo.join('; ')}`);
    // Inherited by the test workers, which start after this returns.
    process.env.E2E_WORK = work;
    process.env.E2E_STATE_DIR = stateDir;
    process.env.E2E_ACCOUNT = pair.address;
    process.env.E2E_RECIPIENT_STATE_DIR = recipientStateDir;
    process.env.E2E_RECIPIENT_ACCOUNT = recipient.pair.address;
    process.env.E2E_STATIC_DIR = path.join(repo, 'dist', 'renderer');
    // For tests that set a device up from nothing (onboarding.spec.ts).
    process.env.E2E_CHAIN_URL = net.chainUrl;
    process.env.E2E_GATEWAY_URL = net.gatewayUrl;
    console.log(
      `[e2e] devnet ${net.chainUrl}, gateway ${net.gatewayUrl}, account ${pair.address}; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    await net.stop().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    await net.stop().catch((e: unknown) => console.error(`[e2e] devnet stop: ${String(e)}`));
    await rm(work, { recursive: true, force: true });
  };
}
