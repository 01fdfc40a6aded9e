import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces';

export type WaitFor = 'inBlock' | 'finalized';

/**
 * Why a transaction failed:
 * - `module`: the runtime executed it and a pallet refused it (`code` is `pallet.Error`);
 * - `dispatch`: another dispatch error (bad origin, token, arithmetic);
 * - `pool`: the node refused it before execution (fees, nonce, signature);
 * - `dropped`: the pool dropped, usurped or invalidated it after accepting it;
 * - `disconnected`: the connection was down before sending, or dropped while waiting (the
 *   transaction may or may not have been included: look at the chain before retrying);
 * - `timeout`: no inBlock/finalized status in time (same caveat).
 */
export type TxFailureKind = 'module' | 'dispatch' | 'pool' | 'dropped' | 'disconnected' | 'timeout';

/** A transaction the chain refused or that failed in its block, with the pallet's reason. */
export class ChainTxError extends Error {
  override name = 'ChainTxError';
  constructor(
    message: string,
    /** `pallet.Error` when the runtime gave a module error, e.g. `fileBank.NotOwner`; `pool.<reason>` for pool refusals. */
    readonly code: string | undefined,
    readonly kind: TxFailureKind = code && !code.startsWith('pool.') ? 'module' : 'dispatch',
  ) {
    super(message);
  }
}

export interface TxResult {
  blockHash: string;
  events: EventRecord[];
}

export interface SignAndWaitOptions {
  /** Reject with kind 'timeout' when the wanted status has not come within this time (default 120 s). */
  timeoutMs?: number;
}

/** Turns a runtime DispatchError into `pallet.Name: docs`, the most a generic layer can say. */
export function describeDispatchError(api: ApiPromise, err: DispatchError): ChainTxError {
  if (err.isModule) {
    const meta = api.registry.findMetaError(err.asModule);
    const code = `${meta.section}.${meta.name}`;
    const docs = meta.docs.join(' ').trim();
    return new ChainTxError(docs ? `${code}: ${docs}` : code, code, 'module');
  }
  if (err.isToken)
    return new ChainTxError(
      `token error: ${err.asToken.type}`,
      `token.${err.asToken.type}`,
      'dispatch',
    );
  if (err.isArithmetic)
    return new ChainTxError(`arithmetic error: ${err.asArithmetic.type}`, undefined, 'dispatch');
  if (err.isBadOrigin)
    return new ChainTxError(
      'bad origin: this account may not make this call',
      'BadOrigin',
      'dispatch',
    );
  return new ChainTxError(err.toString(), undefined, 'dispatch');
}

/**
 * A node's refusal (`1010: {"invalid":{"payment":null}}`, `1014: Priority is too low`...) as a
 * `pool.<reason>` code and a sentence.
 */
