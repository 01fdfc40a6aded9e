/**
 * A folder's "Settings…" dialog (docs/ui.md, "Selective sync and ignore rules"): which
 * subfolders sync on this device (a lazily loaded tree of checkboxes: the union of this disk
 * and CESS, so a folder only on CESS can be left out too), the folder's .cessignore rules with
 * the built-in ones shown read-only, pause/resume, and "Stop syncing this folder".
 *
 * The folder cards are drawn by ../views.ts; this module adds a Settings… button to each card
 * as the list is (re)drawn, so the card renderer needs no knowledge of the dialog.
 */
import type { FolderSettings, FolderTreeEntry } from '../../sync/api/folder-settings-schema.js';
import { ApiError, type ApiClient } from '../api.js';
import { byId, h, setText } from '../dom.js';
import { afterRender } from '../views.js';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `line N: message` lines of an invalid_ignore_rule error. */
export function ruleErrors(message: string): { line: number; message: string }[] {
  const out: { line: number; message: string }[] = [];
  for (const l of message.split('\n')) {
    const m = /^line (\d+): (.*)$/.exec(l);
    if (m) out.push({ line: Number(m[1]), message: m[2] ?? '' });
  }
  return out;
}

/** Whether `p` is excluded by an entry of `excluded` strictly above it. */
function underExcluded(excluded: ReadonlySet<string>, p: string): boolean {
  for (const ex of excluded) if (p.startsWith(`${ex}/`)) return true;
  return false;
}

interface TreeNode {
  entry: FolderTreeEntry;
  level: number;
  li: HTMLLIElement;
  group: HTMLUListElement | null;
  expanded: boolean;
  loaded: boolean;
}

class FolderSettingsDialog {
  private readonly dialog = byId<HTMLDialogElement>('folder-settings-dialog');
  private readonly tree = byId<HTMLUListElement>('fs-tree');
  private folderId: string | null = null;
  private root = '';
  private excluded = new Set<string>();
  private nodes = new Map<string, TreeNode>();
  private paused = false;
  private returnFocus: (() => HTMLElement | null) | null = null;

