/**
 * Folder settings after setup: selective-sync exclusions, the root's `.cessignore`, the
 * subfolder picker, and forgetting a folder. The engine (./engine.ts) calls these; one sync
 * pass calls `reconcileRuleChange` before it scans.
 *
 * The safety rule: a change of what is hidden (exclusions or ignore rules) never reads as a
 * deletion. Hiding needs nothing here: the scanner stops seeing the items, and the pass keeps
 * them in the merge base as they were (folder-sync.ts), so neither side deletes anything.
 * Showing them again needs care: the scanner forgot their records while they were hidden, so it
 * would give the files on disk new item ids, and every item of the merge base would look
 * "deleted here" (a delete on CESS). `reconcileRuleChange` restores the records (same path and
 * kind on disk: same item, re-hashed) and forgets in the merge base what is not on disk (it
 * then downloads as new instead of being deleted remotely).
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import {
  DEFAULT_EXACT_NAMES,
  DEFAULT_PATTERNS,
  IGNORE_FILE_NAME,
  IgnoreMatcher,
  MANDATORY_PATTERNS,
  ROOT_MARKER_NAME,
} from '../ignore/index.js';
import type { LocalFileRecord, Manifest } from '../manifest/index.js';
import { ROOT_ID, pathOf, type ItemId, type Tree } from '../model/tree.js';
import { assertNoSymlinkInPath, resolveInsideRoot } from '../paths/index.js';
import type { FolderTree, FolderTreeEntry } from '../api/folder-settings-schema.js';

/** What a folder's last scan hid by: compared at the next pass to find what became visible. */
interface RulesSeen {
  excluded: string[];
  text: string;
}

const rulesKey = (folderId: string): string => `folder-rules:${folderId}`;
const REMOVED_KEY = 'removed-folders';

