/**
 * "Open" and "Show in folder" for what this device received (POST
 * /api/v1/shares/received/open). Goes through the Files panel's opener (engine/open-file.ts): the
 * path must stay inside that received share's own directory (a valid relative path, no symbolic
 * link on the way, the real path under the share's real path), and a program or launcher is
 * never opened (409 would_run; the user can reveal it). A received file arrives from another
 * account, so this matters even more than for synced files.
 */
import path from 'node:path';
import type { OpenReceivedRequest, ReceivedShareEntry } from '../api/schema.js';
import { OpenFileError, openWithOs, type OpenTarget } from '../engine/open-file.js';

/**
 * Where to open: a folder share is the root, `path` inside it; a file share is the file itself
 * (its directory as the root), and takes no `path`.
 */
export function receivedOpenTarget(
  received: readonly ReceivedShareEntry[],
  req: OpenReceivedRequest,
): OpenTarget {
  // Received twice: the newest copy (the list is newest first).
  const r = received.find((x) => x.id === req.id);
  if (!r)
    throw new OpenFileError(
      404,
      'unknown_share',
      `nothing received on this device has id ${req.id}`,
    );
  if (!path.isAbsolute(r.path))
    throw new OpenFileError(404, 'not_found', `${r.name} has no saved copy on this device`);
  const reveal = req.reveal === true;
  const rel = req.path ?? '';
  if (r.kind === 'folder') return { root: r.path, rel, reveal };
  if (rel !== '')
    throw new OpenFileError(400, 'bad_path', `${r.name} is a file share: it has no path inside`);
  return { root: path.dirname(r.path), rel: path.basename(r.path), reveal };
}

export async function openReceived(
  received: readonly ReceivedShareEntry[],
  req: OpenReceivedRequest,
): Promise<void> {
  await openWithOs(receivedOpenTarget(received, req));
}
