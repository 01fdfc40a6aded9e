/**
 * The watcher against a real temp dir: batching, ignore rules, and a partial rescan of what
 * it reports.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
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

/** Starts the watcher on `root` with `rules`, without the timer; batches land in the array. */
async function watchInto(rules: string, batchMs: number): Promise<WatchBatch[]> {
  const batches: WatchBatch[] = [];
  w = watchFolder({
    root,
    ignore: IgnoreMatcher.fromRules(rules),
    batchMs,
    fullRescanMs: 0,
    onBatch: (b) => batches.push(b),
  });
  await w.ready;
  return batches;
}

describe('watchFolder', () => {
  it('sees a burst of writes as one batch, without ignored paths', async () => {
    const batches = await watchInto('*.log\n', 400);
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

  it('reports edits, deletes, renames and new directories of files it has no watch of its own on', async () => {
    await mkdir(nodePath.join(root, 'sub', 'deep'), { recursive: true });
    await writeFile(nodePath.join(root, 'sub', 'deep', 'edit.txt'), 'v1');
    await writeFile(nodePath.join(root, 'sub', 'gone.txt'), 'x');
    await writeFile(nodePath.join(root, 'sub', 'from.txt'), 'x');
    await mkdir(nodePath.join(root, 'build'));
    // dir-only rule: a directory named "build" is ignored, a file named "build" is not
    const batches = await watchInto('build/\n', 300);
    const seen = async (...want: string[]): Promise<void> => {
      const t0 = Date.now();
      for (;;) {
        const got = new Set(batches.flatMap((b) => b.paths));
        if (want.every((p) => got.has(p))) return;
        if (Date.now() - t0 > 5000)
          throw new Error(`not reported: ${want.filter((p) => !got.has(p)).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await writeFile(nodePath.join(root, 'sub', 'deep', 'edit.txt'), 'v2');
    await seen('sub/deep/edit.txt');
    await rm(nodePath.join(root, 'sub', 'gone.txt'));
    await rename(nodePath.join(root, 'sub', 'from.txt'), nodePath.join(root, 'sub', 'to.txt'));
    await seen('sub/gone.txt', 'sub/from.txt', 'sub/to.txt');
    await mkdir(nodePath.join(root, 'newdir'));
    await seen('newdir');
    await new Promise((r) => setTimeout(r, 400)); // chokidar now watches newdir
    await writeFile(nodePath.join(root, 'newdir', 'later.txt'), 'x');
    await seen('newdir/later.txt');
    await writeFile(nodePath.join(root, 'build', 'out.o'), 'ignored');
    await rm(nodePath.join(root, 'build'), { recursive: true });
    await writeFile(nodePath.join(root, 'build'), 'a file named build is synced');
    await seen('build');
    expect(batches.every((b) => !b.full)).toBe(true);
    expect(batches.flatMap((b) => b.paths)).not.toContain('build/out.o');
  });

  // Counted through /proc: Linux only.
  it.skipIf(process.platform !== 'linux')(
    'keeps one inotify watch per directory, not per file',
    async () => {
      const base0 = inotifyWatches();
      for (let d = 0; d < 5; d++) {
        await mkdir(nodePath.join(root, `d${d}`));
        for (let f = 0; f < 40; f++) await writeFile(nodePath.join(root, `d${d}`, `f${f}`), 'x');
      }
      w = watchFolder({
        root,
        ignore: IgnoreMatcher.fromRules(''),
        fullRescanMs: 0,
        onBatch: () => undefined,
      });
      await w.ready;
      // root, sub, d0..d4: 7 directories; 200 files add nothing
      expect(inotifyWatches() - base0).toBe(7);
    },
  );
});

/** Inotify watches this process holds, from /proc/self/fdinfo. */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    try {
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // the fd closed while we listed
    }
  }
  return n;
}
