/**
 * The three-way merge: from local, remote and synced (the merge base) to the target tree both
 * sides must end up as. One decision per item, then the tree-wide fix-ups in a fixed order:
 * restore deleted parents that still hold kept content, break move cycles, rename name clashes.
 * Each conflict kind has one resolver (types.ts, ConflictKind).
 */
import {
  ROOT_ID,
  pathOf,
  type ItemId,
  type ItemKind,
  type Tree,
  type TreeNode,
} from '../model/tree.js';
import { caseFoldKey } from '../paths/index.js';
import { conflictCopyName } from './names.js';
import { childIndex, cmp, eqContent, eqPlace } from './trees.js';
import type { Conflict, ConflictKind, Problem } from './types.js';

export type Side = 'local' | 'remote';

/** Where and what one item is in the target tree. */
export interface Decision {
  id: ItemId;
  kind: ItemKind;
  parentId: ItemId;
  name: string;
  /** Which side's place was taken (before clash renames). */
  placeFrom: Side;
  /** Which side's content is the truth (files). */
  contentFrom: Side;
  /** editEdit: keep the local version as a copy with this name, then take remote. */
  copyName?: string;
}

export interface MergeResult {
  /** The local tree with adopted ids (see `aliases`). */
  local: Tree;
  /** Local items created independently of an identical remote item: localId -> remote id, top-down. */
  aliases: Map<ItemId, ItemId>;
  target: Map<ItemId, Decision>;
  /** The target as a Tree (for paths). */
  targetTree: Map<ItemId, TreeNode>;
  conflicts: Conflict[];
  problems: Problem[];
}

export interface MergeOptions {
  deviceName: string;
  now: number;
  /**
   * Items left out of the three trees as unchanged (./prune.ts), with the whole remote tree
   * they come from: they take part in the case-only clash check, the one finding about them.
   */
  unchanged?: { nodes: readonly TreeNode[]; remote: Tree };
}

/**
 * Local items created on both sides independently with the same place and the same content
 * (directories: same place) are one item: the local one adopts the remote id. Top-down, so the
 * children of an adopted directory are compared under the remote id.
 */
function findAliases(local: Tree, remote: Tree, synced: Tree): Map<ItemId, ItemId> {
  const aliases = new Map<ItemId, ItemId>();
  const localKids = childIndex(local);
  const remoteKids = childIndex(remote);
  const queue: ItemId[] = [ROOT_ID];
  for (let i = 0; i < queue.length; i++) {
    const lp = queue[i] as ItemId;
    const ap = aliases.get(lp) ?? lp;
    const kids = [...(localKids.get(lp) ?? new Map<string, ItemId>())].sort((a, b) =>
      cmp(a[0], b[0]),
    );
    for (const [name, cid] of kids) {
      queue.push(cid);
      if (synced.has(cid) || remote.has(cid)) continue;
      const rid = remoteKids.get(ap)?.get(name);
      if (rid === undefined || synced.has(rid) || local.has(rid)) continue;
      const c = local.get(cid);
      const r = remote.get(rid);
      if (c === undefined || r === undefined || !eqContent(c, r)) continue;
      aliases.set(cid, rid);
    }
  }
  return aliases;
}

/** An unchanged item's path: up through the remote tree to the first ancestor the target has. */
function unchangedPath(targetTree: Tree, remote: Tree, id: ItemId): string | null {
  const parts: string[] = [];
  let cur = remote.get(id);
  for (let i = 0; cur !== undefined && !targetTree.has(cur.id); i++) {
    if (cur.parentId === null || i > remote.size) return null;
    parts.push(cur.name);
    cur = remote.get(cur.parentId);
  }
  if (cur === undefined) return null;
  const above = pathOf(targetTree, cur.id);
  if (above === null) return null;
  parts.reverse();
  return above === '' ? parts.join('/') : `${above}/${parts.join('/')}`;
}

function rekey(tree: Tree, aliases: Map<ItemId, ItemId>): Tree {
  if (aliases.size === 0) return tree;
  const out = new Map<ItemId, TreeNode>();
  for (const node of tree.values()) {
    const id = aliases.get(node.id) ?? node.id;
    const parentId = node.parentId === null ? null : (aliases.get(node.parentId) ?? node.parentId);
    out.set(id, { ...node, id, parentId });
  }
  return out;
}

