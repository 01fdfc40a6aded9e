/**
 * The `cess-sync` command line: commander wiring around the handlers in ./commands.ts.
 * runCli() never exits the process; it returns the exit code (0 ok, 1 error, 2 usage).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  DaemonApiError,
  DaemonClient,
  DaemonNotRunningError,
  DaemonProtocolError,
} from '../daemon/client.js';
import { resolveStateDir } from '../daemon/state-file.js';
import { ACTIVITY_MAX_LIMIT } from '../daemon/protocol.js';
import {
  UsageError,
  activityCommand,
  addCommand,
  folderActionCommand,
  problemActionCommand,
  settingsCommand,
  statusCommand,
  uiUrlCommand,
  watchCommand,
  type CliIO,
  type SettingsChanges,
} from './commands.js';
import { parseRate } from './format.js';
import { daemonCommand, setupCommand, type SetupCliOptions } from './local-commands.js';
import { restoreCommand, versionsCommand } from './version-commands.js';
import { compactCommand } from './compact-command.js';
import { registerFolderCommands } from './folder-commands.js';
import { unlockCommand } from './unlock-command.js';
import {
  receiveCommand,
  revokeCommand,
  shareCommand,
  shareIntentCommand,
  sharesCommand,
  type ShareCliOptions,
} from './share-commands.js';
import { integrationsCommand } from './integration-commands.js';
import { accountCommand, gatewayAuthorizeCommand, territoryCommand } from './account-commands.js';
import { desktopNotifier, type Notifier } from '../integrations/notify.js';
import { hostname } from 'node:os';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export interface CliDeps {
  io: CliIO;
  env?: NodeJS.ProcessEnv;
  /** How to reach the daemon for a state dir (tests may inject; default: daemon.json). */
  connect?: (stateDir: string) => Promise<DaemonClient>;
  /** Aborts `status --watch` (SIGINT in main.ts). */
  signal?: AbortSignal;
  /** `share --notify`: how errors reach the desktop (default: notify-send / osascript). */
  notify?: Notifier;
}

interface GlobalOptions {
  stateDir?: string;
  json?: boolean;
}

