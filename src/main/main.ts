/**
 * The Electron main process: the thin layer. Every decision it makes comes from a plain
 * function next to it (security/, tray/, notifications/, login/, deep-link.ts) or from the
 * daemon supervisor (daemon/, plain Node), all tested under Node; this file only wires them to
 * Electron's API. The development machines have no Electron binary (design.md), so it is
 * checked by the compiler against the `electron` package's types, and test/electron launches
 * it wherever a binary is installed.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  protocol,
  session,
  shell,
  Tray,
} from 'electron';
import type { BrowserWindowConstructorOptions, WebContents } from 'electron';
import { resolveStateDir } from '../daemon/state-file.js';
import { electronDaemonCommand } from './daemon/daemon-command.js';
import { ProcessSupervisor } from './daemon/process-supervisor.js';
import type { DaemonEndpoint, DaemonStatus } from './daemon/supervisor.js';
import { extractDeepLink, normalizeDeepLink } from './deep-link.js';
import { IPC_CHANNELS } from './ipc/contract.js';
import { openAtLoginHandlers } from './ipc/open-at-login.js';
import type { DaemonConnection } from './ipc/contract.js';
import {
  HIDDEN_FLAG,
  loginExecutable,
  loginItemAtStartup,
  loginItemMechanism,
  revealForSetup,
  windowAtLaunch,
} from './login/login-item.js';
import { autostartFilePath, isAutostartEnabled, setAutostart } from './login/xdg-autostart.js';
import { notificationFor } from './notifications/notification-text.js';
import type { UserNotice } from './notifications/notification-text.js';
import { contentTypeFor, resolveAppRequest } from './security/app-protocol.js';
import { buildCsp } from './security/csp.js';
import { decideNavigation, isTrustedSender } from './security/navigation.js';
import { APP_ORIGIN, APP_SCHEME, DEEP_LINK_SCHEME } from './security/origins.js';
import { hardenedWindowOptions } from './security/window-options.js';
import { extractSharePaths } from './share-verb.js';
import { loadShellSettings, saveShellSettings } from './shell-settings.js';
import { toMenuTemplate } from './tray/menu-template.js';
import { trayModel } from './tray/tray-model.js';
import type { TrayAction, TrayModel } from './tray/tray-model.js';

// Layout inside the app (repository root in development, app.asar when packaged).
const appPath = app.getAppPath();
const assetsDir = path.join(appPath, 'assets');
const preloadPath = path.join(appPath, 'dist', 'main', 'preload.cjs');
// Compiled renderer code first, then its static files (index.html, CSS) from the sources.
const rendererRoots = [
  path.join(appPath, 'dist', 'renderer'),
  path.join(appPath, 'src', 'renderer'),
];
const startUrl = `${APP_ORIGIN}/index.html`;

// The daemon runs from Electron's own binary in Node mode (daemon-command.ts), on the state
// directory the CLI uses too ($CESS_SYNC_HOME or ~/.cess-sync).
const supervisor = new ProcessSupervisor({
  stateDir: resolveStateDir(),
  command: electronDaemonCommand({
    execPath: process.execPath,
    appPath,
    stateDir: resolveStateDir(),
    env: process.env,
  }),
});
const loginItem = loginItemMechanism(process.platform, app.isPackaged);
const autostartFile = autostartFilePath(process.env, homedir());

let mainWindow: BrowserWindow | null = null;
let createdWindowOptions: BrowserWindowConstructorOptions | null = null;
let tray: Tray | null = null; // module scope: a collected Tray disappears from the tray area
let status: DaemonStatus = supervisor.status;
let endpoint: DaemonEndpoint | null = null;
let openAtLogin: boolean | null = null;
let pendingDeepLink: string | null = extractDeepLink(process.argv);
let linkAwaitingDaemon: string | null = null;
/** Paths from Explorer's "Share with CESS..." verb, waiting for the daemon and the page. */
const pendingSharePaths: string[] = extractSharePaths(process.argv);
let revealedForSetup = false;
/** Whether the window should be on screen (it stays loaded, hidden, when not). */
let windowWanted = false;
let quitting = false;
let daemonStopped = false;

