#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GENESIS, startDevnet } from './network.js';
import type { MinerDelay } from './gateway/chain-backend.js';

export function parseDelay(v: string): MinerDelay {
  if (v === 'never') return 'never';
  const m = /^(\d+)(ms|s|m)?$/.exec(v);
  if (!m) throw new InvalidArgumentError('use e.g. 0, 500ms, 30s, 5m or never');
  const n = Number(m[1]);
  return m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
}

const program = new Command()
  .name('devnet')
  .description(
    'Local CESS network: the real CESS runtime under chopsticks and a CD²N + DeOSS gateway, on 127.0.0.1',
  )
  .option(
    '--genesis <file>',
    'raw chain spec of the CESS runtime',
    process.env.CESS_GENESIS ?? DEFAULT_GENESIS,
  )
  .option(
    '--state-dir <dir>',
    'chain database, gateway data and logs',
    process.env.CESS_DEVNET_DIR ?? '.devnet',
  )
  .option('--chain-port <port>', 'chain RPC port (0 = any free)', (v) => Number(v), 9944)
  .option('--gateway-port <port>', 'gateway HTTP port (0 = any free)', (v) => Number(v), 8080)
  .option(
    '--miner-delay <time>',
    'when simulated miners store a declared file: 0, 30s, 5m, never',
    parseDelay,
    0 as MinerDelay,
  )
  .option('--fresh', 'delete the state directory first')
  .option('--quiet', 'print only the ready line');

program.parse();
const o = program.opts<{
  genesis: string;
  stateDir: string;
  chainPort: number;
  gatewayPort: number;
  minerDelay: MinerDelay;
  fresh?: boolean;
  quiet?: boolean;
}>();

const stateDir = path.resolve(o.stateDir);
if (o.fresh) rmSync(stateDir, { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });
const log = o.quiet ? () => undefined : (m: string) => console.log(`[devnet] ${m}`);
log(`starting the CESS runtime from ${o.genesis} (state in ${stateDir})`);

try {
  const net = await startDevnet({
    genesisPath: path.resolve(o.genesis),
    stateDir,
    chainPort: o.chainPort,
    gatewayPort: o.gatewayPort,
    minerDelay: o.minerDelay,
    log,
  });
  const info = {
    chain: net.chainUrl,
    gateway: net.gatewayUrl,
    gatewayAccount: net.keys.gateway.address,
    ss58Format: net.ss58Format,
    devAccounts: Object.fromEntries(
      Object.entries(net.keys.users).map(([n, k]) => [`//${n}`, k.address]),
    ),
    pid: process.pid,
  };
  // Other processes (demo, tests, CLI) find the network through this file.
  writeFileSync(path.join(stateDir, 'devnet.json'), JSON.stringify(info, null, 2));
  log(`dev accounts funded: ${Object.keys(info.devAccounts).join(' ')}`);
  console.log(
    `READY chain=${net.chainUrl} gateway=${net.gatewayUrl} gatewayAccount=${info.gatewayAccount} (${net.startMs} ms)`,
  );
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    rmSync(path.join(stateDir, 'devnet.json'), { force: true });
    net.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  console.error(`[devnet] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
