/**
 * The Files panel (docs/ui.md, "Files"): every item of the synced folders with its state, a
 * search box (debounced) and a folder filter, paged with "Show more", refreshed (throttled) when
 * the daemon reports activity or a folder's state changes. Each row has a context menu — right
 * click, the ContextMenu key or Shift+F10 on the focused row, or its "⋯" button — with Open,
 * Reveal in folder, Versions… and Share… (the last only dispatches `cess-sync:share`; the share
 * dialog lives in ../share).
 */
import type { DaemonEvent, FileEntry, FolderStatus, Status } from '../../sync/api/schema.js';
import { ApiError } from '../api.js';
import { byId, h, setText } from '../dom.js';
import { formatBytes } from '../format.js';
import { FilesClient } from './client.js';
import { ContextMenu, type MenuAnchor, type MenuItem } from './menu.js';
import { VersionsDialog } from './versions-dialog.js';
import {
  FILES_PAGE,
  absolutePath,
  baseName,
  fileStateLabel,
  locationOf,
  nextIndex,
  opensMenu,
  refreshLimit,
  rowKey,
  shareKind,
  summaryText,
  throttle,
} from './view-model.js';

/** What the page tells the panel. */
export interface FilesPanel {
  onStatus(status: Status): void;
  onEvent(event: DaemonEvent): void;
}

/** The DOM event the Share dialog (../share) listens for. */
export const SHARE_EVENT = 'cess-sync:share';

const SEARCH_DEBOUNCE_MS = 250;
const REFRESH_THROTTLE_MS = 1500;

