/** The share screens' plain decisions (no DOM): expiry choices, paths, states, error wording. */
import type { ShareInfo } from '../../sync/api/schema.js';

export const LINK_PREFIX = 'cess-sync://share/v1/';
export const MAX_MESSAGE_LENGTH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export type ExpiryChoice = 'never' | '1d' | '7d' | '30d' | 'custom';

/**
 * The expiry the dialog sends: null for never; a custom date means the end of that day (local
 * time). 'invalid' with a reason when a custom date is missing or not in the future.
 */
export function expiryFrom(
  choice: string,
  customDate: string,
  now: number,
): { expiresAt: number | null } | { invalid: string } {
  switch (choice) {
    case 'never':
      return { expiresAt: null };
    case '1d':
      return { expiresAt: now + DAY_MS };
    case '7d':
      return { expiresAt: now + 7 * DAY_MS };
    case '30d':
      return { expiresAt: now + 30 * DAY_MS };
    case 'custom': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(customDate.trim());
      if (m === null) return { invalid: 'Pick the day the link stops working.' };
      const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999);
      if (Number.isNaN(end.getTime()) || end.getDate() !== Number(m[3]))
        return { invalid: 'That is not a valid date.' };
      if (end.getTime() <= now) return { invalid: 'The expiry day must be today or later.' };
      return { expiresAt: end.getTime() };
    }
    default:
      return { invalid: 'Choose when the link expires.' };
  }
}

/**
 * The absolute path of an item on the daemon's machine, from its folder's root and its
 * '/'-separated path in that folder ('' for the folder itself). Refuses anything that could step
 * out of the folder; the daemon checks again (resolveSharePath: inside a synced folder, no links).
 */
export function joinSharePath(root: string, rel: string): string | null {
  if (root === '' || rel.includes('\0') || rel.startsWith('/') || rel.includes('\\')) return null;
  const parts = rel === '' ? [] : rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return null;
  // A Windows root ("C:\Users\me\Sync") joins with backslashes, any other with '/'.
  const sep =
    /^[A-Za-z]:\\/.test(root) || (root.includes('\\') && !root.includes('/')) ? '\\' : '/';
  const base = root.length > 1 && root.endsWith(sep) ? root.slice(0, -1) : root;
  return parts.length === 0 ? base : `${base}${base.endsWith(sep) ? '' : sep}${parts.join(sep)}`;
}

export type ShareState = 'active' | 'expired' | 'revoked';

export function shareState(s: Pick<ShareInfo, 'revokedAt' | 'expiresAt'>, now: number): ShareState {
  if (s.revokedAt !== null) return 'revoked';
  if (s.expiresAt !== null && s.expiresAt <= now) return 'expired';
  return 'active';
}

export function shareStateLabel(s: ShareInfo, now: number): string {
  switch (shareState(s, now)) {
    case 'revoked':
      return s.manifestDeleted ? 'Revoked' : 'Revoked (data still on CESS)';
    case 'expired':
      return 'Expired';
    case 'active':
      return 'Active';
  }
}

export function formatDate(ms: number | null): string {
  if (ms === null) return 'never';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What went wrong opening a link, in the categories the "Shared with me" panel shows apart. */
export type ReceiveErrorKind =
  | 'not-for-account'
  | 'expired'
  | 'invalid-link'
  | 'wrong-network'
  | 'unavailable'
  | 'tampered-data'
  | 'network'
  | 'other';

export interface ReceiveErrorText {
  kind: ReceiveErrorKind;
  title: string;
  detail: string;
}

/**
 * Maps the daemon's error (its ShareError code, docs/sharing.md "Daemon API") to a title and an
 * explanation. `status` 0: the daemon itself was not reachable.
 */
export function receiveErrorText(status: number, code: string, raw: string): ReceiveErrorText {
  const message = sentence(raw);
  switch (code) {
    case 'NOT_FOR_THIS_ACCOUNT':
      return {
        kind: 'not-for-account',
        title: 'Not for this account',
        detail: `${message} Only the account it was made for can open it: open the link in cess-sync signed in with that account.`,
      };
    case 'EXPIRED':
      return {
        kind: 'expired',
        title: 'This share has expired',
        detail: `${message} Ask the sender for a new link.`,
      };
    case 'BAD_LINK':
    case 'BAD_SIGNATURE':
      return {
        kind: 'invalid-link',
        title: 'Invalid or damaged link',
        detail: `${message} The link was changed or cut short: copy the whole link again from the message you received.`,
      };
    case 'WRONG_NETWORK':
      return {
        kind: 'wrong-network',
        title: 'A link from another network',
        detail: message,
      };
    case 'NOT_FOUND':
      return {
        kind: 'unavailable',
        title: 'The shared data is not available',
        detail: `${message} It may still be being stored on CESS (try again in a minute), or the sender revoked the share.`,
      };
    case 'AUTH_FAILED':
    case 'BAD_MANIFEST':
      return {
        kind: 'tampered-data',
        title: 'The shared data did not verify',
        detail: `${message} Nothing was saved: what CESS returned was not what the sender shared.`,
      };
  }
  if (status === 0)
    return {
      kind: 'network',
      title: 'The sync engine is not reachable',
      detail: 'Check that cess-sync is running, then try again.',
    };
  if (status >= 500)
    return {
      kind: 'network',
      title: 'Could not fetch the share from CESS',
      detail: `${message} Check the network connection and try again.`,
    };
  return { kind: 'other', title: 'Could not open the link', detail: message };
}

/** The daemon's message ending with a full stop (not capitalised: it may start with an address). */
export function sentence(text: string): string {
  const t = text.trim();
  return t === '' || /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * A share link from the page fragment (`#share=<encoded link>`, headless mode) or null. The
 * fragment is URL-encoded by whoever made the address; `#token=…&share=…` works too.
 */
export function shareLinkFromHash(hash: string): string | null {
  const link = new URLSearchParams(hash.replace(/^#/, '')).get('share');
  return link !== null && looksLikeShareLink(link) ? link.trim() : null;
}

/** A cheap check before asking the daemon; the daemon parses and verifies the link. */
export function looksLikeShareLink(text: string): boolean {
  const t = text.trim();
  return t.startsWith(LINK_PREFIX) && t.length <= 8192 && t.length > LINK_PREFIX.length;
}

/** What a pasted text holds: the link with surrounding whitespace and line breaks removed. */
export function cleanPastedLink(text: string): string {
  return text.replace(/\s+/g, '');
}
