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
    for (const t of f.assertionResults ?? [])
      if (t.status === 'passed' && (t.failureMessages ?? []).length > 0)
        flaky.push(`${path.relative(process.cwd(), f.name)}: ${t.fullName}`);
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
  if (r.stats.flaky) flaky.push(...flakyTitles(r.suites ?? []));
  // A run that could not start (global setup failed) reports errors and no tests.
  if ((r.errors ?? []).length > 0 && r.stats.expected + r.stats.unexpected + r.stats.skipped === 0)
    failed++;
}

if (reports === 0) failed++;
for (const t of flaky) console.log(`flaky (failed, then passed on its retry): ${t}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

/** Titles of the tests whose first run failed and whose retry passed. */
function flakyTitles(suites) {
  const out = [];
  for (const s of suites) {
    for (const spec of s.specs ?? [])
      for (const t of spec.tests ?? [])
        if (t.status === 'flaky') out.push(`${spec.file ?? s.file}: ${spec.title}`);
    out.push(...flakyTitles(s.suites ?? []));
  }
  return out;
}
