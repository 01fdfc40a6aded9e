/**
 * What the ignore rules and selective-sync exclusions leave of a tree. A pass filters three
 * trees that are mostly the same items (remote, merge base, new remote): one `Visibility` per
 * pass asks the rules about each path once, and paths are built top-down from their
 * directory's instead of walking each item's chain (at 100,000 files the three filters took
 * about 2 s, most of it the rule matching).
 */
import type { IgnoreMatcher } from '../ignore/index.js';
import { ROOT_ID, type ItemId, type Tree, type TreeNode } from '../model/tree.js';

export class Visibility {
  /** The rules' answer by path ('/'-terminated for directories). */
  private readonly hidden = new Map<string, boolean>();

  constructor(private readonly ignore: IgnoreMatcher) {}

  private hides(rel: string, isDir: boolean): boolean {
    const key = isDir ? `${rel}/` : rel;
    let h = this.hidden.get(key);
    if (h === undefined) this.hidden.set(key, (h = this.ignore.ignores(rel, isDir)));
    return h;
  }

  /**
   * The tree without hidden items and everything below them. An item whose parent chain does
   * not reach the root stays (it has no path to judge; the planner rejects such a tree).
   */
  filter(tree: Tree): Map<ItemId, TreeNode> {
    // Directory id -> its path when visible, false when hidden.
    const dirs = new Map<ItemId, string | false>([[ROOT_ID, '']]);
    /** A directory's path, false when hidden, null when its chain is broken or cyclic. */
    const dirPath = (id: ItemId): string | false | null => {
      const chain: TreeNode[] = [];
      let cur: ItemId = id;
      let above: string | false | undefined;
      while ((above = dirs.get(cur)) === undefined) {
        const n = tree.get(cur);
        if (n === undefined || n.parentId === null || chain.length > tree.size) return null;
        chain.push(n);
        cur = n.parentId;
      }
      for (let i = chain.length - 1; i >= 0; i--) {
        const n = chain[i] as TreeNode;
        if (above !== false) {
          const rel: string = above === '' ? n.name : `${above}/${n.name}`;
          above = this.hides(rel, true) ? false : rel;
        }
        dirs.set(n.id, above);
      }
      return above;
    };
    const out = new Map<ItemId, TreeNode>();
    for (const [id, n] of tree) {
      if (id === ROOT_ID || n.parentId === null) {
        out.set(id, n);
        continue;
      }
      if (n.kind === 'dir') {
        if (dirPath(id) !== false) out.set(id, n);
        continue;
      }
      const above = dirPath(n.parentId);
      if (above === false) continue;
      if (above !== null && this.hides(above === '' ? n.name : `${above}/${n.name}`, false))
        continue;
      out.set(id, n);
    }
    return out;
  }
}
