/**
 * The engine's sharing (docs/sharing.md): sharing a synced file or folder, asking the user to
 * (a file manager's "Share with CESS…"), revoking, receiving and opening what was received, and
 * keeping the account's share list in step with its other devices.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type {
  OpenReceivedRequest,
  ReceiveShareRequest,
  ReceivedShare,
  ReceivedShareEntry,
  ShareInfo,
  ShareRequest,
  ShareRequestEvent,
} from '../api/schema.js';
import type { FileEntry } from '../format/index.js';
import { ROOT_ID, pathOf, type ItemId } from '../model/tree.js';
import {
  ShareError,
  addShareRecord,
  checkRecipientAddress,
  checkShareOptions,
  createShare,
  listShareRecords,
  openShare,
  receiveShare,
  resolveSharePath,
  updateShareRecord,
  type RangeReader,
  type ShareItem,
} from '../share/index.js';
import { addReceivedRecord, listReceivedRecords } from '../share/received.js';
import {
  accountShares,
  findAccountShare,
  noteShareState,
  syncShareRecords,
} from '../share/account-sync.js';
import type { ShareRecordFile } from '../share/account-records.js';
import { openReceived } from '../share/received-open.js';
import type { EngineHost, EngineOptions, EngineSharing } from './engine-options.js';
import { folderTmpDir, scratchDir } from './folder-runtime.js';

export class EngineShares {
  /** Decoded share record packs by fid (src/sync/share/account-sync.ts). */
  private readonly shareRecords = new Map<string, ShareRecordFile | null>();

  constructor(
    private readonly o: Pick<
      EngineOptions,
      'manifest' | 'keys' | 'account' | 'repo' | 'store' | 'sharing'
    >,
    private readonly host: Pick<
      EngineHost,
      'now' | 'log' | 'emit' | 'schedule' | 'exclusive' | 'folders' | 'requireFolder' | 'compactor'
    >,
  ) {}

  /** The synced folders' roots, to find which one a path to share is in. */
  private roots(): { id: string; root: string }[] {
    return [...this.host.folders.values()].map((f) => ({ id: f.id, root: f.root }));
  }

  private requireSharing(): EngineSharing {
    if (!this.o.sharing)
      throw new ShareError('BAD_ARGUMENT', 'sharing is not set up on this device');
    return this.o.sharing;
  }

  /**
   * Shares a synced file (its current version) or folder (its files as of now) with another
   * account. A pass of the folder runs first, so what is shared is what is on disk.
   */
  async share(req: ShareRequest): Promise<ShareInfo> {
    const sh = this.requireSharing();
    const target = await resolveSharePath(req.path, this.roots());
    checkRecipientAddress(req.recipient, sh.ss58Format);
    checkShareOptions(req, this.host.now());
    await this.host.schedule(target.folderId);
    const rt = this.host.requireFolder(target.folderId);
    if (rt.lastError)
      throw new ShareError(
        'NOT_FOUND',
        `${target.folderId} could not be synced before sharing: ${rt.lastError}`,
      );
    return this.host.exclusive(async () => {
      await this.o.repo.refresh();
      const remote = await this.o.repo.loadFolder(target.folderId);
      const paths = new Map<string, ItemId>();
      for (const id of remote.tree.keys()) {
        const p = pathOf(remote.tree, id);
        if (p !== null) paths.set(p, id);
      }
      const id = target.rel === '' ? ROOT_ID : paths.get(target.rel);
      const node = id === undefined ? undefined : remote.tree.get(id);
      if (id === undefined || !node)
        throw new ShareError(
          'NOT_FOUND',
          `${req.path} is not synced (ignored, or a sync problem holds it)`,
        );
      let items: ShareItem[];
      let name: string;
      if (node.kind === 'file') {
        const entry = remote.files.get(id);
        if (!entry) throw new ShareError('NOT_FOUND', `${req.path} has no synced version`);
        name = node.name;
        items = [{ path: name, entry }];
      } else {
        name = id === ROOT_ID ? path.basename(rt.root) : node.name;
        const prefix = target.rel === '' ? '' : `${target.rel}/`;
        items = [];
        for (const [p, fid] of paths) {
          const entry: FileEntry | undefined = remote.files.get(fid);
          if (entry && p.startsWith(prefix)) items.push({ path: p.slice(prefix.length), entry });
        }
        items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      }
      const created = await createShare({
        keys: this.o.keys,
        owner: { ...this.o.account, sign: (m) => sh.signer.sign(m) },
        repo: this.o.repo,
        store: this.o.store,
        proxy: sh.proxy,
        ss58Format: sh.ss58Format,
        recipient: req.recipient,
        kind: node.kind === 'file' ? 'file' : 'folder',
        name,
        items,
        message: req.message ?? null,
        expiresAt: req.expiresAt ?? null,
        tmpDir: folderTmpDir(rt.root),
        now: () => this.host.now(),
        onPack: (p) => this.o.manifest.addPendingObject(p),
      });
      const rec: ShareInfo = {
        id: created.body.id,
        kind: created.body.kind,
        name,
        folderId: target.folderId,
        path: target.rel,
        recipient: created.body.recipient,
        createdAt: created.body.createdAt,
        expiresAt: created.body.expiresAt,
        message: created.body.message,
        files: items.length,
        size: created.size,
        contentIds: items.map((i) => i.entry.contentId),
        manifest: created.location,
        link: created.link,
        revokedAt: null,
        manifestDeleted: false,
      };
      addShareRecord(this.o.manifest, rec);
      noteShareState(this.o.manifest, rec, this.host.now());
      this.host.compactor()?.afterShare({
        id: rec.id,
        manifestFid: created.location.fid,
        chunkFids: created.manifest.files.flatMap((f) => f.chunks.map((c) => c.fid)),
      });
      this.host.log(
        target.folderId,
        'shared',
        target.rel === '' ? name : target.rel,
        `with ${rec.recipient}`,
      );
      await this.syncShares();
      return rec;
    });
  }

  /**
   * Merges the account's share records on CESS into this device's list and publishes what only
   * this device knows (src/sync/share/account-sync.ts). Never fails the caller: a record not
   * published now is published by a later pass. Runs between passes, repository refreshed.
   */
  async syncShares(): Promise<void> {
    try {
      const r = await syncShareRecords({
        manifest: this.o.manifest,
        keys: this.o.keys,
        repo: this.o.repo,
        store: this.o.store,
        tmpDir: scratchDir(this.host.folders, 'cess-sync-shares'),
        now: () => this.host.now(),
        cache: this.shareRecords,
      });
      if (r.published) this.host.log('shares', 'published', '', `share list record ${r.published}`);
    } catch (err) {
      this.host.log(
        'shares',
        'error',
        '',
        `the share list could not be synced with the account's other devices: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** The account's shares this device knows (made here or on another device), newest first. */
  shares(): ShareInfo[] {
    return accountShares(this.o.manifest)
      .map((s) => s.share)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  /**
   * `cess-sync share <path>` (a file manager's "Share with CESS…"): checks the path as share()
   * does and tells subscribers, whose share dialog opens. Nothing is shared until the user says.
   */
  async requestShare(absPath: string): Promise<ShareRequestEvent> {
    const target = await resolveSharePath(absPath, this.roots());
    const abs = path.resolve(absPath);
    const request: ShareRequestEvent = {
      folderId: target.folderId,
      path: target.rel,
      absPath:
        target.rel === ''
          ? target.root
          : path.join(await realpath(path.dirname(abs)), path.basename(abs)),
      name: target.rel === '' ? path.basename(target.root) : path.posix.basename(target.rel),
      kind: target.kind === 'dir' ? 'folder' : 'file',
    };
    this.host.emit({ type: 'shareRequest', request });
    return request;
  }

  /**
   * Revokes a share: marked revoked here, and its manifest object deleted from CESS when the
   * chain allows it (best effort; see docs/sharing.md for what this cannot undo).
   */
  async revokeShare(id: string): Promise<ShareInfo> {
    // Made here or on another device of the account (its share records): same effect.
    const m = this.o.manifest;
    const own = listShareRecords(m).some((r) => r.id === id);
    const mark = (change: (r: ShareInfo) => ShareInfo): ShareInfo => {
      if (own) updateShareRecord(m, id, change);
      return noteShareState(m, change(findAccountShare(m, id).share), this.host.now()).share;
    };
    let rec = mark((r) => ({ ...r, revokedAt: r.revokedAt ?? this.host.now() }));
    if (!rec.manifestDeleted) {
      try {
        await this.o.store.delete(rec.manifest.fid);
        this.o.manifest.removePendingObject(rec.manifest.fid);
        rec = mark((r) => ({ ...r, manifestDeleted: true }));
      } catch (err) {
        this.host.log(
          rec.folderId,
          'error',
          rec.path,
          `revoked share ${id}: its manifest object stays on CESS for now (${err instanceof Error ? err.message : String(err)})`,
        );
      }
    }
    this.host.log(
      rec.folderId,
      'revoked',
      rec.path === '' ? rec.name : rec.path,
      `share with ${rec.recipient}`,
    );
    // Tell the account's other devices now (a failure is retried by the next pass).
    await this.host.exclusive(async () => {
      try {
        await this.o.repo.refresh();
      } catch {
        return;
      }
      await this.syncShares();
    });
    return findAccountShare(m, id).share;
  }

  /** Opens a share link for this account: preview (what it holds) or download into "Shared with me". */
  async receive(req: ReceiveShareRequest): Promise<ReceivedShare> {
    const sh = this.requireSharing();
    const read: RangeReader =
      sh.read ?? ((fid, offset, length, signal) => this.o.store.read(fid, offset, length, signal));
    if (req.dir !== undefined && !path.isAbsolute(req.dir))
      throw new ShareError('BAD_PATH', `${req.dir}: the directory must be absolute`);
    const common = {
      link: req.link,
      recipient: { address: this.o.account.address, secretScalar: this.o.account.secretScalar },
      read,
      ss58Format: sh.ss58Format,
      now: () => this.host.now(),
    };
    const r =
      req.preview === true
        ? { ...(await openShare(common)), path: null }
        : await receiveShare({ ...common, baseDir: req.dir ?? sh.receiveDir });
    const reply: ReceivedShare = {
      id: r.link.id,
      kind: r.link.kind,
      owner: r.link.owner,
      message: r.link.message,
      name: r.manifest.name,
      size: r.size,
      fileCount: r.fileCount,
      createdAt: r.link.createdAt,
      expiresAt: r.link.expiresAt,
      path: r.path,
      files: r.manifest.files.map((f) => ({ path: f.path, size: f.size })),
    };
    if (r.path !== null) {
      this.host.log('shared-with-me', 'received', r.path, `from ${r.link.owner}`);
      const { files: _files, ...entry } = reply;
      addReceivedRecord(this.o.manifest, { ...entry, path: r.path, receivedAt: this.host.now() });
    }
    return reply;
  }

  /** Shares downloaded on this device, newest first. */
  receivedShares(): ReceivedShareEntry[] {
    return listReceivedRecords(this.o.manifest);
  }

  /** Opens (or reveals) a received share or a file inside a received folder, with the OS. */
  async openReceived(req: OpenReceivedRequest): Promise<void> {
    await openReceived(listReceivedRecords(this.o.manifest), req);
  }
}
