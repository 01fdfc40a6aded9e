/**
 * CLI verbs for sharing (docs/sharing.md): `share <path...>` (the running app opens its share
 * dialog; what the file-manager entries call), `share <path> --to <address>`, `receive <link>`,
 * `shares`, `revoke <id>`. The daemon does the work and re-validates everything; the CLI only
 * resolves a relative path against its cwd and turns "7d" into a time.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonApiError, DaemonNotRunningError, type DaemonClient } from '../daemon/client.js';
import type { Notifier } from '../integrations/notify.js';
import type { ShareInfo, ShareRequestEvent } from '../sync/api/schema.js';
import { ShareError } from '../sync/share/errors.js';
import { parseExpiry } from '../sync/share/local-path.js';
import { UsageError, type CliIO } from './commands.js';
import { formatBytes, safeText } from './format.js';

export interface ShareCliOptions {
  to: string;
  message?: string;
  expires?: string;
}

function expiryOf(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  try {
    return now + parseExpiry(text);
  } catch (e) {
    if (e instanceof ShareError) throw new UsageError(e.message);
    throw e;
  }
}

export async function shareCommand(
  client: DaemonClient,
  io: CliIO,
  path: string,
  opts: ShareCliOptions,
): Promise<number> {
  if (path.trim() === '') throw new UsageError('share needs a file or folder path');
  if (opts.message !== undefined && opts.message.length > 500)
    throw new UsageError('--message: at most 500 characters');
  const expiresAt = expiryOf(opts.expires, io.now());
  const rec = await client.share({
    path: resolve(io.cwd, path),
    recipient: opts.to.trim(),
    ...(opts.message !== undefined ? { message: opts.message } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  if (io.json === true) {
    io.out(JSON.stringify(rec, null, 2));
    return 0;
  }
  io.err(
    `Shared ${rec.kind} ${safeText(rec.name)} (${rec.files} file${rec.files === 1 ? '' : 's'}, ${formatBytes(rec.size)}) with ${safeText(rec.recipient)}${rec.expiresAt !== null ? `, until ${new Date(rec.expiresAt).toISOString()}` : ''}. Send them this link:`,
  );
  io.out(rec.link);
  return 0;
}

export async function receiveCommand(
  client: DaemonClient,
  io: CliIO,
  link: string,
  opts: { preview?: boolean; dir?: string },
): Promise<number> {
  const r = await client.receiveShare({
    link,
    ...(opts.preview === true ? { preview: true } : {}),
    ...(opts.dir !== undefined ? { dir: resolve(io.cwd, opts.dir) } : {}),
  });
  if (io.json === true) {
    io.out(JSON.stringify(r, null, 2));
    return 0;
  }
  io.out(
    `${r.kind === 'file' ? 'File' : 'Folder'} ${safeText(r.name)} (${r.fileCount} file${r.fileCount === 1 ? '' : 's'}, ${formatBytes(r.size)}) from ${safeText(r.owner)}`,
  );
  if (r.message !== null) io.out(`Message: ${safeText(r.message)}`);
  if (r.expiresAt !== null) io.out(`Expires: ${new Date(r.expiresAt).toISOString()}`);
  io.out(r.path === null ? '(preview: nothing downloaded)' : `Saved to ${safeText(r.path)}`);
  return 0;
}

function shareLine(s: ShareInfo, now: number): string {
  const state =
    s.revokedAt !== null
      ? 'revoked'
      : s.expiresAt !== null && s.expiresAt <= now
        ? 'expired'
        : 'active';
  const what = s.path === '' ? s.name : s.path;
  return `${s.id}  ${state.padEnd(7)} ${s.kind.padEnd(6)} ${safeText(what)} -> ${safeText(s.recipient)}  (${new Date(s.createdAt).toISOString()})`;
}

export async function sharesCommand(client: DaemonClient, io: CliIO): Promise<number> {
  const list = await client.shares();
  if (io.json === true) io.out(JSON.stringify(list, null, 2));
  else if (list.length === 0) io.out('No shares.');
  else for (const s of list) io.out(shareLine(s, io.now()));
  return 0;
}

export async function revokeCommand(client: DaemonClient, io: CliIO, id: string): Promise<number> {
  if (!/^[0-9a-f]{32}$/.test(id))
    throw new UsageError('revoke needs a share id (32 hex characters; see cess-sync shares)');
  const s = await client.revokeShare(id);
  if (io.json === true) io.out(JSON.stringify(s, null, 2));
  else
    io.out(
      `Revoked ${s.id}: later versions are not shared; ${s.manifestDeleted ? "its manifest was deleted from CESS (a gateway's cached copy may still open the link for a while)" : 'the link still opens this version until its manifest object can be deleted (retry later)'}. What the recipient downloaded stays theirs.`,
    );
  return 0;
}

/** A path as a file manager hands it: absolute, relative to the cwd, or a file:// URI (Nemo). */
export function localPathOf(arg: string, cwd: string): string {
  if (/^file:/i.test(arg)) {
    try {
      return fileURLToPath(arg);
    } catch (e) {
      throw new Error(`${arg} is not a local file (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return resolve(cwd, arg);
}

/** Errors that are the same for every path: reported once, by the caller. */
function affectsEveryPath(e: unknown): boolean {
  return (
    e instanceof DaemonNotRunningError ||
    (e instanceof DaemonApiError && (e.status === 401 || e.code === 'no_ui'))
  );
}

/**
 * `share <path...>` without --to: hands each path to the running daemon, whose UI opens its share
 * dialog (POST /api/v1/shares/request). One request per path; every path is tried and reported.
 * With `notify` (the file-manager entries' --notify) failures also become a desktop notification.
 */
export async function shareIntentCommand(
  client: DaemonClient,
  io: CliIO,
  paths: readonly string[],
  notify?: Notifier,
): Promise<number> {
  if (paths.length === 0 || paths.some((p) => p.trim() === ''))
    throw new UsageError('share needs a file or folder path');
  const results: (
    { path: string; request: ShareRequestEvent } | { path: string; error: string }
  )[] = [];
  const failures: string[] = [];
  for (const arg of paths) {
    try {
      const request = await client.requestShare(localPathOf(arg, io.cwd));
      results.push({ path: arg, request });
      if (io.json !== true)
        io.out(`The share dialog is open in cess-sync for ${safeText(request.name)}.`);
    } catch (e) {
      if (affectsEveryPath(e)) throw e;
      const message = e instanceof Error ? e.message : String(e);
      results.push({ path: arg, error: message });
      failures.push(safeText(message));
      io.err(`cess-sync: ${safeText(message)}`);
    }
  }
  if (io.json === true) io.out(JSON.stringify(results, null, 2));
  if (failures.length > 0 && notify !== undefined) {
    const shown = failures.slice(0, 5);
    if (failures.length > shown.length) shown.push(`and ${failures.length - shown.length} more`);
    await notify('cess-sync cannot share this', shown.join('\n'));
  }
  return failures.length === 0 ? 0 : 1;
}
