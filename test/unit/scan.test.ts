/**
 * The local scanner against real temp dirs and a real manifest.
 */
import { createHash } from 'node:crypto';
import {
  appendFile,
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IgnoreMatcher } from '../../src/sync/ignore/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { ROOT_ID, pathOf, type Tree, type TreeNode } from '../../src/sync/model/tree.js';
import {
  ScanError,
  scanFolder,
  type HashFn,
  type ScanOptions,
  type ScanResult,
} from '../../src/sync/scan/index.js';

const F = 'f1';
let base: string;
let root: string;
let m: Manifest;
let hashedPaths: string[];

const sha256: HashFn = async (abs) => {
  hashedPaths.push(abs);
  const data = await readFile(abs);
  return { contentId: createHash('sha256').update(data).digest('hex'), size: data.length };
};
const cid = (s: string): string => createHash('sha256').update(s).digest('hex');

async function put(rel: string, content: string): Promise<void> {
  const abs = nodePath.join(root, rel);
  await mkdir(nodePath.dirname(abs), { recursive: true });
  await writeFile(abs, content);
}

function scan(extra: Partial<ScanOptions> = {}): Promise<ScanResult> {
  hashedPaths = [];
  return scanFolder({
    root,
    manifest: m,
    folderId: F,
    ignore: IgnoreMatcher.fromRules('*.log\nbuild/\n'),
    hash: sha256,
    ...extra,
  });
}

function byPath(tree: Tree): Map<string, TreeNode> {
  const out = new Map<string, TreeNode>();
  for (const n of tree.values()) if (n.id !== ROOT_ID) out.set(pathOf(tree, n.id) ?? '?', n);
  return out;
}

function expectPersisted(r: ScanResult): void {
  const stored = m.loadTree(F, 'local');
  expect(stored).toEqual(r.tree);
  const files = m.loadLocalFiles(F);
  expect(new Set(files.keys())).toEqual(new Set(byPath(r.tree).keys()));
}

beforeEach(async () => {
  base = await realpath(await mkdtemp(nodePath.join(tmpdir(), 'cess-sync-scan-')));
  root = nodePath.join(base, 'root');
  await mkdir(root);
  m = Manifest.open(nodePath.join(base, 'manifest.db'));
  m.addFolder({ id: F, rootPath: root });
  hashedPaths = [];
});

