/**
 * Folder settings routes (/api/v1/folders/settings, /ignore, /remove, /tree): schemas in
 * src/sync/api/folder-settings-schema.ts, validated by the server like every other route. The
 * service is the engine (or, before setup, its stand-in whose calls answer 409).
 */
import { z } from 'zod';
import {
  FOLDER_SETTINGS_ROUTES,
  folderSettingsQuerySchema,
  folderSettingsSchema,
  folderTreeSchema,
  removeFolderRequestSchema,
  removedFolderSchema,
  setIgnoreRulesRequestSchema,
  type FolderSettingsService,
} from '../../sync/api/folder-settings-schema.js';
import {
  folderTreeQuerySchema,
  setExcludedRequestSchema,
} from '../../sync/api/folder-settings-validate.js';
import type { RouteTable } from '../server.js';

/** A query string as an object (each key once), checked against `schema`; 400 otherwise. */
function query<S extends z.ZodType>(url: URL, schema: S): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(raw, key)) throw badRequest(`${key} is given more than once`);
    raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw badRequest(`invalid query: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400, code: 'invalid_request' });
}

export function folderSettingsRoutes(service: FolderSettingsService): RouteTable {
  return {
    [FOLDER_SETTINGS_ROUTES.settings]: {
      GET: {
        reply: folderSettingsSchema,
        run: (_b, url) => service.folderSettings(query(url, folderSettingsQuerySchema).folderId),
      },
      PUT: {
        body: setExcludedRequestSchema,
        reply: folderSettingsSchema,
        run: (b) => service.setExcluded(setExcludedRequestSchema.parse(b)),
      },
    },
    [FOLDER_SETTINGS_ROUTES.ignore]: {
      PUT: {
        body: setIgnoreRulesRequestSchema,
        reply: folderSettingsSchema,
        run: (b) => service.setIgnoreRules(setIgnoreRulesRequestSchema.parse(b)),
      },
    },
    [FOLDER_SETTINGS_ROUTES.remove]: {
      POST: {
        body: removeFolderRequestSchema,
        reply: removedFolderSchema,
        run: (b) => service.removeFolder(removeFolderRequestSchema.parse(b)),
      },
    },
    [FOLDER_SETTINGS_ROUTES.tree]: {
      GET: {
        reply: folderTreeSchema,
        run: (_b, url) => {
          const q = query(url, folderTreeQuerySchema);
          return service.folderTree(q.folderId, q.path);
        },
      },
    },
  };
}
