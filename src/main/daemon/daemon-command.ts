/**
 * How the supervisor starts the daemon: a command line, chosen here so the supervisor itself can
 * run anything (the tests start a fake daemon script with it).
 */
import path from 'node:path';

export interface DaemonCommand {
  command: string;
  args: string[];
  /** The child's whole environment (not merged with the parent's). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Spawn with an IPC channel: the child's parent-tie.ts then exits when the shell goes away and
   * accepts a graceful shutdown message (needed on Windows). The child must be a Node process.
   */
  ipc: boolean;
}

/**
 * In the desktop app: Electron's own binary in Node mode (ELECTRON_RUN_AS_NODE=1) runs the
 * compiled entry, so the daemon uses the native modules rebuilt for Electron's ABI and needs no
 * separate Node install. `appPath` is app.getAppPath() (the repository in development,
 * app.asar when packaged; Electron's Node mode reads from the asar too).
 */
export function electronDaemonCommand(input: {
  execPath: string;
  appPath: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
}): DaemonCommand {
  return {
    command: input.execPath,
    args: [
      path.join(input.appPath, 'dist', 'main', 'daemon', 'child-entry.js'),
      '--state-dir',
      input.stateDir,
      'daemon',
    ],
    env: { ...withoutElectronVars(input.env), ELECTRON_RUN_AS_NODE: '1' },
    ipc: true,
  };
}

/**
 * Under plain Node (tests, development): the TypeScript entry through tsx's loader, in the same
 * process (`node --import tsx`, not the `tsx` CLI, which would put a second process between the
 * supervisor and the daemon and break the pid check on daemon.json).
 */
export function nodeDaemonCommand(input: {
  repoRoot: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  nodePath?: string;
}): DaemonCommand {
  return {
    command: input.nodePath ?? process.execPath,
    args: [
      '--import',
      'tsx',
      path.join(input.repoRoot, 'src', 'main', 'daemon', 'child-entry.ts'),
      '--state-dir',
      input.stateDir,
      'daemon',
    ],
    env: { ...input.env },
    // `--import tsx` is resolved from the working directory.
    cwd: input.repoRoot,
    ipc: true,
  };
}

/** Electron's own switches must not leak into the Node-mode child (they change its behaviour). */
function withoutElectronVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('ELECTRON_')) out[key] = value;
  }
  return out;
}