afterEach(async () => {
  m.close();
  await chmod(nodePath.join(root, 'locked'), 0o755).catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

describe('scanFolder', () => {
  it('indexes files and dirs, then rescans unchanged files without reading them', async () => {
    await put('a.txt', 'alpha');
    await put('docs/b.txt', 'beta');
    await put('docs/deep/c.txt', 'gamma');
    await mkdir(nodePath.join(root, 'empty'));
    const first = await scan();
    const p = byPath(first.tree);
    expect([...p.keys()].sort()).toEqual(
      ['a.txt', 'docs', 'docs/b.txt', 'docs/deep', 'docs/deep/c.txt', 'empty'].sort(),
    );
    expect(p.get('a.txt')).toMatchObject({ kind: 'file', contentId: cid('alpha'), size: 5 });
    expect(p.get('docs')?.kind).toBe('dir');
    expect(p.get('docs/deep/c.txt')?.parentId).toBe(p.get('docs/deep')?.id);
    expect(first.stats).toMatchObject({ files: 3, dirs: 3, hashed: 3, bytesHashed: 14 });
    expect(first.problems).toEqual([]);
    expectPersisted(first);

    const before = m.db.prepare('SELECT total_changes() AS n').get() as { n: number };
    const second = await scan();
    expect(second.stats.hashed).toBe(0);
    expect(hashedPaths).toEqual([]);
    expect(second.tree).toEqual(first.tree);
    const after = m.db.prepare('SELECT total_changes() AS n').get() as { n: number };
    expect(after.n).toBe(before.n); // nothing changed, nothing written
  });

  it('a changed file keeps its item id and gets a new content id', async () => {
    await put('a.txt', 'one');
    const first = byPath((await scan()).tree);
    await put('a.txt', 'two, longer');
    const r = await scan();
    const second = byPath(r.tree);
    expect(second.get('a.txt')?.id).toBe(first.get('a.txt')?.id);
    expect(second.get('a.txt')?.contentId).toBe(cid('two, longer'));
    expect(r.stats.hashed).toBe(1);
  });

  it('an atomic save (temp file renamed over the original) is an edit of the same item', async () => {
    await put('doc.txt', 'v1');
    const first = byPath((await scan()).tree);
    await put('.doc.txt.new', 'v2 content');
    await rename(nodePath.join(root, '.doc.txt.new'), nodePath.join(root, 'doc.txt'));
    const second = byPath((await scan()).tree);
    expect(second.get('doc.txt')?.id).toBe(first.get('doc.txt')?.id);
    expect(second.get('doc.txt')?.contentId).toBe(cid('v2 content'));
  });

  it('rename and move keep the item id and do not re-read the content', async () => {
    await put('a.txt', 'alpha');
    await put('dir1/b.txt', 'beta');
    await mkdir(nodePath.join(root, 'dir2'));
    const first = byPath((await scan()).tree);
    await rename(nodePath.join(root, 'a.txt'), nodePath.join(root, 'renamed.txt'));
    await rename(nodePath.join(root, 'dir1/b.txt'), nodePath.join(root, 'dir2/b-moved.txt'));
    const r = await scan();
    const second = byPath(r.tree);
    expect(second.has('a.txt')).toBe(false);
    expect(second.get('renamed.txt')?.id).toBe(first.get('a.txt')?.id);
    expect(second.get('dir2/b-moved.txt')).toMatchObject({
      id: first.get('dir1/b.txt')?.id,
      parentId: first.get('dir2')?.id,
      contentId: cid('beta'),
    });
    expect(r.stats.hashed).toBe(0);
    expectPersisted(r);
  });

  it('renaming a directory keeps the ids of it and everything inside', async () => {
    await put('Photos/2024/x.jpg', 'x');
    await put('Photos/y.jpg', 'y');
    const first = byPath((await scan()).tree);
    await rename(nodePath.join(root, 'Photos'), nodePath.join(root, 'Pictures'));
    const r = await scan();
    const second = byPath(r.tree);
    for (const p of ['', '/2024', '/2024/x.jpg', '/y.jpg'])
      expect(second.get(`Pictures${p}`)?.id).toBe(first.get(`Photos${p}`)?.id);
    expect(r.stats.hashed).toBe(0);
  });

  it('a rename followed by a new file at the old name: the old item moved, the new one is new', async () => {
    await put('a.txt', 'old');
    const first = byPath((await scan()).tree);
    await rename(nodePath.join(root, 'a.txt'), nodePath.join(root, 'b.txt'));
    await put('a.txt', 'brand new');
    const second = byPath((await scan()).tree);
    expect(second.get('b.txt')?.id).toBe(first.get('a.txt')?.id);
    expect(second.get('a.txt')?.id).not.toBe(first.get('a.txt')?.id);
    expect(second.get('a.txt')?.contentId).toBe(cid('brand new'));
  });

  it('deleted files and directories leave the tree', async () => {
    await put('keep.txt', 'k');
    await put('gone.txt', 'g');
    await put('olddir/inner.txt', 'i');
    await scan();
    await rm(nodePath.join(root, 'gone.txt'));
    await rm(nodePath.join(root, 'olddir'), { recursive: true });
    const r = await scan();
    expect([...byPath(r.tree).keys()]).toEqual(['keep.txt']);
    expectPersisted(r);
  });

  it('does not follow symlinks: reported and skipped', async () => {
    const outside = nodePath.join(base, 'outside');
    await mkdir(outside);
    await writeFile(nodePath.join(outside, 'secret.txt'), 'secret');
    await put('real.txt', 'r');
    await symlink(outside, nodePath.join(root, 'dirlink'), 'dir');
    await symlink(nodePath.join(outside, 'secret.txt'), nodePath.join(root, 'filelink'));
    await symlink(nodePath.join(base, 'nowhere'), nodePath.join(root, 'dangling'));
    const r = await scan();
    expect([...byPath(r.tree).keys()]).toEqual(['real.txt']);
    expect(
      r.problems
        .filter((p) => p.code === 'SYMLINK')
        .map((p) => p.path)
        .sort(),
    ).toEqual(['dangling', 'dirlink', 'filelink']);
    expect(hashedPaths.some((p) => p.startsWith(outside))).toBe(false);
  });

  it('applies ignore rules before anything else', async () => {
    await put('keep.txt', 'k');
    await put('debug.log', 'ignored by .cessignore rule');
    await put('build/out.bin', 'ignored dir');
    await put('.DS_Store', 'default rule');
    await put('.cess-sync/manifest.db', 'mandatory');
    await put('sub/x.tmp', 'default rule');
    await symlink('/nonexistent', nodePath.join(root, 'link.log')); // ignored before reported
    const r = await scan();
    expect([...byPath(r.tree).keys()].sort()).toEqual(['keep.txt', 'sub']);
    expect(hashedPaths.map((p) => nodePath.relative(root, p))).toEqual(['keep.txt']);
    expect(r.problems).toEqual([]);
  });

  it('NFD names become NFC in the tree and are rescanned by their disk name', async () => {
    const nfd = 'Cafe\u0301.txt';
    await put(nfd, 'coffee');
    const r = await scan();
    const p = byPath(r.tree);
    expect([...p.keys()]).toEqual(['Caf\u00e9.txt']);
    expect(m.getLocalFile(F, 'Caf\u00e9.txt')?.diskPath).toBe(nfd);
    const again = await scan();
    expect(again.stats.hashed).toBe(0);
    expect(again.tree).toEqual(r.tree);
  });

  it('two names that are one name after NFC: the first is synced, the other reported', async () => {
    await put('Cafe\u0301', 'nfd');
    await put('Caf\u00e9', 'nfc');
    const r = await scan();
    expect([...byPath(r.tree).keys()]).toEqual(['Caf\u00e9']);
    expect(r.problems.map((p) => p.code)).toEqual(['NAME_COLLISION']);
  });

  it('reports case clashes and portability problems, keeping the files', async () => {
    await put('Readme.md', '1');
    await put('README.md', '2');
    await put('aux.txt', 'device name on Windows');
    await put('trailing.', 'dot');
    const r = await scan();
    expect(byPath(r.tree).size).toBe(4);
    const codes = r.problems.map((p) => `${p.code} ${p.path}`).sort();
    expect(codes).toEqual([
      'CASE_CLASH README.md',
      'CASE_CLASH Readme.md',
      'TRAILING_DOT_OR_SPACE trailing.',
      'WINDOWS_RESERVED_NAME aux.txt',
    ]);
  });

  it('a file modified once while hashed is re-read; the torn content id is never recorded', async () => {
    await put('busy.txt', 'start');
    let calls = 0;
    const r = await scan({
      hash: async (abs) => {
        const out = await sha256(abs);
        if (calls++ === 0) await appendFile(abs, ' + more'); // written while we read
        return out;
      },
    });
    expect(calls).toBe(2);
    expect(byPath(r.tree).get('busy.txt')?.contentId).toBe(cid('start + more'));
    expect(r.problems).toEqual([]);
    expect(m.getLocalFile(F, 'busy.txt')?.size).toBe('start + more'.length);
  });

  it('a file that keeps changing is reported and retried later, the previous state kept', async () => {
    await put('log.dat', 'v1');
    await put('new.dat', 'n1');
    const first = byPath((await scan({ hash: sha256 })).tree);
    await put('log.dat', 'v2');
    await rm(nodePath.join(root, 'new.dat'));
    await put('fresh.dat', 'f');
    const always: HashFn = async (abs) => {
      const out = await sha256(abs);
      await appendFile(abs, '!');
      return out;
    };
    const r = await scan({ hash: always, hashAttempts: 2 });
    const p = byPath(r.tree);
    expect(r.retry.sort()).toEqual(['fresh.dat', 'log.dat']);
    expect(r.problems.map((x) => x.code)).toEqual(['CHANGED_DURING_HASH', 'CHANGED_DURING_HASH']);
    // The known file keeps its last good state; the new one waits until it can be read whole.
    expect(p.get('log.dat')).toEqual(first.get('log.dat'));
    expect(p.has('fresh.dat')).toBe(false);
    expect(p.has('new.dat')).toBe(false);
    // Next scan with a quiet file picks up the change.
    const next = byPath((await scan()).tree);
    expect(next.get('log.dat')?.id).toBe(first.get('log.dat')?.id);
    expect(next.get('log.dat')?.contentId).toBe(cid('v2!!'));
    expect(next.has('fresh.dat')).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)(
    'an unreadable directory keeps its last known contents instead of reading as deleted',
    async () => {
      await put('locked/a.txt', 'a');
      const first = byPath((await scan()).tree);
      await chmod(nodePath.join(root, 'locked'), 0o000);
      const r = await scan();
      expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual(['UNREADABLE locked']);
      expect(byPath(r.tree).get('locked/a.txt')?.id).toBe(first.get('locked/a.txt')?.id);
    },
  );

  it('partial rescan: only the dirty paths are looked at, the rest is kept', async () => {
    await put('a/1.txt', '1');
    await put('b/2.txt', '2');
    const first = byPath((await scan()).tree);
    await put('a/1.txt', 'one');
    await put('a/new/deep/3.txt', '3');
    await put('b/2.txt', 'two'); // not reported dirty: not seen by this partial scan
    await rename(nodePath.join(root, 'a/1.txt'), nodePath.join(root, 'a/1-renamed.txt'));
    const r = await scan({ paths: ['a/1.txt', 'a/1-renamed.txt', 'a/new/deep/3.txt'] });
    const p = byPath(r.tree);
    expect(p.get('a/1-renamed.txt')).toMatchObject({
      id: first.get('a/1.txt')?.id,
      contentId: cid('one'),
    });
    expect(p.has('a/1.txt')).toBe(false);
    expect(p.get('a/new/deep/3.txt')?.contentId).toBe(cid('3'));
    expect(p.get('b/2.txt')?.contentId).toBe(cid('2'));
    expect(hashedPaths.some((x) => x.endsWith('2.txt'))).toBe(false);
    expectPersisted(r);
    const full = byPath((await scan()).tree);
    expect(full.get('b/2.txt')?.contentId).toBe(cid('two'));
  });

  it('refuses a missing root instead of reporting everything deleted', async () => {
    await put('a.txt', 'a');
    await scan();
    await rm(root, { recursive: true });
    await expect(scan()).rejects.toBeInstanceOf(ScanError);
    expect(m.loadLocalFiles(F).size).toBe(1);
  });

  it('an aborted scan persists nothing', async () => {
    await put('a.txt', 'a');
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(scan({ signal: ac.signal })).rejects.toThrow('stop');
    expect(m.loadTree(F, 'local').size).toBe(1);
  });

  it('walks deep trees iteratively', async () => {
    const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/');
    await put(`${deep}/leaf.txt`, 'leaf');
    const r = await scan();
    expect(byPath(r.tree).get(`${deep}/leaf.txt`)?.contentId).toBe(cid('leaf'));
    expect(r.stats.dirs).toBe(60);
  });
});
