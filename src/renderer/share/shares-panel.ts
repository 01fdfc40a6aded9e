/**
 * The owner's "Shares" panel: every share made on this device (GET /api/v1/shares, newest
 * first) with its recipient, dates and state, a Copy link button and Revoke (asked for first, in
 * <dialog id="share-revoke-dialog">, saying what revocation cannot undo).
 */
import type { ShareInfo } from '../../sync/api/schema.js';
import { byId, h, setText } from '../dom.js';
import { formatBytes, plural } from '../format.js';
import { errorMessage, isUnauthorized, type SharingHost } from './host.js';
import { formatDate, shareState, shareStateLabel } from './wording.js';

export class SharesPanel {
  private shares: ShareInfo[] = [];
  private loaded = false;
  private readonly confirm = byId<HTMLDialogElement>('share-revoke-dialog');
  private revoking: ShareInfo | null = null;

  constructor(private readonly host: SharingHost) {
    byId('shares-refresh').addEventListener('click', () => void this.refresh());
    byId('share-revoke-cancel').addEventListener('click', () => this.confirm.close());
    byId<HTMLFormElement>('share-revoke-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.revoke();
    });
  }

  async refresh(): Promise<void> {
    try {
      this.shares = await this.host.api.shares();
      this.loaded = true;
      this.render();
    } catch (err) {
      if (isUnauthorized(err)) return this.host.fail(err);
      this.message(`Could not load the shares: ${errorMessage(err)}`, true);
    }
  }

  /** A share made in the dialog: listed at once, without waiting for a refresh. */
  added(share: ShareInfo): void {
    this.shares = [share, ...this.shares.filter((s) => s.id !== share.id)];
    this.loaded = true;
    this.render();
  }

  private message(text: string, error = false): void {
    const el = byId('shares-message');
    el.classList.toggle('error', error);
    setText('shares-message', text);
  }

  private render(): void {
    const now = Date.now();
    const container = byId('shares');
    if (!this.loaded) return;
    if (this.shares.length === 0) {
      container.replaceChildren(
        h('p', { class: 'empty' }, 'You have not shared anything from this device yet.'),
      );
      return;
    }
    container.replaceChildren(
      h(
        'ul',
        { class: 'cards', 'aria-label': 'Your shares' },
        ...this.shares.map((s) => this.card(s, now)),
      ),
    );
  }

  private card(s: ShareInfo, now: number): HTMLLIElement {
    const state = shareState(s, now);
    const what =
      s.kind === 'folder'
        ? `Folder, ${plural(s.files, 'file')}, ${formatBytes(s.size)}`
        : formatBytes(s.size);
    return h(
      'li',
      { class: `card share state-${state}`, 'data-share-id': s.id },
      h(
        'div',
        { class: 'card-head' },
        h('span', { class: 'share-name' }, s.name),
        h('span', { class: `badge share-${state}` }, shareStateLabel(s, now)),
      ),
      h(
        'dl',
        { class: 'facts share-facts' },
        h(
          'div',
          { class: 'wide' },
          h('dt', {}, 'Recipient'),
          h('dd', {}, h('code', {}, s.recipient)),
        ),
        h('div', {}, h('dt', {}, 'Shared'), h('dd', {}, formatDate(s.createdAt))),
        h(
          'div',
          {},
          h('dt', {}, state === 'expired' ? 'Expired' : 'Expires'),
          h('dd', {}, formatDate(s.expiresAt)),
        ),
        h('div', {}, h('dt', {}, 'Size'), h('dd', {}, what)),
        s.revokedAt !== null &&
          h('div', {}, h('dt', {}, 'Revoked'), h('dd', {}, formatDate(s.revokedAt))),
      ),
      s.message !== null &&
        h(
          'p',
          { class: 'share-message' },
          h('span', { class: 'muted' }, 'Message: '),
          h('span', { class: 'message-text' }, s.message),
        ),
      state !== 'revoked' &&
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              'data-key': `copy-${s.id}`,
              'aria-label': `Copy the link to ${s.name}`,
              onclick: () => void this.copy(s),
            },
            'Copy link',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'danger-outline',
              'data-key': `revoke-${s.id}`,
              'aria-label': `Revoke the share of ${s.name} with ${s.recipient}`,
              onclick: () => this.ask(s),
            },
            'Revoke…',
          ),
        ),
    );
  }

  private async copy(s: ShareInfo): Promise<void> {
    try {
      await navigator.clipboard.writeText(s.link);
      this.message(`The link to ${s.name} is copied.`);
    } catch {
      this.message(`Could not use the clipboard here. The link to ${s.name}: ${s.link}`, false);
    }
  }

  private ask(s: ShareInfo): void {
    this.revoking = s;
    setText('share-revoke-name', s.name);
    setText('share-revoke-recipient', s.recipient);
    setText('share-revoke-error', '');
    byId<HTMLButtonElement>('share-revoke-confirm').disabled = false;
    this.confirm.showModal();
    byId('share-revoke-cancel').focus();
  }

  private async revoke(): Promise<void> {
    const s = this.revoking;
    if (s === null) return;
    const button = byId<HTMLButtonElement>('share-revoke-confirm');
    button.disabled = true;
    setText('share-revoke-error', '');
    try {
      const updated = await this.host.api.revokeShare(s.id);
      this.shares = this.shares.map((x) => (x.id === updated.id ? updated : x));
      this.confirm.close();
      this.render();
      this.message(
        updated.manifestDeleted
          ? `Revoked the share of ${s.name}. Its manifest was deleted from CESS.`
          : `Revoked the share of ${s.name}. Its manifest could not be deleted from CESS yet, so a link never opened may still open for now.`,
      );
      byId('shares-heading').focus();
    } catch (err) {
      if (isUnauthorized(err)) {
        this.confirm.close();
        return this.host.fail(err);
      }
      button.disabled = false;
      setText('share-revoke-error', `Could not revoke: ${errorMessage(err)}`);
    }
  }
}
