/**
 * The status page. The same code runs in the Electron window (sandboxed; the preload bridge
 * `window.cessSyncShell` says where the daemon is and gives its token) and in a browser served by
 * the headless daemon (no bridge: the token arrives once in `#token=`, is kept in sessionStorage
 * for this tab only and removed from the address bar). Everything else goes to the daemon's API
 * (./api.ts), validated with the contract's zod schemas. docs/ui.md describes the screens.
 */
import type { DaemonConnection, ShellBridge } from '../main/ipc/contract.js';
import type {
  Activity,
  DaemonEvent,
  FolderStatus,
  Problem,
  Settings,
  Status,
} from '../sync/api/schema.js';
import { ApiClient, ApiError, type EventSubscription } from './api.js';
import { findConnection, forgetToken } from './connection.js';
import { byId, setText } from './dom.js';
import { actionLabel, limitFromForm, limitToForm, tokenFromHash } from './format.js';
import { renderActivity, renderFolders, renderOverview, renderProblems } from './views.js';
import { initFilesPanel, type FilesPanel } from './files/panel.js';
import { startIntegrations } from './settings/integrations.js';
import { openAccountFlow, refreshAccount, startAccount } from './settings/account.js';
import { startUnlock } from './unlock.js';
import { startFolderSettings } from './settings/folders.js';
import { startStartAtLogin } from './settings/start-at-login.js';
import { startNetworkSettings } from './settings/network.js';
import {
  SHARE_EVENT,
  acceptShareLink,
  installShareLinkIntake,
  startSharing,
  type Sharing,
} from './share/index.js';

declare global {
  interface Window {
    cessSyncShell?: ShellBridge;
  }
}

/** The status sentence for what the shell reports about the daemon. */
export function connectionText(connection: DaemonConnection | null, hasShell: boolean): string {
  if (!hasShell) return 'Running in a browser: the sync engine serves this page.';
  if (connection === null) return 'The sync engine is not running.';
  return `Connected to the sync engine at ${connection.origin}.`;
}

const ACTIVITY_KEEP = 100;

type View = 'loading' | 'app' | 'unauthorized' | 'unlock';

function showView(view: View, reason?: string): void {
  document.body.dataset.view = view;
  byId('app').hidden = view !== 'app';
  byId('unauthorized').hidden = view !== 'unauthorized';
  byId('unlock').hidden = view !== 'unlock';
  if (reason !== undefined) setText('unauthorized-reason', reason);
  if (view === 'unauthorized') setText('account', '—');
}

