/**
 * A recording opener: a shell script that CESS_SYNC_OPENER points at, appending each argument it
 * gets as a line to a log, so a test sees what the daemon asked the OS to open or reveal.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface RecordingOpener {
  log: string;
  /** The log so far ('' before the first call). */
  calls(): Promise<string>;
  /** Forgets the calls so far. */
  clear(): Promise<void>;
  /** Puts CESS_SYNC_OPENER back as it was. */
  restore(): void;
}

/**
 * Writes the script and its log in `dir` and sets CESS_SYNC_OPENER. With `endMarker`, each call
 * ends with a line `--end--` (to tell calls apart).
 */
export async function installRecordingOpener(
  dir: string,
  o: { endMarker?: boolean } = {},
): Promise<RecordingOpener> {
  const log = path.join(dir, 'calls.log');
  const script = path.join(dir, 'opener.sh');
  const end = o.endMarker ? `printf -- '--end--\\n' >> '${log}'\n` : '';
  await writeFile(
    script,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done\n${end}`,
  );
  await chmod(script, 0o755);
  const before = process.env.CESS_SYNC_OPENER;
  process.env.CESS_SYNC_OPENER = script;
  return {
    log,
    calls: () => readFile(log, 'utf8').catch(() => ''),
    clear: () => rm(log, { force: true }),
    restore: () => {
      if (before === undefined) delete process.env.CESS_SYNC_OPENER;
      else process.env.CESS_SYNC_OPENER = before;
    },
  };
}
