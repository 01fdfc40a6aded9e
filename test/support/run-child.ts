import { spawn } from 'node:child_process';

/**
 * A child process, awaited without blocking: when the daemon under test runs in this process
 * it must answer the child's request meanwhile (spawnSync would deadlock it). Killed after
 * `timeoutMs` (default 60 s), which `timedOut` tells apart from a signal the child got otherwise.
 */
export function runChild(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}> {
  const { timeoutMs = 60_000, ...spawnOpts } = opts;
  return new Promise((done, fail) => {
    const child = spawn(file, args, { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', fail);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, timedOut, stdout, stderr });
    });
  });
}
