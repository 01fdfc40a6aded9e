/**
 * "Shared with me": a cess-sync:// link (pasted, or arriving as a deep link / `#share=`) is
 * previewed first (POST /api/v1/shares/receive with preview: name, size, files, sender, message,
 * expiry; nothing is written), then "Download and decrypt" receives it into the daemon's
 * "Shared with me" folder and says where. Errors are shown by kind (not for this account,
 * expired, invalid link, unavailable, network), each with what to do.
 */
import type { ReceivedShare, ReceivedShareEntry } from '../../sync/api/schema.js';
import { ApiError } from '../api.js';
import { byId, h, setText } from '../dom.js';
import { formatBytes, plural } from '../format.js';
import { errorMessage, isUnauthorized, type SharingHost } from './host.js';
import {
  cleanPastedLink,
  formatDate,
  looksLikeShareLink,
  receiveErrorText,
  type ReceiveErrorText,
} from './wording.js';

/** Files listed in a folder share's preview; the rest are counted. */
const PREVIEW_FILES = 20;

export class ReceivedPanel {
  private readonly input = byId<HTMLTextAreaElement>('receive-link');
  private readonly previewButton = byId<HTMLButtonElement>('receive-preview-button');
  private readonly downloadButton = byId<HTMLButtonElement>('receive-download');
  /** The link the shown preview belongs to. */
  private previewed: string | null = null;
  /** What this device received (GET shares/received), newest first. */
  private received: ReceivedShareEntry[] = [];

