#!/usr/bin/env node
// A stand-in for the cess-sync CLI in the file-manager integration tests: appends its arguments
// and working directory as one JSON line to $FAKE_CLI_LOG, so a test can compare them exactly.
import { appendFileSync } from 'node:fs';

const log = process.env.FAKE_CLI_LOG;
if (log === undefined) {
  process.stderr.write('FAKE_CLI_LOG is not set\n');
  process.exit(2);
}
appendFileSync(log, `${JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() })}\n`);
