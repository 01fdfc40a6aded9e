/**
 * The SQLite manifest against real database files in a temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  Manifest,
  ManifestSchemaError,
  SCHEMA_VERSION,
  migrate,
  type LocalFileRecord,
} from '../../src/sync/manifest/index.js';
import {
  ROOT_ID,
  pathOf,
  type ItemId,
  type ItemKind,
  type TreeNode,
} from '../../src/sync/model/tree.js';

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
const root = (): TreeNode => ({ id: ROOT_ID, parentId: null, name: '', kind: 'dir' });
/** Rows inserted, updated or deleted on the connection so far. */
const totalChanges = (): number =>
  (m.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

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

  it('replaceTree keeps the old tree when the new one is invalid', () => {
    m.replaceTree(F, 'synced', [root(), dirNode(1, ROOT_ID, 'd'), file(2, id(1), 'f')]);
    const before = m.loadTree(F, 'synced');
    expect(() =>
      m.replaceTree(F, 'synced', [root(), file(2, id(1), 'f'), file(3, id(7), 'orphan')]),
    ).toThrow(/FOREIGN KEY/);
    expect(m.loadTree(F, 'synced')).toEqual(before);
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

describe('replaceTree writes only the difference', () => {
  /** The node as loadTree returns it: no undefined fields. */
  const norm = (n: TreeNode): TreeNode =>
    Object.fromEntries(Object.entries(n).filter(([, v]) => v !== undefined)) as unknown as TreeNode;
  const normTree = (t: ReadonlyMap<ItemId, TreeNode>): Map<ItemId, TreeNode> =>
    new Map([...t].map(([k, n]) => [k, norm(n)]));

  it('stores exactly 3 rows when 1 of 1,000 items changed, 1 was removed and 1 added', () => {
    const a = new Map<ItemId, TreeNode>([[ROOT_ID, root()]]);
    for (let d = 1; d <= 10; d++) a.set(id(d), dirNode(d, ROOT_ID, `d${d}`));
    for (let n = 11; n < 1000; n++)
      a.set(id(n), { ...file(n, id(1 + (n % 10)), `f${n}`), mtimeMs: 1_700_000_000_000.25 + n });
    expect(a.size).toBe(1000);
    m.replaceTree(F, 'synced', a);
    expect(m.loadTree(F, 'synced')).toEqual(a);

    const b = new Map(a);
    b.set(id(500), { ...file(500, id(3), 'moved', 'c-new'), mtimeMs: 1_700_000_000_000.75 });
    b.delete(id(600));
    b.set(id(5000), file(5000, id(2), 'new'));
    let before = totalChanges();
    m.replaceTree(F, 'synced', b);
    expect(totalChanges() - before).toBe(3);
    expect(m.loadTree(F, 'synced')).toEqual(b);

    // The same tree again (as an iterable this time) writes nothing.
    before = totalChanges();
    m.replaceTree(F, 'synced', b.values());
    expect(totalChanges() - before).toBe(0);
    expect(m.check()).toEqual([]);
  });

  // Random pairs of valid trees over a shared pool of ids: B is A edited (kept, dropped, one
  // field changed, replaced) plus new items, so many rows are identical and many are not.
  const POOL = 40;
  const mtime = fc.oneof(
    fc.integer({ min: 0, max: 2_000_000_000_000 }),
    fc.double({ min: 1, max: 2e12, noNaN: true }), // mostly non-integer
    fc.constantFrom(1_700_000_000_000.25, 0.5, 2 ** 53 - 1, 2 ** 60),
  );
  const fields = fc.record({
    kind: fc.constantFrom<ItemKind>('file', 'dir'),
    name: fc.constantFrom('a', 'b', 'é', 'x.txt'),
    parent: fc.nat(),
    contentId: fc.option(fc.constantFrom('c1', 'c2'), { nil: undefined }),
    size: fc.option(fc.oneof(fc.nat(), fc.constant(2 ** 40)), { nil: undefined }),
    mtimeMs: fc.option(mtime, { nil: undefined }),
    mode: fc.option(fc.constantFrom(0o644, 0o755, 0), { nil: undefined }),
  });
  type Fields = typeof fields extends fc.Arbitrary<infer T> ? T : never;
  const entries = (maxLength: number) =>
    fc.uniqueArray(fc.record({ slot: fc.integer({ min: 1, max: POOL }), f: fields }), {
      selector: (e) => e.slot,
      maxLength,
    });
  type FieldName = 'parent' | 'name' | 'kind' | 'contentId' | 'size' | 'mtimeMs' | 'mode';
  type Edit =
    | { op: 'keep' }
    | { op: 'drop' }
    | { op: 'change'; field: FieldName; f: Fields }
    | { op: 'fresh'; f: Fields };
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    { arbitrary: fc.constant<Edit>({ op: 'keep' }), weight: 6 },
    { arbitrary: fc.constant<Edit>({ op: 'drop' }), weight: 1 },
    {
      arbitrary: fc.record({
        op: fc.constant<'change'>('change'),
        field: fc.constantFrom<FieldName>(
          'parent',
          'name',
          'kind',
          'contentId',
          'size',
          'mtimeMs',
          'mode',
        ),
        f: fields,
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant<'fresh'>('fresh'), f: fields }), weight: 1 },
  );

  /** A node whose parent is one of `dirs` (items placed before it: no cycles). */
  const place = (itemId: ItemId, f: Fields, dirs: readonly ItemId[]): TreeNode => ({
    id: itemId,
    parentId: dirs[f.parent % dirs.length] ?? ROOT_ID,
    name: f.name,
    kind: f.kind,
    contentId: f.contentId,
    size: f.size,
    mtimeMs: f.mtimeMs,
    mode: f.mode,
  });
  const buildA = (es: { slot: number; f: Fields }[]): TreeNode[] => {
    const dirs = [ROOT_ID];
    const out = [root()];
    for (const e of es) {
      const n = place(id(e.slot), e.f, dirs);
      out.push(n);
      if (n.kind === 'dir') dirs.push(n.id);
    }
    return out;
  };
  const buildB = (
    a: readonly TreeNode[],
    edits: readonly Edit[],
    added: { slot: number; f: Fields }[],
  ): TreeNode[] => {
    const dirs = [ROOT_ID];
    const out = [root()];
    const push = (n: TreeNode): void => {
      // A kept or edited item whose parent is gone (or no longer a dir) moves to the root.
      if (!dirs.includes(n.parentId ?? '')) n.parentId = ROOT_ID;
      out.push(n);
      if (n.kind === 'dir') dirs.push(n.id);
    };
    a.slice(1).forEach((n, i) => {
      const e = edits[i] ?? { op: 'keep' };
      if (e.op === 'keep') push({ ...n });
      else if (e.op === 'fresh') push(place(n.id, e.f, dirs));
      else if (e.op === 'change') {
        const c = { ...n };
        if (e.field === 'parent') c.parentId = place(n.id, e.f, dirs).parentId;
        else if (e.field === 'name') c.name = e.f.name;
        else if (e.field === 'kind') c.kind = e.f.kind;
        else if (e.field === 'contentId') c.contentId = e.f.contentId;
        else if (e.field === 'size') c.size = e.f.size;
        else if (e.field === 'mtimeMs') c.mtimeMs = e.f.mtimeMs;
        else c.mode = e.f.mode;
        push(c);
      }
    });
    const used = new Set(out.map((n) => n.id));
    for (const e of added) if (!used.has(id(e.slot))) push(place(id(e.slot), e.f, dirs));
    return out;
  };

  it('property: replaceTree(A) then replaceTree(B) stores B, writing only rows that differ', () => {
    fc.assert(
      fc.property(
        entries(25),
        fc.array(edit, { minLength: 25, maxLength: 25 }),
        entries(5),
        fc.boolean(),
        fc.constantFrom('map', 'iterable', 'duplicates'),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('none', 'loaded', 'stale'),
        (aEntries, edits, added, aAsMap, bAs, dupEvery, sinceKind) => {
          const aNodes = buildA(aEntries);
          const bNodes = buildB(aNodes, edits, added);
          const a = new Map(aNodes.map((n) => [n.id, n]));
          const b = new Map(bNodes.map((n) => [n.id, n]));

          // 'stale': the tree is loaded before A is stored, so the in-memory copy must not be
          // trusted (it is some earlier tree) and the rows are compared instead.
          const early = m.loadStoredTree(F, 'synced');
          m.replaceTree(F, 'synced', aAsMap ? a : aNodes);
          expect(m.loadTree(F, 'synced')).toEqual(normTree(a));
          const since =
            sinceKind === 'loaded'
              ? m.loadStoredTree(F, 'synced')
              : sinceKind === 'stale'
                ? early
                : undefined;

          let input: Map<ItemId, TreeNode> | TreeNode[] = b;
          if (bAs === 'iterable') input = bNodes;
          else if (bAs === 'duplicates') {
            // Stale copies first (A's version of the item, or a junk one): the last one wins.
            const stale = bNodes
              .filter((_, i) => i % dupEvery === 0)
              .map((n) => a.get(n.id) ?? { ...n, name: 'junk', mtimeMs: 0.5 });
            input = [...stale, ...bNodes];
          }
          let expected = 0;
          for (const k of a.keys()) if (!b.has(k)) expected++;
          for (const [k, n] of b) {
            const old = a.get(k);
            if (old === undefined || !isDeepStrictEqual(norm(old), norm(n))) expected++;
          }
          const before = totalChanges();
          m.replaceTree(F, 'synced', input, since);
          expect(totalChanges() - before).toBe(expected);
          expect(m.loadTree(F, 'synced')).toEqual(normTree(b));
        },
      ),
      { seed: 20260214, numRuns: 300 },
    );
    expect(m.check()).toEqual([]);
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

describe('baseIsRemote', () => {
  const both = [root(), dirNode(1, ROOT_ID, 'docs'), file(2, id(1), 'a.txt')];

  it('is kept across a reopen and cleared by any write to the synced or the remote tree', () => {
    m.replaceTree(F, 'remote', both);
    m.replaceTree(F, 'synced', both);
    expect(m.baseIsRemote(F)).toBe(false);
    m.markBaseIsRemote(F);
    expect(m.baseIsRemote(F)).toBe(true);
    m.close();
    m = Manifest.open(dbPath);
    expect(m.baseIsRemote(F)).toBe(true);

    // The local tree is not part of it.
    m.applyTreeChanges(F, 'local', [file(3, ROOT_ID, 'b.txt')], []);
    expect(m.baseIsRemote(F)).toBe(true);

    const writes: [string, () => void][] = [
      ['markSynced', () => m.markSynced(F, [file(2, id(1), 'a.txt', 'new')])],
      ['applyTreeChanges remote', () => m.applyTreeChanges(F, 'remote', [], [id(2)])],
      ['replaceTree remote', () => m.replaceTree(F, 'remote', both)],
      ['replaceTree synced, same rows', () => m.replaceTree(F, 'synced', both)],
      ['removeFolder', () => m.removeFolder(F)],
    ];
    for (const [what, write] of writes) {
      m.markBaseIsRemote(F);
      write();
      expect(m.baseIsRemote(F), what).toBe(false);
      m.close();
      m = Manifest.open(dbPath);
      expect(m.baseIsRemote(F), `${what}, reopened`).toBe(false);
    }
  });

  it('a write rolled back still clears it here (never true for rows it did not see)', () => {
    m.replaceTree(F, 'synced', both);
    m.markBaseIsRemote(F);
    expect(() => m.applyTreeChanges(F, 'synced', [file(9, id(404), 'orphan.txt')], [])).toThrow();
    expect(m.baseIsRemote(F)).toBe(false);
  });

  it('cannot be marked inside a transaction (a rollback would leave it wrong)', () => {
    expect(() => m.transaction(() => m.markBaseIsRemote(F))).toThrow(/inside a transaction/);
    expect(m.baseIsRemote(F)).toBe(false);
  });
});
