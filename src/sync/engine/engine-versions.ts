/**
 * The engine's file versions (./versions.ts): listing a synced file's earlier versions and
 * putting one back in place.
 */
import { rename } from 'node:fs/promises';
import type { FileVersion, RestoreRequest, VersionsRequest } from '../api/schema.js';
import { pathOf, type ItemId } from '../model/tree.js';
import { assertNoSymlinkInPath, resolveInsideRoot } from '../paths/index.js';
import type { EngineHost, EngineOptions } from './engine-options.js';
import { fetchVersion, moveToTrash } from './folder-sync.js';
import { folderTmpDir } from './folder-runtime.js';
import { listVersions } from './versions.js';

export class EngineVersions {
  constructor(
    private readonly o: Pick<EngineOptions, 'manifest' | 'repo' | 'keys' | 'account'>,
    private readonly host: Pick<EngineHost, 'requireFolder' | 'log' | 'schedule'>,
  ) {}

  /** Earlier versions of a synced file, newest first. */
  async versions(req: VersionsRequest): Promise<FileVersion[]> {
    const itemId = this.itemAt(req.folderId, req.path);
    await this.o.repo.refresh();
    return (await listVersions(this.o.repo, req.folderId, itemId)).map((v) => v.version);
  }

  /**
   * Puts an earlier version back: fetched and verified into a temp file, the current file to
   * the local trash, the version renamed into place; the next pass uploads it as the newest.
   */
  async restoreVersion(req: RestoreRequest): Promise<void> {
    const rt = this.host.requireFolder(req.folderId);
    const itemId = this.itemAt(req.folderId, req.path);
    await this.o.repo.refresh();
    const found = (await listVersions(this.o.repo, req.folderId, itemId)).find(
      (v) => v.version.snapshotId === req.snapshotId,
    );
    if (!found) throw new Error(`${req.path} has no version in snapshot ${req.snapshotId}`);
    const tmp = await fetchVersion(
      { repo: this.o.repo, keys: this.o.keys, account: this.o.account },
      found.entry,
      folderTmpDir(rt.root),
      req.path,
    );
    await moveToTrash(rt.root, req.path);
    await assertNoSymlinkInPath(rt.root, req.path, { checkLeaf: false });
    await rename(tmp, resolveInsideRoot(rt.root, req.path));
    this.host.log(
      rt.id,
      'restored',
      req.path,
      `version of ${new Date(found.version.timeMs).toISOString()}`,
    );
    await this.host.schedule(rt.id);
  }

  private itemAt(folderId: string, rel: string): ItemId {
    this.host.requireFolder(folderId);
    const tree = this.o.manifest.loadTree(folderId, 'synced');
    for (const n of tree.values()) {
      if (n.kind === 'file' && pathOf(tree, n.id) === rel) return n.id;
    }
    throw new Error(`${rel} is not a synced file of this folder`);
  }
}
