import { stripUnsafeChars } from '../safe-text.js';
import { ellipsizeMiddle } from '../tray/tray-model.js';

/**
 * Events the daemon pushes to the shell. The daemon's API contract is not written yet; this is
 * the shell's side of it, to be replaced by the shared schema when it exists.
 */
export type DaemonEvent =
  | { type: 'conflict'; path: string; conflictCopyPath: string }
  | { type: 'mass-delete-held'; root: string; count: number }
  | { type: 'territory-low'; territory: string; freeBytes: number; totalBytes: number }
  | { type: 'territory-expiring'; territory: string; expiresAt: number }
  | { type: 'share-received'; from: string; fileName: string }
  // Routine events: they move the tray and the window, never a notification.
  | { type: 'file-synced'; path: string }
  | { type: 'progress'; files: number; bytesDone: number; bytesTotal: number }
  | { type: 'state-changed' };

export interface NotificationText {
  title: string;
  body: string;
}

const MAX_NAME = 80;
const DAY_MS = 86_400_000;

/**
 * The notification for an event, or null when the event must not notify. `now` (ms since the
 * epoch) is passed in so the texts are deterministic.
 */
export function notificationFor(event: DaemonEvent, now: number): NotificationText | null {
  switch (event.type) {
    case 'conflict':
      return {
        title: 'Conflicting edits kept side by side',
        body: `${name(event.path)} was changed here and on another device. Both versions are kept; the other one is ${name(event.conflictCopyPath)}.`,
      };
    case 'mass-delete-held': {
      const files = `${event.count} ${event.count === 1 ? 'file was' : 'files were'}`;
      return {
        title: 'Large delete waiting for you',
        body: `${files} deleted in ${name(event.root)}. Nothing was deleted on CESS yet — open cess-sync to confirm or restore them.`,
      };
    }
    case 'territory-low': {
      const pct =
        event.totalBytes > 0
          ? Math.floor((Math.max(event.freeBytes, 0) / event.totalBytes) * 100)
          : 0;
      return {
        title: 'Storage space running low',
        body: `Territory ${name(event.territory)} has ${pct}% free. Expand it to keep syncing new files.`,
      };
    }
    case 'territory-expiring': {
      const days = Math.ceil((event.expiresAt - now) / DAY_MS);
      const when =
        days <= 0 ? 'has expired' : days === 1 ? 'expires within a day' : `expires in ${days} days`;
      return {
        title: 'Storage territory expiring',
        body: `Territory ${name(event.territory)} ${when}. Renew it so your files stay stored.`,
      };
    }
    case 'share-received':
      return {
        title: 'File shared with you',
        body: `${shortAddress(event.from)} shared ${name(event.fileName)}. Open cess-sync to accept it.`,
      };
    case 'file-synced':
    case 'progress':
    case 'state-changed':
      return null;
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

/** SS58 addresses are 47-48 characters; show the first and last six. */
export function shortAddress(address: string): string {
  const clean = address.replace(/[^1-9A-HJ-NP-Za-km-z]/g, '');
  return clean.length <= 14 ? clean : `${clean.slice(0, 6)}…${clean.slice(-6)}`;
}
