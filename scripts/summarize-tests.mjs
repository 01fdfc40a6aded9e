// Prints the suite's closing line, `N passed, N failed, N skipped`, from the JSON reports of
// Vitest and Playwright (neither prints that form). Exits non-zero when anything failed or
// when no report exists (a run that executed nothing is not a pass).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
const flaky = [];
const failures = [];

const vitest = 'test-results/vitest.json';
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, 'utf8'));
  reports++;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  for (const f of r.testResults ?? []) {
    // A file that failed to load has no tests counted: count it as a failure.
    if (f.status === 'failed' && f.assertionResults.length === 0) failed++;
    // Passed on its retry: Vitest keeps the first attempt's error.
    for (const t of f.assertionResults ?? []) {
      const where = `${path.relative(process.cwd(), f.name)}: ${t.fullName}`;
      const first = firstLine((t.failureMessages ?? [])[0]);
      if (t.status === 'passed' && first !== undefined) flaky.push(`${where} (${first})`);
      const each = (t.failureMessages ?? []).map(firstLine).filter(Boolean);
      if (t.status === 'failed')
        failures.push(`${where} (${each.join(' | then: ') || 'no message'})`);
    }
  }
}

// The browser e2e run and the Electron shell run (whose tests are all skipped where no
// Electron binary is installed: counted as skipped, never as passed).
for (const pw of ['test-results/playwright.json', 'test-results/playwright-electron.json']) {
  if (!existsSync(pw)) continue;
  const r = JSON.parse(readFileSync(pw, 'utf8'));
  reports++;
  passed += r.stats.expected + (r.stats.flaky ?? 0);
  failed += r.stats.unexpected;
  skipped += r.stats.skipped;
  if (r.stats.flaky) flaky.push(...titlesWith(r.suites ?? [], 'flaky'));
  if (r.stats.unexpected) failures.push(...titlesWith(r.suites ?? [], 'unexpected'));
  // A run that could not start (global setup failed) reports errors and no tests.
  if ((r.errors ?? []).length > 0 && r.stats.expected + r.stats.unexpected + r.stats.skipped === 0)
    failed++;
}

if (reports === 0) failed++;
// The last lines of a long CI log are often all that is kept: name what failed there, with the
// first line of its error (of each attempt, when it was retried).
for (const t of flaky) console.log(`flaky (failed, then passed on its retry): ${t}`);
for (const t of failures) console.log(`failed: ${t}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

/** Playwright tests whose status is `status` ('flaky', 'unexpected'), with their first error. */
function titlesWith(suites, status) {
  const out = [];
  for (const s of suites) {
    for (const spec of s.specs ?? [])
      for (const t of spec.tests ?? [])
        if (t.status === status) {
          const err = (t.results ?? []).map((r) => r.error?.message).find(Boolean);
          out.push(`${spec.file ?? s.file}: ${spec.title} (${firstLine(err) ?? 'no message'})`);
        }
    out.push(...titlesWith(s.suites ?? [], status));
  }
  return out;
}

/** The first non-empty line of an error message, without colour codes, at most 300 characters. */
function firstLine(message) {
  if (typeof message !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '');
  const line = plain.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? undefined : line.trim().slice(0, 300);
}
