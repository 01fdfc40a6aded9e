/**
 * Tree and snapshot blobs (docs/format.md "Trees and snapshots"), restic-style: a directory is
 * one "tree" blob listing its children, a subdirectory by the id of its own tree blob, so an
 * unchanged subtree has byte-identical plaintext, the same id, and is not stored again. A
 * "snapshot" blob names the root tree of one folder state. Both are canonical UTF-8 JSON
 * (fixed key order, entries sorted by the UTF-8 bytes of their names) encrypted with the
 * metadata key. Names, sizes, times and modes exist only inside these encrypted blobs.
 */
import { blobIdBytes, type BlobId } from './ids.js';
import { isHex, toHex, utf8, utf8Strict } from './bytes.js';
import { FormatError } from './errors.js';
import type { FormatKeys } from './keys.js';

export const TREE_VERSION = 1;
export const SNAPSHOT_VERSION = 1;

/** A PReT capsule in CD²N's JSON shape: padded standard base64 of 32 bytes each. */
export interface CapsuleJson {
  E: string;
  V: string;
  S: string;
}

interface EntryBase {
  /** Stable item id (32 lowercase hex, src/sync/model). */
  itemId: string;
  /** One NFC path segment. */
  name: string;
  mtimeMs: number;
  /** POSIX permission bits, or null when unknown. */
  mode: number | null;
}

export interface FileEntry extends EntryBase {
  kind: 'file';
  size: number;
  /** Keyed content id (ids.ts ContentIdBuilder): equal exactly when the bytes are equal. */
  contentId: string;
  /** The file node blob and its content key K_f encapsulated to the owner. */
  fileNode: { blobId: BlobId; capsule: CapsuleJson };
}

export interface DirEntry extends EntryBase {
  kind: 'dir';
  /** Blob id of the subdirectory's tree blob. */
  subtree: BlobId;
}

export type TreeEntry = FileEntry | DirEntry;

export interface TreeBlob {
  version: 1;
  entries: TreeEntry[];
}

export interface SnapshotBlob {
  version: 1;
  folderId: string;
  deviceId: string;
  /** Lamport counter: max(seq of parents) + 1. */
  seq: number;
  /** Snapshot blob ids this one descends from (one; two after a merge; none for the first). */
  parents: BlobId[];
  /** Creation time, ms since the epoch (informational; order is seq + parents). */
  timeMs: number;
  /** Blob id of the root tree. */
  tree: BlobId;
}

const B64_32 = /^[A-Za-z0-9+/]{43}=$/;

function bad(msg: string): never {
  throw new FormatError('BAD_ENCODING', msg);
}

function isInt(v: unknown, min = 0): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function exactKeys(o: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad(`${what}: expected an object`);
  const got = Object.keys(o);
  if (
    got.length !== keys.length ||
    !keys.every((k) => Object.prototype.hasOwnProperty.call(o, k))
  ) {
    bad(`${what}: expected exactly the keys ${keys.join(', ')}`);
  }
  return o as Record<string, unknown>;
}

function checkName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name === '.' ||
    name === '..' ||
    /[/\0]/.test(name) ||
    name.length > 1024
  ) {
    bad('tree entry: invalid name');
  }
  if (name.normalize('NFC') !== name) bad('tree entry: name not NFC');
  return name;
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Validates and orders a tree's entries as encodeTree writes them (throws BAD_ENCODING). */
function canonicalEntry(e: unknown): TreeEntry {
  const kind = (e as { kind?: unknown } | null)?.kind;
  if (kind === 'file') {
    const o = exactKeys(
      e,
      ['itemId', 'name', 'kind', 'mtimeMs', 'mode', 'size', 'contentId', 'fileNode'],
      'file entry',
    );
    const fn = exactKeys(o.fileNode, ['blobId', 'capsule'], 'file entry fileNode');
    const cap = exactKeys(fn.capsule, ['E', 'V', 'S'], 'capsule');
    if (![cap.E, cap.V, cap.S].every((s) => typeof s === 'string' && B64_32.test(s)))
      bad('capsule: expected base64 of 32 bytes');
    if (!isInt(o.size) || !isHex(o.contentId, 32) || !isHex(fn.blobId, 32))
      bad('file entry: size/contentId/blobId');
    return {
      ...base(o),
      kind: 'file',
      size: o.size,
      contentId: o.contentId,
      fileNode: {
        blobId: fn.blobId,
        capsule: { E: cap.E as string, V: cap.V as string, S: cap.S as string },
      },
    };
  }
  if (kind === 'dir') {
    const o = exactKeys(e, ['itemId', 'name', 'kind', 'mtimeMs', 'mode', 'subtree'], 'dir entry');
    if (!isHex(o.subtree, 32)) bad('dir entry: subtree');
    return { ...base(o), kind: 'dir', subtree: o.subtree };
  }
  return bad('tree entry: kind must be "file" or "dir"');
}

function base(o: Record<string, unknown>): EntryBase {
  if (!isHex(o.itemId, 16)) bad('tree entry: itemId');
  if (!isInt(o.mtimeMs, Number.MIN_SAFE_INTEGER)) bad('tree entry: mtimeMs');
  if (o.mode !== null && !(isInt(o.mode) && o.mode <= 0o7777)) bad('tree entry: mode');
  return { itemId: o.itemId, name: checkName(o.name), mtimeMs: o.mtimeMs, mode: o.mode };
}

