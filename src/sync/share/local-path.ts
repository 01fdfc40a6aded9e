/**
 * From an OS path (what a file manager hands `cess-sync share <path>`) to a synced item:
 * absolute, not a symlink, strictly inside (or equal to) one synced folder once every link above
 * the folder is resolved, no symlink between the folder and the item, a valid sync path, not the
 * engine's own files. Everything else is refused with BAD_PATH.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { METADATA_DIR_NAME, ROOT_MARKER_NAME } from '../ignore/index.js';
import {
  assertNoSymlinkInPath,
  caseFoldKey,
  isPathError,
  normalizeName,
  validateSyncPath,
} from '../paths/index.js';
import { ShareError } from './errors.js';

export interface ResolvedSharePath {
  folderId: string;
  root: string;
  /** '/'-separated, NFC; '' for the folder itself. */
  rel: string;
  kind: 'file' | 'dir';
}

export async function resolveSharePath(
  input: string,
  folders: readonly { id: string; root: string }[],
): Promise<ResolvedSharePath> {
  if (typeof input !== 'string' || input === '' || input.includes('\0'))
    throw new ShareError('BAD_PATH', 'no path given');
  if (!path.isAbsolute(input))
    throw new ShareError('BAD_PATH', `${input}: the path must be absolute`);
  const abs = path.resolve(input);
  let st;
  try {
    st = await lstat(abs);
  } catch {
    throw new ShareError('BAD_PATH', `${abs} does not exist`);
  }
  if (st.isSymbolicLink())
    throw new ShareError(
      'BAD_PATH',
      `${abs} is a symbolic link; share the file it points to instead`,
    );
  if (!st.isFile() && !st.isDirectory())
    throw new ShareError('BAD_PATH', `${abs} is neither a file nor a folder`);
  // The leaf is not a link. Links above the synced folder are fine (a home may sit behind one),
  // links between it and the item are not: walk up until a directory that IS a synced folder.
  const roots = new Set<string>();
  for (const f of folders) roots.add(await realpath(f.root).catch(() => ''));
  let link: string | undefined;
  let inside = false;
  for (let cur = abs; ;) {
    if (roots.has(await realpath(cur))) {
      inside = true;
      break;
    }
    if (link === undefined && cur !== abs && (await lstat(cur)).isSymbolicLink()) link = cur;
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  if (!inside) throw new ShareError('BAD_PATH', `${abs} is not inside a synced folder`);
  if (link !== undefined)
    throw new ShareError(
      'BAD_PATH',
      `${abs} goes through the symbolic link ${link}; use the real path inside the synced folder`,
    );
  const real = path.join(await realpath(path.dirname(abs)), path.basename(abs));
  for (const f of folders) {
    let rootReal: string;
    try {
      rootReal = await realpath(f.root);
    } catch {
      continue;
    }
    const relOs = path.relative(rootReal, real);
    if (relOs === '') return { folderId: f.id, root: rootReal, rel: '', kind: 'dir' };
    if (path.isAbsolute(relOs) || relOs.split(path.sep)[0] === '..') continue;
    const diskRel = relOs.split(path.sep).join('/');
    try {
      validateSyncPath(diskRel);
      await assertNoSymlinkInPath(rootReal, diskRel);
    } catch (e) {
      if (isPathError(e)) throw new ShareError('BAD_PATH', `${abs}: ${e.message}`);
      throw e;
    }
    const firstSeg = caseFoldKey(diskRel.split('/')[0] ?? '');
    if (firstSeg === caseFoldKey(METADATA_DIR_NAME) || firstSeg === caseFoldKey(ROOT_MARKER_NAME))
      throw new ShareError('BAD_PATH', `${abs} is one of cess-sync's own files`);
    const rel = diskRel
      .split('/')
      .map((s) => normalizeName(s))
      .join('/');
    return { folderId: f.id, root: rootReal, rel, kind: st.isDirectory() ? 'dir' : 'file' };
  }
  throw new ShareError('BAD_PATH', `${abs} is not inside a synced folder`);
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** '7d', '12h', '30m', '2w' -> milliseconds (at most a year). */
export function parseExpiry(text: string): number {
  const m = /^\s*(\d{1,6})\s*([mhdw])\s*$/i.exec(text);
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ShareError(
      'BAD_ARGUMENT',
      `expiry ${JSON.stringify(text)}: use a number and m, h, d or w (e.g. 7d)`,
    );
  const ms = Number(m[1]) * unit;
  if (ms <= 0 || ms > 366 * 86_400_000)
    throw new ShareError('BAD_ARGUMENT', 'the expiry must be between 1 minute and a year');
  return ms;
}
