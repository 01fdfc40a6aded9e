/**
 * CLI commands that work on the state directory itself rather than through a running daemon:
 * `setup` (write the device configuration, keep the secret in the key store) and `daemon`
 * (run the engine and its API in the foreground).
 */
import { readFile } from 'node:fs/promises';
import { runDaemon } from '../daemon/run.js';
import { setupDevice } from '../daemon/setup.js';
import { UsageError, type CliIO } from './commands.js';
import { networkPresets } from '../daemon/onboarding/networks.js';

export interface SetupCliOptions {
  network: string;
  chain?: string[];
  gateway?: string;
  territory: string;
  device: string;
  create?: boolean;
  mnemonicFile?: string;
  keyStore: 'auto' | 'keychain' | 'file';
}

/** The same presets the onboarding page offers (local honours CESS_SYNC_LOCAL_CHAIN/_GATEWAY). */
function presetFor(name: string): { chain: string[]; gateway: string } | undefined {
  if (name === 'custom') return undefined;
  return networkPresets().find((p) => p.id === name);
}

async function readMnemonic(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  return readFile(file, 'utf8');
}

export async function setupCommand(
  stateDir: string,
  io: CliIO,
  o: SetupCliOptions,
): Promise<number> {
  if ((o.create === true) === (o.mnemonicFile !== undefined)) {
    throw new UsageError(
      'give exactly one of --create or --mnemonic-file (a recovery phrase is never taken on the command line: other users can read it)',
    );
  }
  const preset = presetFor(o.network);
  if (!preset && (!o.chain || !o.gateway))
    throw new UsageError(`network '${o.network}' needs --chain and --gateway`);
  const network = {
    name: o.network,
    chain: o.chain ?? preset?.chain ?? [],
    gateway: o.gateway ?? preset?.gateway ?? '',
  };
  const r = await setupDevice({
    stateDir,
    network,
    mnemonic: o.create === true ? 'create' : await readMnemonic(o.mnemonicFile ?? ''),
    territory: o.territory,
    deviceName: o.device,
    keyStore: o.keyStore,
  });
  if (io.json) {
    io.out(
      JSON.stringify({ account: r.config.account, keyStore: r.config.keyStore, todo: r.todo }),
    );
  } else {
    io.out(`device '${r.config.deviceName}' set up for ${r.config.account} on ${network.name}`);
    io.out(
      `secret kept in the ${r.config.keyStore === 'keychain' ? 'OS keychain' : `encrypted key file in ${stateDir}`}`,
    );
    if (r.newMnemonic) {
      io.out('');
      io.out('NEW ACCOUNT: write these 24 words down and keep them safe. They are the only way to');
      io.out('recover your files on another device; cess-sync will not show them again:');
      io.out(`  ${r.newMnemonic}`);
      io.out('');
    }
    for (const t of r.todo) io.out(`to do: ${t}`);
  }
  return 0;
}

export async function daemonCommand(
  stateDir: string,
  io: CliIO,
  o: { port: number; ui?: string },
  signal: AbortSignal,
): Promise<number> {
  const d = await runDaemon({
    stateDir,
    port: o.port,
    ...(o.ui !== undefined ? { staticDir: o.ui } : {}),
    log: (l) => io.err(l),
  });
  io.out(
    io.json
      ? JSON.stringify({ url: d.url })
      : `cess-sync daemon running on ${d.url} (Ctrl-C stops it)`,
  );
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await d.stop();
  return 0;
}