function entryJson(e: TreeEntry): TreeEntry {
  // Fixed key order = the canonical encoding.
  return e.kind === 'file'
    ? {
        itemId: e.itemId,
        name: e.name,
        kind: 'file',
        mtimeMs: e.mtimeMs,
        mode: e.mode,
        size: e.size,
        contentId: e.contentId,
        fileNode: {
          blobId: e.fileNode.blobId,
          capsule: { E: e.fileNode.capsule.E, V: e.fileNode.capsule.V, S: e.fileNode.capsule.S },
        },
      }
    : {
        itemId: e.itemId,
        name: e.name,
        kind: 'dir',
        mtimeMs: e.mtimeMs,
        mode: e.mode,
        subtree: e.subtree,
      };
}

function wrapArg<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof FormatError && err.code === 'BAD_ENCODING')
      throw new FormatError('BAD_ARGUMENT', err.message);
    throw err;
  }
}

/** Canonical bytes of a tree (entries are sorted here; duplicate names are refused). */
export function encodeTree(tree: TreeBlob): Uint8Array {
  return wrapArg(() => {
    const entries = tree.entries.map(canonicalEntry).sort((a, b) => compareNames(a.name, b.name));
    for (let i = 1; i < entries.length; i++) {
      if ((entries[i] as TreeEntry).name === (entries[i - 1] as TreeEntry).name)
        bad('tree: duplicate name');
    }
    return utf8.encode(JSON.stringify({ version: TREE_VERSION, entries: entries.map(entryJson) }));
  });
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(utf8Strict.decode(bytes));
  } catch {
    bad(`${what}: not UTF-8 JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Parses a tree blob's plaintext; accepts only the canonical encoding. */
export function decodeTree(bytes: Uint8Array): TreeBlob {
  const v = parseJson(bytes, 'tree');
  if (v.version !== TREE_VERSION)
    throw new FormatError('BAD_VERSION', `tree version ${String(v.version)}`);
  const o = exactKeys(v, ['version', 'entries'], 'tree');
  if (!Array.isArray(o.entries)) bad('tree: entries');
  const tree: TreeBlob = { version: 1, entries: o.entries.map(canonicalEntry) };
  // The canonical bytes of entries already checked: what encodeTree gives, without checking
  // and sorting them again (a 100,000-file tree is decoded at every pass that plans).
  for (let i = 1; i < tree.entries.length; i++) {
    const c = compareNames(
      (tree.entries[i - 1] as TreeEntry).name,
      (tree.entries[i] as TreeEntry).name,
    );
    if (c === 0) bad('tree: duplicate name');
    if (c > 0) bad('tree: not in canonical form (order, duplicates or spacing)');
  }
  const again = utf8.encode(
    JSON.stringify({ version: TREE_VERSION, entries: tree.entries.map(entryJson) }),
  );
  if (!sameBytes(again, bytes)) bad('tree: not in canonical form (order, duplicates or spacing)');
  return tree;
}

function checkSnapshot(s: unknown): SnapshotBlob {
  const o = exactKeys(
    s,
    ['version', 'folderId', 'deviceId', 'seq', 'parents', 'timeMs', 'tree'],
    'snapshot',
  );
  if (o.version !== SNAPSHOT_VERSION)
    throw new FormatError('BAD_VERSION', `snapshot version ${String(o.version)}`);
  const idStr = (x: unknown): x is string =>
    typeof x === 'string' && x.length > 0 && x.length <= 128;
  if (!idStr(o.folderId) || !idStr(o.deviceId)) bad('snapshot: folderId/deviceId');
  if (!isInt(o.seq, 1) || !isInt(o.timeMs)) bad('snapshot: seq/timeMs');
  if (!Array.isArray(o.parents) || o.parents.length > 16 || !o.parents.every((p) => isHex(p, 32)))
    bad('snapshot: parents');
  if (!isHex(o.tree, 32)) bad('snapshot: tree');
  return {
    version: 1,
    folderId: o.folderId,
    deviceId: o.deviceId,
    seq: o.seq,
    parents: [...(o.parents as string[])],
    timeMs: o.timeMs,
    tree: o.tree,
  };
}

export function encodeSnapshot(s: SnapshotBlob): Uint8Array {
  const c = wrapArg(() => checkSnapshot(s));
  return utf8.encode(JSON.stringify(c));
}

export function decodeSnapshot(bytes: Uint8Array): SnapshotBlob {
  const s = checkSnapshot(parseJson(bytes, 'snapshot'));
  if (!sameBytes(utf8.encode(JSON.stringify(s)), bytes)) bad('snapshot: not in canonical form');
  return s;
}

export function treeBlob(
  keys: FormatKeys,
  tree: TreeBlob,
): { id: BlobId; idBytes: Uint8Array; plaintext: Uint8Array } {
  const plaintext = encodeTree(tree);
  const idBytes = blobIdBytes(keys, 'tree', plaintext);
  return { id: toHex(idBytes), idBytes, plaintext };
}

export function snapshotBlob(
  keys: FormatKeys,
  s: SnapshotBlob,
): { id: BlobId; idBytes: Uint8Array; plaintext: Uint8Array } {
  const plaintext = encodeSnapshot(s);
  const idBytes = blobIdBytes(keys, 'snapshot', plaintext);
  return { id: toHex(idBytes), idBytes, plaintext };
}
