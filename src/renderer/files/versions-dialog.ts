/**
 * "Versions…": a modal <dialog> listing a file's versions (time, device, size, which one is
 * current), each earlier one with a Restore button. Restoring asks first (in the dialog, with
 * what happens to the current file), then says how it went and lists the versions again.
 * Escape or Close ends it, and focus goes back to the row it was opened from.
 */
import type { FileEntry, FileVersion } from '../../sync/api/schema.js';
import { ApiError } from '../api.js';
import { byId, h, setText } from '../dom.js';
import { formatBytes } from '../format.js';
import type { FilesClient } from './client.js';
import { baseName, deviceLabel } from './view-model.js';

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class VersionsDialog {
  private readonly dialog = byId<HTMLDialogElement>('versions-dialog');
  private entry: FileEntry | null = null;
  /** Where focus goes when the dialog closes (looked up then: the list may have re-rendered). */
  private returnFocus: (() => HTMLElement | null) | null = null;
  private busy = false;

  constructor(
    private readonly client: FilesClient,
    /** After a restore: the file list and status change. */
    private readonly onRestored: () => void,
  ) {
    byId('versions-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('cancel', (e) => {
      if (this.busy) e.preventDefault(); // a restore is on its way: wait for its outcome
    });
    this.dialog.addEventListener('close', () => {
      this.entry = null;
      this.returnFocus?.()?.focus();
      this.returnFocus = null;
    });
  }

  async open(entry: FileEntry, returnFocus: () => HTMLElement | null): Promise<void> {
    this.entry = entry;
    this.returnFocus = returnFocus;
    setText('versions-title', `Versions of ${baseName(entry.path)}`);
    setText('versions-file', entry.path);
    this.message('', false);
    if (!this.dialog.open) this.dialog.showModal();
    byId('versions-close').focus();
    await this.load();
  }

  private message(text: string, error: boolean): void {
    const el = byId('versions-message');
    el.classList.toggle('error', error);
    setText('versions-message', text);
  }

  private async load(focusFirst = false): Promise<void> {
    const entry = this.entry;
    if (entry === null) return;
    const list = byId('versions-list');
    list.setAttribute('aria-busy', 'true');
    list.replaceChildren(h('p', { class: 'muted' }, 'Looking up the versions on CESS…'));
    try {
      const versions = await this.client.versions({ folderId: entry.folderId, path: entry.path });
      if (this.entry !== entry) return;
      list.replaceChildren(this.table(versions));
      if (focusFirst) list.querySelector<HTMLElement>('button')?.focus();
    } catch (err) {
      if (this.entry !== entry) return;
      list.replaceChildren();
      this.message(
        err instanceof ApiError && err.status === 500 && /not a synced file/.test(err.message)
          ? 'This file has no versions yet: it has not been synced.'
          : `Could not list the versions: ${errorText(err)}`,
        true,
      );
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  private table(versions: FileVersion[]): HTMLElement {
    if (versions.length === 0) return h('p', { class: 'empty' }, 'No versions on CESS yet.');
    return h(
      'table',
      { class: 'versions-table' },
      h('caption', { class: 'visually-hidden' }, 'Versions, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Saved'),
          h('th', { scope: 'col' }, 'Device'),
          h('th', { scope: 'col' }, 'Size'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Restore')),
        ),
      ),
      h(
        'tbody',
        {},
        ...versions.map((v) =>
          h(
            'tr',
            { 'data-snapshot': v.snapshotId, class: v.current ? 'current' : undefined },
            h('td', {}, h('time', { datetime: new Date(v.timeMs).toISOString() }, when(v.timeMs))),
            h('td', { title: v.deviceId }, deviceLabel(v.deviceId)),
            h('td', {}, formatBytes(v.size)),
            h(
              'td',
              {},
              v.current
                ? h('span', { class: 'badge file-state-synced' }, 'Current')
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'aria-label': `Restore the version of ${when(v.timeMs)}`,
                      onclick: (e: Event) => this.confirm(v, e.currentTarget as HTMLElement),
                    },
                    'Restore',
                  ),
            ),
          ),
        ),
      ),
    );
  }

  /** Asks before restoring: says what happens to the file as it is now. */
  private confirm(v: FileVersion, from: HTMLElement): void {
    const entry = this.entry;
    if (entry === null || this.busy) return;
    const box = byId('versions-confirm');
    const cancel = (): void => {
      box.hidden = true;
      box.replaceChildren();
      if (from.isConnected) from.focus();
    };
    box.replaceChildren(
      h(
        'p',
        { id: 'versions-confirm-text' },
        `Restore the version of ${when(v.timeMs)} (${formatBytes(v.size)})? The file as it is now goes to the folder's trash and stays in this history; the restored version is then synced as the newest.`,
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            id: 'versions-confirm-yes',
            'aria-describedby': 'versions-confirm-text',
            onclick: () => void this.restore(entry, v),
          },
          'Restore this version',
        ),
        h('button', { type: 'button', class: 'secondary', onclick: cancel }, 'Cancel'),
      ),
    );
    box.hidden = false;
    byId('versions-confirm-yes').focus();
  }

  private async restore(entry: FileEntry, v: FileVersion): Promise<void> {
    const box = byId('versions-confirm');
    this.busy = true;
    for (const b of Array.from(box.querySelectorAll('button'))) b.disabled = true;
    this.message(`Restoring the version of ${when(v.timeMs)}…`, false);
    try {
      await this.client.restore({
        folderId: entry.folderId,
        path: entry.path,
        snapshotId: v.snapshotId,
      });
      this.message(
        `Restored the version of ${when(v.timeMs)}: it is on disk again and synced as the newest version. The version it replaced stays in the history.`,
        false,
      );
      this.onRestored();
      box.hidden = true;
      box.replaceChildren();
      await this.load(true);
    } catch (err) {
      this.message(`Could not restore: ${errorText(err)}`, true);
      for (const b of Array.from(box.querySelectorAll('button'))) b.disabled = false;
    } finally {
      this.busy = false;
    }
  }
}
