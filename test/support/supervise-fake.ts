/**
 * A parent that supervises the fake daemon and then waits: the tests SIGKILL this process to
 * check that the daemon does not outlive its parent (src/main/daemon/parent-tie.ts).
 * Prints `{"daemonPid": n}` once the daemon is up.
 *
 *   node --import tsx test/support/supervise-fake.ts <stateDir>
 */
import path from 'node:path';
import { ProcessSupervisor } from '../../src/main/daemon/process-supervisor.js';

const stateDir = process.argv[2];
if (stateDir === undefined) throw new Error('usage: supervise-fake.ts <stateDir>');
const repo = path.resolve(import.meta.dirname, '../..');
const supervisor = new ProcessSupervisor({
  stateDir,
  command: {
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      path.join(repo, 'test/support/fake-daemon.ts'),
      '--state-dir',
      stateDir,
    ],
    env: { ...process.env, FAKE_MODE: 'serve' },
    cwd: repo,
    ipc: true,
  },
  log: () => undefined,
});
await supervisor.start();
process.stdout.write(`${JSON.stringify({ daemonPid: supervisor.pid })}\n`);
setInterval(() => undefined, 60_000);
