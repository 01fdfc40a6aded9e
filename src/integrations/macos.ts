/**
 * The macOS entry: a Quick Action (an Automator service workflow) in ~/Library/Services that
 * Finder offers for any file or folder. Its "Run Shell Script" action gets the selected items as
 * arguments ("$@") and runs the share invocation (./command.ts). The bundle is filled in from the
 * template in assets/macos/; Finder picks it up once `pbs -update` has run (done best effort).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote, xmlText } from './quote.js';
import { installFiles, removeEmptyDirs, removeFiles, type FileReport } from './install.js';
import { MARKER, MENU_LABEL } from './linux.js';

export const WORKFLOW_NAME = 'Share with CESS.workflow';
const TEMPLATE_FILES = ['Contents/Info.plist', 'Contents/document.wflow'] as const;

/** assets/macos next to dist/ (packaged: inside app.asar) or src/ (development). */
export function templateDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.join(here, '..', '..', 'assets', 'macos', WORKFLOW_NAME);
}

export function quickActionScript(invocation: readonly string[]): string {
  return `exec ${invocation.map(shellQuote).join(' ')} "$@"\n`;
}

/** The bundle's files (paths relative to the .workflow directory) for this invocation. */
export async function quickActionFiles(
  invocation: readonly string[],
  templates = templateDir(),
): Promise<{ path: string; mode: number; content: string }[]> {
  const fill = (text: string): string =>
    text
      // Replacer functions: a `$&` in a path must not be read as a replacement pattern.
      .replace('@@MARKER@@', () => `${MARKER}: written by cess-sync; remove it from its settings`)
      .replace('@@MENU_LABEL@@', () => xmlText(MENU_LABEL))
      .replace('@@SHELL_SCRIPT@@', () => xmlText(quickActionScript(invocation)));
  return Promise.all(
    TEMPLATE_FILES.map(async (rel) => ({
      path: rel,
      mode: 0o644,
      content: fill(await readFile(path.join(templates, rel), 'utf8')),
    })),
  );
}

function servicesDir(home: string): string {
  return path.join(home, 'Library', 'Services');
}

/** The files the Quick Action consists of, absolute, for a home directory. */
export function quickActionPaths(home: string): string[] {
  return TEMPLATE_FILES.map((rel) => path.join(servicesDir(home), WORKFLOW_NAME, rel));
}

/** Tells the services menu about the change; harmless when pbs is missing (not macOS). */
function refreshServices(): Promise<void> {
  return new Promise((done) => {
    execFile('/System/Library/CoreServices/pbs', ['-update'], { timeout: 10_000 }, () => done());
  });
}

export async function installQuickAction(
  invocation: readonly string[],
  home: string,
): Promise<FileReport[]> {
  const bundle = path.join(servicesDir(home), WORKFLOW_NAME);
  const files = (await quickActionFiles(invocation)).map((f) => ({
    ...f,
    path: path.join(bundle, f.path),
  }));
  const reports = await installFiles(files);
  if (process.platform === 'darwin') await refreshServices();
  return reports;
}

export async function removeQuickAction(home: string): Promise<FileReport[]> {
  const bundle = path.join(servicesDir(home), WORKFLOW_NAME);
  const reports = await removeFiles(TEMPLATE_FILES.map((rel) => path.join(bundle, rel)));
  // The bundle's directories are ours (named after it); the user's Services folder stays.
  await removeEmptyDirs(path.join(bundle, 'Contents'), servicesDir(home));
  if (process.platform === 'darwin') await refreshServices();
  return reports;
}
