import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsicFunction, QueryableStorageEntry } from '@polkadot/api/types';

/**
 * CESS pallets have no generated typings, and their shapes differ between runtime specs
 * (spec 100 has buckets, spec >= 126 not). Calls and storage are therefore looked up in the
 * running chain's metadata, failing with a message that names what is missing.
 */
export function txOf(
  api: ApiPromise,
  pallet: string,
  call: string,
): SubmittableExtrinsicFunction<'promise'> {
  const fn = api.tx[pallet]?.[call];
  if (!fn)
    throw new Error(
      `this chain's runtime has no call ${pallet}.${call} (spec ${api.runtimeVersion.specVersion.toString()})`,
    );
  return fn;
}

export function queryOf(
  api: ApiPromise,
  pallet: string,
  item: string,
): QueryableStorageEntry<'promise'> {
  const entry = api.query[pallet]?.[item];
  if (!entry)
    throw new Error(
      `this chain's runtime has no storage ${pallet}.${item} (spec ${api.runtimeVersion.specVersion.toString()})`,
    );
  return entry;
}

export function hasCall(api: ApiPromise, pallet: string, call: string): boolean {
  return api.tx[pallet]?.[call] !== undefined;
}