/** Validates a rate option; the text is kept (commander replaces a parsed null with ''). */
function rateArg(value: string): string {
  try {
    parseRate(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

interface SettingsOptions {
  uploadLimit?: string;
  downloadLimit?: string;
  maxDeletes?: number;
  rescanInterval?: number;
}

function intArg(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('not a whole number');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}

/** Builds the program; `run` receives each command's work, already bound to its arguments. */
export function buildProgram(
  deps: CliDeps,
  run: (work: (client: DaemonClient, io: CliIO) => Promise<number>) => Promise<void>,
  runLocal: (
    work: (stateDir: string, io: CliIO) => Promise<number>,
  ) => Promise<void> = async () => {
    throw new UsageError('this command needs the state directory');
  },
): Command {
  const program = new Command('cess-sync')
    .description('Control the CESS Sync daemon: end-to-end encrypted folder sync on CESS.')
    .option(
      '--state-dir <dir>',
      'daemon state directory (default: $CESS_SYNC_HOME or ~/.cess-sync)',
    )
    .option('--json', 'print JSON instead of text')
    .showHelpAfterError('(run cess-sync --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.out(s.replace(/\n$/, '')),
      writeErr: (s) => deps.io.err(s.replace(/\n$/, '')),
    });

  program
    .command('status')
    .description('show folders, state and problems')
    .option('-w, --watch', 'follow live progress and activity until Ctrl-C')
    .action((opts: { watch?: boolean }) =>
      run((client, io) =>
        opts.watch === true
          ? watchCommand(client, io, deps.signal ?? new AbortController().signal)
          : statusCommand(client, io),
      ),
    );

  for (const [name, description] of [
    ['pause', 'pause syncing (one folder, or all)'],
    ['resume', 'resume syncing (one folder, or all)'],
    ['sync', 'sync now (one folder, or all)'],
  ] as const) {
    program
      .command(`${name} [folder]`)
      .description(`${description}; folder is a folder id or its path`)
      .action((folder: string | undefined) =>
        run((client, io) => folderActionCommand(client, io, name, folder)),
      );
  }

  program
    .command('add <path>')
    .description('add a folder to sync')
    .option('-x, --exclude <pattern...>', 'ignore patterns for this folder')
    .action((path: string, opts: { exclude?: string[] }) =>
      run((client, io) => addCommand(client, io, path, opts.exclude ?? [])),
    );

  program
    .command('settings')
    .description('show or change settings (rates in bytes/s: 500k, 2M, none)')
    .addOption(
      new Option('--upload-limit <rate>', 'upload limit (0 or none: unlimited)').argParser(rateArg),
    )
    .addOption(
      new Option('--download-limit <rate>', 'download limit (0 or none: unlimited)').argParser(
        rateArg,
      ),
    )
    .addOption(
      new Option('--max-deletes <n>', 'deletes one pass may make before asking').argParser(
        intArg(1, 1_000_000_000),
      ),
    )
    .addOption(
      new Option('--rescan-interval <seconds>', 'full rescan interval').argParser(
        intArg(1, 1_000_000_000),
      ),
    )
    .action((opts: SettingsOptions) => {
      const changes: SettingsChanges = {
        uploadLimit: opts.uploadLimit === undefined ? undefined : parseRate(opts.uploadLimit),
        downloadLimit: opts.downloadLimit === undefined ? undefined : parseRate(opts.downloadLimit),
        maxDeletes: opts.maxDeletes,
        rescanInterval: opts.rescanInterval,
      };
      return run((client, io) => settingsCommand(client, io, changes));
    });

  program
    .command('activity')
    .description('show recent activity')
    .addOption(
      new Option('-n, --limit <n>', 'how many entries')
        .argParser(intArg(1, ACTIVITY_MAX_LIMIT))
        .default(20),
    )
    .action((opts: { limit: number }) =>
      run((client, io) => activityCommand(client, io, opts.limit)),
    );

  program
    .command('resolve <problemId> <action>')
    .description('take an action on a problem (ids and actions: cess-sync status)')
    .action((problemId: string, action: string) =>
      run((client, io) => problemActionCommand(client, io, problemId, action)),
    );

  program
    .command('share <paths...>')
    .description(
      'open the share dialog of the running app for synced files or folders; with --to, share one directly and print the link',
    )
    .option('--to <address>', 'share directly with this CESS address (prints the link)')
    .option(
      '-m, --message <text>',
      'with --to: a message for the recipient (at most 500 characters)',
    )
    .option(
      '--expires <duration>',
      "with --to: expiry, e.g. 30m, 12h, 7d, 2w (enforced by the recipient's app)",
    )
    .option('--notify', 'also show errors as a desktop notification (file-manager entries use it)')
    .action(async (paths: string[], opts: Partial<ShareCliOptions> & { notify?: boolean }) => {
      const notify = opts.notify === true ? (deps.notify ?? desktopNotifier()) : undefined;
      try {
        const to = opts.to;
        if (to === undefined && (opts.message !== undefined || opts.expires !== undefined))
          throw new UsageError('--message and --expires go with --to');
        if (to !== undefined && paths.length !== 1)
          throw new UsageError('--to shares one file or folder at a time');
        await run((client, io) =>
          to === undefined
            ? shareIntentCommand(client, io, paths, notify)
            : shareCommand(client, io, paths[0] ?? '', { ...opts, to }),
        );
      } catch (error) {
        // Errors that stop every path (the app is not running, bad usage) reach the desktop too.
        await notify?.(
          'cess-sync cannot share this',
          error instanceof Error ? error.message : String(error),
        );
        throw error;
      }
    });

  program
    .command('integrations [action] [id]')
    .description(
      'file-manager entries "Share with CESS…": list, install <id> or remove <id> (nautilus, nemo, dolphin)',
    )
    .action((action: string | undefined, id: string | undefined) =>
      run((client, io) => integrationsCommand(client, io, action, id)),
    );

  program
    .command('receive <link>')
    .description('open a cess-sync:// share link and save what it holds under "Shared with me"')
    .option('--preview', 'only show what the link holds')
    .option('--dir <dir>', 'directory that gets the "Shared with me" folder')
    .action((link: string, opts: { preview?: boolean; dir?: string }) =>
      run((client, io) => receiveCommand(client, io, link, opts)),
    );

  program
    .command('shares')
    .description('list the shares made on this device')
    .action(() => run((client, io) => sharesCommand(client, io)));

  program
    .command('revoke <id>')
    .description('revoke a share (later versions are never shared; see docs/sharing.md)')
    .action((id: string) => run((client, io) => revokeCommand(client, io, id)));

  program
    .command('versions <file>')
    .description('list the earlier versions of a synced file kept on CESS')
    .action((file: string) => run((client, io) => versionsCommand(client, io, file)));

  program
    .command('restore <file> <snapshot>')
    .description('put back the version of <file> from <snapshot> (see versions)')
    .action((file: string, snapshot: string) =>
      run((client, io) => restoreCommand(client, io, file, snapshot)),
    );

  program
    .command('compact')
    .description('forget snapshots past the retention policy and free CESS territory now')
    .option('--dry-run', 'only show what would be done')
    .action((opts: { dryRun?: boolean }) => run((client, io) => compactCommand(client, io, opts)));

  program
    .command('setup')
    .description('set this device up: network, account (kept in the OS keychain), territory')
    .addOption(
      new Option('--network <name>', 'local (the devnet), testnet, or custom').default('local'),
    )
    .option('--chain <url...>', 'chain RPC endpoints (ws:// or wss://)')
    .option('--gateway <url>', 'CD²N gateway URL')
    .requiredOption('--territory <name>', 'the territory files are stored in')
    .option('--device <name>', "this device's name (shown in conflict copies)", hostname())
    .option('--create', 'create a new account (its recovery phrase is shown once)')
    .option(
      '--mnemonic-file <file>',
      'import an account: a file holding its recovery phrase (- for stdin)',
    )
    .addOption(
      new Option('--key-store <where>', 'auto, keychain, or file (needs CESS_SYNC_PASSPHRASE)')
        .choices(['auto', 'keychain', 'file'])
        .default('auto'),
    )
    .action((opts: SetupCliOptions) =>
      runLocal((stateDir, io) => setupCommand(stateDir, io, opts)),
    );

  program
    .command('daemon')
    .description('run the sync engine and its local API in the foreground (Ctrl-C stops it)')
    .addOption(
      new Option('--port <port>', 'local API port (0: any free)')
        .argParser(intArg(0, 65535))
        .default(0),
    )
    .option('--ui <dir>', 'serve the web UI from this directory (headless mode)')
    .action((opts: { port: number; ui?: string }) =>
      runLocal((stateDir, io) =>
        daemonCommand(stateDir, io, opts, deps.signal ?? new AbortController().signal),
      ),
    );

  program
    .command('unlock')
    .description("give a locked daemon its key file's passphrase (read without echo)")
    .option('--stdin', 'read the passphrase from standard input instead of the terminal')
    .action((opts: { stdin?: boolean }) => run((client, io) => unlockCommand(client, io, opts)));

  registerFolderCommands(program, run);

  program
    .command('ui-url')
    .description('print the web UI address (headless mode); it contains the access token')
    .action(() => run((client, io) => uiUrlCommand(client, io)));

  program
    .command('account')
    .description('show the balance, the territory (used, remaining, expiry) and the gateway')
    .action(() => run((client, io) => accountCommand(client, io)));
  const territory = program.command('territory').description('renew or expand the territory');
  for (const [op, arg, what] of [
    ['renew', '<days>', 'extend the territory by <days> days'],
    ['expand', '<gib>', 'add <gib> GiB to the territory for the days it has left'],
  ] as const) {
    territory
      .command(`${op} ${arg}`)
      .description(`${what} (prints the cost and asks first)`)
      .option('-y, --yes', 'pay the quoted cost without asking')
      .action((amount: string, opts: { yes?: boolean }) =>
        run((client, io) => territoryCommand(client, io, op, amount, opts)),
      );
  }
  program
    .command('gateway')
    .description('the gateway that stores files for the account')
    .command('authorize')
    .description('authorize the configured gateway (pays only the transaction fee)')
    .action(() => run((client, io) => gatewayAuthorizeCommand(client, io)));

  return program;
}

/** Runs the CLI on user arguments (argv without node and the script); returns the exit code. */
export async function runCli(args: readonly string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  let code = EXIT_OK;
  const program = buildProgram(
    deps,
    async (work) => {
      const globals = program.opts<GlobalOptions>();
      const stateDir = resolveStateDir(globals.stateDir, deps.env ?? process.env);
      const client = await (deps.connect ?? ((dir) => DaemonClient.fromStateDir(dir)))(stateDir);
      code = await work(client, { ...io, json: globals.json === true });
    },
    async (work) => {
      const globals = program.opts<GlobalOptions>();
      const stateDir = resolveStateDir(globals.stateDir, deps.env ?? process.env);
      code = await work(stateDir, { ...io, json: globals.json === true });
    },
  );
  try {
    await program.parseAsync([...args], { from: 'user' });
    return code;
  } catch (error) {
    return reportError(io, error);
  }
}

function reportError(io: CliIO, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help/version text).
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.err(`cess-sync: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof DaemonNotRunningError) {
    io.err(error.message);
    return EXIT_ERROR;
  }
  if (error instanceof DaemonApiError) {
    io.err(
      error.status === 401
        ? 'cess-sync: the daemon rejected our token (was it restarted? check --state-dir)'
        : `cess-sync: ${error.message}`,
    );
    return EXIT_ERROR;
  }
  if (error instanceof DaemonProtocolError) {
    io.err(`cess-sync: ${error.message} (is the CLI the same version as the daemon?)`);
    return EXIT_ERROR;
  }
  io.err(`cess-sync: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_ERROR;
}