export function describePoolError(raw: string): ChainTxError {
  const m = /"(invalid|unknown)"\s*:\s*\{\s*"(\w+)"/.exec(raw);
  const reason =
    m?.[2] ??
    (/priority is too low/i.test(raw)
      ? 'priority'
      : /already imported/i.test(raw)
        ? 'alreadyImported'
        : 'other');
  const words: Record<string, string> = {
    payment: 'the account cannot pay the transaction fee (its balance is too low)',
    stale:
      'the transaction nonce is already used (another transaction from this account went first)',
    future: 'the transaction nonce is ahead of the account (a previous transaction is missing)',
    badProof: 'the node did not accept the signature (wrong chain, runtime version or mortality)',
    exhaustsResources: 'the block has no room for this transaction',
    priority: 'a transaction with the same nonce is already waiting in the pool',
    alreadyImported: 'this exact transaction is already in the pool',
  };
  return new ChainTxError(
    `transaction refused by the node: ${words[reason] ?? raw}`,
    `pool.${reason}`,
    'pool',
  );
}

// One queue per signer: two extrinsics of one account in flight at once race for the same
// nonce (chopsticks answers the loser "1010 invalid: stale").
const queues = new Map<string, Promise<unknown>>();

/**
 * Signs, submits and waits for the extrinsic to be included (or finalized), serialised per
 * signer. Rejects with ChainTxError when the pool refuses it, it fails in its block, the
 * connection is lost while waiting, or it times out.
 */
export function signAndWait(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  waitFor: WaitFor = 'finalized',
  opts: SignAndWaitOptions = {},
): Promise<TxResult> {
  const prev = queues.get(signer.address) ?? Promise.resolve();
  const run = prev
    .catch(() => undefined)
    .then(() => submitWithRetry(api, tx, signer, waitFor, opts));
  queues.set(signer.address, run);
  void run
    .finally(() => {
      if (queues.get(signer.address) === run) queues.delete(signer.address);
    })
    .catch(() => undefined);
  return run;
}

async function submitWithRetry(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  waitFor: WaitFor,
  opts: SignAndWaitOptions,
): Promise<TxResult> {
  try {
    return await submit(api, tx, signer, waitFor, opts, false);
  } catch (err) {
    // A mortal era names a recent block; when the node has just re-written its head (chopsticks
    // dev_setStorage, a re-org) it may not know that block and answers badProof. Signing again,
    // immortal, is safe: nothing was included.
    if (err instanceof ChainTxError && err.code === 'pool.badProof') {
      return submit(api, tx, signer, waitFor, opts, true);
    }
    throw err;
  }
}

function disconnectedError(api: ApiPromise, when: 'before' | 'during'): ChainTxError {
  const where = endpointOf(api);
  return new ChainTxError(
    when === 'before'
      ? `not connected to the chain${where}: the transaction was not sent`
      : `lost the connection to the chain${where} while waiting for the transaction; ` +
          'it may or may not have been included, check the chain before sending it again',
    'connection.disconnected',
    'disconnected',
  );
}

function endpointOf(api: ApiPromise): string {
  const p = api as unknown as { _rpcCore?: { provider?: { endpoint?: string } } };
  const e = p._rpcCore?.provider?.endpoint;
  return e ? ` at ${e}` : '';
}

async function submit(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  waitFor: WaitFor,
  opts: SignAndWaitOptions,
  immortal: boolean,
): Promise<TxResult> {
  if (!api.isConnected) throw disconnectedError(api, 'before');
  let nonce;
  try {
    nonce = await api.rpc.system.accountNextIndex(signer.address);
  } catch (err) {
    if (!api.isConnected) throw disconnectedError(api, 'before');
    throw err;
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise<TxResult>((resolve, reject) => {
    let unsub: (() => void) | undefined;
    let finished = false;
    let sent = false;
    const onDisconnect = (): void => {
      done(() => reject(disconnectedError(api, sent ? 'during' : 'before')));
    };
    const timer = setTimeout(() => {
      done(() =>
        reject(
          new ChainTxError(
            `no ${waitFor === 'inBlock' ? 'inclusion' : 'finalization'} after ${timeoutMs} ms; ` +
              'the transaction may still be included, check the chain before sending it again',
            'connection.timeout',
            'timeout',
          ),
        ),
      );
    }, timeoutMs);
    api.once('disconnected', onDisconnect);
    const done = (fn: () => void): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      api.off('disconnected', onDisconnect);
      unsub?.();
      fn();
    };
    // From here on the node may have it: a drop can no longer be reported as "not sent".
    sent = true;
    tx.signAndSend(signer, immortal ? { nonce, era: 0 } : { nonce }, (result) => {
      const { status, dispatchError, events } = result;
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        done(() =>
          reject(
            new ChainTxError(
              `transaction ${status.type.toLowerCase()} by the node's pool`,
              undefined,
              'dropped',
            ),
          ),
        );
        return;
      }
      const reached =
        waitFor === 'inBlock' ? status.isInBlock || status.isFinalized : status.isFinalized;
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
        if (/WebSocket is not connected/i.test(msg)) {
          // The provider refused to write the request: it never left this process.
          done(() => reject(disconnectedError(api, 'before')));
          return;
        }
        if (!api.isConnected || /disconnected from/i.test(msg)) {
          done(() => reject(disconnectedError(api, 'during')));
          return;
        }
        done(() => reject(describePoolError(msg)));
      });
  });
}