  constructor(private readonly api: ApiClient) {
    byId('fs-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      this.folderId = null;
      this.returnFocus?.()?.focus();
      this.returnFocus = null;
    });
    this.tree.addEventListener('keydown', (e) => this.onKey(e));
    byId('fs-tree-save').addEventListener('click', () => void this.saveSelection());
    byId('fs-ignore-save').addEventListener('click', () => void this.saveRules());
    byId('fs-pause').addEventListener('click', () => void this.togglePause());
    byId('fs-remove').addEventListener('click', () => this.askRemove(true));
    byId('fs-remove-no').addEventListener('click', () => this.askRemove(false));
    byId('fs-remove-yes').addEventListener('click', () => void this.remove());
  }

  async open(folderId: string, root: string, returnFocus: () => HTMLElement | null) {
    this.folderId = folderId;
    this.root = root;
    this.returnFocus = returnFocus;
    setText('folder-settings-title', `Settings of ${root.split(/[\\/]/).pop() || root}`);
    setText('folder-settings-root', root);
    for (const id of ['fs-tree-message', 'fs-ignore-message', 'fs-folder-message'])
      this.say(id, '', false);
    byId('fs-ignore-errors').replaceChildren();
    byId('fs-remove-confirm').hidden = true;
    this.tree.replaceChildren(h('li', { class: 'muted', role: 'none' }, 'Loading…'));
    if (!this.dialog.open) this.dialog.showModal();
    byId('fs-close').focus();
    try {
      const s = await this.api.folderSettings(folderId);
      if (this.folderId !== folderId) return;
      this.fill(s);
      await this.loadChildren(null);
      this.tree.querySelector<HTMLElement>('[role="treeitem"]')?.focus();
    } catch (err) {
      this.say('fs-tree-message', `Could not read the settings: ${errorText(err)}`, true);
    }
  }

  private fill(s: FolderSettings): void {
    this.excluded = new Set(s.excluded);
    byId<HTMLTextAreaElement>('fs-ignore-rules').value = s.ignoreRules;
    byId<HTMLTextAreaElement>('fs-ignore-rules').removeAttribute('aria-invalid');
    setText('fs-builtin-rules', s.builtinRules.join('\n'));
    this.setPaused(s.paused);
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    setText('fs-pause', paused ? 'Resume this folder' : 'Pause this folder');
    byId('fs-pause').setAttribute('aria-pressed', String(paused));
  }

  private say(id: string, text: string, error: boolean): void {
    byId(id).classList.toggle('error', error);
    setText(id, text);
  }

  // --- the selective-sync tree ---------------------------------------------------------------

  /** Loads the subfolders of `parent` (null: the root) into the tree. */
  private async loadChildren(parent: TreeNode | null): Promise<void> {
    const folderId = this.folderId;
    if (folderId === null) return;
    const path = parent?.entry.path ?? '';
    const list = parent === null ? this.tree : parent.group;
    if (list === null) return;
    list.setAttribute('aria-busy', 'true');
    try {
      const reply = await this.api.folderTree(folderId, path);
      if (this.folderId !== folderId) return;
      const level = (parent?.level ?? 0) + 1;
      const items = reply.entries.map((e) => this.item(e, level));
      if (items.length === 0)
        list.replaceChildren(h('li', { class: 'muted', role: 'none' }, 'No subfolders.'));
      else list.replaceChildren(...items);
      if (parent) parent.loaded = true;
      this.refreshStates();
    } catch (err) {
      this.say('fs-tree-message', `Could not list the folders: ${errorText(err)}`, true);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  private item(entry: FolderTreeEntry, level: number): HTMLLIElement {
    const where =
      entry.where === 'remote' ? 'only on CESS' : entry.where === 'local' ? 'only here' : '';
    const li = h(
      'li',
      {
        role: 'treeitem',
        tabindex: -1,
        'aria-level': level,
        // Named by its own row only: a treeitem's content includes its subfolders.
        'aria-label': where ? `${entry.name} (${where})` : entry.name,
        'data-path': entry.path,
        class: 'fs-item',
      },
      h(
        'span',
        { class: 'fs-row' },
        h('span', { class: 'fs-twisty', 'aria-hidden': 'true' }),
        h('span', { class: 'fs-check', 'aria-hidden': 'true' }),
        h('span', { class: 'fs-name' }, entry.name),
        where ? h('span', { class: 'fs-where muted' }, ` (${where})`) : null,
      ),
    );
    const group = entry.hasChildren ? h('ul', { role: 'group', class: 'fs-group' }) : null;
    if (group) {
      group.hidden = true;
      li.append(group);
      li.setAttribute('aria-expanded', 'false');
    }
    const node: TreeNode = { entry, level, li, group, expanded: false, loaded: false };
    this.nodes.set(entry.path, node);
    li.querySelector('.fs-row')?.addEventListener('click', (e) => {
      e.stopPropagation();
      this.focus(node);
      if ((e.target as HTMLElement).classList.contains('fs-twisty')) void this.setExpanded(node);
      else this.toggle(node);
    });
    return li;
  }

  private async setExpanded(node: TreeNode, open = !node.expanded): Promise<void> {
    if (node.group === null) return;
    node.expanded = open;
    node.li.setAttribute('aria-expanded', String(open));
    node.group.hidden = !open;
    if (open && !node.loaded) await this.loadChildren(node);
  }

  /** aria-checked and aria-disabled of every item from the current selection. */
  private refreshStates(): void {
    for (const [p, n] of this.nodes) {
      if (!n.li.isConnected) continue;
      const inherited = underExcluded(this.excluded, p);
      n.li.setAttribute('aria-checked', String(!inherited && !this.excluded.has(p)));
      if (inherited) n.li.setAttribute('aria-disabled', 'true');
      else n.li.removeAttribute('aria-disabled');
    }
    if (this.tree.querySelector('[role="treeitem"][tabindex="0"]') === null)
      this.tree.querySelector<HTMLElement>('[role="treeitem"]')?.setAttribute('tabindex', '0');
  }

  private toggle(node: TreeNode): void {
    const p = node.entry.path;
    if (underExcluded(this.excluded, p)) {
      this.say(
        'fs-tree-message',
        'This folder is inside an unchecked folder: check that one first.',
        true,
      );
      return;
    }
    if (this.excluded.has(p)) this.excluded.delete(p);
    else {
      this.excluded.add(p);
      for (const ex of [...this.excluded]) if (ex.startsWith(`${p}/`)) this.excluded.delete(ex);
    }
    this.say('fs-tree-message', 'Not saved yet.', false);
    this.refreshStates();
  }

  private visible(): HTMLElement[] {
    return Array.from(this.tree.querySelectorAll<HTMLElement>('[role="treeitem"]')).filter(
      (el) => el.offsetParent !== null || el === document.activeElement,
    );
  }

  private focus(node: TreeNode | HTMLElement): void {
    const el = node instanceof HTMLElement ? node : node.li;
    this.tree
      .querySelectorAll('[role="treeitem"][tabindex="0"]')
      .forEach((other) => other.setAttribute('tabindex', '-1'));
    el.setAttribute('tabindex', '0');
    el.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const current = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
    if (!current) return;
    const node = this.nodes.get(current.dataset.path ?? '');
    if (!node) return;
    const items = this.visible();
    const i = items.indexOf(current);
    const go = (el: HTMLElement | undefined) => {
      if (el) this.focus(el);
    };
    switch (e.key) {
      case 'ArrowDown':
        go(items[i + 1]);
        break;
      case 'ArrowUp':
        go(items[i - 1]);
        break;
      case 'Home':
        go(items[0]);
        break;
      case 'End':
        go(items[items.length - 1]);
        break;
      case 'ArrowRight':
        if (node.group && !node.expanded) void this.setExpanded(node, true);
        else if (node.expanded)
          go(node.group?.querySelector<HTMLElement>('[role="treeitem"]') ?? undefined);
        break;
      case 'ArrowLeft':
        if (node.expanded) void this.setExpanded(node, false);
        else go(current.parentElement?.closest<HTMLElement>('[role="treeitem"]') ?? undefined);
        break;
      case ' ':
      case 'Enter':
        this.toggle(node);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  private async saveSelection(): Promise<void> {
    if (this.folderId === null) return;
    try {
      const s = await this.api.setExcluded(this.folderId, [...this.excluded]);
      this.excluded = new Set(s.excluded);
      this.refreshStates();
      this.say(
        'fs-tree-message',
        s.excluded.length === 0
          ? 'Saved: every folder syncs on this device.'
          : `Saved: ${s.excluded.length} folder${s.excluded.length === 1 ? '' : 's'} not synced here. Nothing was deleted.`,
        false,
      );
    } catch (err) {
      this.say('fs-tree-message', `Not saved: ${errorText(err)}`, true);
    }
  }

  // --- ignore rules ---------------------------------------------------------------------------

  private async saveRules(): Promise<void> {
    if (this.folderId === null) return;
    const area = byId<HTMLTextAreaElement>('fs-ignore-rules');
    const errors = byId('fs-ignore-errors');
    errors.replaceChildren();
    area.removeAttribute('aria-invalid');
    try {
      const s = await this.api.setIgnoreRules(this.folderId, area.value);
      area.value = s.ignoreRules;
      this.say('fs-ignore-message', 'Rules saved. They apply from the next sync pass.', false);
    } catch (err) {
      const lines =
        err instanceof ApiError && err.code === 'invalid_ignore_rule'
          ? ruleErrors(err.message)
          : [];
      if (lines.length === 0) {
        this.say('fs-ignore-message', `Not saved: ${errorText(err)}`, true);
        return;
      }
      area.setAttribute('aria-invalid', 'true');
      errors.replaceChildren(
        ...lines.map((l) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                onclick: () => selectLine(area, l.line),
              },
              `Line ${l.line}`,
            ),
            `: ${l.message}`,
          ),
        ),
      );
      this.say(
        'fs-ignore-message',
        `Not saved: ${lines.length} rule${lines.length === 1 ? '' : 's'} to fix.`,
        true,
      );
    }
  }

  // --- this folder ----------------------------------------------------------------------------

  private async togglePause(): Promise<void> {
    if (this.folderId === null) return;
    try {
      if (this.paused) await this.api.resume(this.folderId);
      else await this.api.pause(this.folderId);
      this.setPaused(!this.paused);
      this.say(
        'fs-folder-message',
        this.paused ? 'Paused: nothing syncs in this folder until you resume it.' : 'Resumed.',
        false,
      );
    } catch (err) {
      this.say('fs-folder-message', errorText(err), true);
    }
  }

  private askRemove(show: boolean): void {
    byId('fs-remove-confirm').hidden = !show;
    byId(show ? 'fs-remove-no' : 'fs-remove').focus();
  }

  private async remove(): Promise<void> {
    if (this.folderId === null) return;
    try {
      const r = await this.api.removeFolder(this.folderId);
      this.returnFocus = () => byId('folders-heading').closest('section');
      this.dialog.close();
      setText(
        'add-folder-message',
        `Stopped syncing ${r.root}. Its files stay on this disk and on CESS.`,
      );
    } catch (err) {
      this.say('fs-folder-message', `Could not stop syncing: ${errorText(err)}`, true);
    }
  }
}

function selectLine(area: HTMLTextAreaElement, line: number): void {
  const lines = area.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}

/** Adds "Settings…" to each folder card (now and whenever the list is drawn again). */
export function startFolderSettings(api: ApiClient): void {
  const dialog = new FolderSettingsDialog(api);
  const list = byId('folders');
  const decorate = (): void => {
    for (const card of Array.from(
      list.querySelectorAll<HTMLElement>('li.card.folder[data-folder]'),
    )) {
      const actions = card.querySelector('.actions');
      if (actions === null || actions.querySelector('.fs-open') !== null) continue;
      const id = card.dataset.folder ?? '';
      const root = card.querySelector('.path')?.textContent ?? id;
      const key = `settings:${id}`;
      actions.append(
        h(
          'button',
          {
            type: 'button',
            class: 'secondary fs-open',
            'data-key': key,
            'aria-label': `Settings of ${root}`,
            'aria-haspopup': 'dialog',
            onclick: () =>
              void dialog.open(id, root, () =>
                list.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`),
              ),
          },
          'Settings…',
        ),
      );
    }
  };
  afterRender('folders', decorate);
}
