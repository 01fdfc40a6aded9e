/**
 * The engine's folder settings (./folder-settings.ts, docs/daemon-api.md): selective sync, the
 * root's `.cessignore`, the subfolder picker, and removing a folder from sync.
 */
import { checkIgnoreRules, normalizeExcludedList } from '../api/folder-settings-validate.js';
import type {
  FolderSettings,
  FolderTree,
  RemoveFolderRequest,
  RemovedFolder,
  SetExcludedRequest,
  SetIgnoreRulesRequest,
} from '../api/folder-settings-schema.js';
import { IGNORE_FILE_NAME } from '../ignore/index.js';
import type { Manifest } from '../manifest/index.js';
import type { ConflictList } from './conflict-list.js';
import type { EngineFiles } from './engine-files.js';
import type { EngineHost } from './engine-options.js';
import {
  FolderSettingsError,
  afterFolderRemoved,
  builtinRules,
  listSubfolders,
  noteRulesBeforeChange,
  readIgnoreRules,
  writeIgnoreRules,
} from './folder-settings.js';
import { excludedOf, type FolderRuntime } from './folder-runtime.js';

export interface FolderSettingsDeps extends Pick<
  EngineHost,
  'log' | 'emitStatus' | 'schedule' | 'exclusive' | 'folders'
> {
  manifest: Manifest;
  conflicts: Pick<ConflictList, 'forgetFolder'>;
  files: Pick<EngineFiles, 'invalidate'>;
  /** Drops a folder's runtime: the engine no longer syncs it. */
  detach(folderId: string): void;
}

export class EngineFolderSettings {
  constructor(private readonly d: FolderSettingsDeps) {}

  private folder(id: string): FolderRuntime {
    const rt = this.d.folders.get(id);
    if (!rt) throw new FolderSettingsError(404, 'no_such_folder', `no synced folder with id ${id}`);
    return rt;
  }

  private excluded(id: string): string[] {
    return excludedOf(this.d.manifest, id);
  }

  async folderSettings(folderId: string): Promise<FolderSettings> {
    const rt = this.folder(folderId);
    return {
      folderId: rt.id,
      root: rt.root,
      excluded: this.excluded(rt.id),
      ignoreRules: await readIgnoreRules(rt.root).catch((e: unknown) => {
        throw new FolderSettingsError(409, 'ignore_file_unreadable', String(e));
      }),
      builtinRules: builtinRules(),
      paused: rt.paused,
    };
  }

  /** Selective sync: hidden folders stay on disk and on CESS; the next pass applies it. */
  async setExcluded(req: SetExcludedRequest): Promise<FolderSettings> {
    const rt = this.folder(req.folderId);
    const excluded = normalizeExcludedList(req.excluded);
    await this.d.exclusive(async () => {
      await noteRulesBeforeChange(this.d.manifest, rt.id, rt.root, this.excluded(rt.id));
      this.d.manifest.setFolderSettings(rt.id, {
        ...(this.d.manifest.getFolder(rt.id)?.settings ?? {}),
        excluded,
      });
    });
    const n = excluded.length;
    this.d.log(
      rt.id,
      'settings',
      '',
      `selective sync: ${n} folder${n === 1 ? '' : 's'} not synced here`,
    );
    void this.d.schedule(rt.id);
    return this.folderSettings(rt.id);
  }

  /** Writes the root's `.cessignore` (checked line by line first); the next pass applies it. */
  async setIgnoreRules(req: SetIgnoreRulesRequest): Promise<FolderSettings> {
    const rt = this.folder(req.folderId);
    const problems = checkIgnoreRules(req.rules);
    if (problems.length > 0)
      throw new FolderSettingsError(
        400,
        'invalid_ignore_rule',
        problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'),
      );
    await this.d.exclusive(async () => {
      await noteRulesBeforeChange(this.d.manifest, rt.id, rt.root, this.excluded(rt.id));
      await writeIgnoreRules(rt.root, req.rules);
    });
    // The watcher still filters with the old rules: the pass below sees them changed, scans
    // everything and starts the watcher again (once; starting one walks the whole folder).
    this.d.log(rt.id, 'settings', IGNORE_FILE_NAME, 'ignore rules saved');
    void this.d.schedule(rt.id);
    return this.folderSettings(rt.id);
  }

  /** The subfolders at `rel`, on this disk or on CESS, for the selective-sync picker. */
  async folderTree(folderId: string, rel: string): Promise<FolderTree> {
    const rt = this.folder(folderId);
    return listSubfolders({
      manifest: this.d.manifest,
      folderId: rt.id,
      root: rt.root,
      rel,
      excluded: this.excluded(rt.id),
    });
  }

  /**
   * Stops syncing a folder: unwatched and forgotten by this device. Never deletes a local file
   * or anything on CESS (other devices keep syncing it).
   */
  async removeFolder(req: RemoveFolderRequest): Promise<RemovedFolder> {
    const rt = this.folder(req.folderId);
    await this.d.exclusive(async () => {
      this.d.detach(rt.id);
      await rt.watcher?.close();
      this.d.conflicts.forgetFolder(rt.id);
      this.d.manifest.removeFolder(rt.id);
      await afterFolderRemoved(this.d.manifest, { id: rt.id, root: rt.root });
      this.d.files.invalidate(rt.id);
    });
    this.d.log(rt.id, 'removed', '', `stopped syncing ${rt.root}; its files stay here and on CESS`);
    this.d.emitStatus();
    return { folderId: rt.id, root: rt.root, localFilesKept: true, remoteDataKept: true };
  }
}
