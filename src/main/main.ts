/**
 * The Electron main process: the thin layer. Every decision it makes comes from a plain
 * function next to it (security/, tray/, notifications/, deep-link.ts) that is tested under
 * Node; this file only wires those decisions to Electron's API. It cannot be launched on the
 * development machines (no Electron binary; design.md), so it is checked by the compiler
 * against the `electron` package's types and by review.
 */
import { readFile } from 'node:fs/promises';
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
import type { WebContents } from 'electron';
import type { DaemonEndpoint, DaemonStatus, DaemonSupervisor } from './daemon/supervisor.js';
import { extractDeepLink, normalizeDeepLink } from './deep-link.js';
import { IPC_CHANNELS } from './ipc/contract.js';
import type { DaemonConnection } from './ipc/contract.js';
import { notificationFor } from './notifications/notification-text.js';
import type { DaemonEvent } from './notifications/notification-text.js';
import { contentTypeFor, resolveAppRequest } from './security/app-protocol.js';
import { buildCsp } from './security/csp.js';
import { decideNavigation, isTrustedSender } from './security/navigation.js';
import { APP_ORIGIN, APP_SCHEME, DEEP_LINK_SCHEME } from './security/origins.js';
import { hardenedWindowOptions } from './security/window-options.js';
import { toMenuTemplate } from './tray/menu-template.js';
import { trayModel } from './tray/tray-model.js';
import type { TrayAction } from './tray/tray-model.js';

const supervisor = daemonSupervisor();

const UNAVAILABLE: DaemonStatus = {
  state: { kind: 'error', message: 'Sync engine not available in this build' },
  recentFiles: [],
  syncRoot: null,
};

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

let mainWindow: BrowserWindow | null = null;
let tray: Tray | null = null; // module scope: a collected Tray disappears from the tray area
let status: DaemonStatus = UNAVAILABLE;
let endpoint: DaemonEndpoint | null = null;
let pendingDeepLink: string | null = extractDeepLink(process.argv);
let quitting = false;

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
    if (supervisor === null || endpoint === null) return;
    // Let the daemon finish its durable step before the process tree goes away.
    event.preventDefault();
    const running = supervisor;
    endpoint = null;
    running
      .stop()
      .catch((error: unknown) => console.error('cess-sync: daemon did not stop cleanly', error))
      .finally(() => app.quit());
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

  tray = new Tray(trayIcon(status));
  renderTray();

  if (supervisor !== null) {
    supervisor.onStatus((next) => {
      status = next;
      renderTray();
    });
    supervisor.onEvent(notify);
    try {
      // Started before the window loads: the page's CSP header carries the daemon origin.
      endpoint = await supervisor.start();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      status = {
        ...status,
        state: { kind: 'error', message: `Sync engine failed to start: ${message}` },
      };
      renderTray();
    }
  }

  createWindow();
}

function createWindow(): void {
  mainWindow = new BrowserWindow(
    hardenedWindowOptions({ preloadPath, iconPath: path.join(assetsDir, 'icon.png') }),
  );
  const win = mainWindow;
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      win.hide();
    }
  });
  win.on('closed', () => {
    mainWindow = null;
  });
  win.webContents.on('did-finish-load', () => {
    if (pendingDeepLink !== null) {
      win.webContents.send(IPC_CHANNELS.deepLink, pendingDeepLink);
      pendingDeepLink = null;
    }
  });
  void win.loadURL(startUrl);
}

function showWindow(): void {
  if (!app.isReady()) return;
  if (mainWindow === null) {
    createWindow();
    return;
  }
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
  win.webContents.send(IPC_CHANNELS.deepLink, link);
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

function renderTray(): void {
  if (tray === null) return;
  const model = trayModel({ state: status.state, recentFiles: status.recentFiles });
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
      supervisor?.setPaused(action.kind === 'pause').catch((error: unknown) => {
        console.error('cess-sync: pause/resume failed', error);
      });
      return;
    case 'open-recent':
      // Revealed, not launched: a file synced from another device is not run by one click.
      shell.showItemInFolder(action.path);
      return;
    case 'open-window':
      showWindow();
      return;
    case 'quit':
      app.quit();
      return;
  }
}

function notify(event: DaemonEvent): void {
  const text = notificationFor(event, Date.now());
  if (text === null || !Notification.isSupported()) return;
  const notification = new Notification({
    title: text.title,
    body: text.body,
    icon: path.join(assetsDir, 'icon.png'),
  });
  notification.on('click', () => showWindow());
  notification.show();
}

/**
 * The sync daemon is not built yet (src/sync, src/daemon). Until it is, the shell runs without
 * one and says so in the tray; it never pretends to sync. The daemon's supervisor is plugged in
 * here; its contract is documented on DaemonSupervisor.
 */
function daemonSupervisor(): DaemonSupervisor | null {
  return null;
}
