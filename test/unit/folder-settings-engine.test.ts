/**
 * Folder settings in the engine without CESS: re-including a hidden folder keeps its items'
 * ids (so the planner sees edits, not deletions), and the routes against a real engine,
 * manifest and daemon server (validation, .cessignore written atomically, the picker's union
 * of local and remote folders, removing and re-adding a folder).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DaemonClient } from '../../src/daemon/client.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { folderSettingsRoutes } from '../../src/daemon/folders/routes.js';
import { FOLDER_SETTINGS_ROUTES } from '../../src/sync/api/folder-settings-schema.js';
import { SyncEngine } from '../../src/sync/engine/engine.js';
import { reconcileRuleChange } from '../../src/sync/engine/folder-settings.js';
import { deriveKeys } from '../../src/sync/format/index.js';
import { IgnoreMatcher } from '../../src/sync/ignore/index.js';
import { Manifest } from '../../src/sync/manifest/index.js';
import { ROOT_ID, type TreeNode } from '../../src/sync/model/tree.js';
import { plan } from '../../src/sync/planner/index.js';
import type { ObjectStore } from '../../src/sync/remote/object-store.js';
import type { Repository } from '../../src/sync/remote/repository.js';
import { scanFolder } from '../../src/sync/scan/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-folder-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const h = (text: string): string => createHash('sha256').update(text).digest('hex');
const hash = async (abs: string) => {
  const b = await readFile(abs);
  return { contentId: createHash('sha256').update(b).digest('hex'), size: b.length };
};
const id = (n: number): string => n.toString(16).padStart(32, '0');
const rootNode: TreeNode = { id: ROOT_ID, parentId: null, name: '', kind: 'dir' };
const file = (i: string, parentId: string, name: string, text: string): TreeNode => ({
  id: i,
  parentId,
  name,
  kind: 'file',
  contentId: h(text),
  size: text.length,
});

describe('re-including a hidden folder', () => {
  /**
   * The merge base holds X/ (x), X/a.txt (a), X/b.txt (b), X/keep.txt (k) from before X was
   * excluded. While excluded: a was edited on another device, keep.txt edited here, b.txt
   * deleted here (never on the remote).
   */
  async function setUp(folderId: string) {
    const root = path.join(dir, folderId);
    await mkdir(path.join(root, 'X'), { recursive: true });
    await writeFile(path.join(root, 'X/a.txt'), 'same');
    await writeFile(path.join(root, 'X/keep.txt'), 'edited here while excluded');
    const manifest = Manifest.open(path.join(dir, `${folderId}.sqlite`));
    manifest.addFolder({ id: folderId, rootPath: root });
    const [x, a, b, k] = [id(1), id(2), id(3), id(4)];
    const base: TreeNode[] = [
      rootNode,
      { id: x, parentId: ROOT_ID, name: 'X', kind: 'dir' },
      file(a, x, 'a.txt', 'same'),
      file(b, x, 'b.txt', 'b'),
      file(k, x, 'keep.txt', 'old'),
    ];
    manifest.replaceTree(folderId, 'synced', base);
    const remote = new Map(base.map((n) => [n.id, n]));
    remote.set(a, file(a, x, 'a.txt', 'edited on the other device'));
    // The pass before: X excluded, so the scan recorded nothing under it.
    const hidden = IgnoreMatcher.fromRules('', { exclusions: ['X'] });
    await reconcileRuleChange({ manifest, folderId, root, ignore: hidden });
    await scanFolder({ root, manifest, folderId, ignore: hidden, hash });
    expect(manifest.getLocalFile(folderId, 'X/a.txt')).toBeUndefined();
    return { root, manifest, remote, ids: { x, a, b, k } };
  }

  it('keeps the items on disk under their ids and forgets the missing one: no remote delete', async () => {
    const { root, manifest, remote, ids } = await setUp('f1');
    const shown = IgnoreMatcher.fromRules('', { exclusions: [] });
    const r = await reconcileRuleChange({ manifest, folderId: 'f1', root, ignore: shown });
    expect(r).toEqual({ restored: 3, forgotten: 1, changed: true });
    const scan = await scanFolder({ root, manifest, folderId: 'f1', ignore: shown, hash });
    expect(scan.tree.get(ids.x)?.name).toBe('X');
    expect(scan.tree.get(ids.a)?.contentId).toBe(h('same'));
    expect(scan.tree.get(ids.k)?.contentId).toBe(h('edited here while excluded'));
    const p = plan({
      local: scan.tree,
      remote,
      synced: manifest.loadTree('f1', 'synced'),
      deviceName: 'here',
      now: 0,
    });
    const summary = p.ops.map((o) => `${o.type}:${o.id}`).sort();
    expect(summary).toEqual(
      [`downloadFile:${ids.a}`, `downloadFile:${ids.b}`, `uploadFile:${ids.k}`].sort(),
    );
    expect(p.conflicts).toEqual([]);
    // Repeating it (a crash before the scan) changes nothing more.
    expect(await reconcileRuleChange({ manifest, folderId: 'f1', root, ignore: shown })).toEqual({
      restored: 0,
      forgotten: 0,
      changed: false,
    });
    manifest.close();
  });

  it('without it the same re-include would delete on the remote (why it exists)', async () => {
    const { root, manifest, remote } = await setUp('f2');
    const shown = IgnoreMatcher.fromRules('', { exclusions: [] });
    const scan = await scanFolder({ root, manifest, folderId: 'f2', ignore: shown, hash });
    const p = plan({
      local: scan.tree,
      remote,
      synced: manifest.loadTree('f2', 'synced'),
      deviceName: 'here',
      now: 0,
    });
    expect(p.ops.some((o) => o.type === 'deleteRemote')).toBe(true);
    manifest.close();
  });

  it('an ignore rule removed works the same way as an exclusion removed', async () => {
    const folderId = 'f3';
    const root = path.join(dir, folderId);
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'notes.log'), 'log text');
    const manifest = Manifest.open(path.join(dir, `${folderId}.sqlite`));
    manifest.addFolder({ id: folderId, rootPath: root });
    const n = file(id(9), ROOT_ID, 'notes.log', 'log text');
    manifest.replaceTree(folderId, 'synced', [rootNode, n]);
    const hidden = IgnoreMatcher.fromRules('*.log\n');
    await reconcileRuleChange({ manifest, folderId, root, ignore: hidden });
    await scanFolder({ root, manifest, folderId, ignore: hidden, hash });
    const shown = IgnoreMatcher.fromRules('');
    expect(await reconcileRuleChange({ manifest, folderId, root, ignore: shown })).toEqual({
      restored: 1,
      forgotten: 0,
      changed: true,
    });
    const scan = await scanFolder({ root, manifest, folderId, ignore: shown, hash });
    expect(scan.tree.get(id(9))?.contentId).toBe(h('log text'));
    manifest.close();
  });
});

