/**
 * The manifest's schema as an ordered list of migrations. Migration N (1-based) takes the
 * database from version N-1 to N; the version lives in `PRAGMA user_version` (read without
 * touching any table) and each applied migration is also recorded in `schema_migrations` (when
 * and by which build) for support. A migration runs inside one transaction together with its
 * version bump, so a crash mid-migration leaves the old version and the migration re-runs.
 *
 * Rules for new migrations: append, never edit an old one; foreign keys are ON while they run
 * (`PRAGMA foreign_keys` cannot change inside a transaction), so a migration that rebuilds a
 * table must do it in an order that keeps every key valid, or the runner must be taught to
 * turn keys off around it and run `PRAGMA foreign_key_check` after.
 */
import type Database from 'better-sqlite3';
import { ROOT_ID } from '../model/tree.js';

export type Migration = (db: Database.Database) => void;

export const TREE_TABLES = {
  local: 'local_items',
  remote: 'remote_items',
  synced: 'synced_items',
} as const;

function treeTableSql(table: string): string {
  // The self-referencing key is DEFERRABLE INITIALLY DEFERRED: it is checked at COMMIT, so a
  // transaction may write children before parents or delete a subtree in any order, but can
  // never commit an item whose parent is missing. NULL parent_id (the root) is not checked.
  return `
    CREATE TABLE ${table} (
      folder_id  TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
      item_id    TEXT NOT NULL,
      parent_id  TEXT,
      name       TEXT NOT NULL,
      kind       TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
      content_id TEXT,
      size       INTEGER,
      mtime_ms   INTEGER,
      mode       INTEGER,
      PRIMARY KEY (folder_id, item_id),
      FOREIGN KEY (folder_id, parent_id) REFERENCES ${table} (folder_id, item_id)
        DEFERRABLE INITIALLY DEFERRED,
      CHECK ((item_id = '${ROOT_ID}') = (parent_id IS NULL)),
      CHECK (item_id <> parent_id)
    ) WITHOUT ROWID;
    CREATE INDEX ${table}_by_parent ON ${table} (folder_id, parent_id, name);
  `;
}

/** v1: folders, the three trees, local file identity, device key-value state. */
const v1: Migration = (db) => {
  db.exec(`
    CREATE TABLE folders (
      id         TEXT PRIMARY KEY,
      root_path  TEXT NOT NULL UNIQUE,
      state      TEXT NOT NULL DEFAULT 'active',
      settings   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
      created_ms INTEGER NOT NULL
    );
    ${treeTableSql(TREE_TABLES.local)}
    ${treeTableSql(TREE_TABLES.remote)}
    ${treeTableSql(TREE_TABLES.synced)}
    -- What the scanner last saw on disk, per path: the stat fingerprint that lets an unchanged
    -- file keep its content id without being read, and (dev, ino) for rename detection.
    -- dev and ino are decimal strings: they are unsigned 64-bit and may not fit SQLite's i64.
    -- path is the NFC sync path; disk_path the on-disk spelling when it differs (NFD names).
    CREATE TABLE local_files (
      folder_id  TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
      path       TEXT NOT NULL,
      disk_path  TEXT,
      item_id    TEXT NOT NULL,
      kind       TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
      dev        TEXT NOT NULL,
      ino        TEXT NOT NULL,
      size       INTEGER NOT NULL,
      mtime_ns   INTEGER NOT NULL,
      ctime_ns   INTEGER NOT NULL,
      mode       INTEGER,
      content_id TEXT,
      hashed_at  INTEGER,
      PRIMARY KEY (folder_id, path)
    ) WITHOUT ROWID;
    CREATE INDEX local_files_by_inode ON local_files (folder_id, dev, ino);
    CREATE INDEX local_files_by_item ON local_files (folder_id, item_id);
    CREATE TABLE device_state (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL CHECK (json_valid(value))
    ) WITHOUT ROWID;
  `);
};

