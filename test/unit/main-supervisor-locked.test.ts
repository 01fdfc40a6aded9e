/**
 * A daemon in locked mode (its key file waits for the passphrase) is running, not crashed: the
 * supervisor keeps its endpoint (the window needs it to show the unlock view), reports a locked
 * state that is not daemonDown, and never restarts it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LOCKED_MESSAGE, ProcessSupervisor } from '../../src/main/daemon/process-supervisor.js';
import { eventually } from '../support/devnet.js';

const REPO = path.resolve(import.meta.dirname, '../..');
let dir: string;
let supervisor: ProcessSupervisor | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-supervisor-locked-'));
});
afterEach(async () => {
  await supervisor?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('locked mode: endpoint kept, a locked (not daemonDown) state, one launch only', async () => {
  const log: string[] = [];
  supervisor = new ProcessSupervisor({
    stateDir: path.join(dir, 'state'),
    command: {
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        path.join(REPO, 'test/support/fake-daemon.ts'),
        '--state-dir',
        path.join(dir, 'state'),
      ],
      env: { ...process.env, FAKE_MODE: 'locked', FAKE_COUNTER: path.join(dir, 'launches') },
      cwd: REPO,
      ipc: true,
    },
    policy: { initialDelayMs: 100, maxDelayMs: 400, stableAfterMs: 60_000, maxQuickCrashes: 5 },
    pollMs: 200,
    stopGraceMs: 5_000,
    log: (l) => log.push(l),
  });
  const endpoint = await supervisor.start();
  expect(endpoint.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await eventually(
    async () => (supervisor?.status.state.kind === 'error' ? true : undefined),
    10_000,
    'the locked state',
  );
  expect(supervisor.status.state).toEqual({ kind: 'error', message: LOCKED_MESSAGE });
  // Several polls later: still the same process, same endpoint, nothing logged as a failure.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(supervisor.endpoint()).toEqual(endpoint);
  const launches = (await readFile(path.join(dir, 'launches'), 'utf8')).split('\n').filter(Boolean);
  expect(launches).toHaveLength(1);
  expect(log.filter((l) => /status failed|exited|restart/i.test(l))).toEqual([]);
}, 30_000);
