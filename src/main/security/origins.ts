/**
 * Origins the shell trusts. The UI is served from a privileged custom scheme (`app://cess-sync`)
 * rather than file:// — see docs/architecture.md, "src/main, src/renderer, assets".
 */

/** Scheme the renderer UI is served from (registered as standard + secure in main.ts). */
export const APP_SCHEME = 'app';
/** Host under APP_SCHEME; together they make the app origin. */
export const APP_HOST = 'cess-sync';
/** The origin of every page the shell loads itself. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** Deep-link scheme registered with the OS (`cess-sync://share/...`), handled by the app. */
export const DEEP_LINK_SCHEME = 'cess-sync';

/**
 * `scheme://host[:port]` of a URL, lower-cased, or null when the URL does not parse or has no
 * host. WHATWG `URL.origin` is the opaque "null" for non-special schemes such as `app:`, so it
 * cannot be used to compare against APP_ORIGIN.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.host === '') return null;
  return `${parsed.protocol}//${parsed.host}`.toLowerCase();
}

/** True when `origin` is `http://127.0.0.1:<port>` exactly (the daemon's loopback API). */
export function isDaemonLoopbackOrigin(origin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'http:' &&
    parsed.hostname === '127.0.0.1' &&
    parsed.port !== '' &&
    parsed.username === '' &&
    parsed.password === '' &&
    (parsed.pathname === '/' || parsed.pathname === '') &&
    parsed.search === '' &&
    parsed.hash === '' &&
    origin.replace(/\/$/, '') === `http://127.0.0.1:${parsed.port}`
  );
}
