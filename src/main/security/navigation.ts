import { DEEP_LINK_SCHEME, originOf } from './origins.js';

/**
 * What to do with a navigation ('will-navigate', 'will-redirect') or a window.open / link
 * with target=_blank (setWindowOpenHandler):
 * - 'allow': same origin as the app — an in-app page;
 * - { openExternal }: an http(s) link to elsewhere — hand to the OS browser, never load it here;
 * - { deepLink }: a `cess-sync:` link — the app handles it itself (same path as OS deep links);
 * - 'deny': everything else (file:, javascript:, data:, blob:, about:, other custom schemes,
 *   links carrying credentials, links to loopback/unspecified hosts, unparsable input).
 */
export type NavigationDecision = 'allow' | 'deny' | { openExternal: string } | { deepLink: string };

export function decideNavigation(url: string, appOrigin: string): NavigationDecision {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'deny';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'deny';

  const app = originOf(appOrigin);
  const target = originOf(url);
  if (app !== null && target !== null && target === app) return 'allow';

  if (parsed.protocol === `${DEEP_LINK_SCHEME}:`) return { deepLink: parsed.href };

  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    // Opening the system browser on a loopback address would let page content poke at local
    // services (the daemon among them) with the user's browser; nothing legitimate needs it.
    if (isLocalHostname(parsed.hostname)) return 'deny';
    return { openExternal: parsed.href };
  }
  return 'deny';
}

/**
 * IPC sender check: the message must come from a frame whose URL is on the app origin. Call it
 * with `event.senderFrame?.url` in every ipcMain handler; an absent frame is untrusted.
 */
export function isTrustedSender(frameUrl: string | null | undefined, appOrigin: string): boolean {
  if (frameUrl === null || frameUrl === undefined || frameUrl === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(frameUrl);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  const app = originOf(appOrigin);
  return app !== null && originOf(frameUrl) === app;
}

function isLocalHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '[::]' || h === '0.0.0.0') return true;
  if (/^\[::ffff:(7f[0-9a-f]{2}:|127\.)/.test(h)) return true;
  // WHATWG URL has already normalised IPv4 forms (0x7f.1, 2130706433, 127.1) to dotted quads.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
