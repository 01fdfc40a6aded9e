/**
 * The command the file-manager entries run: the absolute path of the installed `cess-sync` CLI
 * (plus what starts it), then `--state-dir <dir> share --notify --` and the selected paths. The
 * state directory is written in, so an entry always reaches the daemon that installed it, even
 * when the file manager's environment has no CESS_SYNC_HOME.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export class IntegrationError extends Error {
  override name = 'IntegrationError';
  constructor(
    message: string,
    /** The daemon answers with this status (src/daemon/server.ts serviceError). */
    readonly statusCode = 400,
    readonly code = 'integration_error',
  ) {
    super(message);
  }
}

/**
 * Every part lands in a shell script, a Desktop Entry Exec line, a Nemo action and a plist. A
 * control character cannot be carried by all of them, and Nemo stops expanding `%U` after a `%`
 * it does not know (linuxmint/nemo#2274), so both are refused rather than half-escaped.
 */
export function checkCommandPart(part: string, what: string): void {
  if (part === '') throw new IntegrationError(`${what} is empty`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(part))
    throw new IntegrationError(`${what} contains a control character: ${JSON.stringify(part)}`);
  if (part.includes('%'))
    throw new IntegrationError(
      `${what} contains "%", which file-manager entries cannot carry: ${JSON.stringify(part)}`,
    );
}

export function checkCommand(command: readonly string[]): void {
  if (command.length === 0) throw new IntegrationError('the cess-sync command is empty');
  command.forEach((p, i) => checkCommandPart(p, `the cess-sync command's part ${i + 1}`));
  if (!path.isAbsolute(command[0] ?? ''))
    throw new IntegrationError(
      `the cess-sync command must start with an absolute path, not ${JSON.stringify(command[0])}`,
    );
}

/**
 * How this installation runs its CLI. `CESS_SYNC_CLI_COMMAND` (a JSON array of strings) overrides
 * it, e.g. for an AppImage whose mount point changes on every start. Otherwise:
 * - inside Electron (the packaged app): Electron as Node on the bundled dist/cli/main.js;
 * - from compiled JavaScript: this Node on dist/cli/main.js;
 * - from the TypeScript sources (development, tests): this Node with tsx on src/cli/main.ts.
 */
export function defaultCliCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.CESS_SYNC_CLI_COMMAND;
  if (override !== undefined && override !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(override);
    } catch {
      throw new IntegrationError('CESS_SYNC_CLI_COMMAND must be a JSON array of strings');
    }
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string'))
      throw new IntegrationError('CESS_SYNC_CLI_COMMAND must be a JSON array of strings');
    return parsed as string[];
  }
  const here = fileURLToPath(import.meta.url);
  if (process.versions.electron !== undefined) {
    // /usr/bin/env sets the variable without a shell; Desktop Entry Exec cannot set one.
    return [
      '/usr/bin/env',
      'ELECTRON_RUN_AS_NODE=1',
      process.execPath,
      path.join(path.dirname(here), '..', 'cli', 'main.js'),
    ];
  }
  if (here.endsWith('.ts')) {
    const repo = path.resolve(path.dirname(here), '..', '..');
    const tsx = path.join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    if (!existsSync(tsx)) throw new IntegrationError(`cannot find tsx at ${tsx}`);
    return [process.execPath, tsx, path.join(repo, 'src', 'cli', 'main.ts')];
  }
  return [process.execPath, path.join(path.dirname(here), '..', 'cli', 'main.js')];
}

/** What an entry runs, the selected paths appended: `<cli> --state-dir D share --notify --`. */
export function shareInvocation(command: readonly string[], stateDir: string): string[] {
  checkCommand(command);
  if (!path.isAbsolute(stateDir))
    throw new IntegrationError(`the state directory must be absolute, not ${stateDir}`);
  checkCommandPart(stateDir, 'the state directory');
  return [...command, '--state-dir', stateDir, 'share', '--notify', '--'];
}
