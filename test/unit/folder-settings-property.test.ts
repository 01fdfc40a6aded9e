/**
 * Property (fast-check, fixed seed): toggling selective-sync exclusions at random, with the
 * pass's own steps (reconcile, scan with the real scanner on a real folder, plan with the
 * visible trees), never makes the planner delete anything on either side. With nothing else
 * changed there are no ops at all; a file deleted on disk while it was hidden comes back as a
 * download when it is shown again, never as a delete on CESS.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileRuleChange } from '../../src/sync/engine/folder-settings.js';
import { IgnoreMatcher } from '../../src/sync/ignore/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import {
  ROOT_ID,
  pathOf,
  type ItemId,
  type Tree,
  type TreeNode,
} from '../../src/sync/model/tree.js';
import { plan } from '../../src/sync/planner/index.js';
import { scanFolder } from '../../src/sync/scan/index.js';

const DIRS = ['A', 'A/B', 'A/B/C', 'D', 'D/E'];
const FILES = ['top.txt', ...DIRS.map((d) => `${d}/f.txt`)];

const hash = async (abs: string) => {
  const b = await readFile(abs);
  return { contentId: createHash('sha256').update(b).digest('hex'), size: b.length };
};

/** As the engine's Visibility.filter (engine/visible-tree.ts): items the matcher hides, with everything below them, left out. */
function visible(tree: Tree, m: IgnoreMatcher): Map<ItemId, TreeNode> {
  const out = new Map<ItemId, TreeNode>();
  for (const [id, n] of tree) {
    if (id === ROOT_ID) {
      out.set(id, n);
      continue;
    }
    const rel = pathOf(tree, id);
    if (rel === null) continue;
    const parts = rel.split('/');
    const hidden = parts.some((_, i) =>
      m.ignores(parts.slice(0, i + 1).join('/'), i < parts.length - 1 || n.kind === 'dir'),
    );
    if (!hidden) out.set(id, n);
  }
  return out;
}

let dir: string;
let run = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-exclusion-prop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('random exclusion toggles', () => {
  it('never plan a delete; nothing changed means no ops', async () => {
    const step = fc.record({
      excluded: fc.subarray(DIRS),
      // Delete one of the files hidden at this step (on disk only), if any.
      deleteHidden: fc.option(fc.nat({ max: FILES.length - 1 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const folderId = `p${run++}`;
        const root = path.join(dir, folderId);
        for (const d of DIRS) await mkdir(path.join(root, d), { recursive: true });
        for (const f of FILES) await writeFile(path.join(root, f), `content of ${f}\n`);
        const manifest = Manifest.open(path.join(dir, `${folderId}.sqlite`));
        try {
          manifest.addFolder({ id: folderId, rootPath: root });
          // Synced state: all three trees agree.
          const all = IgnoreMatcher.fromRules('');
          await reconcileRuleChange({ manifest, folderId, root, ignore: all });
          const first = await scanFolder({ root, manifest, folderId, ignore: all, hash });
          manifest.replaceTree(folderId, 'synced', first.tree);
          const remote = new Map(first.tree);
          const deleted = new Set<string>();
          for (const s of [...steps, { excluded: [], deleteHidden: undefined }]) {
            const m = IgnoreMatcher.fromRules('', { exclusions: s.excluded });
            await reconcileRuleChange({ manifest, folderId, root, ignore: m });
            const scan = await scanFolder({ root, manifest, folderId, ignore: m, hash });
            const synced = manifest.loadTree(folderId, 'synced');
            const p = plan({
              local: scan.tree,
              remote: visible(remote, m),
              synced: visible(synced, m),
              deviceName: 'prop',
              now: 0,
            });
            const kinds = new Set(p.ops.map((o) => o.type));
            expect(kinds.has('deleteRemote')).toBe(false);
            expect(kinds.has('deleteLocal')).toBe(false);
            expect(p.conflicts).toEqual([]);
            if (deleted.size === 0) expect(p.ops).toEqual([]);
            // Only the files deleted while hidden may move, and only towards this disk.
            for (const o of p.ops) {
              expect(o.type).toBe('downloadFile');
              expect(deleted.has(pathOf(remote, o.id) ?? '')).toBe(true);
            }
            if (s.deleteHidden !== undefined) {
              const f = FILES[s.deleteHidden]!;
              if (m.ignores(f, false) && !deleted.has(f)) {
                await unlink(path.join(root, f));
                deleted.add(f);
              }
            }
          }
        } finally {
          manifest.close();
        }
      }),
      { seed: 20261124, numRuns: 40 },
    );
  }, 120_000);
});
