/**
 * The Share dialog (<dialog id="share-dialog"> in index.html): recipient address, optional
 * message, expiry -> POST /api/v1/shares -> the cess-sync:// link with a Copy button. Opened for
 * an item of a synced folder (the file list's "Share…", or `cess-sync share <path>` through the
 * daemon's shareRequest event).
 */
import type { ShareInfo } from '../../sync/api/schema.js';
import { ApiError } from '../api.js';
import { byId, setText } from '../dom.js';
import { errorMessage, isUnauthorized, type SharingHost } from './host.js';
import { recipientProblem } from './ss58.js';
import { MAX_MESSAGE_LENGTH, expiryFrom, joinSharePath } from './wording.js';

export interface ShareTarget {
  folderId: string;
  /** '/'-separated path in the folder ('' for the folder itself). */
  path: string;
  name: string;
  kind: 'file' | 'folder';
  /** The absolute path when the daemon gave it (shareRequest event). */
  absPath?: string;
}

export class ShareDialog {
  private readonly dialog = byId<HTMLDialogElement>('share-dialog');
  private readonly form = byId<HTMLFormElement>('share-form');
  private readonly recipient = byId<HTMLInputElement>('share-recipient');
  private readonly message = byId<HTMLTextAreaElement>('share-message');
  private readonly expiry = byId<HTMLSelectElement>('share-expiry');
  private readonly expiryDate = byId<HTMLInputElement>('share-expiry-date');
  private readonly submit = byId<HTMLButtonElement>('share-submit');
  private readonly linkField = byId<HTMLTextAreaElement>('share-link');
  private target: ShareTarget | null = null;
  private absPath: string | null = null;
  /** Bumped on every open, so a reply for an earlier item never fills the dialog. */
  private generation = 0;

  constructor(
    private readonly host: SharingHost,
    private readonly onCreated: (share: ShareInfo) => void,
  ) {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.create();
    });
    byId('share-cancel').addEventListener('click', () => this.dialog.close());
    byId('share-done').addEventListener('click', () => this.dialog.close());
    byId('share-copy').addEventListener('click', () => void this.copy());
    this.expiry.addEventListener('change', () => this.showCustomDate());
    this.message.addEventListener('input', () =>
      setText('share-message-count', `${this.message.value.length}/${MAX_MESSAGE_LENGTH}`),
    );
    this.recipient.addEventListener('input', () => this.fieldError(this.recipient, ''));
  }

  open(target: ShareTarget): void {
    this.generation++;
    this.target = target;
    this.form.reset();
    this.form.hidden = false;
    byId('share-result').hidden = true;
    this.submit.disabled = false;
    this.submit.textContent = 'Create link';
    this.fieldError(this.recipient, '');
    this.fieldError(this.expiryDate, '');
    setText('share-error', '');
    setText('share-progress', '');
    setText('share-message-count', `0/${MAX_MESSAGE_LENGTH}`);
    this.showCustomDate();
    setText('share-item-name', target.name);
    setText('share-item-kind', target.kind === 'folder' ? 'Folder' : 'File');

    const folder = this.host.status()?.folders.find((f) => f.id === target.folderId);
    this.absPath =
      target.absPath ?? (folder === undefined ? null : joinSharePath(folder.root, target.path));
    setText('share-item-where', this.absPath ?? '');
    if (this.absPath === null) {
      this.submit.disabled = true;
      setText(
        'share-error',
        folder === undefined
          ? 'This item is not in a folder synced on this device, so it cannot be shared from here.'
          : `"${target.path}" is not a valid path in its folder.`,
      );
    }
    if (!this.dialog.open) this.dialog.showModal();
    this.recipient.focus();
  }

  private showCustomDate(): void {
    const custom = this.expiry.value === 'custom';
    byId('share-expiry-custom').hidden = !custom;
    if (custom && this.expiryDate.value === '') {
      // Tomorrow, as a starting point the user can change.
      const d = new Date(Date.now() + 24 * 60 * 60 * 1000);
      this.expiryDate.value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    }
  }

  private fieldError(input: HTMLInputElement | HTMLTextAreaElement, text: string): void {
    setText(`${input.id}-error`, text);
    if (text === '') input.removeAttribute('aria-invalid');
    else input.setAttribute('aria-invalid', 'true');
  }

  private async create(): Promise<void> {
    const target = this.target;
    const absPath = this.absPath;
    if (target === null || absPath === null || this.submit.disabled) return;
    setText('share-error', '');
    const recipient = this.recipient.value.trim();
    const problem = recipientProblem(recipient, this.host.status()?.account ?? null);
    this.fieldError(this.recipient, problem ?? '');
    const expiry = expiryFrom(this.expiry.value, this.expiryDate.value, Date.now());
    this.fieldError(this.expiryDate, 'invalid' in expiry ? expiry.invalid : '');
    const message = this.message.value.trim();
    if (problem !== null) {
      this.recipient.focus();
      return;
    }
    if ('invalid' in expiry) {
      this.expiryDate.focus();
      return;
    }
    if (message.length > MAX_MESSAGE_LENGTH) {
      setText('share-error', `The message is ${message.length} characters; at most 500.`);
      this.message.focus();
      return;
    }

    const generation = this.generation;
    this.submit.disabled = true;
    this.submit.textContent = 'Creating link…';
    setText(
      'share-progress',
      'Syncing the item, then storing a small encrypted manifest on CESS. This can take a minute.',
    );
    try {
      const share = await this.host.api.share({
        path: absPath,
        recipient,
        ...(message !== '' ? { message } : {}),
        expiresAt: expiry.expiresAt,
      });
      this.onCreated(share);
      if (generation !== this.generation) return;
      this.showResult(share);
    } catch (err) {
      if (isUnauthorized(err)) {
        this.dialog.close();
        this.host.fail(err);
        return;
      }
      if (generation !== this.generation) return;
      setText('share-progress', '');
      this.submit.disabled = false;
      this.submit.textContent = 'Try again';
      const text =
        err instanceof ApiError && err.status === 0
          ? 'The sync engine is not reachable. Check that cess-sync is running, then try again.'
          : errorMessage(err);
      if (err instanceof ApiError && err.code === 'BAD_RECIPIENT') {
        this.fieldError(this.recipient, text);
        this.recipient.focus();
      } else {
        setText('share-error', `Could not create the link: ${text}`);
      }
    }
  }

  private showResult(share: ShareInfo): void {
    this.form.hidden = true;
    byId('share-result').hidden = false;
    this.linkField.value = share.link;
    setText('share-result-recipient', share.recipient);
    setText(
      'share-result-expiry',
      share.expiresAt === null
        ? 'The link does not expire; revoke it under Shares when it should stop working.'
        : `The link stops opening on ${new Date(share.expiresAt).toLocaleString()}.`,
    );
    setText('share-copy-status', '');
    this.linkField.focus();
    this.linkField.select();
  }

  private async copy(): Promise<void> {
    const link = this.linkField.value;
    try {
      await navigator.clipboard.writeText(link);
      setText('share-copy-status', 'Link copied.');
      return;
    } catch {
      /* no clipboard permission (e.g. a plain browser tab): select the text instead */
    }
    this.linkField.focus();
    this.linkField.select();
    // execCommand is deprecated but is the only fallback when the async clipboard is refused.
    const copied = document.execCommand('copy');
    setText(
      'share-copy-status',
      copied ? 'Link copied.' : 'The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.',
    );
  }
}
