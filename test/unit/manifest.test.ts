/**
 * The SQLite manifest against real database files in a temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  Manifest,
  ManifestSchemaError,
  SCHEMA_VERSION,
  migrate,
  type LocalFileRecord,
} from '../../src/sync/manifest/index.js';
import { ROOT_ID, pathOf, type TreeNode } from '../../src/sync/model/tree.js';

let dir: string;
let dbPath: string;
let m: Manifest;
const F = 'folder-1';

const id = (n: number): string => n.toString(16).padStart(32, '0');
const file = (n: number, parent: string, name: string, contentId = `c${n}`): TreeNode => ({
  id: id(n),
  parentId: parent,
  name,
  kind: 'file',
  contentId,
  size: 10 * n,
  mtimeMs: 1_700_000_000_000 + n,
  mode: 0o644,
});
const dirNode = (n: number, parent: string, name: string): TreeNode => ({
  id: id(n),
  parentId: parent,
  name,
  kind: 'dir',
});

beforeEach(async () => {
  dir = await mkdtemp(nodePath.join(tmpdir(), 'cess-sync-manifest-'));
  dbPath = nodePath.join(dir, 'manifest.db');
  m = Manifest.open(dbPath);
  m.addFolder({ id: F, rootPath: '/home/u/Sync', settings: { deleteCap: 100 } });
});

afterEach(async () => {
  m.close();
  await rm(dir, { recursive: true, force: true });
});

describe('open', () => {
  it('sets WAL, synchronous=NORMAL, foreign keys and busy timeout, at the newest schema', () => {
    expect(m.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(m.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(m.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(m.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(m.schemaVersion).toBe(SCHEMA_VERSION);
    const versions = m.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    expect(versions).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1 })));
    expect(m.check()).toEqual([]);
  });

  it("checks a deleted item's children through the by-parent index, in this and later connections", () => {
    // Without it SQLite walks the folder's whole primary key for every deleted item (n^2 for a
    // tree replaced whole); migration v4's statistics make the planner pick the index.
    const fkPlan = (db: Database.Database, table: string): string[] =>
      (
        db.prepare(`EXPLAIN QUERY PLAN DELETE FROM ${table} WHERE folder_id = ?`).all(F) as {
          detail: string;
        }[]
      ).map((r) => r.detail);
    const check = (db: Database.Database) => {
      for (const t of ['local_items', 'remote_items', 'synced_items']) {
        const plan = fkPlan(db, t);
        expect(plan).toContain(
          `SEARCH ${t} USING INDEX ${t}_by_parent (folder_id=? AND parent_id=?)`,
        );
        // The delete's own scan of the folder may use the key; the per-row check must not.
        expect(plan.filter((d) => d.includes('PRIMARY KEY (folder_id=?)')).length).toBeLessThan(2);
      }
    };
    check(m.db);
    m.close();
    const raw = new Database(dbPath);
    try {
      check(raw);
    } finally {
      raw.close();
    }
    m = Manifest.open(dbPath);
  });

  it('reopens an existing database without re-running migrations', () => {
    m.close();
    m = Manifest.open(dbPath);
    expect(m.getFolder(F)?.settings).toEqual({ deleteCap: 100 });
    expect(m.db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
      n: SCHEMA_VERSION,
    });
  });

  it('migrates a v1 database to the newest version, keeping its data', async () => {
    const old = nodePath.join(dir, 'v1.db');
    const raw = new Database(old);
    raw.pragma('foreign_keys = ON');
    migrate(raw, 1);
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.prepare("INSERT INTO folders (id, root_path, created_ms) VALUES ('f', '/x', 1)").run();
    raw
      .prepare(
        `INSERT INTO local_items (folder_id, item_id, parent_id, name, kind) VALUES ('f', ?, NULL, '', 'dir')`,
      )
      .run(ROOT_ID);
    const hasOps = raw
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'ops'")
      .get() as { n: number };
    expect(hasOps.n).toBe(0);
    raw.close();

    const up = Manifest.open(old);
    try {
      expect(up.schemaVersion).toBe(SCHEMA_VERSION);
      expect(up.loadTree('f', 'local').get(ROOT_ID)?.kind).toBe('dir');
      const op = up.addOp('f', 'upload', { x: 1 });
      expect(up.getOp(op.id)?.payload).toEqual({ x: 1 });
      up.addPendingObject({ fid: 'fid1', name: 'n', size: 3 });
      expect(up.listPendingObjects()).toHaveLength(1);
      expect(up.check()).toEqual([]);
    } finally {
      up.close();
    }
    await rm(old, { force: true });
  });

  it('refuses a database from a newer build', () => {
    m.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    m.close();
    expect(() => Manifest.open(dbPath)).toThrow(ManifestSchemaError);
    const raw = new Database(dbPath);
    raw.pragma(`user_version = ${SCHEMA_VERSION}`);
    raw.close();
    m = Manifest.open(dbPath);
  });

  it('a failing migration leaves the old version', () => {
    const p = nodePath.join(dir, 'fail.db');
    const raw = new Database(p);
    const boom = (): void => {
      throw new Error('boom');
    };
    expect(() =>
      migrate(raw, 2, [
        (db) => db.exec('CREATE TABLE t (x)'),
        (db) => {
          db.exec('CREATE TABLE u (x)');
          boom();
        },
      ]),
    ).toThrow('boom');
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'u'").get()).toEqual({
      n: 0,
    });
    raw.close();
  });
});

describe('folders and device state', () => {
  it('stores folders with state and settings', () => {
    m.setFolderState(F, 'paused');
    m.setFolderSettings(F, { a: [1, 2] });
    expect(m.getFolder(F)).toMatchObject({
      rootPath: '/home/u/Sync',
      state: 'paused',
      settings: { a: [1, 2] },
    });
    expect(m.listFolders().map((f) => f.id)).toEqual([F]);
    expect(() => m.setFolderState('nope', 'x')).toThrow();
  });

  it('device id is stable, Lamport clock ticks past what it saw, last snapshot persists', () => {
    const devId = m.deviceId();
    expect(devId).toMatch(/^[0-9a-f]{32}$/);
    expect(m.lamport()).toBe(0);
    expect(m.tickLamport()).toBe(1);
    expect(m.tickLamport(41)).toBe(42);
    expect(m.tickLamport(3)).toBe(43);
    m.setLastSnapshotSeen({ fid: 'abc', lamport: 42 });
    m.close();
    m = Manifest.open(dbPath);
    expect(m.deviceId()).toBe(devId);
    expect(m.lamport()).toBe(43);
    expect(m.lastSnapshotSeen()).toEqual({ fid: 'abc', lamport: 42 });
  });

  it('removing a folder removes its trees, files and ops', () => {
    m.applyTreeChanges(F, 'local', [dirNode(1, ROOT_ID, 'd'), file(2, id(1), 'f')], []);
    m.addOp(F, 'upload', {});
    m.removeFolder(F);
    expect(m.loadTree(F, 'local').size).toBe(0);
    expect(m.listOps()).toEqual([]);
    expect(m.check()).toEqual([]);
  });
});

describe('trees', () => {
  it('every tree starts with the root', () => {
    for (const w of ['local', 'remote', 'synced'] as const) {
      expect([...m.loadTree(F, w).values()]).toEqual([
        { id: ROOT_ID, parentId: null, name: '', kind: 'dir' },
      ]);
    }
  });

  it('round-trips nodes, with and without optional fields', () => {
    const nodes = [dirNode(1, ROOT_ID, 'Docs'), file(2, id(1), 'a.txt'), file(3, ROOT_ID, 'é')];
    m.applyTreeChanges(F, 'remote', nodes, []);
    const t = m.loadTree(F, 'remote');
    expect(t.size).toBe(4);
    for (const n of nodes) expect(t.get(n.id)).toEqual(n);
    expect(pathOf(t, id(2))).toBe('Docs/a.txt');
    expect(m.children(F, 'remote', ROOT_ID).map((n) => n.name)).toEqual(['Docs', 'é']);
    expect(m.loadTree(F, 'local').size).toBe(1); // trees are separate
  });

  it('fileTotals counts the files of one tree and sums their sizes', () => {
    expect(m.fileTotals(F, 'synced')).toEqual({ files: 0, bytes: 0 });
    m.applyTreeChanges(
      F,
      'synced',
      [dirNode(1, ROOT_ID, 'Docs'), file(2, id(1), 'a'), file(3, ROOT_ID, 'b')],
      [],
    );
    m.applyTreeChanges(F, 'remote', [file(4, ROOT_ID, 'c')], []);
    expect(m.fileTotals(F, 'synced')).toEqual({ files: 2, bytes: 50 });
    expect(m.fileTotals(F, 'remote')).toEqual({ files: 1, bytes: 40 });
  });

  it('applyTreeChanges is all-or-nothing: an orphan makes the whole change fail', () => {
    m.applyTreeChanges(F, 'local', [dirNode(1, ROOT_ID, 'd'), file(2, id(1), 'f')], []);
    // Children may come before parents inside one change (the key is checked at commit).
    m.applyTreeChanges(F, 'local', [file(4, id(3), 'g'), dirNode(3, ROOT_ID, 'e')], []);
    expect(() => m.applyTreeChanges(F, 'local', [file(5, ROOT_ID, 'ok')], [id(1)])).toThrow(
      /FOREIGN KEY/,
    );
    const t = m.loadTree(F, 'local');
    expect(t.has(id(5))).toBe(false);
    expect(t.has(id(1))).toBe(true);
    // Deleting a subtree in any order works.
    m.applyTreeChanges(F, 'local', [], [id(1), id(2)]);
    expect(m.loadTree(F, 'local').has(id(1))).toBe(false);
    expect(() => m.applyTreeChanges(F, 'local', [], [ROOT_ID])).toThrow();
  });

  it('replaceTree swaps the whole tree', () => {
    m.applyTreeChanges(F, 'synced', [file(1, ROOT_ID, 'old')], []);
    const next = new Map<string, TreeNode>([
      [ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' }],
      [id(9), file(9, ROOT_ID, 'new')],
    ]);
    m.replaceTree(F, 'synced', next);
    expect([...m.loadTree(F, 'synced').keys()].sort()).toEqual([ROOT_ID, id(9)].sort());
    expect(() => m.replaceTree(F, 'synced', [file(1, ROOT_ID, 'x')])).toThrow(/root/);
  });

  it('markSynced advances the base and completes the op in one transaction', () => {
    const op = m.addOp(F, 'upload', { item: id(1) });
    expect(m.claimOp(F)?.id).toBe(op.id);
    m.markSynced(F, [file(1, ROOT_ID, 'a')], { completeOpId: op.id });
    expect(m.getOp(op.id)?.state).toBe('done');
    expect(m.loadTree(F, 'synced').get(id(1))?.contentId).toBe('c1');
    // Completing twice fails, and then the tree does not move either.
    expect(() =>
      m.markSynced(F, [file(1, ROOT_ID, 'a', 'c-other')], { completeOpId: op.id }),
    ).toThrow();
    expect(m.loadTree(F, 'synced').get(id(1))?.contentId).toBe('c1');
    m.markSynced(F, [], { deletes: [id(1)] });
    expect(m.loadTree(F, 'synced').has(id(1))).toBe(false);
  });
});

describe('local files', () => {
  const rec = (path: string, n: number, extra: Partial<LocalFileRecord> = {}): LocalFileRecord => ({
    path,
    itemId: id(n),
    kind: 'file',
    dev: '18446744073709551615', // u64 max: does not fit i64
    ino: String(1000 + n),
    size: n,
    mtimeNs: 1_700_000_000_123_456_789n,
    ctimeNs: 1_700_000_001_123_456_789n,
    mode: 0o644,
    contentId: `c${n}`,
    hashedAt: 1_700_000_002_000,
    ...extra,
  });

  it('round-trips nanosecond times and 64-bit dev/ino exactly', () => {
    const a = rec('a.txt', 1);
    const b = rec('é.txt', 2, { diskPath: 'e\u0301.txt' });
    m.upsertLocalFiles(F, [a, b]);
    expect(m.getLocalFile(F, 'a.txt')).toEqual(a);
    expect(m.loadLocalFiles(F).get('é.txt')).toEqual(b);
    expect(m.findLocalFilesByInode(F, a.dev, a.ino)).toEqual([a]);
    m.deleteLocalFiles(F, ['a.txt']);
    expect(m.getLocalFile(F, 'a.txt')).toBeUndefined();
  });

  it('applyLocalScan writes tree and files together or not at all', () => {
    expect(() =>
      m.applyLocalScan(F, {
        treeUpserts: [file(1, id(99), 'orphan')],
        treeDeletes: [],
        fileUpserts: [rec('orphan', 1)],
        fileDeletes: [],
      }),
    ).toThrow(/FOREIGN KEY/);
    expect(m.loadLocalFiles(F).size).toBe(0);
    m.applyLocalScan(F, {
      treeUpserts: [file(1, ROOT_ID, 'a.txt')],
      treeDeletes: [],
      fileUpserts: [rec('a.txt', 1)],
      fileDeletes: [],
    });
    expect(m.loadTree(F, 'local').get(id(1))?.name).toBe('a.txt');
    expect(m.loadLocalFiles(F).size).toBe(1);
  });
});

describe('operations journal', () => {
  it('add, claim in order, fail with retry, fail for good, complete, requeue', () => {
    const a = m.addOp(F, 'upload', { n: 1 });
    const b = m.addOp(F, 'delete', { n: 2 });
    const c = m.addOp(null, 'compact', { n: 3 });
    expect(a.state).toBe('pending');
    expect(m.claimOp(F, ['delete'])?.id).toBe(b.id);
    const ca = m.claimOp(F);
    expect(ca).toMatchObject({ id: a.id, state: 'running', attempts: 1, payload: { n: 1 } });
    expect(m.failOp(a.id, 'timeout')).toBe('pending');
    expect(m.getOp(a.id)).toMatchObject({ state: 'pending', lastError: 'timeout' });
    expect(m.claimOp(F)?.attempts).toBe(2);
    expect(m.failOp(a.id, 'gone', { retry: false })).toBe('failed');
    expect(m.claimOp(F)).toBeUndefined(); // b running, a failed
    expect(m.claimOp()?.id).toBe(c.id);
    m.completeOp(c.id);
    expect(m.requeueRunningOps()).toBe(1); // b, as after a crash
    expect(m.listOps(F, ['pending']).map((o) => o.id)).toEqual([b.id]);
    expect(m.pruneDoneOps(Date.now() + 1)).toBe(1);
    expect(m.getOp(c.id)).toBeUndefined();
  });
});

describe('pending objects', () => {
  it('add (idempotent), list by state, mark stored, remove', () => {
    m.addPendingObject({ fid: 'f1', name: 'pack-1', size: 32 << 20 });
    m.addPendingObject({ fid: 'f1', name: 'pack-1', size: 32 << 20 });
    m.addPendingObject({ fid: 'f2', name: 'pack-2', size: 5 });
    expect(m.listPendingObjects('pending').map((o) => o.fid)).toEqual(['f1', 'f2']);
    m.markObjectStored('f1');
    expect(m.listPendingObjects('stored')).toMatchObject([{ fid: 'f1', state: 'stored' }]);
    expect(m.listPendingObjects('stored')[0]?.storedMs).toBeTypeOf('number');
    expect(() => m.markObjectStored('nope')).toThrow();
    m.removePendingObject('f2');
    expect(m.listPendingObjects().map((o) => o.fid)).toEqual(['f1']);
  });
});
