/**
 * A small in-memory world for the planner tests (CanopyCheck style): three trees, an executor
 * that applies each op exactly as the Op documentation says (and throws when an op's
 * precondition does not hold, so a badly ordered plan fails the test), and random mutations of
 * a side.
 */
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../../src/sync/model/tree.js';
import { plan, type Op, type Plan, type PlanLimits } from '../../src/sync/planner/index.js';

export type MTree = Map<ItemId, TreeNode>;

export function rootNode(): TreeNode {
  return { id: ROOT_ID, parentId: null, name: '', kind: 'dir' };
}

/** A directory node (no contentId) or a file node (with one). */
export function dir(id: ItemId, parentId: ItemId, name: string): TreeNode {
  return { id, parentId, name, kind: 'dir' };
}
export function file(id: ItemId, parentId: ItemId, name: string, contentId: string): TreeNode {
  return { id, parentId, name, kind: 'file', contentId, size: contentId.length };
}

/** A tree of the given nodes plus the root. */
export function treeOf(...nodes: TreeNode[]): MTree {
  const t: MTree = new Map([[ROOT_ID, rootNode()]]);
  for (const n of nodes) t.set(n.id, { ...n });
  return t;
}

export function clone(t: Tree): MTree {
  return new Map([...t].map(([k, v]) => [k, { ...v }]));
}

export interface World {
  local: MTree;
  remote: MTree;
  synced: MTree;
  /** contentIds that went to the local trash (deleteLocal, or overwritten by a download). */
  trashLocal: Set<string>;
  /** contentIds removed from the remote head (deleteRemote, or replaced by an upload). */
  trashRemote: Set<string>;
  copies: number;
}

export function world(local: Tree, remote: Tree, synced: Tree): World {
  return {
    local: clone(local),
    remote: clone(remote),
    synced: clone(synced),
    trashLocal: new Set(),
    trashRemote: new Set(),
    copies: 0,
  };
}

function fail(op: Op, why: string): never {
  throw new Error(`executor: ${JSON.stringify(op)}: ${why}`);
}

function childNamed(t: MTree, parentId: ItemId, name: string): TreeNode | undefined {
  for (const n of t.values()) if (n.parentId === parentId && n.name === name) return n;
  return undefined;
}

function hasChildren(t: MTree, id: ItemId): boolean {
  for (const n of t.values()) if (n.parentId === id) return true;
  return false;
}

function isAncestorOrSelf(t: MTree, a: ItemId, b: ItemId): boolean {
  for (
    let cur: ItemId | null | undefined = b;
    cur !== null && cur !== undefined;
    cur = t.get(cur)?.parentId
  ) {
    if (cur === a) return true;
  }
  return false;
}

/** Put `node` at (parentId, name) in `t`, checking the executor's preconditions. */
function put(op: Op, t: MTree, node: TreeNode, parentId: ItemId, name: string): void {
  const parent = t.get(parentId);
  if (parent === undefined || parent.kind !== 'dir') fail(op, 'parent missing or not a directory');
  const occupant = childNamed(t, parentId, name);
  if (occupant !== undefined && occupant.id !== node.id) fail(op, `name taken by ${occupant.id}`);
  if (t.has(node.id) && isAncestorOrSelf(t, node.id, parentId)) fail(op, 'move into itself');
  t.set(node.id, { ...node, parentId, name });
}

function sameContent(a: TreeNode, b: TreeNode): boolean {
  return a.kind === b.kind && (a.kind === 'dir' || a.contentId === b.contentId);
}
function samePlace(a: TreeNode, b: TreeNode): boolean {
  return a.parentId === b.parentId && a.name === b.name;
}

/** After an op on `id`: record in synced what both sides now agree on. */
function advanceSynced(w: World, id: ItemId): void {
  const L = w.local.get(id);
  const R = w.remote.get(id);
  if (L === undefined && R === undefined) {
    w.synced.delete(id);
    return;
  }
  if (L === undefined || R === undefined) return;
  if (samePlace(L, R) && sameContent(L, R)) {
    w.synced.set(id, { ...R });
    return;
  }
  const S = w.synced.get(id);
  if (S === undefined) return;
  const next = { ...S };
  if (samePlace(L, R)) Object.assign(next, { parentId: R.parentId, name: R.name });
  if (sameContent(L, R)) Object.assign(next, { contentId: R.contentId, size: R.size });
  w.synced.set(id, next);
}

