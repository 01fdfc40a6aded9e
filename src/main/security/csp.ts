import { isDaemonLoopbackOrigin } from './origins.js';

export interface CspOptions {
  /**
   * The daemon's local API origin, exactly `http://127.0.0.1:<port>`. Null while the daemon is
   * not running: the renderer may then connect nowhere but its own origin.
   */
  daemonOrigin: string | null;
}

/**
 * The Content-Security-Policy for the renderer, sent as a response header by the app protocol
 * handler (main.ts). No 'unsafe-inline', no 'unsafe-eval', no remote code; connect-src is the
 * app itself plus the daemon's loopback origin (HTTP and its WebSocket twin), nothing else.
 */
export function buildCsp(options: CspOptions): string {
  const connect = ["'self'"];
  if (options.daemonOrigin !== null) {
    if (!isDaemonLoopbackOrigin(options.daemonOrigin)) {
      throw new Error(
        `daemon origin must be http://127.0.0.1:<port>, got ${JSON.stringify(options.daemonOrigin)}`,
      );
    }
    const origin = options.daemonOrigin.replace(/\/$/, '');
    connect.push(origin, origin.replace(/^http:/, 'ws:'));
  }
  return serializeCsp({ ...BASE_DIRECTIVES, 'connect-src': connect });
}

/**
 * The policy in the `<meta>` tag of src/renderer/index.html. The page is also served by the
 * daemon in headless mode (browser on 127.0.0.1), where the port is unknown when the file is
 * written, so it allows any 127.0.0.1 port; inside Electron the header from buildCsp() narrows
 * connect-src to the daemon's actual port (browsers enforce every policy present).
 * `frame-ancestors` is not honoured in a meta tag, so it is left to the header.
 */
export function metaCsp(): string {
  const { 'frame-ancestors': _ignoredInMeta, ...directives } = BASE_DIRECTIVES;
  return serializeCsp({
    ...directives,
    'connect-src': ["'self'", 'http://127.0.0.1:*', 'ws://127.0.0.1:*'],
  });
}

const BASE_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-src': ["'none'"],
  'worker-src': ["'self'"],
  'frame-ancestors': ["'none'"],
};

function serializeCsp(directives: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
