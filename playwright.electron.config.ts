/**
 * Tests that launch the real Electron app (test/electron): tray, window, deep links. They need
 * an Electron binary, which the development and CI machines cannot download (design.md); then
 * every test is reported as skipped with the reason, never as passed. On Linux they also need a
 * display (run under xvfb-run where there is none).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/electron',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/playwright-electron-artifacts',
  globalSetup: './test/electron/global-setup.ts',
  // One app at a time: the app takes a single-instance lock and starts a daemon.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright-electron.json' }]],
});
