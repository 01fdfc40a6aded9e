/**
 * `<stateDir>/daemon.json` ({url, token, pid}, mode 0600): written by the daemon once it listens,
 * read by local clients (the CLI), removed when the daemon closes.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DAEMON_FILE, daemonFileSchema, type DaemonFile } from './protocol.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

/** The state directory: an explicit one, else $CESS_SYNC_HOME, else ~/.cess-sync. */
export function resolveStateDir(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const fromEnv = env.CESS_SYNC_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(home, '.cess-sync');
}

export function daemonFilePath(stateDir: string): string {
  return join(stateDir, DAEMON_FILE);
}

/**
 * Writes daemon.json atomically (a 0600 temp file renamed over it), so a reader never sees a
 * half-written file and the token is never readable by other users, not even briefly.
 */
export async function writeDaemonFile(stateDir: string, info: DaemonFile): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const target = daemonFilePath(stateDir);
  await writeFileAtomic(target, `${JSON.stringify(daemonFileSchema.parse(info), null, 2)}\n`, {
    mode: 0o600,
  });
}

export type DaemonFileRead =
  { kind: 'ok'; info: DaemonFile } | { kind: 'missing' } | { kind: 'invalid'; reason: string };

export async function readDaemonFile(stateDir: string): Promise<DaemonFileRead> {
  let text: string;
  try {
    text = await readFile(daemonFilePath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', reason: (error as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const parsed = daemonFileSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', reason: 'unexpected contents' };
  return { kind: 'ok', info: parsed.data };
}

/**
 * Removes daemon.json if it is still ours (same token): a second daemon that started on the
 * same state directory keeps its file when the first one closes.
 */
export async function removeDaemonFile(stateDir: string, token: string): Promise<void> {
  const current = await readDaemonFile(stateDir);
  if (current.kind === 'ok' && current.info.token !== token) return;
  await rm(daemonFilePath(stateDir), { force: true });
}

/** True when a process with this pid exists (it may belong to another user: EPERM). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
