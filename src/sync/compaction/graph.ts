/**
 * What a set of snapshots references: snapshot -> root tree -> subtrees and file nodes -> data
 * chunks. File nodes are sealed under each version's own key, so finding a file's chunks means
 * decapsulating its capsule (PReT) and reading its node: both happen once per file node ever,
 * because blobs are immutable and their decoded references are cached (RefCache, kept in the
 * manifest by the runner). Walking trees reads the raw tree blobs, withheld entries included:
 * what one device cannot create on its disk is still another device's data.
 */
import { capsuleFromJsonValue, decapsulate } from '../../cess/pret/index.js';
import { decodeFileNode, decodeTree, type FormatKeys } from '../format/index.js';
import type { Repository, SnapshotRef } from '../remote/repository.js';

/** Decoded references of a tree: subtree ids, and file node ids with their content ids. */
export interface TreeRefs {
  t: string[];
  f: [string, string][];
}
/** Data chunk ids of a file node. */
export interface NodeRefs {
  d: string[];
}

export interface RefCache {
  tree(id: string): TreeRefs | undefined;
  node(id: string): NodeRefs | undefined;
  putTree(id: string, refs: TreeRefs): void;
  putNode(id: string, refs: NodeRefs): void;
}

/** An in-memory RefCache (tests; the runner's is backed by the manifest). */
export function memoryRefCache(): RefCache {
  const trees = new Map<string, TreeRefs>();
  const nodes = new Map<string, NodeRefs>();
  return {
    tree: (id) => trees.get(id),
    node: (id) => nodes.get(id),
    putTree: (id, r) => void trees.set(id, r),
    putNode: (id, r) => void nodes.set(id, r),
  };
}

export interface GraphContext {
  repo: Repository;
  keys: FormatKeys;
  /** The account's PReT secret scalar (opens the file nodes' capsules). */
  secretScalar: Uint8Array;
  cache: RefCache;
  signal?: AbortSignal;
}

export interface Reach {
  /** Blob keys (`type:id`) the snapshots reference, the snapshots themselves included. */
  live: Set<string>;
  /** Content id -> file node ids seen (to find a shared version's chunks). */
  contents: Map<string, Set<string>>;
}

/**
 * Every blob the given snapshots reach. Any blob that cannot be read or decoded fails the walk:
 * a compaction that does not know everything a snapshot needs must not delete anything.
 */
export async function reachable(
  ctx: GraphContext,
  snapshots: readonly SnapshotRef[],
): Promise<Reach> {
  const live = new Set<string>();
  const contents = new Map<string, Set<string>>();
  const queue: string[] = [];
  for (const s of snapshots) {
    live.add(`snapshot:${s.id}`);
    if (!live.has(`tree:${s.snapshot.tree}`)) {
      live.add(`tree:${s.snapshot.tree}`);
      queue.push(s.snapshot.tree);
    }
  }
  while (queue.length > 0) {
    ctx.signal?.throwIfAborted();
    const id = queue.pop() as string;
    const refs = await treeRefs(ctx, id);
    for (const t of refs.t)
      if (!live.has(`tree:${t}`)) {
        live.add(`tree:${t}`);
        queue.push(t);
      }
    for (const [fn, contentId] of refs.f) {
      let set = contents.get(contentId);
      if (!set) contents.set(contentId, (set = new Set()));
      set.add(fn);
      if (live.has(`filenode:${fn}`)) continue;
      live.add(`filenode:${fn}`);
      const node = ctx.cache.node(fn);
      if (!node) throw new Error(`file node ${fn} was not resolved with its tree ${id}`);
      for (const d of node.d) live.add(`data:${d}`);
    }
  }
  return { live, contents };
}

/** A tree's references, from the cache or by reading it (and resolving its new file nodes). */
async function treeRefs(ctx: GraphContext, id: string): Promise<TreeRefs> {
  const cached = ctx.cache.tree(id);
  // A cached tree has its file nodes cached too (they are stored first); check anyway.
  if (cached && cached.f.every(([fn]) => ctx.cache.node(fn) !== undefined)) return cached;
  const tree = decodeTree(await ctx.repo.readBlob('tree', id, ctx.keys.metadata));
  const refs: TreeRefs = { t: [], f: [] };
  for (const e of tree.entries) {
    if (e.kind === 'dir') {
      refs.t.push(e.subtree);
      continue;
    }
    const fn = e.fileNode.blobId;
    refs.f.push([fn, e.contentId]);
    if (ctx.cache.node(fn)) continue;
    const key = decapsulate(ctx.secretScalar, capsuleFromJsonValue(e.fileNode.capsule));
    const node = decodeFileNode(await ctx.repo.readBlob('filenode', fn, key));
    ctx.cache.putNode(fn, { d: node.chunks.map((c) => c.id) });
  }
  ctx.cache.putTree(id, refs);
  return refs;
}
