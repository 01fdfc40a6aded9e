/** `cess-sync versions <file>` and `cess-sync restore <file> <snapshot>`. */
import path from 'node:path';
import type { Status } from '../sync/api/schema.js';
import type { DaemonClient } from '../daemon/client.js';
import { UsageError, type CliIO } from './commands.js';

/** A file path (relative to cwd) as (folder id, '/'-separated path inside that folder). */
export function fileInFolder(
  status: Status,
  file: string,
  cwd: string,
): { folderId: string; rel: string } {
  const abs = path.resolve(cwd, file);
  for (const f of status.folders) {
    const rel = path.relative(f.root, abs);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) {
      return { folderId: f.id, rel: rel.split(path.sep).join('/').normalize('NFC') };
    }
  }
  throw new UsageError(`${abs} is not inside a synced folder`);
}

export async function versionsCommand(
  client: DaemonClient,
  io: CliIO,
  file: string,
): Promise<number> {
  const { folderId, rel } = fileInFolder(await client.status(), file, io.cwd);
  const versions = await client.versions({ folderId, path: rel });
  if (io.json === true) {
    io.out(JSON.stringify(versions, null, 2));
    return 0;
  }
  if (versions.length === 0) io.out(`${rel}: no versions on CESS yet`);
  for (const v of versions) {
    io.out(
      `${v.snapshotId}  ${new Date(v.timeMs).toISOString()}  ${v.size} bytes${v.current ? '  (current)' : ''}`,
    );
  }
  return 0;
}

export async function restoreCommand(
  client: DaemonClient,
  io: CliIO,
  file: string,
  snapshotId: string,
): Promise<number> {
  if (!/^[0-9a-f]{64}$/.test(snapshotId))
    throw new UsageError('restore needs a snapshot id from cess-sync versions');
  const { folderId, rel } = fileInFolder(await client.status(), file, io.cwd);
  await client.restoreVersion({ folderId, path: rel, snapshotId });
  io.out(
    `${rel}: restored the version of snapshot ${snapshotId.slice(0, 12)}…; the replaced one is in the folder's .cess-sync/trash`,
  );
  return 0;
}