export class FolderSettingsError extends Error {
  override name = 'FolderSettingsError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The rule lines every folder has before its `.cessignore`, for the UI (read-only). */
export function builtinRules(): string[] {
  return [
    ...MANDATORY_PATTERNS.map((p) => `${p}  (always)`),
    ...DEFAULT_PATTERNS,
    ...DEFAULT_EXACT_NAMES.map((n) => JSON.stringify(n)),
  ];
}

/**
 * Notes the rules in force now unless some are already noted: called before a settings change,
 * so the pass after it knows what was hidden before (a device whose passes predate this code
 * has nothing noted yet).
 */
export async function noteRulesBeforeChange(
  manifest: Manifest,
  folderId: string,
  root: string,
  excluded: readonly string[],
): Promise<void> {
  if ((manifest.getState<RulesSeen | null>(rulesKey(folderId)) ?? null) !== null) return;
  const m = await IgnoreMatcher.load(root, { exclusions: excluded }).catch((e: unknown) => {
    // Without the rules in force the next pass could not tell what was hidden before.
    throw new FolderSettingsError(
      409,
      'ignore_file_unreadable',
      `${e instanceof Error ? e.message : String(e)}: fix or remove it first`,
    );
  });
  manifest.setState(rulesKey(folderId), { excluded: [...m.exclusions], text: m.ignoreFileText });
}

/**
 * Before a pass's scan: if the rules differ from those of the last scan, items that were hidden
 * and are visible now get their local record back when they are on disk (same path and kind),
 * and leave the merge base when they are not. Returns how many items were restored or
 * forgotten. Idempotent: a crash before the scan repeats it harmlessly.
 */
export async function reconcileRuleChange(o: {
  manifest: Manifest;
  folderId: string;
  root: string;
  ignore: IgnoreMatcher;
}): Promise<{ restored: number; forgotten: number; changed: boolean }> {
  const { manifest, folderId, root, ignore } = o;
  const now: RulesSeen = { excluded: [...ignore.exclusions], text: ignore.ignoreFileText };
  const before = manifest.getState<RulesSeen | null>(rulesKey(folderId)) ?? undefined;
  const out = { restored: 0, forgotten: 0, changed: false };
  if (before !== undefined && sameRules(before, now)) return out;
  out.changed = before !== undefined;
  if (before !== undefined) {
    const old = IgnoreMatcher.fromRules(before.text, { exclusions: before.excluded });
    const synced = manifest.loadTree(folderId, 'synced');
    const hiddenBefore = hiddenIds(synced, old);
    const hiddenNow = hiddenIds(synced, ignore);
    const shown = [...hiddenBefore].filter((id) => !hiddenNow.has(id));
    // Parents first, so a forgotten folder takes its whole subtree with it.
    const withPaths = shown
      .map((id) => ({ id, rel: pathOf(synced, id) }))
      .filter((x): x is { id: ItemId; rel: string } => x.rel !== null && x.rel !== '')
      .sort((a, b) => a.rel.split('/').length - b.rel.split('/').length);
    const forget = new Set<ItemId>();
    const records: LocalFileRecord[] = [];
    for (const { id, rel } of withPaths) {
      const node = synced.get(id);
      if (!node || forget.has(id) || (node.parentId !== null && forget.has(node.parentId))) {
        forget.add(id);
        continue;
      }
      const known = manifest.getLocalFile(folderId, rel);
      if (known !== undefined) {
        // Already recorded (a repeated reconcile, or the scan saw it): the same item or not.
        if (known.itemId !== id) forget.add(id);
        continue;
      }
      const st = await lstatInside(root, rel);
      const kind = st?.isDirectory() ? 'dir' : st?.isFile() ? 'file' : null;
      if (st === null || kind !== node.kind) {
        forget.add(id);
        continue;
      }
      // No content id: the scanner re-hashes it (it may have changed while hidden).
      records.push({
        path: rel,
        itemId: id,
        kind,
        dev: st.dev.toString(),
        ino: st.ino.toString(),
        size: Number(st.size),
        mtimeNs: st.mtimeNs,
        ctimeNs: st.ctimeNs,
        mode: Number(st.mode & 0o777n),
      });
    }
    // Forget whole subtrees (the base keeps parent links valid by construction).
    for (let grew = true; grew;) {
      grew = false;
      for (const n of synced.values()) {
        if (n.parentId !== null && forget.has(n.parentId) && !forget.has(n.id)) {
          forget.add(n.id);
          grew = true;
        }
      }
    }
    forget.delete(ROOT_ID);
    if (records.length > 0) manifest.upsertLocalFiles(folderId, records);
    if (forget.size > 0) manifest.applyTreeChanges(folderId, 'synced', [], [...forget]);
    out.restored = records.length;
    out.forgotten = forget.size;
  }
  manifest.setState(rulesKey(folderId), now);
  return out;
}

function sameRules(a: RulesSeen, b: RulesSeen): boolean {
  return a.text === b.text && a.excluded.join('\n') === b.excluded.join('\n');
}

function hiddenIds(tree: Tree, matcher: IgnoreMatcher): Set<ItemId> {
  const hidden = new Set<ItemId>();
  for (const [id, n] of tree) {
    if (id === ROOT_ID) continue;
    const rel = pathOf(tree, id);
    if (rel !== null && rel !== '' && matcher.ignores(rel, n.kind === 'dir')) hidden.add(id);
  }
  return hidden;
}

async function lstatInside(root: string, rel: string) {
  try {
    await assertNoSymlinkInPath(root, rel);
    return await lstat(resolveInsideRoot(root, rel), { bigint: true });
  } catch {
    return null;
  }
}

/** The root's `.cessignore` text ('' when absent); a symlink or non-file is refused. */
export async function readIgnoreRules(root: string): Promise<string> {
  const m = await IgnoreMatcher.load(root);
  return m.ignoreFileText;
}

/** Replaces `<root>/.cessignore` atomically (a reader sees the old rules or the new). */
export async function writeIgnoreRules(root: string, text: string): Promise<void> {
  const file = path.join(root, IGNORE_FILE_NAME);
  const st = await lstat(file).catch(() => null);
  if (st !== null && !st.isFile())
    throw new FolderSettingsError(
      409,
      'ignore_file_not_regular',
      `${file} is not a regular file (a symbolic link?): not replaced`,
    );
  await writeFileAtomic(file, text, { mode: 0o644 });
}

/**
 * The subfolders of `rel` for the picker: the union of what is on this disk and what the
 * folder's remote tree has (so a folder only on CESS can be excluded), each marked excluded
 * when it or a folder above it is.
 */
export async function listSubfolders(o: {
  manifest: Manifest;
  folderId: string;
  root: string;
  rel: string;
  excluded: readonly string[];
}): Promise<FolderTree> {
  const { manifest, folderId, root, rel } = o;
  const ignore = IgnoreMatcher.fromRules('', { exclusions: [], useDefaults: true });
  const isExcluded = (p: string): boolean =>
    o.excluded.some((ex) => p === ex || p.startsWith(`${ex}/`));
  const found = new Map<string, { local: boolean; remote: boolean; kids: boolean }>();
  const slot = (name: string) => {
    let s = found.get(name);
    if (!s) found.set(name, (s = { local: false, remote: false, kids: false }));
    return s;
  };
  const join = (name: string): string => (rel === '' ? name : `${rel}/${name}`);

  // This disk (the scanner's tree lacks excluded folders, so read the directory itself).
  const localNames = await subdirNames(root, rel);
  for (const name of localNames) {
    if (ignore.ignores(join(name), true)) continue;
    const s = slot(name);
    s.local = true;
    s.kids = (await subdirNames(root, join(name))).length > 0;
  }

  // The folder on CESS as the last pass saw it (the full tree, excluded parts included).
  const remote = manifest.loadTree(folderId, 'remote');
  const dirAt = new Map<string, ItemId>([['', ROOT_ID]]);
  for (const [id, n] of remote)
    if (n.kind === 'dir' && id !== ROOT_ID) {
      const p = pathOf(remote, id);
      if (p !== null) dirAt.set(p, id);
    }
  const here = dirAt.get(rel);
  if (here !== undefined) {
    for (const n of remote.values()) {
      if (n.parentId !== here || n.kind !== 'dir') continue;
      const name = n.name;
      if (ignore.ignores(join(name), true)) continue;
      const s = slot(name);
      s.remote = true;
      if (!s.kids)
        for (const c of remote.values())
          if (c.parentId === n.id && c.kind === 'dir') {
            s.kids = true;
            break;
          }
    }
  }

  const entries: FolderTreeEntry[] = [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([name, s]) => ({
      name,
      path: join(name),
      excluded: isExcluded(join(name)),
      where: s.local && s.remote ? 'both' : s.local ? 'local' : 'remote',
      hasChildren: s.kids,
    }));
  return { folderId, path: rel, entries };
}

async function subdirNames(root: string, rel: string): Promise<string[]> {
  let abs: string;
  try {
    if (rel !== '') await assertNoSymlinkInPath(root, rel);
    abs = rel === '' ? root : resolveInsideRoot(root, rel);
  } catch {
    return [];
  }
  try {
    const list = await readdir(abs, { withFileTypes: true });
    // Real directories only (symlinks are never followed); names as the engine spells them.
    return list.filter((d) => d.isDirectory()).map((d) => d.name.normalize('NFC'));
  } catch {
    return [];
  }
}

/**
 * After the engine forgot a folder: the root marker goes (it says "this folder is synced", which
 * is no longer true, and a pass must never run on it again), `.cess-sync/` stays (its trash may
 * hold the only copy of a file), and the id is remembered so adding the same root again joins
 * the same folder on CESS instead of uploading a second copy.
 */
export async function afterFolderRemoved(
  manifest: Manifest,
  folder: { id: string; root: string },
): Promise<void> {
  const removed = (manifest.getState<{ id: string; root: string }[]>(REMOVED_KEY) ?? []).filter(
    (r) => r.root !== folder.root && r.id !== folder.id,
  );
  removed.push(folder);
  manifest.setState(REMOVED_KEY, removed.slice(-100));
  manifest.setState(rulesKey(folder.id), null);
  await rm(path.join(folder.root, ROOT_MARKER_NAME), { force: true });
}

/** The id a root had before it was removed on this device, if any (taken: used once). */
export function takeRemovedFolderId(manifest: Manifest, root: string): string | undefined {
  const removed = manifest.getState<{ id: string; root: string }[]>(REMOVED_KEY) ?? [];
  const hit = removed.find((r) => r.root === root);
  if (hit === undefined || manifest.getFolder(hit.id) !== undefined) return undefined;
  manifest.setState(
    REMOVED_KEY,
    removed.filter((r) => r !== hit),
  );
  return hit.id;
}
