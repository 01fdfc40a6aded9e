/**
 * The real Electron app (dist/main/main.js, built by global-setup.ts) launched by Playwright:
 * the tray built from the model, the main window with the hardened options, a cess-sync:// link
 * reaching the renderer, and quitting without leaving the daemon behind. Skipped, and reported
 * as skipped, where no Electron binary is installed (electron-binary.ts).
 */
import { _electron, expect, test, type ElectronApplication } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DaemonStatus } from '../../src/main/daemon/supervisor.js';
import { statusLine, type TrayMenuItem, type TrayModel } from '../../src/main/tray/tray-model.js';
import { findElectronBinary, SKIP_REASON } from './electron-binary.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const binary = findElectronBinary();

/** What main.ts exposes on globalThis when CESS_SYNC_SHELL_TEST=1. */
interface Hooked {
  __cessSyncShell: ShellHooks;
}
interface ShellHooks {
  trayModel(): TrayModel;
  status(): DaemonStatus;
  daemonPid(): number | null;
  windowOptions(): { webPreferences?: Record<string, unknown> } | null;
}

test.describe('the Electron shell', () => {
  test.skip(!binary.found, SKIP_REASON);

  let app: ElectronApplication;
  let work: string;

  test.beforeEach(async () => {
    if (!binary.found) return;
    work = await mkdtemp(path.join(tmpdir(), 'cess-sync-electron-'));
    app = await _electron.launch({
      executablePath: binary.path,
      // Root (containers, CI) cannot use Chromium's sandbox; the renderer sandbox flag stays on.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), REPO],
      cwd: REPO,
      env: {
        ...(process.env as Record<string, string>),
        CESS_SYNC_SHELL_TEST: '1',
        // A state dir and a config home of its own: never the developer's account or settings.
        CESS_SYNC_HOME: path.join(work, 'state'),
        XDG_CONFIG_HOME: path.join(work, 'config'),
      },
    });
  });

  test.afterEach(async () => {
    if (!binary.found) return;
    await app.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  test('the tray shows the model for the daemon state, and quitting stops the daemon', async () => {
    // Leaves 'starting' either for the daemon's own state or for a reported failure.
    await expect
      .poll(
        () =>
          app.evaluate(() => (globalThis as unknown as Hooked).__cessSyncShell.status().state.kind),
        { timeout: 45_000 },
      )
      .not.toBe('starting');
    const status = await app.evaluate(() =>
      (globalThis as unknown as Hooked).__cessSyncShell.status(),
    );
    const model = await app.evaluate(() =>
      (globalThis as unknown as Hooked).__cessSyncShell.trayModel(),
    );
    const labels = model.menu.map((i: TrayMenuItem) => (i.type === 'separator' ? '---' : i.label));
    expect(labels[0]).toBe(statusLine(status.state));
    expect(model.tooltip).toBe(`cess-sync — ${statusLine(status.state)}`);
    expect(labels.slice(1)).toEqual([
      '---',
      'Open sync folder',
      status.state.kind === 'error' && status.state.daemonDown === true
        ? 'Restart sync engine'
        : 'Pause syncing',
      'Recent files',
      '---',
      'Open cess-sync',
      'Quit cess-sync',
    ]);
    const pid = await app.evaluate(() =>
      (globalThis as unknown as Hooked).__cessSyncShell.daemonPid(),
    );
    await app.close();
    if (pid !== null) {
      expect(() => process.kill(pid, 0)).toThrow();
    }
  });

  test('the main window opens on app://cess-sync with the hardened options', async () => {
    const page = await app.firstWindow();
    await expect.poll(() => page.url()).toBe('app://cess-sync/index.html');
    const options = await app.evaluate(() =>
      (globalThis as unknown as Hooked).__cessSyncShell.windowOptions(),
    );
    expect(options?.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
    // What the page itself can reach: no Node, only the two-function bridge.
    const reach = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return {
        require: typeof w.require,
        process: typeof w.process,
        bridge: Object.keys((w.cessSyncShell as object | undefined) ?? {}).sort(),
      };
    });
    expect(reach).toEqual({
      require: 'undefined',
      process: 'undefined',
      bridge: ['daemonConnection', 'onDeepLink'],
    });
    // window.open is refused (the app is one window).
    await page.evaluate(() => window.open('app://cess-sync/index.html'));
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });

  test('a cess-sync:// link reaches the renderer through the bridge', async () => {
    const page = await app.firstWindow();
    // The page reloads once when the daemon's endpoint arrives: subscribe after that settles.
    await expect
      .poll(
        () =>
          app.evaluate(() => (globalThis as unknown as Hooked).__cessSyncShell.status().state.kind),
        { timeout: 45_000 },
      )
      .not.toBe('starting');
    await page.waitForLoadState('load');
    await page.evaluate(() => {
      const w = window as unknown as {
        links: string[];
        cessSyncShell: { onDeepLink(l: (href: string) => void): () => void };
      };
      w.links = [];
      w.cessSyncShell.onDeepLink((href) => w.links.push(href));
    });
    // macOS's path ('open-url'), through main.ts's real handler; then a link that is not ours.
    await app.evaluate(({ app: electronApp }) => {
      electronApp.emit('open-url', { preventDefault: () => undefined }, 'cess-sync://share/v1/abc');
      electronApp.emit('open-url', { preventDefault: () => undefined }, 'https://evil.example/x');
    });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { links: string[] }).links))
      .toEqual(['cess-sync://share/v1/abc']);
  });
});
