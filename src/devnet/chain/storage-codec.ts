import type { ApiPromise } from '@polkadot/api';
import type { Codec } from '@polkadot/types/types';
import { queryOf } from '../../cess/chain/metadata.js';

/**
 * SCALE-encodes `value` as the value type of storage `pallet.item`, read from the runtime's
 * metadata (so it follows whatever shape the running spec has).
 */
export function encodeStorageValue(
  api: ApiPromise,
  pallet: string,
  item: string,
  value: unknown,
): string {
  const ty = queryOf(api, pallet, item).creator.meta.type;
  const id = ty.isMap ? ty.asMap.value : ty.asPlain;
  return api.createType(api.registry.createLookupType(id), value).toHex();
}

export function storageKey(
  api: ApiPromise,
  pallet: string,
  item: string,
  ...keys: unknown[]
): string {
  return queryOf(api, pallet, item).key(...keys);
}

/** Reads a storage value as JSON, or null when it is absent. */
export async function readJson<T>(
  api: ApiPromise,
  pallet: string,
  item: string,
  ...keys: unknown[]
): Promise<T | null> {
  const v = (await queryOf(api, pallet, item)(...keys)) as Codec & {
    isNone?: boolean;
    unwrap?: () => Codec;
  };
  if (v.isNone === true) return null;
  const inner = typeof v.unwrap === 'function' ? v.unwrap() : v;
  return inner.toJSON() as T;
}
