/**
 * The per-file list (src/sync/engine/file-list.ts): the state decision as a table, paths from
 * trees, and the index over a real manifest (search, paging, folders, overlay, exclusions),
 * including 100,000 files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileListError,
  FileListIndex,
  baseFileState,
  buildEntries,
  decideFileState,
  treePaths,
  type FolderOverlay,
  type ListedFolder,
  type SideInfo,
} from '../../src/sync/engine/file-list.js';
import { IgnoreMatcher } from '../../src/sync/ignore/index.js';
import { Manifest, type LocalFileRecord } from '../../src/sync/manifest/index.js';
import { ROOT_ID, type TreeNode } from '../../src/sync/model/tree.js';

const f = (p: string, contentId: string | null = 'c1'): SideInfo => ({
  path: p,
  kind: 'file',
  contentId,
});
const d = (p: string): SideInfo => ({ path: p, kind: 'dir' });

describe('decideFileState', () => {
  it.each([
    ['all three agree', { local: f('a'), synced: f('a'), remote: f('a') }, 'synced'],
    ['a folder on all three sides', { local: d('x'), synced: d('x'), remote: d('x') }, 'synced'],
    ['edited here', { local: f('a', 'c2'), synced: f('a'), remote: f('a') }, 'pending'],
    ['edited remotely', { local: f('a'), synced: f('a'), remote: f('a', 'c2') }, 'pending'],
    ['new here', { local: f('a') }, 'pending'],
    ['new remotely', { remote: f('a') }, 'pending'],
    ['renamed here', { local: f('b'), synced: f('a'), remote: f('a') }, 'pending'],
    ['deleted here (a held delete)', { synced: f('a'), remote: f('a') }, 'pending'],
    [
      'not hashed yet',
      { local: f('a', null), synced: f('a', null), remote: f('a', null) },
      'pending',
    ],
    ['excluded (remote only)', { remote: f('a'), hidden: true }, 'excluded'],
    [
      'uploading',
      { local: f('a', 'c2'), synced: f('a'), remote: f('a'), transfer: 'uploading' as const },
      'uploading',
    ],
    ['downloading', { remote: f('a'), transfer: 'downloading' as const }, 'downloading'],
    [
      'downloaded in the running pass',
      { remote: f('a'), transfer: 'downloading' as const, transferred: true },
      'synced',
    ],
    [
      'a conflict beats a transfer',
      {
        local: f('a'),
        synced: f('a'),
        remote: f('a'),
        conflict: true,
        transfer: 'uploading' as const,
      },
      'conflict',
    ],
    ['an unreadable file', { local: f('a'), synced: f('a'), remote: f('a'), error: true }, 'error'],
    ['an error beats a conflict', { local: f('a'), conflict: true, error: true }, 'error'],
  ])('%s', (_name, input, state) => {
    expect(decideFileState(input)).toBe(state);
  });

  it('a file and a folder at one path are not the same item', () => {
    expect(baseFileState({ local: d('a'), synced: f('a'), remote: f('a') })).toBe('pending');
  });
});

describe('treePaths', () => {
  it('joins names down from the root and leaves out broken chains and cycles', () => {
    const tree = new Map<string, TreeNode>([
      [ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' }],
      ['c', { id: 'c', parentId: 'b', name: 'c.txt', kind: 'file' }],
      ['b', { id: 'b', parentId: 'a', name: 'b', kind: 'dir' }],
      ['a', { id: 'a', parentId: ROOT_ID, name: 'a', kind: 'dir' }],
      ['orphan', { id: 'orphan', parentId: 'missing', name: 'o', kind: 'file' }],
      ['x', { id: 'x', parentId: 'y', name: 'x', kind: 'dir' }],
      ['y', { id: 'y', parentId: 'x', name: 'y', kind: 'dir' }],
    ]);
    const paths = treePaths(tree);
    expect(Object.fromEntries(paths)).toEqual({ a: 'a', b: 'a/b', c: 'a/b/c.txt' });
  });
});

// --- over a real manifest -------------------------------------------------------------------

let dir: string;
let manifest: Manifest;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-file-list-'));
  manifest = Manifest.open(path.join(dir, 'manifest.sqlite'));
});
afterEach(async () => {
  manifest.close();
  await rm(dir, { recursive: true, force: true });
});

const root: TreeNode = { id: ROOT_ID, parentId: null, name: '', kind: 'dir' };
let inode = 1;
function localRecord(
  p: string,
  itemId: string,
  kind: 'file' | 'dir',
  contentId?: string,
): LocalFileRecord {
  return {
    path: p,
    itemId,
    kind,
    dev: '1',
    ino: String(inode++),
    size: kind === 'file' ? 100 : 4096,
    mtimeNs: 1_700_000_000_123_456_789n,
    ctimeNs: 1_700_000_000_000_000_000n,
    ...(contentId !== undefined ? { contentId } : {}),
  };
}
const node = (
  id: string,
  parentId: string,
  name: string,
  kind: 'file' | 'dir',
  contentId?: string,
): TreeNode => ({
  id,
  parentId,
  name,
  kind,
  ...(kind === 'file' ? { contentId, size: 100, mtimeMs: 1_600_000_000_000 } : {}),
});

const noOverlay: FolderOverlay = {
  transfers: new Map(),
  transferred: new Set(),
  errorPaths: new Set(),
  conflictPaths: new Set(),
};

function folder(id: string, rootPath: string, over: Partial<ListedFolder> = {}): ListedFolder {
  return { id, root: rootPath, excluded: [], overlay: noOverlay, ...over };
}

/** docs/ (synced), docs/report.txt (synced), notes.txt (edited here), new.txt (only here),
 * remote.txt (only on CESS), Photos/ + Photos/cat.jpg (excluded, on CESS only). */
