/**
 * Concurrent passes on two devices fork the folder's history on CESS: both read snapshot S0 and
 * both publish a child of it. `Repository.latest` then picks one (the same one everywhere); the
 * other device's merge base is its own child of S0, which the winner does not descend from.
 * Planning the winner against that base would read "in my base, not in the newest snapshot" as
 * deleted remotely and delete this device's new files. So a pass first asks where its merge
 * base sits in the history:
 *
 * - the newest snapshot is the base or descends from it: plan as usual;
 * - otherwise (a fork): plan against the newest common ancestor, the base both sides actually
 *   share, so each side's changes since then read as changes and nothing reads as a delete that
 *   no device made;
 * - no common ancestor left (compaction forgot it): plan against an empty base, where nothing
 *   is a delete and differing versions become conflict copies: safe, at worst a file a device
 *   deleted in the fork comes back.
 *
 * Pure: the snapshots come in, the decision goes out.
 */
import type { SnapshotRef } from '../remote/repository.js';

export type BaseDecision =
  /** Plan against the stored merge base. */
  | { kind: 'stored' }
  /** A fork: plan against this common ancestor's tree. */
  | { kind: 'ancestor'; ancestor: SnapshotRef }
  /** A fork without a known common ancestor: plan against an empty base. */
  | { kind: 'empty' };

/** The manifest key holding the snapshot a folder's merge base was taken from ({id, seq}). */
export function baseSnapshotKey(folderId: string): string {
  return `synced-snapshot:${folderId}`;
}

/** The snapshot a merge base was taken from, as the manifest keeps it. */
export interface BaseSnapshot {
  id: string;
  seq: number;
}

/**
 * Which base a pass plans against. `base`: the snapshot the stored merge base was taken from
 * (null: none recorded, as before this was kept: plan as usual); `latest`: the newest snapshot;
 * `snapshots`: lists the folder's snapshots on CESS (compaction may have forgotten some), read
 * only when the base is not the newest.
 *
 * A fork is declared only when it is proven: every path back from the newest snapshot passes
 * below the base's Lamport seq without meeting it (seqs fall strictly along parents, so it
 * cannot come later). A path cut by a forgotten snapshot above that seq proves nothing, and the
 * pass plans as usual: forks are seen within what retention keeps (every snapshot of the last
 * day by default), which is where concurrent passes are.
 */
export async function chooseBase(
  snapshots: () => Promise<readonly SnapshotRef[]>,
  base: BaseSnapshot | null,
  latest: SnapshotRef | null,
): Promise<BaseDecision> {
  // The usual case needs no walk of the history (and no listing of it).
  if (base === null || latest === null || latest.id === base.id) return { kind: 'stored' };
  const byId = new Map((await snapshots()).map((s) => [s.id, s]));
  const fromLatest = new Set<string>([latest.id]);
  const queue = [latest];
  let cut = false;
  while (queue.length > 0) {
    const s = queue.shift() as SnapshotRef;
    for (const p of s.snapshot.parents) {
      if (p === base.id) return { kind: 'stored' };
      if (fromLatest.has(p)) continue;
      fromLatest.add(p);
      const ps = byId.get(p);
      if (ps === undefined) cut ||= s.snapshot.seq - 1 > base.seq;
      else queue.push(ps);
    }
  }
  if (cut) return { kind: 'stored' };
  // Of the snapshots both descend from, the newest (Lamport seqs grow along parents).
  const fromBase = ancestry(byId, base.id);
  let common: SnapshotRef | null = null;
  for (const id of fromLatest) {
    const s = byId.get(id);
    if (s === undefined || !fromBase.has(id)) continue;
    if (common === null || s.snapshot.seq > common.snapshot.seq) common = s;
  }
  return common === null ? { kind: 'empty' } : { kind: 'ancestor', ancestor: common };
}

/** `id` and every ancestor reachable through the snapshots known (ids only past the edge). */
function ancestry(byId: ReadonlyMap<string, SnapshotRef>, id: string): Set<string> {
  const seen = new Set<string>([id]);
  const queue = [id];
  while (queue.length > 0) {
    const s = byId.get(queue.shift() as string);
    for (const p of s?.snapshot.parents ?? []) {
      if (seen.has(p)) continue;
      seen.add(p);
      queue.push(p);
    }
  }
  return seen;
}
