import type { ApiPromise } from '@polkadot/api';
import { hexToString, isHex } from '@polkadot/util';
import { setStorage, type DevRpc, type StoragePair } from './dev-storage.js';
import { encodeStorageValue, readJson, storageKey } from './storage-codec.js';

/** Territory space one segment locks: 12 fragments of 8 MiB (cess-protocol.md). */
export const SPACE_PER_SEGMENT = 96n * 1024n * 1024n;
const FRAGMENT_BYTES = 8n * 1024n * 1024n;

interface DealJson {
  fileSize: string | number;
  segmentList: { hash_: string; fragmentList: string[] }[];
  user: { user: string; fileName: string; territoryName: string; bucketName?: string };
}

interface TerritoryJson {
  token: string;
  totalSpace: string | number;
  usedSpace: string | number;
  lockedSpace: string | number;
  remainingSpace: string | number;
  start: number;
  deadline: number;
  state: string;
}

/** Chain JSON gives Bytes as 0x-hex; names are UTF-8. */
function text(v: string): string {
  return isHex(v) ? hexToString(v) : v;
}

/** Chain JSON gives a [u8;64] fid as 0x-hex of its 64 ASCII characters. */
function hash64(v: string): string {
  return isHex(v) && v.length === 130 ? hexToString(v) : v;
}

/**
 * Does what 12 miners' transfer_report calls would do to a pending deal: the file becomes
 * Active in File with its fragments held by `miner`, the owner's UserHoldFileList and bucket
 * list it, the territory's locked space turns into used space, and the DealMap entry goes.
 * Returns false when there is no such deal (already completed or never declared).
 */
export async function completeDeal(
  api: ApiPromise,
  rpc: DevRpc,
  fid: string,
  miner: string,
): Promise<boolean> {
  const deal = await readJson<DealJson>(api, 'fileBank', 'dealMap', fid);
  if (!deal) return false;
  const owner = deal.user.user;
  const territoryName = text(deal.user.territoryName);
  const fileSize = BigInt(deal.fileSize);
  const header = await api.rpc.chain.getHeader();
  const segments = deal.segmentList.map((s) => ({
    hash_: hash64(s.hash_),
    fragmentList: s.fragmentList.map((f) => ({ hash_: hash64(f), avail: true, tag: null, miner })),
  }));
  const brief = {
    ...deal.user,
    fileName: text(deal.user.fileName),
    territoryName,
    ...(deal.user.bucketName !== undefined ? { bucketName: text(deal.user.bucketName) } : {}),
  };
  const heldBytes =
    FRAGMENT_BYTES * BigInt(segments.reduce((n, seg) => n + seg.fragmentList.length, 0));
  const pairs: StoragePair[] = [
    [
      storageKey(api, 'fileBank', 'file', fid),
      encodeStorageValue(api, 'fileBank', 'file', {
        segmentList: segments,
        owner: [brief],
        fileSize,
        completion: header.number.toNumber(),
        stat: 'Active',
      }),
    ],
    [storageKey(api, 'fileBank', 'dealMap', fid), null],
  ];

  const held =
    (await readJson<{ territoryName: string; fileHash: string; fileSize: string }[]>(
      api,
      'fileBank',
      'userHoldFileList',
      owner,
    )) ?? [];
  const holdList = held.map((h) => ({
    territoryName: text(h.territoryName),
    fileHash: hash64(h.fileHash),
    fileSize: h.fileSize,
  }));
  holdList.push({ territoryName, fileHash: fid, fileSize: fileSize.toString() });
  pairs.push([
    storageKey(api, 'fileBank', 'userHoldFileList', owner),
    encodeStorageValue(api, 'fileBank', 'userHoldFileList', holdList),
  ]);

  const terr = await readJson<TerritoryJson>(
    api,
    'storageHandler',
    'territory',
    owner,
    territoryName,
  );
  if (terr) {
    const need = SPACE_PER_SEGMENT * BigInt(segments.length);
    const locked = BigInt(terr.lockedSpace);
    const moved = locked < need ? locked : need;
    pairs.push([
      storageKey(api, 'storageHandler', 'territory', owner, territoryName),
      encodeStorageValue(api, 'storageHandler', 'territory', {
        ...terr,
        lockedSpace: locked - moved,
        usedSpace: BigInt(terr.usedSpace) + moved,
      }),
    ]);
  }

  // A fragment a miner has reported but not yet tagged (calculate_report, which needs a TEE)
  // counts as the miner's locked space; deleting the file releases it from there.
  const minerInfo = await readJson<
    Record<string, unknown> & { lockSpace: string | number; idleSpace: string | number }
  >(api, 'sminer', 'minerItems', miner);
  if (minerInfo) {
    const idle = BigInt(minerInfo.idleSpace);
    pairs.push([
      storageKey(api, 'sminer', 'minerItems', miner),
      encodeStorageValue(api, 'sminer', 'minerItems', {
        ...minerInfo,
        lockSpace: BigInt(minerInfo.lockSpace) + heldBytes,
        idleSpace: idle > heldBytes ? idle - heldBytes : 0n,
      }),
    ]);
  }

  // The network-wide service space grows by what the miners now hold (deleteFile shrinks it).
  const service = await readJson<string | number>(api, 'storageHandler', 'totalServiceSpace');
  pairs.push([
    storageKey(api, 'storageHandler', 'totalServiceSpace'),
    encodeStorageValue(
      api,
      'storageHandler',
      'totalServiceSpace',
      BigInt(service ?? 0) + heldBytes,
    ),
  ]);

  // spec < 126 still has buckets: the completed file is listed in the owner's bucket.
  if (brief.bucketName !== undefined && api.query.fileBank?.bucket) {
    const bucketName = brief.bucketName;
    const bucket = await readJson<{ objectList: string[]; authority: string[] }>(
      api,
      'fileBank',
      'bucket',
      owner,
      bucketName,
    );
    const objectList = (bucket?.objectList ?? []).map(hash64);
    if (!objectList.includes(fid)) objectList.push(fid);
    pairs.push([
      storageKey(api, 'fileBank', 'bucket', owner, bucketName),
      encodeStorageValue(api, 'fileBank', 'bucket', {
        objectList,
        authority: bucket?.authority ?? [owner],
      }),
    ]);
    if (!bucket) {
      const names = (
        (await readJson<string[]>(api, 'fileBank', 'userBucketList', owner)) ?? []
      ).map(text);
      names.push(bucketName);
      pairs.push([
        storageKey(api, 'fileBank', 'userBucketList', owner),
        encodeStorageValue(api, 'fileBank', 'userBucketList', names),
      ]);
    }
  }
  await setStorage(rpc, pairs);
  return true;
}

/** A storage miner entry, so that calls which credit or debit a fragment holder (delete_file) find one. */
export function minerItemPair(api: ApiPromise, miner: string, space: bigint): StoragePair {
  return [
    storageKey(api, 'sminer', 'minerItems', miner),
    encodeStorageValue(api, 'sminer', 'minerItems', {
      beneficiary: miner,
      stakingAccount: miner,
      peerId: new Uint8Array(38),
      collaterals: 0,
      debt: 0,
      state: 'positive',
      declarationSpace: space,
      idleSpace: space,
      serviceSpace: 0,
      lockSpace: 0,
      spaceProofInfo: null,
      serviceBloomFilter: new Array(256).fill(0),
      teeSignature: new Uint8Array(64),
    }),
  ];
}
