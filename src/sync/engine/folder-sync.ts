/**
 * One sync pass of one folder: scan the disk, read the newest snapshot on CESS, plan with the
 * merge base, carry out the plan, and advance the merge base only once the result is durable.
 *
 * Crash safety comes from the order of effects (no journal replay is needed):
 * - local writes go to a temp file in the folder's metadata dir and are renamed into place;
 *   each downloaded item is recorded in the manifest under its remote id before the pass ends,
 *   so a rescan after a crash keeps that id;
 * - remote changes become visible only through one new snapshot blob, uploaded in the last pack
 *   of the pass: a crash before that leaves the remote as it was;
 * - the synced tree (merge base) is replaced last. A crash anywhere before that makes the next
 *   pass see both sides agreeing (markSynced) where work was already done.
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  capsuleFromJsonValue,
  capsuleToJsonValue,
  decapsulate,
  encapsulate,
} from '../../cess/pret/index.js';
import {
  ContentIdBuilder,
  FormatError,
  blobIdBytes,
  contentIdOf,
  decodeFileNode,
  storeFileContent,
  storeFileNode,
  storeSnapshot,
  writableSink,
  Packer,
  type FileEntry,
  type FormatKeys,
} from '../format/index.js';
import { toHex } from '../format/bytes.js';
import { PackFilePool, readBlocks } from '../packfile/index.js';
import { IgnoreMatcher, METADATA_DIR_NAME, ROOT_MARKER_NAME } from '../ignore/index.js';
import type { Manifest, StoredTree } from '../manifest/index.js';
import { ROOT_ID, pathOf, sameTree, type ItemId, type Tree, type TreeNode } from '../model/tree.js';
import { assertNoSymlinkInPath, resolveInsideRoot } from '../paths/index.js';
import { isLocalOp, plan, type Op, type Plan } from '../planner/index.js';
import type { RemoteProblem, Repository } from '../remote/repository.js';
import type { ObjectStore } from '../remote/object-store.js';
import { scanFolder, type ScanProblem } from '../scan/index.js';
import { reconcileRuleChange } from './folder-settings.js';
import { baseSnapshotKey, chooseBase, type BaseSnapshot } from './fork.js';
import { clearQuiet, isQuiet, leftAgreement, markQuiet } from './quiet-pass.js';
import { noteWithheld, readRemote, remoteTreeKey, storeRemoteTree } from './remote-side.js';
import { Visibility } from './visible-tree.js';
import { writeTrees } from './write-trees.js';

export interface AccountKeys {
  /** The account's sr25519 public key (PReT encapsulation target). */
  publicKey: Uint8Array;
  /** Its secret scalar for PReT (src/cess/pret secretScalarFrom...). */
  secretScalar: Uint8Array;
}

export interface FolderSyncContext {
  folderId: string;
  root: string;
  manifest: Manifest;
  keys: FormatKeys;
  account: AccountKeys;
  repo: Repository;
  store: ObjectStore;
  deviceName: string;
  maxDeletesPerPass?: number;
  /** Passes uploading at least this many bytes encrypt on a worker thread (default 64 MiB). */
  packWorkerMinBytes?: number;
  /** Packs uploading while the next fills (Packer `overlap`; default 1; bench/upload-pass.ts). */
  uploadOverlap?: number;
  /** Selective sync: folders (sync paths) this device does not sync. */
  excluded?: readonly string[];
  /**
   * Where the watcher saw changes since the last pass (paths as on disk): only these are
   * scanned, the rest of the local tree is taken as recorded. Undefined: everything. Ignored
   * when the rules changed since the last pass (what they show must be found everywhere).
   */
  scanPaths?: readonly string[];
  now?: () => number;
  signal?: AbortSignal;
  onActivity?: (kind: string, path: string, detail?: string) => void;
  onBytes?: (n: number) => void;
  /** The plan and what it will move, before anything is done (progress totals). */
  onPlanned?: (plan: Plan, totals: { files: number; bytes: number }) => void;
}

export interface PassResult {
  plan: Plan;
  scanProblems: ScanProblem[];
  /** Remote entries not created here (unsafe names); kept on the remote as they are. */
  remoteProblems: RemoteProblem[];
  uploadedPacks: string[];
  downloaded: number;
  uploaded: number;
  /** The ignore rules or exclusions differ from the last pass's (a watcher must restart). */
  rulesChanged: boolean;
  /**
   * How the newest snapshot was read: not at all (a quiet pass), as the stored remote tree with
   * blobs read on demand, or every tree blob decoded (./remote-side.ts).
   */
  remote: 'unread' | 'stored' | 'decoded';
}