describe('folder settings routes on a real engine', () => {
  let manifest: Manifest;
  let engine: SyncEngine;
  let server: DaemonServer;
  let root: string;
  let folderId: string;

  beforeEach(async () => {
    root = path.join(dir, 'Sync');
    await mkdir(path.join(root, 'Photos/raw'), { recursive: true });
    await mkdir(path.join(root, 'Docs'), { recursive: true });
    await writeFile(path.join(root, 'Docs/a.txt'), 'a');
    manifest = Manifest.open(path.join(dir, 'manifest.sqlite'));
    // No CESS here: every pass fails at the repository, which these routes never need.
    const offline = async () => {
      throw new Error('offline in this test');
    };
    engine = new SyncEngine({
      manifest,
      keys: deriveKeys(new Uint8Array(32)),
      account: {
        address: 'cXtest',
        publicKey: new Uint8Array(32),
        secretScalar: new Uint8Array(32),
      },
      repo: { refresh: offline } as unknown as Repository,
      store: {} as ObjectStore,
      deviceName: 'unit',
      watch: false,
      pollMs: 0,
      compaction: false,
    });
    await engine.start();
    folderId = (await engine.addFolder({ root })).id;
    server = await startDaemonServer({
      service: engine,
      stateDir: path.join(dir, 'state'),
      extraRoutes: folderSettingsRoutes(engine),
      log: () => undefined,
    });
  });
  afterEach(async () => {
    await server.close();
    await engine.stop();
    manifest.close();
  });

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${server.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const errorOf = (j: Record<string, unknown>) => j.error as { code: string; message: string };

  it('reads the settings; unknown folder 404, missing id 400, no token 401', async () => {
    const r = await call('GET', `${FOLDER_SETTINGS_ROUTES.settings}?folderId=${folderId}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ folderId, root, excluded: [], ignoreRules: '', paused: false });
    expect(r.json.builtinRules).toContain('*.tmp');
    const missing = await call('GET', `${FOLDER_SETTINGS_ROUTES.settings}?folderId=nope`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing.json).code).toBe('no_such_folder');
    expect((await call('GET', FOLDER_SETTINGS_ROUTES.settings)).status).toBe(400);
    const bare = await fetch(`${server.url}${FOLDER_SETTINGS_ROUTES.settings}?folderId=x`);
    expect(bare.status).toBe(401);
  });

  it('saves exclusions normalized; refuses a path outside the root', async () => {
    const r = await call('PUT', FOLDER_SETTINGS_ROUTES.settings, {
      folderId,
      excluded: ['Photos/', 'Only on CESS', 'Photos'],
    });
    expect(r.status).toBe(200);
    expect(r.json.excluded).toEqual(['Only on CESS', 'Photos']);
    expect(manifest.getFolder(folderId)?.settings).toMatchObject({
      excluded: ['Only on CESS', 'Photos'],
    });
    const bad = await call('PUT', FOLDER_SETTINGS_ROUTES.settings, {
      folderId,
      excluded: ['../../etc'],
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.json).code).toBe('invalid_request');
    // Excluding never touches the disk.
    expect(existsSync(path.join(root, 'Photos/raw'))).toBe(true);
  });

  it('writes .cessignore atomically; a bad rule is refused with its line and nothing written', async () => {
    const ok = await call('PUT', FOLDER_SETTINGS_ROUTES.ignore, {
      folderId,
      rules: '# mine\n*.log\n',
    });
    expect(ok.status).toBe(200);
    expect(ok.json.ignoreRules).toBe('# mine\n*.log\n');
    expect(await readFile(path.join(root, '.cessignore'), 'utf8')).toBe('# mine\n*.log\n');
    expect(readdirSync(root).filter((n) => n.includes('.tmp'))).toEqual([]);
    const bad = await call('PUT', FOLDER_SETTINGS_ROUTES.ignore, {
      folderId,
      rules: '*.log\nfoo[\n',
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.json)).toMatchObject({ code: 'invalid_ignore_rule' });
    expect(errorOf(bad.json).message).toMatch(/^line 2: /);
    expect(await readFile(path.join(root, '.cessignore'), 'utf8')).toBe('# mine\n*.log\n');
  });

  it('lists subfolders from the disk and the remote tree, marking exclusions', async () => {
    const remoteOnly = id(20);
    const docs = id(21);
    manifest.replaceTree(folderId, 'remote', [
      rootNode,
      { id: remoteOnly, parentId: ROOT_ID, name: 'Only on CESS', kind: 'dir' },
      { id: id(22), parentId: remoteOnly, name: 'Inner', kind: 'dir' },
      { id: docs, parentId: ROOT_ID, name: 'Docs', kind: 'dir' },
    ]);
    await call('PUT', FOLDER_SETTINGS_ROUTES.settings, { folderId, excluded: ['Photos'] });
    const top = await call('GET', `${FOLDER_SETTINGS_ROUTES.tree}?folderId=${folderId}`);
    expect(top.status).toBe(200);
    expect(top.json.entries).toEqual([
      { name: 'Docs', path: 'Docs', excluded: false, where: 'both', hasChildren: false },
      {
        name: 'Only on CESS',
        path: 'Only on CESS',
        excluded: false,
        where: 'remote',
        hasChildren: true,
      },
      { name: 'Photos', path: 'Photos', excluded: true, where: 'local', hasChildren: true },
    ]);
    const inner = await call(
      'GET',
      `${FOLDER_SETTINGS_ROUTES.tree}?folderId=${folderId}&path=${encodeURIComponent('Photos')}`,
    );
    expect(inner.json.entries).toEqual([
      { name: 'raw', path: 'Photos/raw', excluded: true, where: 'local', hasChildren: false },
    ]);
    const escape = await call(
      'GET',
      `${FOLDER_SETTINGS_ROUTES.tree}?folderId=${folderId}&path=${encodeURIComponent('../..')}`,
    );
    expect(escape.status).toBe(400);
  });

  it('removing keeps every file, drops the marker, and adding the root again rejoins the same folder', async () => {
    const r = await call('POST', FOLDER_SETTINGS_ROUTES.remove, { folderId });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ folderId, root, localFilesKept: true, remoteDataKept: true });
    expect(engine.status().folders).toEqual([]);
    expect(manifest.getFolder(folderId)).toBeUndefined();
    expect(await readFile(path.join(root, 'Docs/a.txt'), 'utf8')).toBe('a');
    expect(existsSync(path.join(root, 'Photos/raw'))).toBe(true);
    expect(existsSync(path.join(root, '.cess-sync-root'))).toBe(false);
    expect(existsSync(path.join(root, '.cess-sync'))).toBe(true);
    const gone = await call('GET', `${FOLDER_SETTINGS_ROUTES.settings}?folderId=${folderId}`);
    expect(gone.status).toBe(404);
    const again = await engine.addFolder({ root });
    expect(again.id).toBe(folderId);
    expect(existsSync(path.join(root, '.cess-sync-root'))).toBe(true);
  });
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, {
      io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: root, now: () => 0 },
      connect: async () => new DaemonClient({ url: server.url, token: server.token }),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('the CLI excludes and includes paths relative to the current directory', async () => {
    const ex = await cli('folder', 'exclude', 'Photos', 'Not here yet/');
    expect(ex.code).toBe(0);
    expect(ex.out).toMatch(/no longer synced on this device.*nothing is deleted on CESS/);
    expect(manifest.getFolder(folderId)?.settings).toMatchObject({
      excluded: ['Not here yet', 'Photos'],
    });
    const inner = await cli('folder', 'include', 'Photos/raw');
    expect(inner.code).toBe(2);
    expect(inner.err).toMatch(/inside the excluded folder Photos/);
    expect((await cli('folder', 'include', 'Photos')).code).toBe(0);
    expect(manifest.getFolder(folderId)?.settings).toMatchObject({ excluded: ['Not here yet'] });
    const outside = await cli('folder', 'exclude', '../elsewhere');
    expect(outside.code).toBe(2);
  });

  it('the CLI shows and replaces .cessignore; a bad rule prints its line and exits 1', async () => {
    expect((await cli('folder', 'ignore', '--show')).out).toBe('(no .cessignore rules)');
    await writeFile(path.join(dir, 'rules.txt'), '*.bak\n');
    expect((await cli('folder', 'ignore', '--edit-file', path.join(dir, 'rules.txt'))).code).toBe(
      0,
    );
    expect((await cli('folder', 'ignore')).out).toBe('*.bak');
    await writeFile(path.join(dir, 'bad.txt'), 'ok\n[oops\n');
    const bad = await cli('folder', 'ignore', '--edit-file', path.join(dir, 'bad.txt'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^line 2: /);
    expect(await readFile(path.join(root, '.cessignore'), 'utf8')).toBe('*.bak\n');
  });

  it('the CLI removes a folder by path and says the files stay', async () => {
    const r = await cli('folder', 'remove', '.');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/files stay on this disk and on CESS/);
    expect(engine.status().folders).toEqual([]);
    expect(existsSync(path.join(root, 'Docs/a.txt'))).toBe(true);
  });
});