  constructor(private readonly host: SharingHost) {
    byId<HTMLFormElement>('receive-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.preview();
    });
    this.downloadButton.addEventListener('click', () => void this.download());
    this.input.addEventListener('input', () => {
      // A changed link makes the preview stale.
      if (this.previewed !== null && cleanPastedLink(this.input.value) !== this.previewed)
        this.clearPreview();
    });
  }

  /** Loads the list of what this device received before. */
  async refresh(): Promise<void> {
    try {
      this.received = await this.host.api.receivedShares();
      this.renderReceived();
    } catch (err) {
      if (isUnauthorized(err)) return this.host.fail(err);
      // An older daemon without the route: the list shows what this page receives.
    }
  }

  /** A link from outside the panel (deep link, `#share=`): shown and previewed at once. */
  open(link: string): void {
    this.input.value = link;
    byId('received-section').scrollIntoView({ block: 'start' });
    this.input.focus();
    void this.preview();
  }

  private clearPreview(): void {
    this.previewed = null;
    byId('receive-preview').hidden = true;
    setText('receive-result', '');
  }

  private showError(e: ReceiveErrorText | null): void {
    const box = byId('receive-error');
    if (e === null) {
      box.hidden = true;
      box.replaceChildren();
      delete box.dataset.kind;
      return;
    }
    box.dataset.kind = e.kind;
    box.replaceChildren(h('strong', {}, e.title), ' ', h('span', {}, e.detail));
    box.hidden = false;
  }

  private errorFor(err: unknown): ReceiveErrorText {
    if (err instanceof ApiError) return receiveErrorText(err.status, err.code, err.message);
    return receiveErrorText(-1, 'error', errorMessage(err));
  }

  private async preview(): Promise<void> {
    const link = cleanPastedLink(this.input.value);
    this.clearPreview();
    this.showError(null);
    if (link === '') {
      this.showError({
        kind: 'invalid-link',
        title: 'No link yet',
        detail: 'Paste the cess-sync:// link you were sent.',
      });
      this.input.focus();
      return;
    }
    if (!looksLikeShareLink(link)) {
      this.showError({
        kind: 'invalid-link',
        title: 'Not a share link',
        detail: 'A share link starts with cess-sync://share/v1/. Copy the whole link again.',
      });
      this.input.focus();
      return;
    }
    this.previewButton.disabled = true;
    setText('receive-status', 'Checking the link and reading what it holds…');
    try {
      const r = await this.host.api.receiveShare({ link, preview: true });
      if (cleanPastedLink(this.input.value) !== link) return; // changed meanwhile
      this.previewed = link;
      this.renderPreview(r);
      setText('receive-status', '');
      this.downloadButton.focus();
    } catch (err) {
      if (isUnauthorized(err)) return this.host.fail(err);
      setText('receive-status', '');
      this.showError(this.errorFor(err));
    } finally {
      this.previewButton.disabled = false;
    }
  }

  private renderPreview(r: ReceivedShare): void {
    setText('receive-name', r.name);
    const facts = byId('receive-facts');
    const fact = (term: string, value: Node | string, wide = false): HTMLElement =>
      h('div', wide ? { class: 'wide' } : {}, h('dt', {}, term), h('dd', {}, value));
    facts.replaceChildren(
      fact('From', h('code', { class: 'receive-owner' }, r.owner), true),
      fact('Size', formatBytes(r.size)),
      fact('Kind', r.kind === 'folder' ? `Folder, ${plural(r.fileCount, 'file')}` : 'File'),
      fact('Shared', formatDate(r.createdAt)),
      fact('Expires', formatDate(r.expiresAt)),
    );
    const message = byId('receive-message');
    message.hidden = r.message === null;
    setText('receive-message-text', r.message ?? '');
    const files = byId('receive-files');
    if (r.kind === 'folder' && r.files.length > 0) {
      const shown = r.files.slice(0, PREVIEW_FILES);
      files.replaceChildren(
        ...shown.map((f) =>
          h('li', {}, h('span', { class: 'path' }, f.path), ` (${formatBytes(f.size)})`),
        ),
      );
      if (r.files.length > shown.length)
        files.append(
          h('li', { class: 'muted' }, `and ${plural(r.files.length - shown.length, 'more file')}`),
        );
      files.hidden = false;
    } else {
      files.replaceChildren();
      files.hidden = true;
    }
    this.downloadButton.disabled = false;
    byId('receive-preview').hidden = false;
  }

  private async download(): Promise<void> {
    const link = this.previewed;
    if (link === null) return;
    this.downloadButton.disabled = true;
    this.showError(null);
    setText('receive-result', '');
    setText('receive-status', 'Downloading from CESS and decrypting on this device…');
    try {
      const r = await this.host.api.receiveShare({ link });
      setText('receive-status', '');
      const where = byId('receive-result');
      where.replaceChildren(
        'Saved and verified: ',
        h('code', { class: 'receive-path' }, r.path ?? ''),
      );
      const { files: _files, ...entry } = r;
      this.received = [
        { ...entry, path: r.path ?? '', receivedAt: Date.now() },
        ...this.received.filter((x) => x.path !== r.path),
      ];
      this.renderReceived();
    } catch (err) {
      if (isUnauthorized(err)) return this.host.fail(err);
      setText('receive-status', '');
      this.showError(this.errorFor(err));
    } finally {
      this.downloadButton.disabled = false;
    }
  }

  private renderReceived(): void {
    const list = byId('received-list');
    list.replaceChildren(
      ...this.received.map((r) => {
        const status = h('span', { class: 'received-status message', role: 'status' });
        const button = (label: string, reveal: boolean): HTMLButtonElement => {
          const b = h('button', { type: 'button', class: 'secondary' }, label);
          b.dataset.action = reveal ? 'reveal' : 'open';
          b.addEventListener('click', () => void this.openReceived(r, reveal, status));
          return b;
        };
        return h(
          'li',
          { class: 'received', 'data-share-id': r.id },
          h('span', { class: 'share-name' }, r.name),
          ' ',
          h(
            'span',
            { class: 'muted' },
            `${formatBytes(r.size)}, received ${formatDate(r.receivedAt)}, from `,
          ),
          h('code', {}, r.owner),
          h('br', {}),
          h('span', { class: 'path' }, r.path),
          h(
            'div',
            { class: 'actions' },
            button(r.kind === 'folder' ? 'Open folder' : 'Open', false),
            button('Show in folder', true),
            status,
          ),
        );
      }),
    );
    byId('received-list-section').hidden = this.received.length === 0;
  }

  /** Open / Show in folder, through the daemon's safe opener (programs are never run). */
  private async openReceived(
    r: ReceivedShareEntry,
    reveal: boolean,
    status: HTMLElement,
  ): Promise<void> {
    status.textContent = '';
    try {
      await this.host.api.openReceived({ id: r.id, reveal });
    } catch (err) {
      if (isUnauthorized(err)) return this.host.fail(err);
      status.textContent = openErrorText(err, r.name);
    }
  }
}

/** What to tell the user when the daemon refused to open a received item. */
export function openErrorText(err: unknown, name: string): string {
  if (err instanceof ApiError) {
    if (err.code === 'would_run')
      return `${name} is a program or launcher, so it is not opened from here. Use "Show in folder" and open it yourself if you trust it.`;
    if (err.status === 404)
      return `${name} is no longer where it was saved (moved or deleted). Receive the link again to get it back.`;
  }
  return `Could not open ${name}: ${errorMessage(err)}`;
}