// Must run before 'ready': gives app:// a real origin, so 'self', isTrustedSender and
// decideNavigation compare against `app://cess-sync` instead of file://'s shared opaque origin.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
]);

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the tray and the daemon; it receives our argv via 'second-instance'.
  app.quit();
} else {
  registerDeepLinkScheme();

  app.on('second-instance', (_event, argv) => {
    const link = extractDeepLink(argv);
    showWindow();
    if (link !== null) deliverDeepLink(link);
    const shares = extractSharePaths(argv);
    if (shares.length > 0) {
      pendingSharePaths.push(...shares);
      void flushShareRequests();
    }
  });

  // macOS hands deep links to the running app (or at launch) through 'open-url'.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const link = normalizeDeepLink(url);
    if (link !== null) deliverDeepLink(link);
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  // The app lives in the tray: closing the window does not quit.
  app.on('window-all-closed', () => undefined);

  app.on('activate', () => showWindow());

  app.on('before-quit', (event) => {
    quitting = true;
    if (daemonStopped) return;
    // Let the daemon finish its durable step before the process tree goes away.
    event.preventDefault();
    supervisor
      .stop()
      .catch((error: unknown) => console.error('cess-sync: daemon did not stop cleanly', error))
      .finally(() => {
        daemonStopped = true;
        app.quit();
      });
  });

  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => {
      console.error('cess-sync: startup failed', error);
      app.exit(1);
    });
}

async function onReady(): Promise<void> {
  lockDownSession();
  protocol.handle(APP_SCHEME, serveAppFile);
  ipcMain.handle(IPC_CHANNELS.daemonConnection, (event): DaemonConnection | null => {
    const frame = event.senderFrame;
    if (frame === null || frame.parent !== null || !isTrustedSender(frame.url, APP_ORIGIN)) {
      throw new Error('cess-sync: IPC from an untrusted frame refused');
    }
    return endpoint === null ? null : { origin: endpoint.origin, token: endpoint.token };
  });
  // Settings' "Start cess-sync when I log in": the same login-item code as the tray's checkbox.
  const loginHandlers = openAtLoginHandlers(APP_ORIGIN, {
    supported: () => loginItem.kind !== 'none',
    enabled: loginItemEnabled,
    set: setLoginItem,
    changed: (enabled) => {
      openAtLogin = enabled;
      renderTray();
    },
  });
  ipcMain.handle(IPC_CHANNELS.openAtLogin, (event) => loginHandlers.get(event));
  ipcMain.handle(IPC_CHANNELS.setOpenAtLogin, (event, ...args: unknown[]) =>
    loginHandlers.set(event, ...args),
  );

  tray = new Tray(trayIcon(status));
  openAtLogin = await setUpLoginItem();
  renderTray();

  supervisor.onStatus((next) => {
    status = next;
    renderTray();
    if (revealForSetup(windowWanted, next.state, revealedForSetup)) {
      revealedForSetup = true;
      showWindow();
    }
  });
  supervisor.onNotice(notify);
  // `cess-sync share <path>` from a file manager: the page opens the dialog from its own event
  // stream; the shell brings the window up.
  supervisor.onShareRequest(() => showWindow());
  supervisor.onEndpoint((next) => {
    endpoint = next;
    // The page's CSP header names the daemon's port and the renderer holds the old token: a
    // new daemon (first start, or a restart) means a fresh page.
    if (next !== null && mainWindow !== null) {
      if (linkAwaitingDaemon !== null) pendingDeepLink = linkAwaitingDaemon;
      linkAwaitingDaemon = null;
      mainWindow.webContents.reload();
    }
    if (next !== null) void flushShareRequests();
  });
  // Not awaited: the window and tray work while the daemon starts, and the supervisor reports
  // progress and failures through the status (a give-up rejects here too).
  supervisor.start().catch((error: unknown) => {
    console.error('cess-sync: the sync engine could not be started', error);
  });

  exposeForTests();
  const openedAtLogin =
    loginItem.kind === 'electron' && app.getLoginItemSettings().wasOpenedAtLogin;
  // A login start keeps the window hidden but loaded: the page is the daemon's UI subscriber,
  // so a share request from the file manager (shareRequest) finds a dialog to open.
  createWindow(windowAtLaunch(process.argv, openedAtLogin) === 'show' || pendingDeepLink !== null);
}

