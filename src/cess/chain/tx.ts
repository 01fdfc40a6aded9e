import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces';

export type WaitFor = 'inBlock' | 'finalized';

/** A transaction the chain refused or that failed in its block, with the pallet's reason. */
export class ChainTxError extends Error {
  override name = 'ChainTxError';
  constructor(
    message: string,
    /** `pallet.Error` when the runtime gave a module error, e.g. `fileBank.NotOwner`. */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface TxResult {
  blockHash: string;
  events: EventRecord[];
}

/** Turns a runtime DispatchError into `pallet.Name: docs`, the most a generic layer can say. */
export function describeDispatchError(api: ApiPromise, err: DispatchError): ChainTxError {
  if (err.isModule) {
    const meta = api.registry.findMetaError(err.asModule);
    const code = `${meta.section}.${meta.name}`;
    const docs = meta.docs.join(' ').trim();
    return new ChainTxError(docs ? `${code}: ${docs}` : code, code);
  }
  if (err.isToken) return new ChainTxError(`token error: ${err.asToken.type}`, `token.${err.asToken.type}`);
  if (err.isArithmetic) return new ChainTxError(`arithmetic error: ${err.asArithmetic.type}`, undefined);
  if (err.isBadOrigin) return new ChainTxError('bad origin: this account may not make this call', 'BadOrigin');
  return new ChainTxError(err.toString(), undefined);
}

// One queue per signer: two extrinsics of one account in flight at once race for the same
// nonce (chopsticks answers the loser "1010 invalid: stale").
const queues = new Map<string, Promise<unknown>>();

/**
 * Signs, submits and waits for the extrinsic to be included (or finalized), serialised per
 * signer. Rejects with ChainTxError when the pool refuses it or it fails in its block.
 */
export function signAndWait(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  waitFor: WaitFor = 'finalized',
): Promise<TxResult> {
  const prev = queues.get(signer.address) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => submit(api, tx, signer, waitFor));
  queues.set(signer.address, run);
  void run.finally(() => {
    if (queues.get(signer.address) === run) queues.delete(signer.address);
  }).catch(() => undefined);
  return run;
}

async function submit(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  waitFor: WaitFor,
): Promise<TxResult> {
  const nonce = await api.rpc.system.accountNextIndex(signer.address);
  return new Promise<TxResult>((resolve, reject) => {
    let unsub: (() => void) | undefined;
    let finished = false;
    const done = (fn: () => void): void => {
      finished = true;
      unsub?.();
      fn();
    };
    tx.signAndSend(signer, { nonce }, (result) => {
      const { status, dispatchError, events } = result;
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        done(() => reject(new ChainTxError(`transaction ${status.type.toLowerCase()}`, undefined)));
        return;
      }
      const reached = waitFor === 'inBlock' ? status.isInBlock || status.isFinalized : status.isFinalized;
      if (!reached) return;
      if (dispatchError) {
        done(() => reject(describeDispatchError(api, dispatchError)));
        return;
      }
      const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
      done(() => resolve({ blockHash, events }));
    })
      .then((u) => {
        // The status callback may already have settled before the subscription resolved.
        if (finished) u();
        else unsub = u;
      })
      .catch((err: unknown) => {
        const msg = err instanceof Error ? err.message : String(err);
        reject(new ChainTxError(`transaction refused by the node: ${msg}`, undefined));
      });
  });
}
