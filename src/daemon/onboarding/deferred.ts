/**
 * The engine before it exists. In setup mode the local API starts before the device has an
 * account, so the server is given this stand-in instead of the engine: until `bind(engine)` every
 * method throws NotSetUpError (HTTP 409 `not_set_up`); afterwards every call goes to the engine.
 * `subscribe` is the one method answered early: the server subscribes once at start, and those
 * listeners are handed to the engine when it is bound. One holder for every service interface
 * the engine implements (sync, shares, versions, files...), so the server keeps its fixed route
 * table and port/token, and routes become live the moment the engine is bound.
 */
import { NOT_SET_UP } from '../../sync/api/onboarding-schema.js';

export class NotSetUpError extends Error {
  override name = 'NotSetUpError';
  readonly statusCode = 409;
  readonly code = NOT_SET_UP;
  constructor() {
    super(
      'this device is not set up yet: finish onboarding in the UI (cess-sync ui-url prints its address), or stop the daemon and run cess-sync setup',
    );
  }
}

type Listener = (event: never) => void;
interface Subscribable {
  subscribe(listener: Listener): () => void;
}

export interface DeferredEngine<T extends object> {
  /** Stands for the engine: give it to the server wherever the engine would go. */
  readonly service: T;
  readonly bound: boolean;
  /** Makes every call go to `engine` from now on (once). */
  bind(engine: T): void;
}

export function deferredEngine<T extends object>(): DeferredEngine<T> {
  let target: T | null = null;
  // Listeners taken before the engine exists: [listener, the engine's unsubscribe once bound].
  const early = new Map<Listener, (() => void) | null>();

  const subscribeEarly = (listener: Listener): (() => void) => {
    if (target !== null) return (target as unknown as Subscribable).subscribe(listener);
    early.set(listener, null);
    return () => {
      early.get(listener)?.();
      early.delete(listener);
    };
  };

  const service = new Proxy(Object.create(null) as T, {
    get(_stub, prop) {
      if (target !== null) {
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      }
      // Not a thenable: `await` or a promise resolving to the stand-in must not call it.
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      if (prop === 'subscribe') return subscribeEarly;
      return () => {
        throw new NotSetUpError();
      };
    },
  });

  return {
    service,
    get bound() {
      return target !== null;
    },
    bind(engine: T) {
      if (target !== null) throw new Error('the engine is already bound');
      target = engine;
      for (const listener of early.keys()) {
        early.set(listener, (engine as unknown as Subscribable).subscribe(listener));
      }
    },
  };
}