export function applyOp(w: World, op: Op): void {
  switch (op.type) {
    case 'uploadFile': {
      const L = w.local.get(op.id);
      if (L === undefined || L.kind !== 'file') fail(op, 'no local file');
      const R = w.remote.get(op.id);
      if (R !== undefined) {
        if (R.parentId !== op.parentId || R.name !== op.name) fail(op, 'remote item elsewhere');
        if (R.contentId !== undefined) w.trashRemote.add(R.contentId);
      }
      put(op, w.remote, L, op.parentId, op.name);
      break;
    }
    case 'downloadFile': {
      const R = w.remote.get(op.id);
      if (R === undefined || R.kind !== 'file') fail(op, 'no remote file');
      const L = w.local.get(op.id);
      if (L !== undefined) {
        if (L.parentId !== op.parentId || L.name !== op.name) fail(op, 'local item elsewhere');
        if (L.contentId !== undefined) w.trashLocal.add(L.contentId);
      }
      put(op, w.local, R, op.parentId, op.name);
      break;
    }
    case 'createRemoteDir':
    case 'createLocalDir': {
      const t = op.type === 'createRemoteDir' ? w.remote : w.local;
      if (t.has(op.id)) fail(op, 'exists');
      put(
        op,
        t,
        { id: op.id, parentId: op.parentId, name: op.name, kind: 'dir' },
        op.parentId,
        op.name,
      );
      break;
    }
    case 'moveRemote':
    case 'moveLocal': {
      const t = op.type === 'moveRemote' ? w.remote : w.local;
      const n = t.get(op.id);
      if (n === undefined) fail(op, 'missing');
      put(op, t, n, op.parentId, op.name);
      break;
    }
    case 'deleteRemote':
    case 'deleteLocal': {
      const t = op.type === 'deleteRemote' ? w.remote : w.local;
      const n = t.get(op.id);
      if (n === undefined) fail(op, 'missing');
      if (hasChildren(t, op.id)) fail(op, 'still has children');
      if (n.contentId !== undefined)
        (op.type === 'deleteRemote' ? w.trashRemote : w.trashLocal).add(n.contentId);
      t.delete(op.id);
      break;
    }
    case 'conflictCopy': {
      const L = w.local.get(op.id);
      if (L === undefined || L.kind !== 'file' || L.parentId === null) fail(op, 'no local file');
      const id = `copy${w.copies++}`;
      put(op, w.local, { ...L, id }, L.parentId, op.copyName);
      break;
    }
    case 'markSynced': {
      if (op.localId !== undefined) {
        const L = w.local.get(op.localId);
        if (L === undefined || w.local.has(op.id)) fail(op, 'cannot adopt');
        w.local.delete(op.localId);
        w.local.set(op.id, { ...L, id: op.id });
        for (const [k, n] of w.local)
          if (n.parentId === op.localId) w.local.set(k, { ...n, parentId: op.id });
      }
      const L = w.local.get(op.id);
      const R = w.remote.get(op.id);
      if ((L === undefined) !== (R === undefined)) fail(op, 'sides do not agree');
      if (L !== undefined && R !== undefined && !(samePlace(L, R) && sameContent(L, R)))
        fail(op, 'sides differ');
      break;
    }
  }
  advanceSynced(w, op.id);
}

export interface RunOptions {
  deviceName?: string;
  now?: number;
  limits?: PlanLimits;
  maxPasses?: number;
}

/** Plan and apply until a plan has no ops; returns every plan (the last one empty). */
export function runToConvergence(w: World, opts: RunOptions = {}): Plan[] {
  const plans: Plan[] = [];
  const maxPasses = opts.maxPasses ?? 5;
  for (let pass = 0; ; pass++) {
    const p = plan({
      local: w.local,
      remote: w.remote,
      synced: w.synced,
      deviceName: opts.deviceName ?? 'laptop',
      now: opts.now ?? Date.UTC(2026, 10, 24, 3, 15),
      ...(opts.limits ? { limits: opts.limits } : {}),
    });
    plans.push(p);
    if (p.ops.length === 0) return plans;
    if (pass >= maxPasses)
      throw new Error(`no convergence after ${maxPasses} passes: ${JSON.stringify(p.ops)}`);
    for (const op of p.ops) applyOp(w, op);
  }
}

/** Trees compared by shape and content (ids, places, kinds, contentIds). */
export function shape(t: Tree): string[] {
  return [...t.values()]
    .map((n) => `${n.id}|${n.parentId ?? ''}|${n.name}|${n.kind}|${n.contentId ?? ''}`)
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Random mutations.

export type Mutation =
  | { kind: 'mkdir' | 'create'; a: number; name: string; content: number }
  | { kind: 'edit'; a: number; content: number }
  | { kind: 'move'; a: number; b: number; name: string }
  | { kind: 'delete'; a: number };

/** Contents 0..3 are shared (so two sides can write the same bytes); others are fresh. */
function contentFor(c: number, fresh: () => string): string {
  return c < 4 ? `c${c}` : fresh();
}

export class Mutator {
  private n = 0;
  constructor(private readonly prefix: string) {}

  private fresh = (): string => `${this.prefix}u${this.n++}`;

  apply(t: MTree, m: Mutation): void {
    const items = [...t.keys()].filter((id) => id !== ROOT_ID).sort();
    const dirs = [ROOT_ID, ...items.filter((id) => t.get(id)?.kind === 'dir')];
    const files = items.filter((id) => t.get(id)?.kind === 'file');
    switch (m.kind) {
      case 'mkdir':
      case 'create': {
        const parentId = dirs[m.a % dirs.length] as ItemId;
        if (childNamed(t, parentId, m.name)) return;
        const id = `${this.prefix}${this.n++}`;
        t.set(
          id,
          m.kind === 'mkdir'
            ? dir(id, parentId, m.name)
            : file(id, parentId, m.name, contentFor(m.content, this.fresh)),
        );
        return;
      }
      case 'edit': {
        if (files.length === 0) return;
        const id = files[m.a % files.length] as ItemId;
        const n = t.get(id) as TreeNode;
        t.set(id, { ...n, contentId: contentFor(m.content, this.fresh) });
        return;
      }
      case 'move': {
        if (items.length === 0) return;
        const id = items[m.a % items.length] as ItemId;
        const parentId = dirs[m.b % dirs.length] as ItemId;
        if (isAncestorOrSelf(t, id, parentId)) return;
        const occupant = childNamed(t, parentId, m.name);
        if (occupant !== undefined && occupant.id !== id) return;
        t.set(id, { ...(t.get(id) as TreeNode), parentId, name: m.name });
        return;
      }
      case 'delete': {
        if (items.length === 0) return;
        const id = items[m.a % items.length] as ItemId;
        const doomed = new Set<ItemId>([id]);
        for (let grew = true; grew;) {
          grew = false;
          for (const n of t.values()) {
            if (n.parentId !== null && doomed.has(n.parentId) && !doomed.has(n.id)) {
              doomed.add(n.id);
              grew = true;
            }
          }
        }
        for (const d of doomed) t.delete(d);
        return;
      }
    }
  }
}