function seedFolder(id: string): void {
  manifest.addFolder({ id, rootPath: path.join(dir, id) });
  const synced = [
    root,
    node('d1', ROOT_ID, 'docs', 'dir'),
    node('f1', 'd1', 'report.txt', 'file', 'r1'),
    node('f2', ROOT_ID, 'notes.txt', 'file', 'n1'),
  ];
  manifest.replaceTree(id, 'synced', synced);
  manifest.replaceTree(id, 'remote', [
    ...synced,
    node('f4', ROOT_ID, 'remote.txt', 'file', 'x1'),
    node('d2', ROOT_ID, 'Photos', 'dir'),
    node('f5', 'd2', 'cat.jpg', 'file', 'p1'),
  ]);
  manifest.upsertLocalFiles(id, [
    localRecord('docs', 'd1', 'dir'),
    localRecord('docs/report.txt', 'f1', 'file', 'r1'),
    localRecord('notes.txt', 'f2', 'file', 'n2'),
    localRecord('new.txt', 'f3', 'file', 'w1'),
  ]);
}

describe('FileListIndex over a manifest', () => {
  it('lists every item with its state, sorted by path, and its size and time', () => {
    seedFolder('A');
    const index = new FileListIndex({ manifest });
    const f = folder('A', path.join(dir, 'A'), { excluded: ['Photos'] });
    const list = index.query({}, [f]);
    expect(list.total).toBe(7);
    expect(list.files.map((e) => [e.path, e.kind, e.state])).toEqual([
      ['docs', 'dir', 'synced'],
      ['docs/report.txt', 'file', 'synced'],
      ['new.txt', 'file', 'pending'],
      ['notes.txt', 'file', 'pending'],
      ['Photos', 'dir', 'excluded'],
      ['Photos/cat.jpg', 'file', 'excluded'],
      ['remote.txt', 'file', 'pending'],
    ]);
    const report = list.files[1];
    expect(report).toMatchObject({ folderId: 'A', size: 100, mtimeMs: 1_700_000_000_123 });
    expect(list.files.find((e) => e.path === 'remote.txt')?.mtimeMs).toBe(1_600_000_000_000);
    expect(list.files[0]?.size).toBe(0); // folders have no size of their own
    index.close();
  });

  it('searches the path case-insensitively and pages through the matches', () => {
    seedFolder('A');
    const index = new FileListIndex({ manifest });
    const fA = folder('A', path.join(dir, 'A'));
    expect(index.query({ q: 'TXT' }, [fA]).total).toBe(4);
    expect(index.query({ q: 'docs/' }, [fA]).files.map((e) => e.path)).toEqual(['docs/report.txt']);
    expect(index.query({ q: '  Report ' }, [fA]).files.map((e) => e.path)).toEqual([
      'docs/report.txt',
    ]);
    const page = index.query({ q: '.txt', offset: 1, limit: 2 }, [fA]);
    expect(page.total).toBe(4);
    expect(page.files.map((e) => e.path)).toEqual(['new.txt', 'notes.txt']);
    expect(index.query({ q: 'nothing matches this' }, [fA])).toEqual({ files: [], total: 0 });
    index.close();
  });

  it('lists several folders, filters by folder, and refuses an unknown folder with 404', () => {
    seedFolder('A');
    seedFolder('B');
    const index = new FileListIndex({ manifest });
    const both = [folder('A', path.join(dir, 'A')), folder('B', path.join(dir, 'B'))];
    expect(index.query({}, both).total).toBe(14);
    const onlyB = index.query({ folderId: 'B' }, both);
    expect(onlyB.total).toBe(7);
    expect(new Set(onlyB.files.map((e) => e.folderId))).toEqual(new Set(['B']));
    // Paging runs across folders: the page starts in A and ends in B.
    const across = index.query({ offset: 6, limit: 2 }, both);
    expect(across.files.map((e) => `${e.folderId}:${e.path}`)).toEqual(['A:remote.txt', 'B:docs']);
    let err: unknown;
    try {
      index.query({ folderId: 'nope' }, both);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileListError);
    expect(err).toMatchObject({ statusCode: 404, code: 'no_such_folder' });
    index.close();
  });

  it('applies the overlay to the returned page: transfers, conflicts, errors', () => {
    seedFolder('A');
    const index = new FileListIndex({ manifest });
    const overlay: FolderOverlay = {
      transfers: new Map([
        ['f2', 'uploading'],
        ['f4', 'downloading'],
        ['f3', 'uploading'],
      ]),
      transferred: new Set(['new.txt']),
      errorPaths: new Set(['docs/report.txt']),
      conflictPaths: new Set(['docs']),
    };
    const states = Object.fromEntries(
      index
        .query({}, [folder('A', path.join(dir, 'A'), { overlay })])
        .files.map((e) => [e.path, e.state]),
    );
    expect(states).toMatchObject({
      'notes.txt': 'uploading',
      'remote.txt': 'downloading',
      'new.txt': 'synced',
      'docs/report.txt': 'error',
      docs: 'conflict',
    });
    index.close();
  });

  it('keeps the built list until invalidated, then sees the manifest again', () => {
    seedFolder('A');
    const index = new FileListIndex({ manifest });
    const fA = folder('A', path.join(dir, 'A'));
    expect(index.query({ q: 'notes' }, [fA]).files[0]?.state).toBe('pending');
    // The edit is uploaded: the merge base and the remote catch up with the disk.
    const synced = manifest.loadTree('A', 'synced');
    synced.set('f2', { ...(synced.get('f2') as TreeNode), contentId: 'n2' });
    manifest.replaceTree('A', 'synced', synced);
    manifest.replaceTree('A', 'remote', synced);
    expect(index.query({ q: 'notes' }, [fA]).files[0]?.state).toBe('pending'); // cached
    index.invalidate('A');
    expect(index.query({ q: 'notes' }, [fA]).files[0]?.state).toBe('synced');
    index.close();
  });

  it("hides what the folder's .cessignore ignores once it has been read", async () => {
    seedFolder('A');
    const rootPath = path.join(dir, 'A');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(rootPath, { recursive: true });
    await writeFile(path.join(rootPath, '.cessignore'), 'remote.txt\n');
    const index = new FileListIndex({ manifest });
    const fA = folder('A', rootPath);
    index.query({}, [fA]); // starts reading the rules
    await expect.poll(() => index.query({ q: 'remote' }, [fA]).files[0]?.state).toBe('excluded');
    // A pass brings a changed .cessignore: re-read after the engine invalidates the folder.
    await writeFile(path.join(rootPath, '.cessignore'), '# nothing ignored\n');
    index.invalidate('A');
    await expect.poll(() => index.query({ q: 'remote' }, [fA]).files[0]?.state).toBe('pending');
    // Selective sync changed in the folder's settings: applied at the next query.
    expect(index.query({ q: 'cat' }, [fA]).files[0]?.state).toBe('pending');
    const excluding = folder('A', rootPath, { excluded: ['Photos'] });
    expect(index.query({ q: 'cat' }, [excluding]).files[0]?.state).toBe('excluded');
    index.close();
  });

  it('a stale second record of one item (a move not rescanned yet) is listed, not dropped', () => {
    seedFolder('A');
    manifest.upsertLocalFiles('A', [localRecord('moved.txt', 'f2', 'file', 'n1')]);
    const entries = buildEntries(manifest, 'A', IgnoreMatcher.fromRules(''));
    expect(entries.map((e) => e.path)).toContain('moved.txt');
    expect(entries.map((e) => e.path)).toContain('notes.txt');
  });
});

