/**
 * The daemon under test: the real `runDaemon` for the device prepared by global-setup.ts, serving
 * dist/renderer (headless mode). Worker-scoped, so it lives across the tests of the run, and in
 * the worker so a test can stop and start it on the same state dir (settings survive restarts).
 */
import { test as base, expect, type Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DaemonClient } from '../../src/daemon/client.js';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run.js';

export interface TestDaemon {
  stateDir: string;
  account: string;
  /** http://127.0.0.1:<port> (changes on restart) */
  readonly url: string;
  /** `cess-sync ui-url`: the page with the token in the fragment (changes on restart). */
  readonly uiUrl: string;
  readonly token: string;
  readonly client: DaemonClient;
  /** Stops the daemon and starts it again on the same state dir and port (a new token). */
  restart(): Promise<void>;
  /** A folder for the tests, created on disk (not added to the daemon). */
  folderPath: string;
}

/** A second account's daemon (the recipient in share.spec.ts), serving the same UI. */
export interface RecipientDaemon {
  stateDir: string;
  account: string;
  url: string;
  uiUrl: string;
  token: string;
  client: DaemonClient;
}

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '')
    throw new Error(`${name} is not set: run through playwright.config.ts (global setup)`);
  return v;
}

export const test = base.extend<object, { daemon: TestDaemon; recipient: RecipientDaemon }>({
  daemon: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stateDir = env('E2E_STATE_DIR');
      const staticDir = env('E2E_STATIC_DIR');
      const logs: string[] = [];
      const start = (port?: number): Promise<RunningDaemon> =>
        runDaemon({
          stateDir,
          staticDir,
          pollMs: 1500,
          log: (l) => logs.push(l),
          ...(port !== undefined ? { port } : {}),
        });
      let running = await start();
      let client = new DaemonClient({ url: running.url, token: running.token });
      const folderPath = path.join(env('E2E_WORK'), 'CESS Sync');
      await mkdir(folderPath, { recursive: true });
      const daemon: TestDaemon = {
        stateDir,
        account: env('E2E_ACCOUNT'),
        get url() {
          return running.url;
        },
        get token() {
          return running.token;
        },
        get uiUrl() {
          return `${running.url}/#token=${running.token}`;
        },
        get client() {
          return client;
        },
        folderPath,
        restart: async () => {
          // Same port (as a service manager would keep it), new token: open pages must notice.
          const port = Number(new URL(running.url).port);
          await running.stop();
          running = await start(port);
          client = new DaemonClient({ url: running.url, token: running.token });
        },
      };
      try {
        await use(daemon);
      } finally {
        await running.stop();
        if (process.env.E2E_DAEMON_LOG === '1') console.log(logs.join('\n'));
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  recipient: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stateDir = env('E2E_RECIPIENT_STATE_DIR');
      const logs: string[] = [];
      const running = await runDaemon({
        stateDir,
        staticDir: env('E2E_STATIC_DIR'),
        pollMs: 1500,
        log: (l) => logs.push(l),
      });
      try {
        await use({
          stateDir,
          account: env('E2E_RECIPIENT_ACCOUNT'),
          url: running.url,
          uiUrl: `${running.url}/#token=${running.token}`,
          token: running.token,
          client: new DaemonClient({ url: running.url, token: running.token }),
        });
      } finally {
        await running.stop();
        if (process.env.E2E_DAEMON_LOG === '1') console.log(logs.join('\n'));
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect };

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Adds the test folder through the API when an earlier test did not (tests stay independent). */
export async function ensureFolder(daemon: TestDaemon): Promise<string> {
  const status = await daemon.client.status();
  const existing = status.folders.find((f) => f.root === daemon.folderPath);
  if (existing !== undefined) return existing.id;
  return (await daemon.client.addFolder({ root: daemon.folderPath })).id;
}
