/**
 * File versions: a file's earlier versions are the distinct contents its item had across the
 * folder's snapshots that retention keeps (docs/format.md §10.1), newest first.
 */
import type { FileVersion } from '../api/schema.js';
import type { FileEntry } from '../format/index.js';
import type { ItemId } from '../model/tree.js';
import type { Repository } from '../remote/repository.js';

export interface FoundVersion {
  version: FileVersion;
  entry: FileEntry;
}

export async function listVersions(
  repo: Repository,
  folderId: string,
  itemId: ItemId,
): Promise<FoundVersion[]> {
  const snaps = (await repo.snapshots(folderId)).sort(
    (a, b) => b.snapshot.seq - a.snapshot.seq || b.snapshot.timeMs - a.snapshot.timeMs,
  );
  const latestId = snaps[0]?.id;
  const out: FoundVersion[] = [];
  const seen = new Set<string>();
  for (const snap of snaps) {
    const folder = await repo.loadSnapshot(snap);
    const entry = folder.files.get(itemId);
    if (!entry || seen.has(entry.contentId)) continue;
    seen.add(entry.contentId);
    out.push({
      entry,
      version: {
        snapshotId: snap.id,
        seq: snap.snapshot.seq,
        timeMs: snap.snapshot.timeMs,
        deviceId: snap.snapshot.deviceId,
        size: entry.size,
        current: snap.id === latestId,
      },
    });
  }
  return out;
}