function setBanner(text: string): void {
  const el = byId('connection');
  el.hidden = text === '';
  setText('connection', text);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class App {
  private status: Status | null = null;
  private activity: Activity[] = [];
  private events: EventSubscription | null = null;
  private settingsLoaded = false;
  private sharing: Sharing | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly files: FilesPanel | null = null,
  ) {}

  async start(): Promise<void> {
    this.wire();
    try {
      const [status, activity, settings] = await Promise.all([
        this.api.status(),
        this.api.activity(50),
        this.api.settings(),
      ]);
      showView('app');
      this.activity = activity;
      this.applyStatus(status);
      renderActivity(this.activity);
      this.fillSettings(settings);
      this.startSharing();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.events = this.api.subscribe({
      onEvent: (e) => this.onEvent(e),
      onConnection: (open) => void this.onConnection(open),
    });
  }

  private fail(err: unknown): void {
    if (err instanceof ApiError && err.code === 'not_set_up') {
      // The daemon is in setup mode: this device has no account yet (docs/ui.md, Onboarding).
      this.events?.close();
      location.replace('./onboarding.html');
      return;
    }
    if (err instanceof ApiError && err.code === 'locked') {
      // Locked mode: the key file waits for its passphrase (docs/ui.md, Locked mode).
      this.events?.close();
      showView('unlock');
      startUnlock(this.api, () => location.reload());
      return;
    }
    if (err instanceof ApiError && err.unauthorized) {
      forgetToken();
      this.events?.close();
      showView(
        'unauthorized',
        "The sync engine refused this page's token: it may have been restarted (each start makes a new token) or the address was mistyped.",
      );
      return;
    }
    if (err instanceof ApiError && err.status === 0) {
      showView('app');
      setBanner('Not connected to the sync engine. Retrying…');
      setTimeout(() => void this.retryStart(), 2000);
      return;
    }
    showView('app');
    setText('action-error', errorText(err));
  }

  private async retryStart(): Promise<void> {
    try {
      const [status, activity, settings] = await Promise.all([
        this.api.status(),
        this.api.activity(50),
        this.api.settings(),
      ]);
      setBanner('');
      this.activity = activity;
      this.applyStatus(status);
      renderActivity(this.activity);
      if (!this.settingsLoaded) this.fillSettings(settings);
      this.startSharing();
      this.events ??= this.api.subscribe({
        onEvent: (e) => this.onEvent(e),
        onConnection: (open) => void this.onConnection(open),
      });
    } catch (err) {
      this.fail(err);
    }
  }

  private async onConnection(open: boolean): Promise<void> {
    if (open) {
      setBanner('');
      // Catch up on what happened while disconnected.
      try {
        this.activity = await this.api.activity(50);
        renderActivity(this.activity);
      } catch {
        /* the next event or reconnect will tell */
      }
      return;
    }
    setBanner('Connection to the sync engine lost. Reconnecting…');
    if (this.status !== null) document.body.dataset.state = 'disconnected';
    // A refused token looks like any other closed socket to a browser: ask the API.
    try {
      await this.api.status();
    } catch (err) {
      if (err instanceof ApiError && err.unauthorized) this.fail(err);
    }
  }

  private onEvent(e: DaemonEvent): void {
    this.files?.onEvent(e);
    if (e.type === 'status') {
      this.applyStatus(e.status);
      return;
    }
    if (e.type === 'shareRequest') {
      // `cess-sync share <path>` (a file manager's verb): the same dialog as the file list's.
      document.dispatchEvent(new CustomEvent(SHARE_EVENT, { detail: e.request }));
      return;
    }
    this.activity = [e.activity, ...this.activity].slice(0, ACTIVITY_KEEP);
    renderActivity(this.activity);
    // A share made or revoked elsewhere (the CLI, another tab) changes the Shares list.
    if (e.activity.kind === 'shared' || e.activity.kind === 'revoked') void this.sharing?.refresh();
  }

  /** The share dialog and panels (./share), once the page is connected. */
  private startSharing(): void {
    this.sharing ??= startSharing({
      api: this.api,
      status: () => this.status,
      fail: (err) => this.fail(err),
    });
  }

  private applyStatus(status: Status): void {
    this.status = status;
    this.files?.onStatus(status);
    renderOverview(status);
    renderProblems(status.problems, status.folders, (p, a) => void this.problemAction(p, a));
    renderFolders(status.folders, {
      onPause: (f) => void this.run(() => this.api.pause(f.id)),
      onResume: (f) => void this.run(() => this.api.resume(f.id)),
      onSync: (f: FolderStatus) => void this.run(() => this.api.syncNow(f.id)),
    });
  }

  /** Runs an action that returns the new status; shows its error next to the controls. */
  private async run(action: () => Promise<Status>): Promise<void> {
    setText('action-error', '');
    try {
      this.applyStatus(await action());
    } catch (err) {
      if (err instanceof ApiError && (err.unauthorized || err.status === 0)) this.fail(err);
      else setText('action-error', errorText(err));
    }
  }

  private async problemAction(p: Problem, action: string): Promise<void> {
    setText('action-error', '');
    // Paid fixes are quoted and confirmed in Account and space, never paid from a problem card.
    if (action === 'renewTerritory' || action === 'expandTerritory')
      return openAccountFlow(action === 'renewTerritory' ? 'renew' : 'expand');
    try {
      this.applyStatus(await this.api.problemAction(p.id, action));
      if (action === 'authorizeGateway') refreshAccount();
    } catch (err) {
      if (err instanceof ApiError && err.unauthorized) this.fail(err);
      else setText('action-error', `${actionLabel(action)} failed: ${errorText(err)}`);
    }
  }

  private wire(): void {
    byId('pause-toggle').addEventListener('click', (e) => {
      const resume = (e.currentTarget as HTMLElement).dataset.action === 'resume';
      void this.run(() => (resume ? this.api.resume() : this.api.pause()));
    });
    byId('sync-now').addEventListener('click', () => {
      // syncNow resolves when the pass is done; progress arrives over the socket meanwhile.
      void this.run(() => this.api.syncNow());
    });
    byId<HTMLFormElement>('add-folder').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.addFolder();
    });
    byId<HTMLFormElement>('settings').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.saveSettings();
    });
  }

  private async addFolder(): Promise<void> {
    const input = byId<HTMLInputElement>('folder-path');
    const root = input.value.trim();
    const message = byId('add-folder-message');
    message.classList.remove('error');
    if (root === '') {
      message.classList.add('error');
      setText('add-folder-message', "Enter the folder's path.");
      input.focus();
      return;
    }
    setText('add-folder-message', `Adding ${root}…`);
    try {
      const folder = await this.api.addFolder(root);
      input.value = '';
      setText('add-folder-message', `Added ${folder.root}. Its files are being synced.`);
      this.applyStatus(await this.api.status());
    } catch (err) {
      if (err instanceof ApiError && err.unauthorized) return this.fail(err);
      message.classList.add('error');
      setText('add-folder-message', `Could not add the folder: ${errorText(err)}`);
      input.focus();
    }
  }

  private fillSettings(s: Settings): void {
    this.settingsLoaded = true;
    byId<HTMLInputElement>('upload-limit').value = limitToForm(s.uploadLimitBytesPerSec);
    byId<HTMLInputElement>('download-limit').value = limitToForm(s.downloadLimitBytesPerSec);
    byId<HTMLInputElement>('max-deletes').value = String(s.maxDeletesPerPass);
    byId<HTMLInputElement>('rescan-interval').value = String(s.rescanIntervalSec);
  }

  private async saveSettings(): Promise<void> {
    const message = byId('settings-message');
    message.classList.remove('error');
    const upload = limitFromForm(byId<HTMLInputElement>('upload-limit').value);
    const download = limitFromForm(byId<HTMLInputElement>('download-limit').value);
    const maxDeletes = Number(byId<HTMLInputElement>('max-deletes').value);
    const rescan = Number(byId<HTMLInputElement>('rescan-interval').value);
    const problems: string[] = [];
    if (upload === 'invalid') problems.push('the upload limit must be a whole number of KiB/s');
    if (download === 'invalid') problems.push('the download limit must be a whole number of KiB/s');
    if (!Number.isInteger(maxDeletes) || maxDeletes < 1)
      problems.push('the deletion limit must be a whole number, at least 1');
    if (!Number.isInteger(rescan) || rescan < 1)
      problems.push('the rescan interval must be a whole number of seconds, at least 1');
    if (problems.length > 0 || upload === 'invalid' || download === 'invalid') {
      message.classList.add('error');
      setText('settings-message', `Not saved: ${problems.join('; ')}.`);
      return;
    }
    try {
      const saved = await this.api.saveSettings({
        uploadLimitBytesPerSec: upload,
        downloadLimitBytesPerSec: download,
        maxDeletesPerPass: maxDeletes,
        rescanIntervalSec: rescan,
      });
      this.fillSettings(saved);
      setText('settings-message', 'Settings saved.');
    } catch (err) {
      if (err instanceof ApiError && err.unauthorized) return this.fail(err);
      message.classList.add('error');
      setText('settings-message', `Not saved: ${errorText(err)}`);
    }
  }
}