export function merge(localIn: Tree, remote: Tree, synced: Tree, opts: MergeOptions): MergeResult {
  const aliases = findAliases(localIn, remote, synced);
  const local = rekey(localIn, aliases);
  const conflicts: Array<Omit<Conflict, 'path'>> = [];
  const problems: Problem[] = [];
  const target = new Map<ItemId, Decision>();
  const conflict = (
    kind: ConflictKind,
    id: ItemId,
    resolution: string,
    extra: Partial<Conflict> = {},
  ): void => {
    conflicts.push({ kind, id, resolution, ...extra });
  };
  const sideTree = (s: Side): Tree => (s === 'local' ? local : remote);
  const decisionFrom = (node: TreeNode, placeFrom: Side, contentFrom: Side): Decision => ({
    id: node.id,
    kind: node.kind,
    parentId: node.parentId ?? ROOT_ID,
    name: node.name,
    placeFrom,
    contentFrom,
  });

  const ids = [...new Set([...local.keys(), ...remote.keys(), ...synced.keys()])]
    .filter((id) => id !== ROOT_ID)
    .sort(cmp);

  // 1. Per item: the three-way decision, content and place separately.
  for (const id of ids) {
    const L = local.get(id);
    const R = remote.get(id);
    const S = synced.get(id);
    if (L !== undefined && R !== undefined) {
      let contentFrom: Side = 'remote';
      let editEdit = false;
      if (L.kind === 'file' && !eqContent(L, R)) {
        const lc = S === undefined || !eqContent(L, S);
        const rc = S === undefined || !eqContent(R, S);
        if (lc && !rc) contentFrom = 'local';
        else if (lc && rc) editEdit = true;
      }
      const lm = S === undefined || !eqPlace(L, S);
      const rm = S === undefined || !eqPlace(R, S);
      const placeFrom: Side = lm && !rm ? 'local' : 'remote';
      if (lm && rm && S !== undefined && !eqPlace(L, R)) {
        conflict('moveMove', id, 'moved on both sides: the remote place wins', { side: 'remote' });
      }
      const d = decisionFrom(placeFrom === 'local' ? L : R, placeFrom, contentFrom);
      if (editEdit) {
        d.copyName = ''; // named below, once every place is final
        conflict(
          'editEdit',
          id,
          'edited on both sides: the local version is kept as a conflict copy',
        );
      }
      target.set(id, d);
    } else if (L !== undefined || R !== undefined) {
      const side: Side = L !== undefined ? 'local' : 'remote';
      const other: Side = side === 'local' ? 'remote' : 'local';
      const N = (L ?? R) as TreeNode;
      if (S === undefined) {
        target.set(id, decisionFrom(N, side, side)); // created on `side`
      } else if (N.kind === 'file' && !eqContent(N, S)) {
        target.set(id, decisionFrom(N, side, side));
        conflict(
          'editDelete',
          id,
          `edited on ${side}, deleted on ${other}: the edit wins and is restored`,
          { side },
        );
      } else if (!eqPlace(N, S)) {
        conflict('moveDelete', id, `moved on ${side}, deleted on ${other}: the delete wins`, {
          side,
        });
      }
    }
  }

  // 2. Restore deleted parents that still hold kept items; break move cycles; repeat until stable.
  const resurrected = new Set<ItemId>();
  const restoreParents = (): void => {
    const work = [...target.keys()].sort(cmp);
    for (const id of work) {
      let child = target.get(id);
      while (child !== undefined && child.parentId !== ROOT_ID && !target.has(child.parentId)) {
        const pid: ItemId = child.parentId;
        const P = local.get(pid) ?? remote.get(pid);
        if (P === undefined) {
          // Cannot happen: a place always comes from a side that holds the parent.
          problems.push({ kind: 'invalidTree', ids: [id], message: `no parent ${pid} for ${id}` });
          target.delete(id);
          break;
        }
        const side: Side = local.has(pid) ? 'local' : 'remote';
        const d = decisionFrom(P, side, side);
        target.set(pid, d);
        if (!resurrected.has(pid)) {
          resurrected.add(pid);
          const other = side === 'local' ? 'remote' : 'local';
          conflict(
            'parentDeleted',
            pid,
            `deleted on ${other} but it holds new or changed content: restored`,
            { side, otherId: child.id },
          );
        }
        child = d;
      }
    }
  };
  const findCycle = (): ItemId[] | null => {
    const ok = new Set<ItemId>([ROOT_ID]);
    for (const id of [...target.keys()].sort(cmp)) {
      const chain: ItemId[] = [];
      const onChain = new Set<ItemId>();
      let cur: ItemId | undefined = id;
      while (cur !== undefined && !ok.has(cur)) {
        if (onChain.has(cur)) return chain.slice(chain.indexOf(cur));
        onChain.add(cur);
        chain.push(cur);
        cur = target.get(cur)?.parentId;
      }
      for (const c of chain) ok.add(c);
    }
    return null;
  };
  for (let guard = 0; ; guard++) {
    restoreParents();
    const cycle = findCycle();
    if (cycle === null) break;
    const pick = cycle
      .filter((id) => target.get(id)?.placeFrom === 'local' && remote.has(id))
      .sort(cmp)[0];
    if (pick === undefined || guard > ids.length + 1) {
      problems.push({ kind: 'invalidTree', ids: cycle, message: 'cannot break a cycle of moves' });
      return { local, aliases, target: new Map(), targetTree: new Map(), conflicts: [], problems };
    }
    const R = remote.get(pick) as TreeNode;
    const d = target.get(pick) as Decision;
    d.parentId = R.parentId ?? ROOT_ID;
    d.name = R.name;
    d.placeFrom = 'remote';
    conflict(
      'moveCycle',
      pick,
      'moves on both sides would nest folders in each other: the local move is undone',
      { side: 'local' },
    );
  }

  // 3. Name clashes: the item already at that place on remote keeps the name, others are renamed.
  const taken = new Map<ItemId, Set<string>>();
  const takenIn = (parentId: ItemId): Set<string> => {
    let names = taken.get(parentId);
    if (names === undefined) taken.set(parentId, (names = new Set()));
    return names;
  };
  for (const t of [local, remote])
    for (const n of t.values()) if (n.parentId !== null) takenIn(n.parentId).add(n.name);
  for (const d of target.values()) takenIn(d.parentId).add(d.name);
  const byPlace = new Map<string, Decision[]>();
  for (const d of target.values()) {
    const key = `${d.parentId}\u0000${d.name}`;
    const group = byPlace.get(key);
    if (group === undefined) byPlace.set(key, [d]);
    else group.push(d);
  }
  for (const key of [...byPlace.keys()].sort(cmp)) {
    const group = (byPlace.get(key) as Decision[]).sort((a, b) => cmp(a.id, b.id));
    if (group.length < 2) continue;
    const atRemote = (d: Decision): boolean => {
      const R = remote.get(d.id);
      return R !== undefined && eqPlace(R, d);
    };
    const winner = group.find(atRemote) ?? (group[0] as Decision);
    for (const d of group) {
      if (d === winner) continue;
      const newName = conflictCopyName(
        d.name,
        d.kind === 'dir',
        opts.deviceName,
        opts.now,
        takenIn(d.parentId),
      );
      takenIn(d.parentId).add(newName);
      d.name = newName;
      conflict(
        'nameClash',
        d.id,
        `another item has this name: renamed to ${JSON.stringify(newName)}`,
        {
          otherId: winner.id,
          side: d.placeFrom,
        },
      );
    }
  }

  // 4. Conflict-copy names for edit/edit conflicts, unique in the final directory.
  for (const d of [...target.values()].sort((a, b) => cmp(a.id, b.id))) {
    if (d.copyName === undefined) continue;
    d.copyName = conflictCopyName(d.name, false, opts.deviceName, opts.now, takenIn(d.parentId));
    takenIn(d.parentId).add(d.copyName);
  }

  // The target as a tree.
  const targetTree = new Map<ItemId, TreeNode>();
  targetTree.set(
    ROOT_ID,
    remote.get(ROOT_ID) ?? { id: ROOT_ID, parentId: null, name: '', kind: 'dir' },
  );
  for (const d of target.values()) {
    const source = sideTree(d.contentFrom).get(d.id) as TreeNode;
    targetTree.set(d.id, { ...source, id: d.id, parentId: d.parentId, name: d.name });
  }

  // 5. Case-only clashes among target siblings: reported, not changed. Unchanged items are
  // where their remote node is, and never share a parent with a decision (./prune.ts).
  const byFold = new Map<string, ItemId[]>();
  const addFold = (id: ItemId, parentId: ItemId, name: string): void => {
    const key = `${parentId}\u0000${caseFoldKey(name)}`;
    const group = byFold.get(key);
    if (group === undefined) byFold.set(key, [id]);
    else group.push(id);
  };
  for (const d of target.values()) addFold(d.id, d.parentId, d.name);
  for (const n of opts.unchanged?.nodes ?? []) addFold(n.id, n.parentId ?? ROOT_ID, n.name);
  const fullRemote = opts.unchanged?.remote;
  const placedPath = (id: ItemId): string | null =>
    targetTree.has(id) || fullRemote === undefined
      ? pathOf(targetTree, id)
      : unchangedPath(targetTree, fullRemote, id);
  const clashes = [...byFold].filter(([, group]) => group.length > 1);
  for (const [, group] of clashes.sort((a, b) => cmp(a[0], b[0]))) {
    group.sort(cmp);
    const paths = group.map(
      (id) => placedPath(id) ?? targetTree.get(id)?.name ?? fullRemote?.get(id)?.name ?? '',
    );
    problems.push({
      kind: 'caseClash',
      ids: group,
      message: `names differ only by case or normalization: ${paths.map((p) => JSON.stringify(p)).join(', ')}`,
    });
  }

  const withPaths: Conflict[] = conflicts.map((c) => ({
    ...c,
    path:
      pathOf(targetTree, c.id) ??
      pathOf(local, c.id) ??
      pathOf(remote, c.id) ??
      pathOf(synced, c.id) ??
      '',
  }));
  return { local, aliases, target, targetTree, conflicts: withPaths, problems };
}
