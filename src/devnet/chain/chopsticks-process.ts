import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';

export interface ChopsticksOptions {
  /** Raw chain spec of the CESS runtime (the public testnet genesis). */
  genesisPath: string;
  /** Directory for the chain's block database (new each start) and log. */
  stateDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Milliseconds to wait for the RPC to listen. */
  startTimeoutMs?: number;
  /** Called with each line chopsticks prints (for --verbose). */
  onLine?: (line: string) => void;
}

export interface ChopsticksHandle {
  wsUrl: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const LISTENING = /RPC listening on http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * Runs the real CESS runtime under chopsticks in a child process bound to 127.0.0.1.
 * A child (not in-process) keeps the wasm executor off our event loop and makes a hard
 * stop possible; blocks are built on demand (Instant mode: one per extrinsic).
 */
export async function startChopsticks(opts: ChopsticksOptions): Promise<ChopsticksHandle> {
  if (!existsSync(opts.genesisPath)) {
    throw new Error(
      `CESS genesis not found at ${opts.genesisPath}. Set CESS_GENESIS or --genesis to the raw ` +
        'chain spec (cess-testnet-spec-raw.json from the CESS node repository, see README).',
    );
  }
  mkdirSync(opts.stateDir, { recursive: true });
  // A fresh block database each start: the chain state itself is carried by snapshot.ts.
  const dbPath = path.join(opts.stateDir, 'chain.sqlite');
  rmSync(dbPath, { force: true });
  const bin = chopsticksBin();
  const args = [
    bin,
    '--genesis',
    opts.genesisPath,
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port ?? 0),
    '--build-block-mode',
    'Instant',
    '--db',
    dbPath,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: process.env.CHOPSTICKS_LOG_LEVEL ?? 'info' },
  });
  const log = createWriteStream(path.join(opts.stateDir, 'chain.log'), { flags: 'a' });
  // If this process exits without stop() (an uncaught error, process.exit), take the chain along.
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const port = await waitForListening(child, log, opts);
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    stop: () => stopChild(child, log),
  };
}

/** The package's exports hide package.json, so walk up from its entry point to the bin. */
function chopsticksBin(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('@acala-network/chopsticks'));
  while (!existsSync(path.join(dir, 'chopsticks.cjs'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('@acala-network/chopsticks is not installed (run npm ci)');
    dir = up;
  }
  return path.join(dir, 'chopsticks.cjs');
}

function waitForListening(
  child: ChildProcess,
  log: NodeJS.WritableStream,
  opts: ChopsticksOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const timeoutMs = opts.startTimeoutMs ?? 120_000;
    let settled = false;
    let tail = '';
    const timer = setTimeout(() => {
      fail(
        new Error(
          `chopsticks did not listen within ${timeoutMs} ms; see ${opts.stateDir}/chain.log`,
        ),
      );
      child.kill('SIGKILL');
    }, timeoutMs);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const onData = (buf: Buffer): void => {
      log.write(buf);
      const text = tail + buf.toString('utf8');
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        opts.onLine?.(line);
        const m = LISTENING.exec(line);
        if (m && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(
        new Error(
          `chopsticks exited early (code ${code}, signal ${signal}); see ${opts.stateDir}/chain.log`,
        ),
      ),
    );
  });
}

async function stopChild(child: ChildProcess, log: NodeJS.WritableStream): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await new Promise<void>((r) => log.end(r));
}
