/**
 * Merging the owner's share lists of several devices (docs/format.md §11). The list is a
 * state-based CRDT: any device may publish what it knows, and merging is commutative,
 * associative and idempotent, so every device converges on the same list whatever order it
 * reads the records in.
 *
 * Per share id:
 * - a revocation wins over an active state: `revokedAt` is the earliest revocation any device
 *   saw, and a revoked share never becomes active again;
 * - `manifestDeleted` only goes from false to true (some device deleted the manifest object);
 * - every other field comes from the entry with the greatest stamp (Lamport counter, then wall
 *   time, then device id), and, for equal stamps, the greater canonical text of those fields,
 *   so that the choice is a total order and does not depend on the order of merging.
 */
import type { ShareInfo } from '../api/schema.js';

export interface ShareStamp {
  /** The writing device's Lamport counter when it made this state of the share. */
  lamport: number;
  timeMs: number;
  deviceId: string;
}

export interface AccountShare {
  share: ShareInfo;
  stamp: ShareStamp;
}

/** The fields decided by the stamp (everything but the revocation state), as canonical text. */
export function lwwText(s: ShareInfo): string {
  return JSON.stringify([
    s.id,
    s.kind,
    s.name,
    s.folderId,
    s.path,
    s.recipient,
    s.createdAt,
    s.expiresAt,
    s.message,
    s.files,
    s.size,
    s.contentIds,
    [s.manifest.fid, s.manifest.offset, s.manifest.length, s.manifest.blobId],
    s.link,
  ]);
}

function cmp<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two states of one share: which one's fields win. */
export function compareStates(a: AccountShare, b: AccountShare): number {
  return (
    cmp(a.stamp.lamport, b.stamp.lamport) ||
    cmp(a.stamp.timeMs, b.stamp.timeMs) ||
    cmp(a.stamp.deviceId, b.stamp.deviceId) ||
    cmp(lwwText(a.share), lwwText(b.share))
  );
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** Merges two states of the same share. */
export function mergeShare(a: AccountShare, b: AccountShare): AccountShare {
  if (a.share.id !== b.share.id) throw new Error('mergeShare: different shares');
  const base = compareStates(a, b) >= 0 ? a : b;
  return {
    share: {
      ...base.share,
      contentIds: [...base.share.contentIds],
      manifest: { ...base.share.manifest },
      revokedAt: earliest(a.share.revokedAt, b.share.revokedAt),
      manifestDeleted: a.share.manifestDeleted || b.share.manifestDeleted,
    },
    stamp: { ...base.stamp },
  };
}

/** Merges share lists: union by id, each id merged as above; sorted by id. */
export function mergeShareLists(...lists: readonly (readonly AccountShare[])[]): AccountShare[] {
  const by = new Map<string, AccountShare>();
  for (const list of lists)
    for (const s of list) {
      const cur = by.get(s.share.id);
      by.set(s.share.id, cur ? mergeShare(cur, s) : mergeShare(s, s));
    }
  return [...by.values()].sort((x, y) => cmp(x.share.id, y.share.id));
}

/** Whether two merged lists say the same (same ids, same states). */
export function sameShareLists(a: readonly AccountShare[], b: readonly AccountShare[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return (
        y !== undefined &&
        compareStates(x, y) === 0 &&
        x.share.revokedAt === y.share.revokedAt &&
        x.share.manifestDeleted === y.share.manifestDeleted
      );
    })
  );
}
