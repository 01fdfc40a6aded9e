/**
 * Where share links come into the page from outside: the Electron shell's deep links
 * (`cess-sync://share/v1/…` opened from another app: `window.cessSyncShell.onDeepLink`) and, in
 * headless mode, the fragment `#share=<encoded link>` (removed from the address bar once read,
 * like the token). A link that arrives before the page is connected waits until the "Shared with
 * me" panel takes it (onShareLink); across the reload a new token causes, it waits in this tab's
 * sessionStorage.
 */
import { tokenFromHash } from '../format.js';
import { looksLikeShareLink, shareLinkFromHash } from './wording.js';

const PENDING_KEY = 'cess-sync.pendingShareLink';
let pending: string | null = null;
let handler: ((link: string) => void) | null = null;

function remember(link: string): void {
  pending = link;
  try {
    sessionStorage.setItem(PENDING_KEY, link);
  } catch {
    /* storage disabled: kept in memory only */
  }
}

function takePending(): string | null {
  let link = pending;
  pending = null;
  try {
    link ??= sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
  } catch {
    /* storage disabled */
  }
  return link;
}

/** Hands a link to the panel (or keeps it for later). False when it is not a share link. */
export function acceptShareLink(href: string): boolean {
  if (!looksLikeShareLink(href)) return false;
  if (handler !== null) handler(href.trim());
  else remember(href.trim());
  return true;
}

/** The "Shared with me" panel is ready: gets every link from now on, and any that waited. */
export function onShareLink(listener: (link: string) => void): void {
  handler = listener;
  const waiting = takePending();
  if (waiting !== null) listener(waiting);
}

/**
 * Reads `#share=` now and on every later fragment change. Must run before the page's own
 * token handling, which clears the fragment: with a token in the same fragment the page reloads,
 * so the link is only remembered (and the token code clears the address bar); alone, the link is
 * taken and the fragment removed here.
 */
export function installShareLinkIntake(): void {
  const read = (): void => {
    const link = shareLinkFromHash(location.hash);
    if (link === null) return;
    if (tokenFromHash(location.hash) !== null) {
      remember(link);
      return;
    }
    history.replaceState(null, '', location.pathname + location.search);
    acceptShareLink(link);
  };
  read();
  window.addEventListener('hashchange', read);
}
