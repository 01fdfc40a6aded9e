// Which merge base a pass plans against when another device's pass forked the history
// (src/sync/engine/fork.ts).
import { describe, expect, it } from 'vitest';
import { chooseBase } from '../../src/sync/engine/fork.js';
import type { SnapshotRef } from '../../src/sync/remote/repository.js';

function snap(id: string, seq: number, parents: string[]): SnapshotRef {
  return {
    id,
    snapshot: { version: 1, folderId: 'f', deviceId: 'd', seq, parents, timeMs: seq, tree: 't' },
  } as SnapshotRef;
}

const at = (s: SnapshotRef) => ({ id: s.id, seq: s.snapshot.seq });
const list = (snaps: SnapshotRef[]) => () => Promise.resolve(snaps);

// s0 <- a1 <- a2 (this device) ; s0 <- b1 <- b2 (the other device, newest)
const s0 = snap('s0', 1, []);
const a1 = snap('a1', 2, ['s0']);
const a2 = snap('a2', 3, ['a1']);
const b1 = snap('b1', 2, ['s0']);
const b2 = snap('b2', 4, ['b1']);
const all = [s0, a1, a2, b1, b2];

describe('chooseBase', () => {
  it('plans against the stored base when the newest snapshot is it or descends from it', async () => {
    expect(await chooseBase(list(all), at(b2), b2)).toEqual({ kind: 'stored' });
    expect(await chooseBase(list(all), at(b1), b2)).toEqual({ kind: 'stored' });
    expect(await chooseBase(list(all), at(s0), b2)).toEqual({ kind: 'stored' });
  });

  it('with no base recorded (older manifests) or no snapshot yet, as before', async () => {
    expect(await chooseBase(list(all), null, b2)).toEqual({ kind: 'stored' });
    expect(await chooseBase(list([]), at(a1), null)).toEqual({ kind: 'stored' });
  });

  it('after a fork, the newest common ancestor', async () => {
    expect(await chooseBase(list(all), at(a2), b2)).toEqual({ kind: 'ancestor', ancestor: s0 });
    // A merge snapshot with two parents: the common ancestor is the newer one they share.
    const m = snap('m', 5, ['a2', 'b2']);
    const c = snap('c', 6, ['b2']);
    expect(await chooseBase(list([...all, m, c]), at(m), c)).toEqual({
      kind: 'ancestor',
      ancestor: b2,
    });
  });

  it('a proven fork whose common ancestor compaction forgot: an empty base', async () => {
    // s0 is gone, but b1's seq (2) is already below a2's (3): a2 cannot be behind it.
    expect(await chooseBase(list([a1, a2, b1, b2]), at(a2), b2)).toEqual({ kind: 'empty' });
    expect(await chooseBase(list([b1, b2]), at(a2), b2)).toEqual({ kind: 'empty' });
  });

  it('a history cut by forgotten snapshots above the base proves nothing: as usual', async () => {
    // base (seq 3) <- x (seq 7, forgotten) <- y (seq 9): y may well descend from the base.
    const base = snap('base', 3, ['s0']);
    const y = snap('y', 9, ['x']);
    expect(await chooseBase(list([s0, base, y]), at(base), y)).toEqual({ kind: 'stored' });
    // The base itself forgotten too: the same.
    expect(await chooseBase(list([y]), { id: 'gone', seq: 3 }, y)).toEqual({ kind: 'stored' });
  });
});
