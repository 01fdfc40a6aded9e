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
  const provider = new WsProvider(opts.endpoints, opts.autoConnectMs ?? 2_500);
  const api = new ApiPromise({
    provider,
    signedExtensions: CESS_SIGNED_EXTENSIONS,
    noInitWarn: true,
    throwOnConnect: false,
  });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      api.isReadyOrError,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`chain not ready after ${timeoutMs} ms at ${String(opts.endpoints)}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await api.disconnect().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return api;
}
