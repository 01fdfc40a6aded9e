/**
 * Held deletes the user refused: the side that lost the items gets them back. Forgetting them in
 * the merge base turns "deleted here" into "new there", which the planner copies back.
 */
import { ROOT_ID, type ItemId, type Tree } from '../model/tree.js';
import type { Plan } from '../planner/index.js';

/** The merge-base items to forget: the held items and everything under them (never the root). */
export function refusedItems(synced: Tree, held: Plan['held']): ItemId[] {
  const drop = new Set<ItemId>();
  for (const h of held) drop.add(h.op.id);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of synced.values()) {
      if (n.parentId !== null && drop.has(n.parentId) && !drop.has(n.id)) {
        drop.add(n.id);
        grew = true;
      }
    }
  }
  drop.delete(ROOT_ID);
  return [...drop];
}
