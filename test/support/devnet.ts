import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevnet, type Devnet, type DevnetOptions } from '../../src/devnet/network.js';

/** The CESS genesis for tests: CESS_GENESIS, else the planning repo's copy beside this checkout. */
export const GENESIS =
  process.env.CESS_GENESIS ??
  path.resolve(import.meta.dirname, '../../../shared/cess/cess-testnet-spec-raw.json');

export interface TestDevnet extends Devnet {
  stateDir: string;
}

/** A fresh local CESS network in a temp dir; stop() also removes the dir. */
export async function startTestDevnet(opts: Partial<DevnetOptions> = {}): Promise<TestDevnet> {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'cess-devnet-'));
  const net = await startDevnet({ genesisPath: GENESIS, stateDir, minerDelay: 0, ...opts });
  return {
    ...net,
    stateDir,
    stop: async () => {
      await net.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
