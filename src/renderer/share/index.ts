/**
 * The sharing screens (docs/ui.md, "Sharing"): the Share dialog, the owner's "Shares" panel and
 * "Shared with me". The page calls startSharing once it is connected. The dialog opens on the
 * `cess-sync:share` DOM event, which the file list dispatches for its "Share…" entry and the page
 * re-dispatches for the daemon's shareRequest event (`cess-sync share <path>` from a file manager).
 */
import { z } from 'zod';
import { ShareDialog } from './dialog.js';
import type { SharingHost } from './host.js';
import { onShareLink } from './links.js';
import { ReceivedPanel } from './received-panel.js';
import { SharesPanel } from './shares-panel.js';

export { acceptShareLink, installShareLinkIntake } from './links.js';
export type { SharingHost } from './host.js';

/** The DOM event that opens the Share dialog, and its detail. */
export const SHARE_EVENT = 'cess-sync:share';
export const shareEventDetailSchema = z.object({
  folderId: z.string().min(1),
  path: z.string(),
  name: z.string().min(1),
  kind: z.enum(['file', 'folder']),
  absPath: z.string().min(1).optional(),
});
export type ShareEventDetail = z.infer<typeof shareEventDetailSchema>;

export interface Sharing {
  /** Re-reads the owner's list (e.g. after a share made with the CLI). */
  refresh(): Promise<void>;
}

export function startSharing(host: SharingHost): Sharing {
  const shares = new SharesPanel(host);
  const dialog = new ShareDialog(host, (s) => shares.added(s));
  const received = new ReceivedPanel(host);
  document.addEventListener(SHARE_EVENT, (e) => {
    const detail = shareEventDetailSchema.safeParse((e as CustomEvent<unknown>).detail);
    if (!detail.success) {
      console.error(`${SHARE_EVENT}: ignoring an event without {folderId, path, name, kind}`);
      return;
    }
    const { absPath, ...target } = detail.data;
    dialog.open(absPath === undefined ? target : { ...target, absPath });
  });
  onShareLink((link) => received.open(link));
  void shares.refresh();
  void received.refresh();
  return { refresh: () => shares.refresh() };
}
