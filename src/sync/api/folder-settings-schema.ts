/**
 * The folder settings part of the daemon's API (docs/daemon-api.md, "Folder settings"):
 * selective sync (excluded subfolders), the root's `.cessignore` rules, the subfolder picker and
 * "stop syncing this folder". Validated on both sides like the rest of the contract; this file
 * is zod only (the UI imports it), and ./folder-settings-validate.ts adds the checks that need
 * the engine's path gate and the `ignore` package (requests, on the daemon's side).
 */
import { z } from 'zod';

const API_PREFIX = '/api/v1';

export const FOLDER_SETTINGS_ROUTES = {
  settings: `${API_PREFIX}/folders/settings`,
  ignore: `${API_PREFIX}/folders/ignore`,
  remove: `${API_PREFIX}/folders/remove`,
  tree: `${API_PREFIX}/folders/tree`,
} as const;

/** At most this many excluded folders per synced folder. */
export const MAX_EXCLUDED = 1000;
/**
 * `.cessignore` text accepted through the API, in UTF-8 bytes. The daemon takes request bodies
 * of at most 64 KiB, and JSON escaping can double rule text (every `\` or `"`; control
 * characters are refused), so 31 KiB is what always fits in one request with room for the rest
 * of the body; a hand-written file may be larger (the engine reads up to 1 MiB).
 */
export const MAX_IGNORE_RULES_BYTES = 31 * 1024;

export const folderIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'a folder id is letters, digits, - and _');

export const ignoreRulesTextSchema = z
  .string()
  .refine((t) => new TextEncoder().encode(t).length <= MAX_IGNORE_RULES_BYTES, {
    message: `the rules are larger than ${MAX_IGNORE_RULES_BYTES / 1024} KiB`,
  });

export const folderSettingsQuerySchema = z.object({ folderId: folderIdSchema }).strict();

export const folderSettingsSchema = z
  .object({
    folderId: z.string(),
    root: z.string(),
    excluded: z.array(z.string()),
    /** The root's `.cessignore` text; '' when there is none. */
    ignoreRules: z.string(),
    /** The rules every folder has before its `.cessignore` (read-only in the UI). */
    builtinRules: z.array(z.string()),
    paused: z.boolean(),
  })
  .strict();
export type FolderSettings = z.infer<typeof folderSettingsSchema>;

export const setIgnoreRulesRequestSchema = z
  .object({ folderId: folderIdSchema, rules: ignoreRulesTextSchema })
  .strict();
export type SetIgnoreRulesRequest = z.infer<typeof setIgnoreRulesRequestSchema>;

export const removeFolderRequestSchema = z.object({ folderId: folderIdSchema }).strict();
export type RemoveFolderRequest = z.infer<typeof removeFolderRequestSchema>;

export const removedFolderSchema = z
  .object({
    folderId: z.string(),
    root: z.string(),
    /** Always true: removing never deletes local files or data on CESS. */
    localFilesKept: z.literal(true),
    remoteDataKept: z.literal(true),
  })
  .strict();
export type RemovedFolder = z.infer<typeof removedFolderSchema>;

export const folderTreeEntrySchema = z
  .object({
    name: z.string(),
    path: z.string(),
    /** Excluded itself or below an excluded folder. */
    excluded: z.boolean(),
    /** Where the folder is: on this disk, on CESS, or both. */
    where: z.enum(['both', 'local', 'remote']),
    /** Whether it has subfolders (the picker shows an expander). */
    hasChildren: z.boolean(),
  })
  .strict();
export type FolderTreeEntry = z.infer<typeof folderTreeEntrySchema>;

export const folderTreeSchema = z
  .object({ folderId: z.string(), path: z.string(), entries: z.array(folderTreeEntrySchema) })
  .strict();
export type FolderTree = z.infer<typeof folderTreeSchema>;

export interface SetExcludedRequest {
  folderId: string;
  excluded: string[];
}

/** What the engine offers these routes (SyncEngine implements it). */
export interface FolderSettingsService {
  folderSettings(folderId: string): Promise<FolderSettings>;
  setExcluded(req: SetExcludedRequest): Promise<FolderSettings>;
  setIgnoreRules(req: SetIgnoreRulesRequest): Promise<FolderSettings>;
  removeFolder(req: RemoveFolderRequest): Promise<RemovedFolder>;
  folderTree(folderId: string, path: string): Promise<FolderTree>;
}
