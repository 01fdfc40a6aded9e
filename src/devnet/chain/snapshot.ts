import type { ApiPromise } from '@polkadot/api';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { setStorage, type DevRpc, type StoragePair } from './dev-storage.js';

/**
 * The local chain's state, saved on stop and restored on start.
 *
 * chopsticks' own `--resume` restores the head block's storage diff on top of the *upstream*
 * state; a chain run from a genesis file has no upstream, so everything written before the
 * last block is lost (measured: a territory minted two blocks before a stop was gone). We
 * instead dump every storage pair at the head and write them back into a fresh chain.
 */
const PAGE = 1000;

const CODE_KEY = '0x3a636f6465'; // ':code'

async function allKeys(rpc: DevRpc, at: string): Promise<string[]> {
  const keys: string[] = [];
  let start: string | null = null;
  for (;;) {
    const hex = (await rpc.send('state_getKeysPaged', ['0x', PAGE, start, at])) as string[];
    keys.push(...hex);
    if (hex.length < PAGE) return keys;
    start = hex[hex.length - 1] ?? null;
  }
}

export async function saveChainState(api: ApiPromise, rpc: DevRpc, file: string): Promise<number> {
  const at = (await api.rpc.chain.getBlockHash()).toHex();
  // The runtime code is the genesis file's; it is not copied (and is most of the bytes).
  const keys = (await allKeys(rpc, at)).filter((k) => k !== CODE_KEY);
  const pairs: StoragePair[] = [];
  for (let i = 0; i < keys.length; i += PAGE) {
    const batch = keys.slice(i, i + PAGE);
    const result = (await rpc.send('state_queryStorageAt', [batch, at])) as {
      changes: [string, string | null][];
    }[];
    for (const change of result[0]?.changes ?? []) pairs.push(change);
  }
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify({ version: 1, at, pairs }));
  await rename(tmp, file); // atomic: a crash mid-save leaves the previous state
  return pairs.length;
}

/** Writes a saved state over a freshly started chain; keys it does not have are removed. */
export async function restoreChainState(
  api: ApiPromise,
  rpc: DevRpc,
  file: string,
): Promise<boolean> {
  if (!existsSync(file)) return false;
  const saved = JSON.parse(await readFile(file, 'utf8')) as {
    version: number;
    pairs: StoragePair[];
  };
  if (saved.version !== 1)
    throw new Error(`unknown chain state format ${saved.version} in ${file}`);
  const at = (await api.rpc.chain.getBlockHash()).toHex();
  const keep = new Set(saved.pairs.map(([k]) => k));
  const stale: StoragePair[] = (await allKeys(rpc, at))
    .filter((k) => k !== CODE_KEY && !keep.has(k))
    .map((k) => [k, null]);
  const all = [...saved.pairs.filter(([, v]) => v !== null), ...stale];
  for (let i = 0; i < all.length; i += PAGE) await setStorage(rpc, all.slice(i, i + PAGE));
  return true;
}
