/**
 * Ordering one side's structural ops (create, move, delete) so an executor can apply them one
 * after the other: parents before children for creates and moves, children before parents for
 * deletes, a name freed before it is reused. Swaps (a<->b) and nested moves that block each
 * other are broken by moving one item to a temporary name in the root first.
 *
 * The order is found by simulating the side's tree: rounds over the pending ops in a fixed
 * order, applying each one that is ready; when a round makes no progress, one blocker is moved
 * aside. Ops that can never be ready (their place is held by an item whose delete is held) are
 * dropped and reported.
 */
import { ROOT_ID, type ItemId, type ItemKind, type Tree } from '../model/tree.js';
import { cmp } from './trees.js';
import type { Op, Problem } from './types.js';
import type { Side } from './merge.js';

export interface Put {
  id: ItemId;
  kind: ItemKind;
  parentId: ItemId;
  name: string;
  /** true: the item does not exist on this side yet. */
  create: boolean;
}

export interface Sequenced {
  ops: Op[];
  problems: Problem[];
  /** Items whose op was dropped. */
  dropped: Set<ItemId>;
}

function putOp(side: Side, p: Put, parentId = p.parentId, name = p.name, create = p.create): Op {
  if (side === 'local') {
    if (!create) return { type: 'moveLocal', id: p.id, parentId, name };
    return p.kind === 'dir'
      ? { type: 'createLocalDir', id: p.id, parentId, name }
      : { type: 'downloadFile', id: p.id, parentId, name };
  }
  if (!create) return { type: 'moveRemote', id: p.id, parentId, name };
  return p.kind === 'dir'
    ? { type: 'createRemoteDir', id: p.id, parentId, name }
    : { type: 'uploadFile', id: p.id, parentId, name };
}

/**
 * @param puts creates and moves, in the preferred order (target depth, then path)
 * @param dels deletes, in the preferred order (deepest first)
 */
export function sequenceSide(side: Side, tree: Tree, puts: Put[], dels: ItemId[]): Sequenced {
  const parentOf = new Map<ItemId, ItemId | null>();
  const nameOf = new Map<ItemId, string>();
  const kids = new Map<ItemId, Map<string, ItemId>>();
  const kidsOf = (id: ItemId): Map<string, ItemId> => {
    let k = kids.get(id);
    if (k === undefined) kids.set(id, (k = new Map()));
    return k;
  };
  for (const n of tree.values()) {
    parentOf.set(n.id, n.parentId);
    nameOf.set(n.id, n.name);
    if (n.parentId !== null) kidsOf(n.parentId).set(n.name, n.id);
  }
  const detach = (id: ItemId): void => {
    const p = parentOf.get(id);
    const name = nameOf.get(id);
    if (p !== null && p !== undefined && name !== undefined && kids.get(p)?.get(name) === id)
      kids.get(p)?.delete(name);
  };
  const place = (id: ItemId, parentId: ItemId, name: string): void => {
    detach(id);
    parentOf.set(id, parentId);
    nameOf.set(id, name);
    kidsOf(parentId).set(name, id);
  };
  /** Is `a` equal to `b` or an ancestor of it in the current state? */
  const isAncestorOrSelf = (a: ItemId, b: ItemId): boolean => {
    let cur: ItemId | null | undefined = b;
    for (let i = 0; cur !== null && cur !== undefined && i <= parentOf.size; i++) {
      if (cur === a) return true;
      cur = parentOf.get(cur);
    }
    return false;
  };

  const ops: Op[] = [];
  const problems: Problem[] = [];
  const dropped = new Set<ItemId>();
  const movedAside = new Set<ItemId>();
  const pendingPut = new Map<ItemId, Put>(puts.map((p) => [p.id, p]));

  type Pending = { put: Put } | { del: ItemId };
  let pending: Pending[] = [...puts.map((put) => ({ put })), ...dels.map((del) => ({ del }))];

  const ready = (p: Pending): boolean => {
    if ('del' in p) return (kids.get(p.del)?.size ?? 0) === 0;
    const { put } = p;
    if (!parentOf.has(put.parentId)) return false;
    const occupant = kids.get(put.parentId)?.get(put.name);
    if (occupant !== undefined && occupant !== put.id) return false;
    return put.create || !isAncestorOrSelf(put.id, put.parentId);
  };
  const apply = (p: Pending): void => {
    if ('del' in p) {
      detach(p.del);
      parentOf.delete(p.del);
      nameOf.delete(p.del);
      ops.push(
        side === 'local' ? { type: 'deleteLocal', id: p.del } : { type: 'deleteRemote', id: p.del },
      );
      return;
    }
    place(p.put.id, p.put.parentId, p.put.name);
    pendingPut.delete(p.put.id);
    ops.push(putOp(side, p.put));
  };
  /** Move one item that blocks another op to a temporary name in the root. */
  const moveAside = (): boolean => {
    const candidates: ItemId[] = [];
    for (const p of pending) {
      if (!('put' in p)) continue;
      const { put } = p;
      const occupant = kids.get(put.parentId)?.get(put.name);
      if (occupant !== undefined && occupant !== put.id) candidates.push(occupant);
      if (!put.create && parentOf.has(put.parentId) && isAncestorOrSelf(put.id, put.parentId)) {
        // The new parent is inside the item: something on the path between must move out first.
        for (
          let cur: ItemId | null | undefined = put.parentId;
          cur !== put.id && cur !== null && cur !== undefined;
          cur = parentOf.get(cur)
        ) {
          candidates.push(cur);
        }
      }
    }
    // A delete waits for its children; children that move elsewhere can step aside first.
    for (const p of pending) {
      if (!('del' in p)) continue;
      for (const child of [...(kids.get(p.del)?.values() ?? [])].sort(cmp)) candidates.push(child);
    }
    const pick = candidates.find((id) => pendingPut.has(id) && !movedAside.has(id));
    if (pick === undefined) return false;
    const put = pendingPut.get(pick) as Put;
    const base = `${nameOf.get(pick) ?? put.name}.cess-sync-moving-${pick.slice(0, 8)}`;
    let temp = base;
    for (let n = 2; kids.get(ROOT_ID)?.has(temp) === true; n++) temp = `${base}-${n}`;
    place(pick, ROOT_ID, temp);
    ops.push(putOp(side, put, ROOT_ID, temp, false));
    movedAside.add(pick);
    return true;
  };

  while (pending.length > 0) {
    let progress = false;
    const next: Pending[] = [];
    for (const p of pending) {
      if (ready(p)) {
        apply(p);
        progress = true;
      } else {
        next.push(p);
      }
    }
    pending = next;
    if (!progress && !moveAside()) break;
  }
  if (pending.length > 0) {
    const ids = pending.map((p) => ('put' in p ? p.put.id : p.del)).sort(cmp);
    for (const id of ids) dropped.add(id);
    problems.push({
      kind: 'blocked',
      side,
      ids,
      message: `${ids.length} ${side} operation(s) wait for something else (a held delete, or an item in the way)`,
    });
  }
  return { ops, problems, dropped };
}
