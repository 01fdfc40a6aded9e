/**
 * The engine's file list and opening files (./file-list.ts, ./open-file.ts): the list's index,
 * overlaid with what the engine knows now (running transfers, unreadable files, conflicts).
 */
import type { FileList, FilesQuery, OpenFileRequest } from '../api/schema.js';
import type { Manifest } from '../manifest/index.js';
import type { ConflictList } from './conflict-list.js';
import { FileListIndex, type ListedFolder } from './file-list.js';
import { excludedOf, type FolderRuntime } from './folder-runtime.js';
import { OpenFileError, openWithOs } from './open-file.js';

export class EngineFiles {
  private readonly fileIndex: FileListIndex;

  constructor(
    private readonly manifest: Manifest,
    private readonly folders: ReadonlyMap<string, FolderRuntime>,
    private readonly conflicts: ConflictList,
  ) {
    this.fileIndex = new FileListIndex({ manifest });
  }

  /** A folder's items changed (a scan committed, a pass ended, the folder went). */
  invalidate(folderId: string): void {
    this.fileIndex.invalidate(folderId);
  }

  close(): void {
    this.fileIndex.close();
  }

  /** Every item of the synced folders with its state, searched and paged. */
  files(q: FilesQuery): FileList {
    return this.fileIndex.query(
      q,
      [...this.folders.values()].map((rt) => this.listedFolder(rt)),
    );
  }

  private listedFolder(rt: FolderRuntime): ListedFolder {
    const errorPaths = new Set<string>();
    for (const p of rt.problems)
      if (p.path !== null && (p.kind === 'UNREADABLE' || p.kind === 'CHANGED_DURING_HASH'))
        errorPaths.add(p.path);
    const conflictPaths = this.conflicts.paths(rt.id);
    return {
      id: rt.id,
      root: rt.root,
      excluded: excludedOf(this.manifest, rt.id),
      overlay: { transfers: rt.transfers, transferred: rt.transferred, errorPaths, conflictPaths },
    };
  }

  /** Opens a synced item with the OS, or shows it in its folder. */
  async openFile(req: OpenFileRequest): Promise<void> {
    const rt = this.folders.get(req.folderId);
    if (!rt)
      throw new OpenFileError(404, 'no_such_folder', `no synced folder with id ${req.folderId}`);
    // The disk may spell the name differently (NFD) from the NFC path the list shows.
    const diskRel =
      req.path === '' ? undefined : this.manifest.getLocalFile(rt.id, req.path)?.diskPath;
    await openWithOs({
      root: rt.root,
      rel: req.path,
      reveal: req.reveal === true,
      ...(diskRel !== undefined ? { diskRel } : {}),
    });
  }
}
