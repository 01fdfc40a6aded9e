/**
 * Status values for tests that stand in for the engine: a progress with nothing moving and an
 * idle status with no folders or problems, each a fresh object so a test may change its copy.
 */
import { API_VERSION, type Progress, type Status } from '../../src/sync/api/schema.js';

export function zeroProgress(): Progress {
  return { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0, speed: 0, etaSeconds: null };
}

/** An idle engine of `account` (a test address by default); `patch` replaces whole fields. */
export function idleStatus(patch: Partial<Status> = {}): Status {
  return {
    apiVersion: API_VERSION,
    state: 'idle',
    account: 'cXtest',
    folders: [],
    progress: zeroProgress(),
    problems: [],
    ...patch,
  };
}
