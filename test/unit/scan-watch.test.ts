/**
 * The watcher against a real temp dir: batching, ignore rules, and a partial rescan of what
 * it reports.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IgnoreMatcher } from '../../src/sync/ignore/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { pathOf } from '../../src/sync/model/tree.js';
import {
  scanFolder,
  watchFolder,
  type FolderWatcher,
  type WatchBatch,
} from '../../src/sync/scan/index.js';

let base: string;
let root: string;
let w: FolderWatcher | undefined;

beforeEach(async () => {
  base = await realpath(await mkdtemp(nodePath.join(tmpdir(), 'cess-sync-watch-')));
  root = nodePath.join(base, 'root');
  await mkdir(nodePath.join(root, 'sub'), { recursive: true });
});

afterEach(async () => {
  await w?.close();
  w = undefined;
  await rm(base, { recursive: true, force: true });
});

function nextBatch(batches: WatchBatch[], count: number, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (batches.length >= count) resolve();
      else if (Date.now() - t0 > timeoutMs)
        reject(new Error(`no batch ${count} in ${timeoutMs} ms`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('watchFolder', () => {
  it('sees a burst of writes as one batch, without ignored paths', async () => {
    const batches: WatchBatch[] = [];
    w = watchFolder({
      root,
      ignore: IgnoreMatcher.fromRules('*.log\n'),
      batchMs: 400,
      fullRescanMs: 0,
      onBatch: (b) => batches.push(b),
    });
    await w.ready;
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const rel = i % 2 === 0 ? `f${i}.txt` : `sub/f${i}.txt`;
      names.push(rel);
      await writeFile(nodePath.join(root, rel), `content ${i}`);
    }
    await writeFile(nodePath.join(root, 'noise.log'), 'ignored');
    await writeFile(nodePath.join(root, 'x.tmp'), 'ignored by default');
    await mkdir(nodePath.join(root, '.cess-sync'));
    await writeFile(nodePath.join(root, '.cess-sync', 'db'), 'mandatory');
    await nextBatch(batches, 1);
    await new Promise((r) => setTimeout(r, 600)); // any straggler would make a second batch
    expect(batches).toHaveLength(1);
    expect(batches[0]!.full).toBe(false);
    expect(batches[0]!.paths).toEqual([...names].sort());
  });

  it('reports a full rescan on its timer, and dirty paths feed a partial rescan', async () => {
    const manifest = Manifest.open(nodePath.join(base, 'm.db'));
    try {
      manifest.addFolder({ id: 'f', rootPath: root });
      const ignore = IgnoreMatcher.fromRules('');
      const hash = async (abs: string): Promise<{ contentId: string; size: number }> => {
        const d = await readFile(abs);
        return { contentId: createHash('sha256').update(d).digest('hex'), size: d.length };
      };
      await writeFile(nodePath.join(root, 'sub', 'old.txt'), 'old');
      await scanFolder({ root, manifest, folderId: 'f', ignore, hash });
      const batches: WatchBatch[] = [];
      w = watchFolder({
        root,
        ignore,
        batchMs: 200,
        fullRescanMs: 700,
        onBatch: (b) => batches.push(b),
      });
      await w.ready;
      await writeFile(nodePath.join(root, 'sub', 'new.txt'), 'new');
      await nextBatch(batches, 1);
      const ev = batches.find((b) => !b.full);
      expect(ev?.paths).toEqual(['sub/new.txt']);
      const r = await scanFolder({ root, manifest, folderId: 'f', ignore, hash, paths: ev!.paths });
      const paths = [...r.tree.keys()].map((id) => pathOf(r.tree, id)).sort();
      expect(paths).toEqual(['', 'sub', 'sub/new.txt', 'sub/old.txt']);
      await nextBatch(batches, 2, 3000);
      expect(batches.some((b) => b.full && b.reason === 'timer')).toBe(true);
    } finally {
      manifest.close();
    }
  });
});
