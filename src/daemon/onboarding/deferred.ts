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
  /** Makes every call go to `engine` from now on (again after `unbind`). */
  bind(engine: T): void;
  /**
   * Back to the stand-in while the engine is replaced (a network change restarts it): calls
   * throw `notReady`'s error, subscribers wait for the next `bind`.
   */
  unbind(notReady: () => Error): void;
}

/** `notReady`: what calls throw before `bind` (locked mode throws its own 409 `locked`). */
export function deferredEngine<T extends object>(
  notReady: () => Error = () => new NotSetUpError(),
): DeferredEngine<T> {
  let target: T | null = null;
  let unready = notReady;
  // Every listener, with the bound engine's unsubscribe (null while unbound): a later bind, e.g.
  // after a restart, hands them all to the new engine.
  const listeners = new Map<Listener, (() => void) | null>();

  const subscribe = (listener: Listener): (() => void) => {
    listeners.set(
      listener,
      target === null ? null : (target as unknown as Subscribable).subscribe(listener),
    );
    return () => {
      listeners.get(listener)?.();
      listeners.delete(listener);
    };
  };

  const service = new Proxy(Object.create(null) as T, {
    get(_stub, prop) {
      if (prop === 'subscribe') return subscribe;
      if (target !== null) {
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      }
      // Not a thenable: `await` or a promise resolving to the stand-in must not call it.
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      return () => {
        throw unready();
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
      for (const listener of listeners.keys()) {
        listeners.set(listener, (engine as unknown as Subscribable).subscribe(listener));
      }
    },
    unbind(next: () => Error) {
      unready = next;
      target = null;
      for (const [listener, unsubscribe] of listeners) {
        unsubscribe?.();
        listeners.set(listener, null);
      }
    },
  };
}
