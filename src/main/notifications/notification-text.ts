import { stripUnsafeChars } from '../safe-text.js';
import { ellipsizeMiddle } from '../tray/tray-model.js';

/**
 * Something that needs the user, found in the daemon's status and activity by
 * notification-plan.ts. Only what the daemon's contract (src/sync/api/schema.ts) carries is
 * here: problems have a kind, a path and the engine's sentence, not numbers, so the territory
 * notices carry that sentence.
 */
export type UserNotice =
  /** `detail`: the engine's resolution, e.g. "edited on both sides: the local version is kept as a conflict copy". */
  | { type: 'conflict'; path: string; detail: string | null }
  /** `count` when the engine's message says it. */
  | { type: 'mass-delete-held'; root: string; count: number | null }
  | { type: 'territory-low'; message: string }
  | { type: 'territory-expiring'; message: string }
  /** `from`: the owner's address when known; `name`: the file or folder saved. */
  | { type: 'share-received'; from: string | null; name: string }
  /** The Explorer verb's path was refused by the daemon (`reason`: its sentence). */
  | { type: 'share-refused'; path: string; reason: string };

export interface NotificationText {
  title: string;
  body: string;
}

const MAX_NAME = 80;
const MAX_SENTENCE = 160;

/** The notification for a notice: deterministic text, every outside string cleaned. */
export function notificationFor(notice: UserNotice): NotificationText {
  switch (notice.type) {
    case 'conflict':
      return {
        title: 'Conflicting changes',
        body:
          notice.detail === null || sentence(notice.detail) === ''
            ? `${name(notice.path)} was changed in two places. Open cess-sync to see what was kept.`
            : `${name(notice.path)} — ${sentence(notice.detail)}.`,
      };
    case 'mass-delete-held': {
      const what =
        notice.count === null
          ? 'Many deletions'
          : `${notice.count} ${notice.count === 1 ? 'deletion' : 'deletions'}`;
      return {
        title: 'Large delete waiting for you',
        body: `${what} in ${name(notice.root)} ${notice.count === 1 ? 'is' : 'are'} on hold. Nothing is deleted until you confirm — open cess-sync to confirm or refuse.`,
      };
    }
    case 'territory-low':
      return {
        title: 'Storage space running low',
        body: `${sentence(notice.message) || 'Your territory is almost full'}. Open cess-sync to add space.`,
      };
    case 'territory-expiring':
      return {
        title: 'Storage territory expiring',
        body: `${sentence(notice.message) || 'Your territory expires soon'}. Renew it in cess-sync so your files stay stored.`,
      };
    case 'share-received':
      return {
        title: 'File shared with you',
        body:
          notice.from === null || shortAddress(notice.from) === ''
            ? `${name(notice.name)} was shared with you and saved in “Shared with me”.`
            : `${shortAddress(notice.from)} shared ${name(notice.name)} with you; it is saved in “Shared with me”.`,
      };
    case 'share-refused':
      return {
        title: 'Cannot share this item',
        body: `${name(notice.path)}: ${sentence(notice.reason)}.`,
      };
  }
}

/**
 * Names come from disk and from other accounts: strip control and bidi characters (U+202E can
 * disguise "gpj.exe" as "exe.jpg") and bound the length.
 */
function name(text: string): string {
  const clean = stripUnsafeChars(text).trim();
  return `“${ellipsizeMiddle(clean, MAX_NAME)}”`;
}

/** The engine's sentences may quote file names: cleaned, bounded, without a final period. */
function sentence(text: string): string {
  const clean = stripUnsafeChars(text).trim().replace(/\.+$/, '');
  return ellipsizeMiddle(clean, MAX_SENTENCE);
}

/** SS58 addresses are 47-48 characters; show the first and last six. */
export function shortAddress(address: string): string {
  const clean = address.replace(/[^1-9A-HJ-NP-Za-km-z]/g, '');
  return clean.length <= 14 ? clean : `${clean.slice(0, 6)}…${clean.slice(-6)}`;
}
