/**
 * Set-up shared by the e2e specs (the daemons run in the test worker, see fixtures.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { installRecordingOpener, type RecordingOpener } from '../support/recording-opener.js';
import { test } from './fixtures.js';

/**
 * A recording opener for the spec's tests (a daemon reads CESS_SYNC_OPENER when it opens
 * something), each call ending with a line `--end--`; installed before them, removed after.
 */
export function useRecordingOpener(): Pick<RecordingOpener, 'calls' | 'clear'> {
  let dir = '';
  let opener: RecordingOpener | undefined;
  test.beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-opener-'));
    opener = await installRecordingOpener(dir, { endMarker: true });
  });
  test.afterAll(async () => {
    opener?.restore();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const installed = (): RecordingOpener => {
    if (!opener) throw new Error('the recording opener is installed in beforeAll');
    return opener;
  };
  return { calls: () => installed().calls(), clear: () => installed().clear() };
}
