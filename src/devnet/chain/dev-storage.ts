import type { ApiPromise } from '@polkadot/api';
import type { ProviderInterface } from '@polkadot/rpc-provider/types';

/** chopsticks' dev_* RPCs are not decorated by @polkadot/api: they go through a raw provider. */
export type DevRpc = Pick<ProviderInterface, 'send'>;

/** A storage key and its SCALE value (hex), or null to delete it. */
export type StoragePair = [key: string, value: string | null];

/** chopsticks' dev_setStorage: writes raw storage on the head block, as a runtime would. */
export async function setStorage(rpc: DevRpc, pairs: StoragePair[]): Promise<void> {
  if (pairs.length === 0) return;
  await rpc.send('dev_setStorage', [pairs]);
}

/** Builds one block now (chopsticks dev_newBlock), e.g. to let scheduled hooks run. */
export async function newBlock(rpc: DevRpc): Promise<void> {
  await rpc.send('dev_newBlock', []);
}

export const TCESS = 10n ** 18n;

/** System.Account entries giving each address `free` planck (and a provider, so it exists). */
export function balancePairs(api: ApiPromise, addresses: string[], free: bigint): StoragePair[] {
  return addresses.map((addr) => [
    api.query.system.account.key(addr),
    api.createType('FrameSystemAccountInfo', { providers: 1, data: { free } }).toHex(),
  ]);
}
