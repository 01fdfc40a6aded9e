#!/usr/bin/env node
/** `cess-sync` entry point: wires process I/O and Ctrl-C to runCli() (./program.ts). */
import { runCli } from './program.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

const code = await runCli(process.argv.slice(2), {
  io: {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    cwd: process.cwd(),
    now: () => Date.now(),
    progressStream: process.stderr,
  },
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Nothing should be left running; do not wait for stray handles (e.g. a closing socket).
setTimeout(() => process.exit(code), 100).unref();