/** v2: the operations journal and the CESS objects being uploaded. */
const v2: Migration = (db) => {
  db.exec(`
    CREATE TABLE ops (
      id         INTEGER PRIMARY KEY AUTOINCREMENT,
      folder_id  TEXT REFERENCES folders(id) ON DELETE CASCADE,
      kind       TEXT NOT NULL,
      payload    TEXT NOT NULL CHECK (json_valid(payload)),
      state      TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
      attempts   INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_ms INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL
    );
    CREATE INDEX ops_by_state ON ops (state, folder_id, id);
    CREATE TABLE pending_objects (
      fid        TEXT PRIMARY KEY,
      name       TEXT NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('pending', 'stored')),
      size       INTEGER NOT NULL,
      created_ms INTEGER NOT NULL,
      stored_ms  INTEGER
    ) WITHOUT ROWID;
  `);
};

/**
 * v3: compaction (src/sync/compaction, docs/format.md §10): when this device first saw each
 * pack (the grace period counts from there, on this device's clock) and when it announced a
 * pack as doomed; decoded references of immutable tree and file node blobs (a cache: each is
 * read and, for file nodes, decapsulated once).
 */
const v3: Migration = (db) => {
  db.exec(`
    CREATE TABLE compaction_packs (
      fid            TEXT PRIMARY KEY,
      first_seen_ms  INTEGER NOT NULL,
      doomed_ms      INTEGER,
      delete_tries   INTEGER NOT NULL DEFAULT 0,
      last_error     TEXT
    ) WITHOUT ROWID;
    CREATE TABLE compaction_refs (
      blob TEXT PRIMARY KEY,
      refs TEXT NOT NULL CHECK (json_valid(refs))
    ) WITHOUT ROWID;
  `);
};

/**
 * v4: fixed planner statistics for the tree tables. Without statistics, SQLite 3.53 answers
 * the foreign-key check of a deleted item ("any children left?") by walking the folder's
 * primary key, not the by-parent index: deleting n items of an n-item tree costs n^2 row visits.
 * At 100,000 files one pass's `replaceTree` ran for over 14 minutes; with these rows it takes
 * about a second. They describe a large folder (many items per folder, few per parent, one per
 * item id) instead of being measured, so the plan does not depend on the shape of whichever
 * tree was there when ANALYZE last ran (a flat folder would make the two indexes look alike).
 */
const v4: Migration = (db) => {
  db.exec('ANALYZE schema_migrations'); // creates sqlite_stat1
  const del = db.prepare('DELETE FROM sqlite_stat1 WHERE tbl = ?');
  const put = db.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)');
  for (const t of Object.values(TREE_TABLES)) {
    del.run(t);
    put.run(t, t, '1000000 100000 1');
    put.run(t, `${t}_by_parent`, '1000000 100000 10 1');
  }
  db.exec('ANALYZE sqlite_schema'); // this connection's planner reads them now
};

/** Index i holds the migration to version i + 1. Append only. */
export const MIGRATIONS: readonly Migration[] = [v1, v2, v3, v4];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class ManifestSchemaError extends Error {
  override name = 'ManifestSchemaError';
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to `target` (default: the newest version). Refuses a database newer than
 * this build knows: opening it would risk writing rows an old schema does not describe.
 * Returns the versions applied.
 */
export function migrate(
  db: Database.Database,
  target: number = SCHEMA_VERSION,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  if (target > migrations.length || target < 0)
    throw new ManifestSchemaError(`no migration to version ${target}`);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_ms INTEGER NOT NULL
  )`);
  const current = schemaVersion(db);
  if (current > migrations.length)
    throw new ManifestSchemaError(
      `manifest schema version ${current} is newer than this build (${migrations.length}); update the app`,
    );
  const applied: number[] = [];
  for (let v = current + 1; v <= target; v++) {
    const step = migrations[v - 1];
    if (step === undefined) throw new ManifestSchemaError(`missing migration ${v}`);
    db.transaction(() => {
      step(db);
      db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(
        v,
        Date.now(),
      );
      db.pragma(`user_version = ${v}`);
    }).immediate();
    applied.push(v);
  }
  return applied;
}