/** Applies the first-run default and refreshes the entry; returns the checkbox state. */
async function setUpLoginItem(): Promise<boolean | null> {
  if (loginItem.kind === 'none') return null;
  const userData = app.getPath('userData');
  try {
    const settings = await loadShellSettings(userData);
    const enabledNow = await loginItemEnabled();
    const startup = loginItemAtStartup(loginItem, settings.loginItem, enabledNow);
    if (startup.action === 'none') {
      if (!settings.loginItem.defaultApplied) {
        await saveShellSettings(userData, { ...settings, loginItem: { defaultApplied: true } });
      }
      return enabledNow;
    }
    await setLoginItem(true);
    await saveShellSettings(userData, { ...settings, loginItem: { defaultApplied: true } });
    return true;
  } catch (error) {
    console.error('cess-sync: start at login could not be set up', error);
    return null;
  }
}

async function loginItemEnabled(): Promise<boolean> {
  if (loginItem.kind === 'electron') {
    return app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin;
  }
  return isAutostartEnabled(autostartFile);
}

async function setLoginItem(enabled: boolean): Promise<void> {
  if (loginItem.kind === 'electron') {
    app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
  } else if (loginItem.kind === 'xdg-autostart') {
    await setAutostart(
      autostartFile,
      enabled
        ? { exec: loginExecutable(process.execPath, process.env), args: [HIDDEN_FLAG] }
        : null,
    );
  }
}

function createWindow(show: boolean): void {
  windowWanted = show;
  createdWindowOptions = hardenedWindowOptions({
    preloadPath,
    iconPath: path.join(assetsDir, 'icon.png'),
  });
  mainWindow = new BrowserWindow(createdWindowOptions);
  const win = mainWindow;
  win.once('ready-to-show', () => {
    if (windowWanted) win.show();
  });
  win.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      windowWanted = false;
      win.hide();
    }
  });
  win.on('closed', () => {
    mainWindow = null;
  });
  win.webContents.on('did-finish-load', () => {
    if (pendingDeepLink !== null) {
      sendDeepLink(win, pendingDeepLink);
      pendingDeepLink = null;
    }
  });
  void win.loadURL(startUrl);
}

function showWindow(): void {
  if (!app.isReady()) return;
  if (mainWindow === null) {
    createWindow(true);
    return;
  }
  const wasWanted = windowWanted;
  windowWanted = true;
  // Still loading: 'ready-to-show' shows it (showing now would flash a blank window).
  if (!wasWanted && mainWindow.webContents.isLoading()) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function deliverDeepLink(link: string): void {
  const win = mainWindow;
  if (win === null || win.webContents.isLoading()) {
    pendingDeepLink = link;
    showWindow();
    return;
  }
  showWindow();
  sendDeepLink(win, link);
}

function sendDeepLink(win: BrowserWindow, link: string): void {
  win.webContents.send(IPC_CHANNELS.deepLink, link);
  // A page without a daemon cannot act on the link yet, and the reload that follows the
  // daemon's arrival would drop it: it is sent again to the new page.
  linkAwaitingDaemon = endpoint === null ? link : null;
}

function registerDeepLinkScheme(): void {
  // In development Electron runs as `electron <script>`, so the OS must pass the script too.
  const script = process.argv[1];
  if (process.defaultApp && script !== undefined) {
    app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, [path.resolve(script)]);
  } else {
    app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
  }
}

/** Navigation, redirects, new windows and <webview> for every WebContents, app-wide. */
function hardenWebContents(contents: WebContents): void {
  const guard = (event: { preventDefault(): void }, url: string): void => {
    const decision = decideNavigation(url, APP_ORIGIN);
    if (decision === 'allow') return;
    event.preventDefault();
    follow(decision);
  };
  contents.on('will-navigate', (event) => guard(event, event.url));
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
  contents.on('will-redirect', (event) => guard(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideNavigation(url, APP_ORIGIN);
    // The app is one window: even same-origin window.open is refused.
    if (decision !== 'allow') follow(decision);
    return { action: 'deny' };
  });
}

function follow(decision: Exclude<ReturnType<typeof decideNavigation>, 'allow'>): void {
  if (decision === 'deny') return;
  if ('openExternal' in decision) {
    void shell.openExternal(decision.openExternal);
  } else {
    deliverDeepLink(decision.deepLink);
  }
}

function lockDownSession(): void {
  const ses = session.defaultSession;
  // Camera, microphone, geolocation, notifications, clipboard...: the UI asks for none of them
  // (notifications come from the main process).
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** app://cess-sync/... -> a file under the renderer roots, with the CSP as a header. */
async function serveAppFile(request: Request): Promise<Response> {
  const candidates = resolveAppRequest(request.url, rendererRoots);
  if (candidates === null || request.method !== 'GET')
    return new Response('Not found', { status: 404 });
  for (const file of candidates) {
    const type = contentTypeFor(file);
    if (type === null) return new Response('Not found', { status: 404 });
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      continue;
    }
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: {
        'Content-Type': type,
        'Content-Security-Policy': buildCsp({ daemonOrigin: endpoint?.origin ?? null }),
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Referrer-Policy': 'no-referrer',
      },
    });
  }
  return new Response('Not found', { status: 404 });
}

