/**
 * Builders of routes whose handlers need a service that may not be there (the account routes
 * before the engine runs, the setup routes once the device is set up): `need` returns the
 * service or throws the error the route answers with, before the body is parsed.
 */
import type { z } from 'zod';
import type { Route } from './server.js';

export interface ServiceRouteBuilders<T> {
  /** A bodiless GET route. */
  get(reply: z.ZodType, run: (s: T) => Promise<unknown>): Route;
  /** A POST route whose body is parsed with `body` (an empty body is {} if `emptyBodyIsObject`). */
  post<S extends z.ZodType>(
    body: S,
    reply: z.ZodType,
    run: (s: T, b: z.infer<S>) => Promise<unknown>,
    emptyBodyIsObject?: boolean,
  ): Route;
}

export function serviceRoutes<T>(need: () => T): ServiceRouteBuilders<T> {
  return {
    get: (reply, run) => ({ reply, run: () => run(need()) }),
    post: (body, reply, run, emptyBodyIsObject = false) => ({
      body,
      reply,
      emptyBodyIsObject,
      run: (b) => run(need(), body.parse(b)),
    }),
  };
}
