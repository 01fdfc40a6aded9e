/**
 * End-to-end tests of the UI (docs/ui.md): Chromium drives the page served by a real daemon on
 * the local CESS network. The devnet and a prepared device are made by test/e2e/global-setup.ts;
 * the daemon itself runs in the test worker (test/e2e/fixtures.ts) so a test can restart it.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  // Not test-results/ itself: Playwright empties its outputDir, and Vitest's report lives there.
  outputDir: 'test-results/playwright-artifacts',
  globalSetup: './test/e2e/global-setup.ts',
  // One worker: the tests share one daemon (and 2 cores with chopsticks).
  workers: 1,
  fullyParallel: false,
  // CI on a loaded 2-core machine: one retry, and scripts/summarize-tests.mjs names every test
  // that needed it (Playwright's "flaky") so a flake is reported, not hidden.
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  globalTimeout: 20 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1100, height: 900 },
    colorScheme: 'light',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
  },
});
