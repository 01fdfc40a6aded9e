/**
 * Writes and removes integration files: atomically (a temp file in the same directory, then
 * rename), idempotently (an identical file is left alone), and only files that carry the marker
 * line (./linux.ts MARKER) are ever replaced or deleted: a file of the same name that the user or
 * another program made is refused, never overwritten. Symbolic links are refused too.
 */
import { lstat, mkdir, open, readFile, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { IntegrationError } from './command.js';
import { MARKER } from './linux.js';

export type FileState = 'ours' | 'foreign' | 'absent';
export type FileAction = 'created' | 'updated' | 'unchanged' | 'removed' | 'absent';

export interface FileReport {
  path: string;
  action: FileAction;
}

export interface FileToWrite {
  /** Absolute. */
  path: string;
  mode: number;
  content: string;
}

/** Files start with their marker in the first lines; reading a little is enough to tell. */
const MARKER_WINDOW = 4096;

export async function fileState(file: string): Promise<FileState> {
  let st;
  try {
    st = await lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  if (!st.isFile()) return 'foreign';
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(MARKER_WINDOW, st.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8').includes(`${MARKER}:`) ? 'ours' : 'foreign';
  } finally {
    await fh.close();
  }
}

function foreign(file: string): IntegrationError {
  return new IntegrationError(
    `${file} exists and was not written by cess-sync; move it away first (cess-sync leaves it alone)`,
    409,
    'foreign_file',
  );
}

/** Writes every file, or none if any of them is someone else's. */
export async function installFiles(files: readonly FileToWrite[]): Promise<FileReport[]> {
  const states = await Promise.all(files.map((f) => fileState(f.path)));
  files.forEach((f, i) => {
    if (states[i] === 'foreign') throw foreign(f.path);
  });
  const reports: FileReport[] = [];
  for (const [i, f] of files.entries()) {
    if (states[i] === 'ours') {
      const [current, st] = await Promise.all([readFile(f.path, 'utf8'), lstat(f.path)]);
      if (current === f.content && (st.mode & 0o777) === f.mode) {
        reports.push({ path: f.path, action: 'unchanged' });
        continue;
      }
    }
    await writeAtomically(f);
    reports.push({ path: f.path, action: states[i] === 'ours' ? 'updated' : 'created' });
  }
  return reports;
}

/** Removes every file that is ours; refuses (and removes nothing) if any is someone else's. */
export async function removeFiles(files: readonly string[]): Promise<FileReport[]> {
  const states = await Promise.all(files.map((f) => fileState(f)));
  files.forEach((f, i) => {
    if (states[i] === 'foreign') throw foreign(f);
  });
  const reports: FileReport[] = [];
  for (const [i, f] of files.entries()) {
    if (states[i] === 'absent') {
      reports.push({ path: f, action: 'absent' });
      continue;
    }
    await unlink(f);
    reports.push({ path: f, action: 'removed' });
  }
  return reports;
}

/** Removes `dir` and then its parents up to (not including) `stop`, while they are empty. */
export async function removeEmptyDirs(dir: string, stop: string): Promise<void> {
  for (let cur = dir; cur.startsWith(stop + path.sep); cur = path.dirname(cur)) {
    try {
      await rmdir(cur);
    } catch {
      return; // not empty (or gone): leave it
    }
  }
}

async function writeAtomically(f: FileToWrite): Promise<void> {
  const dir = path.dirname(f.path);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(f.path, f.content, { mode: f.mode, hiddenTemp: true });
}
