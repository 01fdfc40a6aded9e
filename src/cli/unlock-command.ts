/**
 * `cess-sync unlock [--stdin]`: gives a locked daemon (docs/daemon-api.md, "Locked mode") the
 * passphrase of its key file. Read from the terminal without echo, or from standard input with
 * --stdin (one line; a trailing newline is dropped). Never printed, never written anywhere.
 */
import type { DaemonClient } from '../daemon/client.js';
import type { CliIO } from './commands.js';

export interface UnlockOptions {
  stdin?: boolean;
}

/** Where the passphrase comes from (tests inject one). */
export type PassphraseReader = (opts: UnlockOptions) => Promise<string>;

export async function unlockCommand(
  client: DaemonClient,
  io: CliIO,
  opts: UnlockOptions,
  read: PassphraseReader = readPassphrase,
): Promise<number> {
  const before = await client.unlockState();
  if (!before.locked) {
    io.out(io.json === true ? JSON.stringify(before) : 'The sync engine is not locked.');
    return 0;
  }
  const passphrase = await read(opts);
  if (passphrase === '') {
    io.err('cess-sync: no passphrase given');
    return 1;
  }
  const after = await client.unlock(passphrase);
  io.out(io.json === true ? JSON.stringify(after) : 'Unlocked: the sync engine is running.');
  return 0;
}

export async function readPassphrase(opts: UnlockOptions): Promise<string> {
  if (opts.stdin === true) return readStdinLine();
  if (process.stdin.isTTY !== true) {
    throw new Error(
      'cess-sync unlock needs a terminal to read the passphrase; pipe it with --stdin instead',
    );
  }
  return readHidden('Key file passphrase: ');
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.replace(/\r?\n$/, '');
}

/** A line from the terminal in raw mode, so nothing typed is echoed; Ctrl-C / Ctrl-D cancel. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const done = (err: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err === null) resolve(value);
      else reject(err);
    };
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