export function initFilesPanel(connection: { origin: string; token: string }): FilesPanel {
  return new Panel(new FilesClient(connection.origin, connection.token));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function modifiedText(ms: number | null): string {
  if (ms === null) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

type LoadMode = 'search' | 'refresh' | 'more';

class Panel implements FilesPanel {
  private folders: FolderStatus[] = [];
  private entries: FileEntry[] = [];
  private byKey = new Map<string, FileEntry>();
  private total = 0;
  private seq = 0;
  private started = false;
  private folderSignature = '';
  private folderOptions = '';
  private rendered = '';
  /** A refresh arrived while the menu was open: render when it closes. */
  private renderDeferred = false;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly menu = new ContextMenu(byId('file-menu'));
  private readonly versions: VersionsDialog;
  private readonly refreshSoon = throttle(() => void this.load('refresh'), REFRESH_THROTTLE_MS);
  private readonly input = byId<HTMLInputElement>('files-q');
  private readonly folderSelect = byId<HTMLSelectElement>('files-folder');
  private readonly list = byId('files-list');
  private readonly more = byId<HTMLButtonElement>('files-more');

  constructor(private readonly client: FilesClient) {
    this.versions = new VersionsDialog(client, () => this.refreshSoon());
    this.input.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => void this.load('search'), SEARCH_DEBOUNCE_MS);
    });
    byId<HTMLFormElement>('files-search').addEventListener('submit', (e) => {
      e.preventDefault();
      clearTimeout(this.searchTimer);
      void this.load('search');
    });
    this.folderSelect.addEventListener('change', () => void this.load('search'));
    this.more.addEventListener('click', () => void this.load('more'));
    this.list.addEventListener('contextmenu', (e) => this.onContextMenu(e));
    this.list.addEventListener('keydown', (e) => this.onRowKey(e));
  }

  onStatus(status: Status): void {
    this.folders = status.folders;
    this.fillFolderSelect();
    const signature = JSON.stringify(status.folders.map((f) => [f.id, f.state, f.lastSyncMs]));
    if (!this.started) {
      this.started = true;
      this.folderSignature = signature;
      void this.load('search');
      return;
    }
    if (signature !== this.folderSignature) {
      this.folderSignature = signature;
      this.refreshSoon();
    }
  }

  onEvent(event: DaemonEvent): void {
    if (event.type === 'activity') this.refreshSoon();
  }

  private fillFolderSelect(): void {
    const key = JSON.stringify(this.folders.map((f) => [f.id, f.root]));
    if (key === this.folderOptions) return;
    this.folderOptions = key;
    const chosen = this.folderSelect.value;
    this.folderSelect.replaceChildren(
      h('option', { value: '' }, 'All folders'),
      ...this.folders.map((f) => h('option', { value: f.id }, f.root)),
    );
    this.folderSelect.value = this.folders.some((f) => f.id === chosen) ? chosen : '';
  }

  private async load(mode: LoadMode): Promise<void> {
    const q = this.input.value.trim();
    const folderId = this.folderSelect.value;
    const offset = mode === 'more' ? this.entries.length : 0;
    const limit = mode === 'refresh' ? refreshLimit(this.entries.length) : FILES_PAGE;
    const seq = ++this.seq;
    this.list.setAttribute('aria-busy', 'true');
    try {
      const page = await this.client.list({
        ...(q !== '' ? { q } : {}),
        ...(folderId !== '' ? { folderId } : {}),
        offset,
        limit,
      });
      if (seq !== this.seq) return;
      this.entries = mode === 'more' ? [...this.entries, ...page.files] : page.files;
      this.total = page.total;
      this.byKey = new Map(this.entries.map((e) => [rowKey(e), e]));
      if (this.menu.isOpen) this.renderDeferred = true;
      else this.render();
      if (mode === 'more') this.focusRow(offset);
    } catch (err) {
      if (seq !== this.seq) return;
      this.message(
        err instanceof ApiError && err.unauthorized
          ? "The sync engine refused this page's token: reload the page with a new address."
          : `Could not list the files: ${errorText(err)}`,
        true,
      );
    } finally {
      if (seq === this.seq) this.list.removeAttribute('aria-busy');
    }
  }

  private message(text: string, error: boolean): void {
    byId('files-message').classList.toggle('error', error);
    setText('files-message', text);
  }

  private rootOf(folderId: string): string | undefined {
    return this.folders.find((f) => f.id === folderId)?.root;
  }

  private render(): void {
    setText('files-summary', summaryText(this.entries.length, this.total, this.input.value));
    this.more.hidden = this.entries.length >= this.total;
    const data = JSON.stringify([this.entries, this.folders.map((f) => [f.id, f.root])]);
    if (data === this.rendered) return;
    this.rendered = data;
    const focused =
      document.activeElement instanceof HTMLElement && this.list.contains(document.activeElement)
        ? document.activeElement.dataset.key
        : undefined;
    this.list.replaceChildren(this.entries.length === 0 ? h('span', {}) : this.table());
    if (focused !== undefined)
      this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  }

  private table(): HTMLElement {
    return h(
      'table',
      { class: 'files-table' },
      h('caption', { class: 'visually-hidden' }, 'Files in the synced folders'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col' }, 'State'),
          h('th', { scope: 'col', class: 'col-size' }, 'Size'),
          h('th', { scope: 'col', class: 'col-modified' }, 'Modified'),
          h(
            'th',
            { scope: 'col', class: 'col-actions' },
            h('span', { class: 'visually-hidden' }, 'Actions'),
          ),
        ),
      ),
      h('tbody', {}, ...this.entries.map((e) => this.row(e))),
    );
  }

  private row(e: FileEntry): HTMLElement {
    const key = rowKey(e);
    const name = baseName(e.path);
    const size = e.kind === 'dir' ? '—' : formatBytes(e.size);
    const modified = modifiedText(e.mtimeMs);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'row-menu',
        'data-key': `menu:${key}`,
        'aria-label': `Actions for ${name}`,
        'aria-haspopup': 'menu',
        'aria-expanded': 'false',
        'aria-controls': 'file-menu',
        onclick: (ev: Event) => {
          const b = ev.currentTarget as HTMLElement;
          this.openMenu(e, b, b);
        },
      },
      '⋯',
    );
    return h(
      'tr',
      { tabindex: 0, class: `file-row state-${e.state}`, 'data-key': key, 'data-kind': e.kind },
      h(
        'td',
        { class: 'name-cell' },
        h(
          'span',
          { class: 'file-name' },
          name,
          e.kind === 'dir' ? h('span', { class: 'kind-tag' }, 'folder') : null,
        ),
        h('span', { class: 'file-where' }, locationOf(this.rootOf(e.folderId), e.path)),
        h('span', { class: 'file-facts-narrow' }, `${size} · ${modified}`),
      ),
      h(
        'td',
        { class: 'col-state' },
        h('span', { class: `badge file-state file-state-${e.state}` }, fileStateLabel(e.state)),
      ),
      h('td', { class: 'col-size' }, size),
      h('td', { class: 'col-modified' }, modified),
      h('td', { class: 'col-actions' }, button),
    );
  }

  private rowOf(target: EventTarget | null): { row: HTMLElement; entry: FileEntry } | null {
    const row = target instanceof Element ? target.closest<HTMLElement>('tr.file-row') : null;
    const entry = row?.dataset.key !== undefined ? this.byKey.get(row.dataset.key) : undefined;
    return row && entry ? { row, entry } : null;
  }

  private onContextMenu(e: MouseEvent): void {
    const hit = this.rowOf(e.target);
    if (hit === null) return;
    e.preventDefault();
    hit.row.focus();
    this.openMenu(hit.entry, { x: e.clientX, y: e.clientY }, hit.row);
  }

  private onRowKey(e: KeyboardEvent): void {
    const hit = this.rowOf(e.target);
    if (hit === null || e.target !== hit.row) return; // keys on the "⋯" button are its own
    if (opensMenu(e)) {
      e.preventDefault();
      this.openMenu(hit.entry, hit.row, hit.row);
      return;
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      void this.open(hit.entry, false);
      return;
    }
    const rows = Array.from(this.list.querySelectorAll<HTMLElement>('tr.file-row'));
    const next = ['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)
      ? nextIndex(
          rows.indexOf(hit.row),
          e.key,
          rows.map(() => ''),
          false,
        )
      : null;
    if (next !== null) {
      e.preventDefault();
      rows[next]?.focus();
    }
  }

  /** The element now standing for `el` (the same row or button after a re-render). */
  private elementFor(el: HTMLElement): HTMLElement | null {
    if (el.isConnected) return el;
    const key = el.dataset.key;
    return key === undefined
      ? null
      : this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  }

  private focusRow(index: number): void {
    this.list.querySelectorAll<HTMLElement>('tr.file-row')[index]?.focus();
  }

  private openMenu(entry: FileEntry, anchor: MenuAnchor, invoker: HTMLElement): void {
    const name = baseName(entry.path);
    const items: MenuItem[] = [
      { label: 'Open', run: () => void this.open(entry, false) },
      { label: 'Reveal in folder', run: () => void this.open(entry, true) },
      {
        label: 'Versions…',
        run: () => void this.versions.open(entry, () => this.elementFor(invoker)),
        ...(entry.kind === 'dir'
          ? { disabled: 'Folders have no versions; open a file inside.' }
          : {}),
      },
      { label: 'Share…', run: () => this.share(entry) },
    ];
    byId('file-menu').setAttribute('aria-label', `Actions for ${name}`);
    const expander = invoker.classList.contains('row-menu') ? invoker : null;
    expander?.setAttribute('aria-expanded', 'true');
    this.menu.open(items, anchor, invoker, () => {
      expander?.setAttribute('aria-expanded', 'false');
      if (this.renderDeferred) {
        this.renderDeferred = false;
        this.render();
      }
    });
  }

  private async open(entry: FileEntry, reveal: boolean): Promise<void> {
    const name = baseName(entry.path);
    this.message(reveal ? `Showing “${name}” in its folder…` : `Opening “${name}”…`, false);
    try {
      await this.client.open({ folderId: entry.folderId, path: entry.path, reveal });
      this.message(
        reveal
          ? `Showed “${name}” in its folder.`
          : `Opened “${name}” with the system's app for it.`,
        false,
      );
    } catch (err) {
      this.message(`Could not ${reveal ? 'show' : 'open'} “${name}”: ${errorText(err)}`, true);
    }
  }

  /** The share dialog (../share) takes it from here. */
  private share(entry: FileEntry): void {
    const root = this.rootOf(entry.folderId);
    document.dispatchEvent(
      new CustomEvent(SHARE_EVENT, {
        detail: {
          folderId: entry.folderId,
          path: entry.path,
          name: baseName(entry.path),
          kind: shareKind(entry),
          ...(root !== undefined ? { absPath: absolutePath(root, entry.path) } : {}),
        },
      }),
    );
  }
}
