/**
 * The device's SQLite manifest: folders, the three trees, local file identity, the operations
 * journal, pending CESS objects, device state.
 */
export {
  Manifest,
  ManifestError,
  type FolderRecord,
  type LocalFileRecord,
  type LocalScanChanges,
  type ManifestOptions,
  type OpRecord,
  type OpState,
  type PendingObject,
  type StoredTree,
  type TreeName,
} from './manifest.js';
export {
  MIGRATIONS,
  SCHEMA_VERSION,
  ManifestSchemaError,
  migrate,
  schemaVersion,
  type Migration,
} from './schema.js';