export class RootMissingError extends Error {
  override name = 'RootMissingError';
}

const MARKER_TEXT = 'This folder is synced by cess-sync. Deleting this file stops syncing it.\n';

/** Creates the root marker when a folder is added (never during a pass: see checkRoot). */
export async function initFolderRoot(root: string): Promise<void> {
  await mkdir(path.join(root, METADATA_DIR_NAME), { recursive: true });
  const marker = path.join(root, ROOT_MARKER_NAME);
  await writeFile(marker, MARKER_TEXT, { flag: 'a' });
}

/** A missing or unmounted root is not "everything deleted": without the marker, no pass. */
async function checkRoot(root: string): Promise<void> {
  try {
    const s = await lstat(path.join(root, ROOT_MARKER_NAME));
    if (!s.isFile()) throw new Error('not a file');
  } catch {
    throw new RootMissingError(
      `${root} has no ${ROOT_MARKER_NAME}: the folder is missing or not mounted; sync stopped for it`,
    );
  }
}

/**
 * Temp files (partial downloads, packs being written) left in <root>/.cess-sync/tmp by a pass
 * that was killed: removed when the process that named them is gone. Names carry the pid
 * ('dl-<item>-<pid>', 'pack-<pid>-...'); a live process's files are left alone.
 */
async function removeStaleTemp(root: string): Promise<void> {
  const dir = path.join(root, METADATA_DIR_NAME, 'tmp');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^dl-[0-9a-f]+-(\d+)(?:-\d+)?$/.exec(name) ?? /^pack-(\d+)-/.exec(name);
    const pid = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The keyed content id of a file, as the format defines it (the scanner's hash function). */
export function contentHasher(keys: FormatKeys) {
  return async (absPath: string): Promise<{ contentId: string; size: number }> => {
    const r = await contentIdOf(keys, readBlocks(absPath));
    return { contentId: r.contentId, size: r.size };
  };
}

export async function syncFolderOnce(ctx: FolderSyncContext): Promise<PassResult> {
  const pools: PackFilePool[] = [];
  try {
    return await syncPass(ctx, pools);
  } finally {
    for (const p of pools) await p.close(); // its worker thread ends with the pass
  }
}

/** Below this, starting a worker thread costs more than it saves. */
const PACK_WORKER_MIN_BYTES = 64 * 1024 * 1024;

async function syncPass(ctx: FolderSyncContext, pools: PackFilePool[]): Promise<PassResult> {
  const now = ctx.now ?? Date.now;
  const root = path.resolve(ctx.root);
  await checkRoot(root);
  await removeStaleTemp(root);
  const ignore = await IgnoreMatcher.load(root, { exclusions: ctx.excluded ?? [] });
  // What became visible since the last scan must not read as deleted (./folder-settings.ts).
  const rules = await reconcileRuleChange({
    manifest: ctx.manifest,
    folderId: ctx.folderId,
    root,
    ignore,
  });
  const scanPaths = rules.changed ? undefined : ctx.scanPaths;
  const hash = contentHasher(ctx.keys);

  const scan = await scanFolder({
    root,
    manifest: ctx.manifest,
    folderId: ctx.folderId,
    ignore,
    hash,
    ...(scanPaths ? { paths: scanPaths } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  await ctx.repo.refresh(ctx.signal);
  const remoteTreeSnapshot = ctx.manifest.getState<string | null>(remoteTreeKey(ctx.folderId));
  if (
    await isQuiet({
      manifest: ctx.manifest,
      folderId: ctx.folderId,
      ignore,
      localChanged: scan.treeChanged || scan.retry.length > 0,
      remoteTreeSnapshot,
      latest: async () => (await ctx.repo.latest(ctx.folderId))?.id ?? null,
    })
  ) {
    const quiet: PassResult = {
      plan: { ops: [], conflicts: [], held: [], problems: [] },
      scanProblems: scan.problems,
      remoteProblems: [],
      uploadedPacks: [],
      downloaded: 0,
      uploaded: 0,
      rulesChanged: rules.changed,
      remote: 'unread',
    };
    ctx.onPlanned?.(quiet.plan, { files: 0, bytes: 0 });
    return quiet;
  }
  // This pass decides anew whether the sides agree; until it has, no marker says they do.
  clearQuiet(ctx.manifest, ctx.folderId);
  // The scan admitted its tree under these rules (unless they just changed: then records it
  // carried over for unreadable regions were admitted under the old ones).
  const vis = new Visibility(ignore, rules.changed ? undefined : scan.tree);
  const remote = await readRemote({
    manifest: ctx.manifest,
    repo: ctx.repo,
    folderId: ctx.folderId,
    storedSnapshot: remoteTreeSnapshot,
  });
  // In the steady state the base is the remote tree just loaded, row for row: use that one.
  const baseIsRemote =
    remote.stored !== undefined &&
    remote.stored.version === ctx.manifest.treeVersion(ctx.folderId, 'remote') &&
    ctx.manifest.baseIsRemote(ctx.folderId);
  const storedSynced: StoredTree = baseIsRemote
    ? { tree: remote.tree, version: ctx.manifest.treeVersion(ctx.folderId, 'synced') }
    : ctx.manifest.loadStoredTree(ctx.folderId, 'synced');
  const stored: Tree = storedSynced.tree.has(ROOT_ID)
    ? storedSynced.tree
    : new Map([
        ...storedSynced.tree,
        [ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'dir' } as TreeNode],
      ]);
  // Another device's pass ran at the same time and won: plan against what both share (./fork.ts).
  const base = await chooseBase(
    () => ctx.repo.snapshots(ctx.folderId),
    ctx.manifest.getState<BaseSnapshot>(baseSnapshotKey(ctx.folderId)) ?? null,
    remote.snapshot,
  );
  const synced =
    base.kind === 'stored'
      ? stored
      : base.kind === 'ancestor'
        ? (await ctx.repo.loadSnapshot(base.ancestor)).tree
        : new Map<ItemId, TreeNode>([[ROOT_ID, stored.get(ROOT_ID) as TreeNode]]);

  const visibleSynced = vis.filter(synced);
  // Selective sync and ignore rules hide items from the planner on every side: an excluded
  // folder is neither downloaded here nor, being absent here, deleted remotely. The remote
  // tree written back still carries those items (remoteTree below is the full one).
  const p = plan({
    local: scan.tree,
    remote: remote.tree === synced ? visibleSynced : vis.filter(remote.tree),
    synced: visibleSynced,
    deviceName: ctx.deviceName,
    now: now(),
    ...(ctx.maxDeletesPerPass !== undefined
      ? { limits: { maxDeletesPerPass: ctx.maxDeletesPerPass } }
      : {}),
  });
  const result: PassResult = {
    plan: p,
    scanProblems: scan.problems,
    remoteProblems: remote.problems,
    uploadedPacks: [],
    downloaded: 0,
    uploaded: 0,
    rulesChanged: rules.changed,
    remote: remote.read,
  };
  let files = 0;
  let bytes = 0;
  for (const op of p.ops) {
    if (op.type === 'uploadFile') bytes += scan.tree.get(op.id)?.size ?? 0;
    else if (op.type === 'downloadFile') bytes += remote.tree.get(op.id)?.size ?? 0;
    else continue;
    files++;
  }
  ctx.onPlanned?.(p, { files, bytes });
  const agreed = (): boolean =>
    leftAgreement({
      plan: p,
      remoteProblems: remote.problems.length,
      scanRetry: scan.retry.length,
      baseIsStored: base.kind === 'stored',
    });
  if (p.ops.length === 0) {
    // Rewriting an unchanged remote tree cost most of an idle pass (100,000 rows deleted and
    // inserted again): only a new snapshot, or a tree that is not there, is written.
    const seen = remote.snapshot?.id ?? null;
    let remoteStored = remote.read === 'stored';
    if (remoteTreeSnapshot !== seen || !ctx.manifest.hasTree(ctx.folderId, 'remote')) {
      storeRemoteTree(ctx.manifest, ctx.folderId, remote.tree, seen, remote.withheld.size);
      remoteStored = true;
    } else if (remote.read === 'decoded')
      noteWithheld(ctx.manifest, ctx.folderId, remote.withheld.size);
    // Agreeing sides after a restart: the next pass (a save) need not load the base.
    if (
      remoteStored &&
      !baseIsRemote &&
      storedSynced.version === ctx.manifest.treeVersion(ctx.folderId, 'synced') &&
      sameTree(storedSynced.tree, remote.tree)
    )
      ctx.manifest.markBaseIsRemote(ctx.folderId);
    if (agreed()) markQuiet(ctx.manifest, ctx.folderId, ignore);
    return result;
  }

  // The target trees, advanced op by op, give every op its paths.
  const localTree = new Map(scan.tree);
  const remoteTree = new Map(remote.tree);
  /** File entries this pass writes (new versions, new names); the others are the snapshot's. */
  const remoteFiles = new Map<ItemId, FileEntry>();
  const fileEntry = async (id: ItemId): Promise<FileEntry | undefined> =>
    remoteFiles.get(id) ?? (await remote.fileEntry(id));
  const exec = new LocalExecutor(ctx, root, localTree, (id) => remote.fileEntry(id));
  let remoteChanged = false;
  const uploads: Op[] = [];
  /** Remote directories whose entries the ops change (their tree blobs are written again). */
  const touched = new Set<ItemId>();

  for (const op of p.ops) {
    if (isLocalOp(op)) {
      await exec.apply(op);
      if (op.type === 'downloadFile') result.downloaded++;
    } else if (op.type === 'markSynced') {
      if (op.localId) exec.rekey(op.localId, op.id);
    } else {
      remoteChanged = true;
      uploads.push(op);
    }
  }

  let publishedSnapshot: BaseSnapshot | undefined;
  if (remoteChanged) {
    const uploadedPaths: string[] = [];
    const tmpDir = path.join(root, METADATA_DIR_NAME, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    // Large passes: encryption and pack writes on a worker thread, overlapping the chunking.
    const pool =
      bytes >= (ctx.packWorkerMinBytes ?? PACK_WORKER_MIN_BYTES) && !PackFilePool.startFailed
        ? new PackFilePool()
        : undefined;
    if (pool) pools.push(pool);
    const packer = new Packer(ctx.keys, {
      openSink: () => {
        const file = path.join(
          tmpDir,
          `pack-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`,
        );
        if (pool) {
          const sink = pool.open(file);
          return Object.assign(sink, { file, done: () => sink.close() });
        }
        const stream = createWriteStream(file);
        const done = (): Promise<void> =>
          new Promise<void>((resolve, reject) => {
            stream.once('error', reject);
            stream.end(() => resolve());
          });
        return Object.assign(writableSink(stream), { file, done });
      },
      // Pack N uploads while pack N+1 fills (one upload at a time, in order).
      overlap: ctx.uploadOverlap ?? 1,
      onPack: async (info, sink) => {
        const s = sink as unknown as { file: string; done: () => Promise<unknown> };
        await s.done();
        try {
          const fid = await ctx.store.put(s.file, info.name, ctx.signal);
          ctx.manifest.addPendingObject({ fid, name: info.name, size: info.size });
          result.uploadedPacks.push(fid);
          ctx.onBytes?.(info.size);
        } finally {
          await rm(s.file, { force: true });
        }
      },
    });

    try {
      for (const op of uploads) {
        switch (op.type) {
          case 'uploadFile': {
            const node = localTree.get(op.id);
            const rel = pathOf(localTree, op.id);
            if (!node || rel === null)
              throw new Error(`upload of an item the local tree lacks: ${op.id}`);
            // The tree has NFC names; the disk may have another form (an NFD name on Linux).
            const onDisk = ctx.manifest.getLocalFile(ctx.folderId, rel)?.diskPath ?? rel;
            const abs = resolveInsideRoot(root, onDisk);
            await assertNoSymlinkInPath(root, onDisk);
            const stored = await storeFileContent(
              ctx.keys,
              readBlocks(abs),
              packer,
              (id) => ctx.repo.has('data', id) || packer.has('data', id),
            );
            const enc = encapsulate(ctx.account.publicKey);
            const blobId = await storeFileNode(ctx.keys, stored.node, enc.key, packer);
            const entry: FileEntry = {
              kind: 'file',
              itemId: op.id,
              name: op.name,
              mtimeMs: Math.floor(node.mtimeMs ?? 0),
              mode: node.mode ?? null,
              size: stored.node.size,
              contentId: stored.contentId,
              fileNode: { blobId, capsule: capsuleToJsonValue(enc.capsule) },
            };
            remoteFiles.set(op.id, entry);
            const before = remoteTree.get(op.id)?.parentId;
            if (before) touched.add(before);
            touched.add(op.parentId);
            remoteTree.set(op.id, {
              id: op.id,
              parentId: op.parentId,
              name: op.name,
              kind: 'file',
              contentId: stored.contentId,
              size: stored.node.size,
              mtimeMs: entry.mtimeMs,
              ...(node.mode !== undefined ? { mode: node.mode } : {}),
            });
            result.uploaded++;
            uploadedPaths.push(rel);
            break;
          }
          case 'createRemoteDir': {
            const node = localTree.get(op.id);
            touched.add(op.parentId);
            remoteTree.set(op.id, {
              id: op.id,
              parentId: op.parentId,
              name: op.name,
              kind: 'dir',
              mtimeMs: Math.floor(node?.mtimeMs ?? now()),
            });
            break;
          }
          case 'moveRemote': {
            const node = remoteTree.get(op.id);
            if (!node) throw new Error(`move of an item the remote tree lacks: ${op.id}`);
            if (node.parentId) touched.add(node.parentId);
            touched.add(op.parentId);
            // The file entry keeps its old name: writeTrees names entries from the tree.
            remoteTree.set(op.id, { ...node, parentId: op.parentId, name: op.name });
            ctx.onActivity?.('moved', pathOf(remoteTree, op.id) ?? op.name);
            break;
          }
          case 'deleteRemote': {
            ctx.onActivity?.('deleted', pathOf(remoteTree, op.id) ?? op.id, 'remote');
            const parent = remoteTree.get(op.id)?.parentId;
            if (parent) touched.add(parent);
            remoteTree.delete(op.id);
            remoteFiles.delete(op.id);
            break;
          }
          default:
            break;
        }
      }
      const rootTree = await writeTrees(
        ctx.keys,
        packer,
        remoteTree,
        fileEntry,
        remote.withheld,
        (id) => ctx.repo.has('tree', id),
        { trees: (id) => remote.dirTree(id), touched },
      );
      const parentSeq = remote.snapshot?.snapshot.seq ?? 0;
      const seq = ctx.manifest.tickLamport(parentSeq);
      publishedSnapshot = {
        seq,
        id: await storeSnapshot(
          ctx.keys,
          {
            version: 1,
            folderId: ctx.folderId,
            deviceId: ctx.manifest.deviceId(),
            seq,
            parents: remote.snapshot ? [remote.snapshot.id] : [],
            timeMs: now(),
            tree: rootTree,
          },
          packer,
        ),
      };
      await packer.flush();
    } catch (e) {
      await packer.settle(); // no upload outlives the failed pass
      throw e;
    }
    // Only now is the content durable on CESS (declared on chain): report it.
    for (const rel of uploadedPaths) ctx.onActivity?.('uploaded', rel);
  }

  // Durable on both sides: the merge base becomes what the remote now has — except for
  // deletes held for the user: their items stay in the base, so the next pass still sees
  // "deleted on one side" (and holds it again) instead of "new on the other" (resurrection).
  const newSynced = vis.filter(remoteTree);
  // Items hidden from this device (selective sync, ignore rules) were never agreed on here: the
  // base keeps what it had for them and gains nothing new, or re-including a folder would read
  // "absent here" as "deleted here".
  const visibleStored = base.kind === 'stored' ? visibleSynced : vis.filter(stored);
  for (let added = true; added;) {
    added = false;
    for (const [id, n] of stored) {
      if (visibleStored.has(id) || newSynced.has(id) || n.parentId === null) continue;
      if (!newSynced.has(n.parentId)) continue;
      newSynced.set(id, n);
      added = true;
    }
  }
  for (const h of p.held) {
    for (let id: ItemId | null = h.op.id; id !== null && !newSynced.has(id);) {
      const n = synced.get(id);
      if (!n) break;
      newSynced.set(id, n);
      id = n.parentId;
    }
  }
  // A published snapshot carries the withheld entries of the one it follows (or fewer: the
  // count may be high, which only costs the next pass a full read).
  storeRemoteTree(
    ctx.manifest,
    ctx.folderId,
    remoteTree,
    publishedSnapshot?.id ?? remote.snapshot?.id ?? null,
    remote.withheld.size,
    remote.stored,
  );
  ctx.manifest.replaceTree(ctx.folderId, 'synced', newSynced, storedSynced);
  if (sameTree(newSynced, remoteTree)) ctx.manifest.markBaseIsRemote(ctx.folderId);
  // After the base itself: a crash in between leaves an older id, an ancestor of what follows.
  const baseNow: BaseSnapshot | null =
    publishedSnapshot ??
    (remote.snapshot ? { id: remote.snapshot.id, seq: remote.snapshot.snapshot.seq } : null);
  if (baseNow !== null) ctx.manifest.setState(baseSnapshotKey(ctx.folderId), baseNow);
  if (agreed()) markQuiet(ctx.manifest, ctx.folderId, ignore);
  if (base.kind !== 'stored')
    ctx.onActivity?.(
      'merged',
      '',
      base.kind === 'ancestor'
        ? 'another device synced at the same moment: merged from the version both had'
        : 'another device synced at the same moment: merged without deleting anything',
    );
  return result;
}

/** Carries out local ops: downloads through a temp file, moves, trash, conflict copies. */
class LocalExecutor {
  private readonly meta: string;
  constructor(
    private readonly ctx: FolderSyncContext,
    private readonly root: string,
    private readonly local: Map<ItemId, TreeNode>,
    private readonly fileEntry: (id: ItemId) => Promise<FileEntry | undefined>,
  ) {
    this.meta = path.join(root, METADATA_DIR_NAME);
  }

  private abs(rel: string): string {
    return resolveInsideRoot(this.root, rel);
  }

  private relOf(tree: Tree, parentId: ItemId, name: string): string {
    const parent = parentId === ROOT_ID ? '' : pathOf(tree, parentId);
    if (parent === null) throw new Error(`parent ${parentId} is not in the tree`);
    return parent === '' ? name : `${parent}/${name}`;
  }

  rekey(localId: ItemId, remoteId: ItemId): void {
    const rel = pathOf(this.local, localId);
    if (rel === null) return;
    const rec = this.ctx.manifest.getLocalFile(this.ctx.folderId, rel);
    if (rec) this.ctx.manifest.upsertLocalFiles(this.ctx.folderId, [{ ...rec, itemId: remoteId }]);
    const node = this.local.get(localId);
    if (node) {
      this.local.delete(localId);
      this.local.set(remoteId, { ...node, id: remoteId });
      for (const [id, n] of this.local)
        if (n.parentId === localId) this.local.set(id, { ...n, parentId: remoteId });
    }
  }

  async apply(op: Op): Promise<void> {
    switch (op.type) {
      case 'createLocalDir': {
        const rel = this.relOf(this.local, op.parentId, op.name);
        await assertNoSymlinkInPath(this.root, rel, { checkLeaf: false });
        await mkdir(this.abs(rel), { recursive: true });
        this.local.set(op.id, { id: op.id, parentId: op.parentId, name: op.name, kind: 'dir' });
        await this.record(rel, op.id, 'dir');
        return;
      }
      case 'downloadFile': {
        const rel = this.relOf(this.local, op.parentId, op.name);
        const entry = await this.fileEntry(op.id);
        if (!entry) throw new Error(`no remote entry for ${rel}`);
        const existing = this.local.get(op.id);
        if (existing) await this.toTrash(pathOf(this.local, op.id) ?? rel);
        await this.download(entry, rel);
        this.local.set(op.id, {
          id: op.id,
          parentId: op.parentId,
          name: op.name,
          kind: 'file',
          contentId: entry.contentId,
          size: entry.size,
        });
        await this.record(rel, op.id, 'file', entry.contentId);
        this.ctx.onActivity?.('downloaded', rel);
        return;
      }
      case 'moveLocal': {
        const from = pathOf(this.local, op.id);
        const to = this.relOf(this.local, op.parentId, op.name);
        if (from === null) throw new Error(`move of unknown local item ${op.id}`);
        await assertNoSymlinkInPath(this.root, to, { checkLeaf: false });
        await mkdir(path.dirname(this.abs(to)), { recursive: true });
        await rename(this.abs(from), this.abs(to));
        const node = this.local.get(op.id);
        if (node) this.local.set(op.id, { ...node, parentId: op.parentId, name: op.name });
        this.ctx.onActivity?.('moved', to, `from ${from}`);
        return;
      }
      case 'deleteLocal': {
        const rel = pathOf(this.local, op.id);
        if (rel === null) return;
        await this.toTrash(rel);
        this.local.delete(op.id);
        this.ctx.onActivity?.('deleted', rel, 'local (kept in trash)');
        return;
      }
      case 'conflictCopy': {
        const rel = pathOf(this.local, op.id);
        if (rel === null) return;
        const copyRel = path.posix.join(path.posix.dirname(rel), op.copyName).replace(/^\.\//, '');
        await rename(this.abs(rel), this.abs(copyRel));
        this.local.delete(op.id);
        this.ctx.onActivity?.('conflict', copyRel, `kept the local version of ${rel}`);
        return;
      }
      default:
        return;
    }
  }

  /** Overwritten or deleted local files go to <root>/.cess-sync/trash first, never away. */
  private async toTrash(rel: string): Promise<void> {
    await moveToTrash(this.root, rel);
  }

  private async record(
    rel: string,
    itemId: ItemId,
    kind: 'file' | 'dir',
    contentId?: string,
  ): Promise<void> {
    const s = await stat(this.abs(rel), { bigint: true });
    this.ctx.manifest.upsertLocalFiles(this.ctx.folderId, [
      {
        path: rel,
        itemId,
        kind,
        dev: s.dev.toString(),
        ino: s.ino.toString(),
        size: Number(s.size),
        mtimeNs: s.mtimeNs,
        ctimeNs: s.ctimeNs,
        mode: Number(s.mode & 0o777n),
        ...(contentId !== undefined ? { contentId, hashedAt: Date.now() } : {}),
      },
    ]);
  }

  /** Fetches a file version (verified, into a temp file), then renames it into place. */
  private async download(entry: FileEntry, rel: string): Promise<void> {
    const tmp = await fetchVersion(this.ctx, entry, path.join(this.meta, 'tmp'), rel);
    await assertNoSymlinkInPath(this.root, rel, { checkLeaf: false });
    const dest = this.abs(rel);
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(tmp, dest);
  }
}

/**
 * Fetches one file version into a new temp file in `tmpDir` and returns its path: opens the
 * version's capsule with the account key, its file node with the content key, then each chunk;
 * every chunk must hash to its id and the whole to the entry's content id, or nothing is kept.
 */
export async function fetchVersion(
  ctx: Pick<FolderSyncContext, 'repo' | 'keys' | 'account' | 'onBytes'>,
  entry: FileEntry,
  tmpDir: string,
  label: string,
): Promise<string> {
  const { repo, keys, account } = ctx;
  const contentKey = decapsulate(
    account.secretScalar,
    capsuleFromJsonValue(entry.fileNode.capsule),
  );
  const node = decodeFileNode(await repo.readBlob('filenode', entry.fileNode.blobId, contentKey));
  await mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `dl-${entry.itemId}-${process.pid}-${Date.now()}`);
  const fh = await open(tmp, 'w', 0o600);
  const cid = new ContentIdBuilder(keys);
  let size = 0;
  try {
    for (const c of node.chunks) {
      const plain = await repo.readBlob('data', c.id, c.key);
      const idBytes = blobIdBytes(keys, 'data', plain);
      if (toHex(idBytes) !== c.id)
        throw new FormatError('AUTH_FAILED', `chunk ${c.id} of ${label} does not hash to its id`);
      cid.addChunk(idBytes);
      await fh.write(plain);
      size += plain.length;
      ctx.onBytes?.(plain.length);
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  if (size !== entry.size || cid.finish(size) !== entry.contentId) {
    await rm(tmp, { force: true });
    throw new FormatError(
      'AUTH_FAILED',
      `${label}: downloaded content does not match its content id`,
    );
  }
  return tmp;
}

/**
 * Overwritten or deleted local files go to <root>/.cess-sync/trash/<time>/<path>, never away.
 * Nothing in the trash is replaced: a path trashed twice in one millisecond gets a suffix. A
 * folder whose contents were trashed first (deletes run deepest first, often within one
 * millisecond) is left empty with its trashed copy already there: it is removed.
 */
export async function moveToTrash(root: string, rel: string): Promise<void> {
  const src = resolveInsideRoot(root, rel);
  const s = await lstat(src).catch(() => null);
  if (s === null) return;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = path.join(root, METADATA_DIR_NAME, 'trash', stamp, rel);
  await mkdir(path.dirname(base), { recursive: true });
  let dest = base;
  for (let n = 2; (await lstat(dest).catch(() => null)) !== null; n++) {
    if (s.isDirectory() && (await readdir(src)).length === 0) {
      await rmdir(src);
      return;
    }
    dest = `${base}.${n}`;
  }
  await rename(src, dest);
}
