/**
 * `cess-sync folder exclude|include|remove|ignore`: selective sync, ignore rules and "stop
 * syncing" after a folder was added (docs/daemon-api.md, "Folder settings").
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DaemonApiError, type DaemonClient } from '../daemon/client.js';
import {
  FOLDER_SETTINGS_ROUTES,
  folderSettingsSchema,
  removedFolderSchema,
  type FolderSettings,
} from '../sync/api/folder-settings-schema.js';
import { normalizeExcludedPath } from '../sync/api/folder-settings-validate.js';
import type { Status } from '../sync/api/schema.js';
import { UsageError, resolveFolderArg, type CliIO } from './commands.js';
import { safeText } from './format.js';

/** Paths (relative to cwd; they need not exist) grouped by the synced folder holding them. */
function byFolder(status: Status, paths: readonly string[], cwd: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const folder = status.folders.find((f) => {
      const rel = path.relative(f.root, abs);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    if (folder === undefined)
      throw new UsageError(`${safeText(abs)} is not a subfolder of a synced folder`);
    let rel: string;
    try {
      rel = normalizeExcludedPath(path.relative(folder.root, abs).split(path.sep).join('/'));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    out.set(folder.id, [...(out.get(folder.id) ?? []), rel]);
  }
  return out;
}

const getSettings = (client: DaemonClient, folderId: string): Promise<FolderSettings> =>
  client.call(
    'GET',
    `${FOLDER_SETTINGS_ROUTES.settings}?folderId=${encodeURIComponent(folderId)}`,
    folderSettingsSchema,
  );

type FolderPathsCommand = (
  client: DaemonClient,
  io: CliIO,
  paths: readonly string[],
) => Promise<number>;

/**
 * A command that replaces the excluded list of each synced folder holding its paths with `next`
 * of it (which may refuse with a UsageError), then prints the saved settings or `said`.
 */
function excludedListCommand(
  next: (excluded: string[], rels: string[]) => string[],
  said: (rels: string[]) => string,
): FolderPathsCommand {
  return async (client, io, paths) => {
    for (const [folderId, rels] of byFolder(await client.status(), paths, io.cwd)) {
      const s = await getSettings(client, folderId);
      const saved = await client.call(
        'PUT',
        FOLDER_SETTINGS_ROUTES.settings,
        folderSettingsSchema,
        { folderId, excluded: next(s.excluded, rels) },
      );
      if (io.json === true) io.out(JSON.stringify(saved, null, 2));
      else io.out(said(rels));
    }
    return 0;
  };
}

/** `folder exclude <path>...`: stop syncing these subfolders here; their files stay. */
export const excludeCommand = excludedListCommand(
  (excluded, rels) => [...excluded, ...rels],
  (rels) =>
    `${rels.map(safeText).join(', ')}: no longer synced on this device. Files already here stay here, and nothing is deleted on CESS.`,
);

/** `folder include <path>...`: sync them again; the next pass merges them back. */
export const includeCommand = excludedListCommand(
  (excluded, rels) => {
    for (const rel of rels) {
      const parent = excluded.find((ex) => rel.startsWith(`${ex}/`));
      if (parent !== undefined)
        throw new UsageError(
          `${safeText(rel)} is inside the excluded folder ${safeText(parent)}: include that one`,
        );
      if (!excluded.includes(rel)) throw new UsageError(`${safeText(rel)} is not excluded`);
    }
    return excluded.filter((ex) => !rels.includes(ex));
  },
  (rels) => `${rels.map(safeText).join(', ')}: synced again from the next pass.`,
);

/** `folder remove <folder>`: stop syncing a folder; files stay on disk and on CESS. */
export async function removeFolderCommand(
  client: DaemonClient,
  io: CliIO,
  folderArg: string,
): Promise<number> {
  const folderId = resolveFolderArg(await client.status(), folderArg, io.cwd);
  if (folderId === undefined) throw new UsageError('folder remove needs a folder');
  const r = await client.call('POST', FOLDER_SETTINGS_ROUTES.remove, removedFolderSchema, {
    folderId,
  });
  if (io.json === true) io.out(JSON.stringify(r, null, 2));
  else
    io.out(
      `Stopped syncing ${safeText(r.root)}. Its files stay on this disk and on CESS; add it again to resume.`,
    );
  return 0;
}

export interface IgnoreCliOptions {
  folder?: string;
  editFile?: string;
  show?: boolean;
}

/** `folder ignore [--folder F] [--show | --edit-file FILE]`: show or replace `.cessignore`. */
export async function ignoreCommand(
  client: DaemonClient,
  io: CliIO,
  opts: IgnoreCliOptions,
): Promise<number> {
  if (opts.editFile !== undefined && opts.show === true)
    throw new UsageError('give --show or --edit-file, not both');
  const status = await client.status();
  const folderId =
    opts.folder !== undefined
      ? resolveFolderArg(status, opts.folder, io.cwd)
      : folderHoldingCwd(status, io.cwd);
  if (folderId === undefined) throw new UsageError('which folder? give --folder');
  if (opts.editFile === undefined) {
    const s = await getSettings(client, folderId);
    if (io.json === true) io.out(JSON.stringify(s, null, 2));
    else io.out(s.ignoreRules === '' ? '(no .cessignore rules)' : s.ignoreRules.replace(/\n$/, ''));
    return 0;
  }
  const rules =
    opts.editFile === '-'
      ? await readStdin()
      : await readFile(path.resolve(io.cwd, opts.editFile), 'utf8');
  try {
    const saved = await client.call('PUT', FOLDER_SETTINGS_ROUTES.ignore, folderSettingsSchema, {
      folderId,
      rules,
    });
    if (io.json === true) io.out(JSON.stringify(saved, null, 2));
    else
      io.out(
        `Saved ${safeText(path.join(saved.root, '.cessignore'))}; applied from the next pass.`,
      );
    return 0;
  } catch (e) {
    if (e instanceof DaemonApiError && e.code === 'invalid_ignore_rule') {
      for (const line of e.message.split('\n')) io.err(safeText(line));
      return 1;
    }
    throw e;
  }
}

/** The folder the current directory is in, or the only folder there is. */
function folderHoldingCwd(status: Status, cwd: string): string | undefined {
  const abs = path.resolve(cwd);
  const inside = status.folders.find((f) => {
    const rel = path.relative(f.root, abs);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  });
  if (inside !== undefined) return inside.id;
  return status.folders.length === 1 ? status.folders[0]?.id : undefined;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Adds `folder exclude|include|remove|ignore` to the program (src/cli/program.ts). */
export function registerFolderCommands(
  program: Command,
  run: (work: (client: DaemonClient, io: CliIO) => Promise<number>) => Promise<void>,
): void {
  const folder = program
    .command('folder')
    .description('selective sync, ignore rules, and stopping the sync of a folder');
  folder
    .command('exclude <path...>')
    .description(
      'stop syncing these subfolders on this device (their files stay, nothing is deleted)',
    )
    .action((paths: string[]) => run((client, io) => excludeCommand(client, io, paths)));
  folder
    .command('include <path...>')
    .description('sync excluded subfolders again (merged back on the next pass)')
    .action((paths: string[]) => run((client, io) => includeCommand(client, io, paths)));
  folder
    .command('remove <folder>')
    .description('stop syncing a folder (id or path); its files stay on disk and on CESS')
    .action((f: string) => run((client, io) => removeFolderCommand(client, io, f)));
  folder
    .command('ignore')
    .description("show or replace a folder's .cessignore rules (gitignore syntax)")
    .option(
      '--folder <folder>',
      'folder id or path (default: the one holding the current directory)',
    )
    .option('--show', 'print the rules (the default)')
    .option('--edit-file <file>', 'replace the rules with this file (- for stdin)')
    .action((opts: IgnoreCliOptions) => run((client, io) => ignoreCommand(client, io, opts)));
}
