/**
 * Replaces a file so that a reader sees the old content or the new, never half of it: write a
 * fresh temp file beside it (O_EXCL), fsync, set the exact mode, rename over the target. The
 * temp file is removed when any step fails. The directory must exist (callers pick its mode).
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** The file's mode, set exactly (open()'s mode alone is filtered by the umask). */
  mode: number;
  /**
   * Start the temp name with a dot: directories that file managers list as entries (their
   * scripts folders) then never show a leftover.
   */
  hiddenTemp?: boolean;
}

export async function writeFileAtomic(
  file: string,
  data: string,
  { mode, hiddenTemp = false }: AtomicWriteOptions,
): Promise<void> {
  const suffix = `${randomBytes(6).toString('hex')}.tmp`;
  const base = path.basename(file);
  const tmp = path.join(
    path.dirname(file),
    hiddenTemp ? `.${base}.${suffix}` : `${base}.${suffix}`,
  );
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
