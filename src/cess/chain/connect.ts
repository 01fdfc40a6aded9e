import '@polkadot/api-augment';
import { ApiPromise, WsProvider } from '@polkadot/api';

/**
 * CESS adds a signed extension without payload that @polkadot/api does not know;
 * without this declaration every signed extrinsic is rejected (cess-protocol.md).
 */
export const CESS_SIGNED_EXTENSIONS = {
  CheckMqSequence: { extrinsic: {}, payload: {} },
} as const;

export interface ConnectOptions {
  /** One or more ws(s):// endpoints; WsProvider rotates through them on failure. */
  endpoints: string | string[];
  /** Milliseconds between reconnect attempts; 0 disables auto-reconnect. */
  autoConnectMs?: number;
  /** Give up if the first connection is not ready within this time. */
  timeoutMs?: number;
}

export async function connectChain(opts: ConnectOptions): Promise<ApiPromise> {
  const autoConnectMs = opts.autoConnectMs ?? 2_500;
  const provider = new WsProvider(opts.endpoints, autoConnectMs);
  const api = new ApiPromise({
    provider,
    signedExtensions: CESS_SIGNED_EXTENSIONS,
    noInitWarn: true,
    throwOnConnect: false,
  });
  // Rejects on the first connection error; unobserved (failover) that would be an unhandled rejection.
  api.isReadyOrError.catch(() => undefined);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      // With auto-reconnect the provider moves on to the next endpoint after an error, so only
      // readiness (or the timeout) ends the wait; isReadyOrError would give up on the first
      // unreachable endpoint and defeat the failover.
      autoConnectMs > 0 ? api.isReady : api.isReadyOrError,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`chain not ready after ${timeoutMs} ms at ${String(opts.endpoints)}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await api.disconnect().catch(() => undefined);
    if (err instanceof Error) throw err;
    // A WebSocket error event, not an Error: say what it is.
    const msg =
      (err as { message?: unknown; error?: { message?: unknown } } | undefined)?.error?.message ??
      (err as { message?: unknown } | undefined)?.message;
    throw new Error(
      `cannot connect to ${String(opts.endpoints)}${typeof msg === 'string' && msg ? `: ${msg}` : ''}`,
    );
  } finally {
    clearTimeout(timer);
  }
  return api;
}