describe('100,000 files', () => {
  it('builds once in well under the time of a pass, then answers searches in milliseconds', () => {
    manifest.addFolder({ id: 'big', rootPath: path.join(dir, 'big') });
    const tree: TreeNode[] = [root];
    const local: LocalFileRecord[] = [];
    for (let dn = 0; dn < 1000; dn++) {
      const did = `d${dn}`;
      tree.push(node(did, ROOT_ID, `folder ${dn}`, 'dir'));
      local.push(localRecord(`folder ${dn}`, did, 'dir'));
      for (let fn = 0; fn < 100; fn++) {
        const fid = `f${dn}-${fn}`;
        tree.push(node(fid, did, `file ${fn}.bin`, 'file', `c${dn}-${fn}`));
        local.push(localRecord(`folder ${dn}/file ${fn}.bin`, fid, 'file', `c${dn}-${fn}`));
      }
    }
    manifest.replaceTree('big', 'synced', tree);
    manifest.replaceTree('big', 'remote', tree);
    manifest.upsertLocalFiles('big', local);
    const index = new FileListIndex({ manifest });
    const fBig = folder('big', path.join(dir, 'big'));

    let t = performance.now();
    const first = index.query({ limit: 50 }, [fBig]);
    const buildMs = performance.now() - t;
    expect(first.total).toBe(101_000);
    expect(first.files.every((e) => e.state === 'synced')).toBe(true);

    t = performance.now();
    const found = index.query({ q: 'folder 999/file 42' }, [fBig]);
    const searchMs = performance.now() - t;
    expect(found.files.map((e) => e.path)).toEqual(['folder 999/file 42.bin']);

    t = performance.now();
    const lastPage = index.query({ offset: 100_950, limit: 1000 }, [fBig]);
    const pageMs = performance.now() - t;
    expect(lastPage.files).toHaveLength(50);

    console.log(
      `file list, 101,000 items: build ${buildMs.toFixed(0)} ms, search ${searchMs.toFixed(1)} ms, last page ${pageMs.toFixed(1)} ms`,
    );
    // Generous bounds for a shared 2-core machine; the measured numbers are in the log.
    expect(buildMs).toBeLessThan(10_000);
    expect(searchMs).toBeLessThan(500);
    expect(pageMs).toBeLessThan(500);
    index.close();
  });
});