async function start(): Promise<void> {
  const shell = window.cessSyncShell;
  shell?.onDeepLink((href) => {
    if (!acceptShareLink(href)) setBanner(`Opened link: ${href}`);
  });
  let connection: DaemonConnection | null;
  try {
    connection = await findConnection();
  } catch {
    showView('unauthorized', 'Could not reach the app shell.');
    return;
  }
  if (connection === null) {
    showView(
      'unauthorized',
      shell !== undefined
        ? connectionText(null, true)
        : "This page was opened without the sync engine's access token.",
    );
    return;
  }
  await new App(
    new ApiClient(connection.origin, connection.token),
    initFilesPanel(connection),
  ).start();
  startIntegrations(connection.origin, connection.token);
  void startStartAtLogin(shell);
  void startNetworkSettings(connection);
  startAccount(new ApiClient(connection.origin, connection.token));
  startFolderSettings(new ApiClient(connection.origin, connection.token));
}

if (typeof document !== 'undefined') {
  // Before the token code below, which clears the fragment: `#share=<link>` (headless mode).
  installShareLinkIntake();
  // Pasting a new `cess-sync ui-url` address into this tab (e.g. after a daemon restart) only
  // changes the fragment, which loads nothing: start over with the new token.
  window.addEventListener('hashchange', () => {
    if (window.cessSyncShell === undefined && tokenFromHash(location.hash) !== null) {
      void findConnection().then(() => location.reload());
    }
  });
  void start();
}