function currentTrayModel(): TrayModel {
  return trayModel({ state: status.state, recentFiles: status.recentFiles, openAtLogin });
}

function renderTray(): void {
  if (tray === null) return;
  const model = currentTrayModel();
  tray.setImage(trayIcon(status));
  tray.setToolTip(model.tooltip);
  // Linux needs the menu set again after every change, so it is rebuilt each time.
  tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(model.menu, onTrayAction)));
}

function trayIcon(current: DaemonStatus): Electron.NativeImage {
  const model = trayModel({ state: current.state, recentFiles: [] });
  // createFromPath picks up the `@2x` sibling on HiDPI screens.
  return nativeImage.createFromPath(path.join(assetsDir, model.icon));
}

function onTrayAction(action: TrayAction): void {
  switch (action.kind) {
    case 'open-folder':
      if (status.syncRoot !== null) void shell.openPath(status.syncRoot);
      else showWindow();
      return;
    case 'pause':
    case 'resume':
      supervisor.setPaused(action.kind === 'pause').catch((error: unknown) => {
        console.error('cess-sync: pause/resume failed', error);
      });
      return;
    case 'restart-daemon':
      supervisor.start().catch((error: unknown) => {
        console.error('cess-sync: the sync engine could not be started', error);
      });
      return;
    case 'open-recent':
      // Revealed, not launched: a file synced from another device is not run by one click.
      shell.showItemInFolder(action.path);
      return;
    case 'open-window':
      showWindow();
      return;
    case 'set-open-at-login':
      setLoginItem(action.enabled)
        .then(() => loginItemEnabled())
        .then((enabled) => {
          openAtLogin = enabled;
          renderTray();
        })
        .catch((error: unknown) => console.error('cess-sync: start at login failed', error));
      return;
    case 'quit':
      app.quit();
      return;
  }
}

/** Delay between tries while the freshly loaded page has not subscribed to events yet. */
const SHARE_RETRY_MS = 500;
const SHARE_TRIES = 20;
let flushingShares = false;

/**
 * Sends the Explorer verb's paths to the daemon once it runs. The daemon answers 409 `no_ui`
 * until the page has opened its event stream (it would have no dialog to open), so that answer
 * is retried for a few seconds; any other refusal (outside a synced folder, a symlink...) is
 * the user's to see, as a notification.
 */
async function flushShareRequests(): Promise<void> {
  if (flushingShares || endpoint === null) return;
  flushingShares = true;
  try {
    while (pendingSharePaths.length > 0) {
      const target = pendingSharePaths[0] as string;
      showWindow();
      for (let attempt = 1; ; attempt++) {
        try {
          await supervisor.requestShare(target);
          break;
        } catch (error: unknown) {
          const noUi = (error as { code?: unknown }).code === 'no_ui';
          if (noUi && attempt < SHARE_TRIES) {
            await new Promise((resolve) => setTimeout(resolve, SHARE_RETRY_MS));
            continue;
          }
          notify({ type: 'share-refused', path: target, reason: (error as Error).message });
          break;
        }
      }
      pendingSharePaths.shift();
    }
  } finally {
    flushingShares = false;
  }
}

function notify(notice: UserNotice): void {
  if (!Notification.isSupported()) return;
  const text = notificationFor(notice);
  const notification = new Notification({
    title: text.title,
    body: text.body,
    icon: path.join(assetsDir, 'icon.png'),
  });
  notification.on('click', () => showWindow());
  notification.show();
}

/**
 * Read-only views for the Electron tests (test/electron), which evaluate in this process. Set
 * only when the test launcher asks; nothing here is reachable from a renderer.
 */
function exposeForTests(): void {
  if (process.env.CESS_SYNC_SHELL_TEST !== '1') return;
  Object.assign(globalThis, {
    __cessSyncShell: {
      trayModel: (): TrayModel => currentTrayModel(),
      status: (): DaemonStatus => status,
      daemonPid: (): number | null => supervisor.pid,
      windowOptions: (): BrowserWindowConstructorOptions | null => createdWindowOptions,
    },
  });
}
