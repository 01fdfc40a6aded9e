/** The status screen's sections, each rendered from the contract's objects into its container. */
import type { Activity, FolderStatus, Problem, Status } from '../sync/api/schema.js';
import { byId, h, setText } from './dom.js';
import {
  actionLabel,
  activityVerb,
  formatBytes,
  formatTime,
  formatWhen,
  overallText,
  plural,
  problemTitle,
  progressText,
  stateLabel,
} from './format.js';

/** Re-renders a container only when its data changed, so focus and hover survive status events. */
const lastRendered = new Map<string, string>();
const decorators = new Map<string, (() => void)[]>();

/**
 * Runs `fn` after each render of container `id`, before focus is put back: a module adding
 * controls to drawn items (the folder cards' Settings…) gets its controls' focus kept too.
 */
export function afterRender(id: string, fn: () => void): void {
  decorators.set(id, [...(decorators.get(id) ?? []), fn]);
  fn();
}

function renderOnce(id: string, data: unknown, build: () => Node[]): void {
  const key = JSON.stringify(data);
  if (lastRendered.get(id) === key) return;
  lastRendered.set(id, key);
  const container = byId(id);
  const focusedKey =
    document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined;
  container.replaceChildren(...build());
  for (const fn of decorators.get(id) ?? []) fn();
  if (focusedKey !== undefined) {
    container.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
  }
}

export function renderOverview(status: Status): void {
  document.body.dataset.state = status.state;
  document.body.dataset.problems = String(status.problems.length > 0);
  setText('account', status.account ?? 'no account');
  setText('state-text', overallText(status));
  const p = status.progress;
  const bar = byId<HTMLProgressElement>('progress');
  const moving = status.state === 'syncing' && (p.bytesTotal > 0 || p.filesTotal > 0);
  bar.hidden = !moving;
  if (moving) {
    bar.max = Math.max(1, p.bytesTotal || p.filesTotal);
    bar.value = p.bytesTotal > 0 ? p.bytesDone : p.filesDone;
  }
  setText('progress-text', moving ? progressText(p) : '');
  const pause = byId<HTMLButtonElement>('pause-toggle');
  const paused = status.state === 'paused';
  pause.textContent = paused ? 'Resume syncing' : 'Pause syncing';
  pause.dataset.action = paused ? 'resume' : 'pause';
  pause.setAttribute('aria-pressed', String(paused));
  setText('problem-count', status.problems.length === 0 ? '' : String(status.problems.length));
}

export interface FolderHandlers {
  onPause(folder: FolderStatus): void;
  onResume(folder: FolderStatus): void;
  onSync(folder: FolderStatus): void;
}

export function renderFolders(folders: FolderStatus[], handlers: FolderHandlers): void {
  const view = folders.map((f) => ({
    ...f,
    lastSyncMs: f.lastSyncMs === null ? null : Math.floor(f.lastSyncMs / 5000),
  }));
  renderOnce('folders', view, () => {
    if (folders.length === 0)
      return [h('p', { class: 'empty' }, 'No folders are synced yet. Add one below.')];
    return [
      h(
        'ul',
        { class: 'cards', 'aria-label': 'Synced folders' },
        ...folders.map((f) =>
          h(
            'li',
            { class: 'card folder', 'data-folder': f.id },
            h(
              'div',
              { class: 'card-head' },
              h('span', { class: 'path' }, f.root),
              h('span', { class: `badge state-${f.state}` }, stateLabel(f.state)),
            ),
            h(
              'dl',
              { class: 'facts' },
              h('div', {}, h('dt', {}, 'Files'), h('dd', {}, String(f.files))),
              h('div', {}, h('dt', {}, 'Size'), h('dd', {}, formatBytes(f.bytes))),
              h('div', {}, h('dt', {}, 'Pending objects'), h('dd', {}, String(f.pendingObjects))),
              h('div', {}, h('dt', {}, 'Last sync'), h('dd', {}, formatWhen(f.lastSyncMs))),
            ),
            h(
              'div',
              { class: 'actions' },
              f.state === 'paused'
                ? h(
                    'button',
                    {
                      type: 'button',
                      'data-key': `resume:${f.id}`,
                      'aria-label': `Resume ${f.root}`,
                      onclick: () => handlers.onResume(f),
                    },
                    'Resume',
                  )
                : h(
                    'button',
                    {
                      type: 'button',
                      'data-key': `pause:${f.id}`,
                      'aria-label': `Pause ${f.root}`,
                      onclick: () => handlers.onPause(f),
                    },
                    'Pause',
                  ),
              h(
                'button',
                {
                  type: 'button',
                  'data-key': `sync:${f.id}`,
                  'aria-label': `Sync ${f.root} now`,
                  onclick: () => handlers.onSync(f),
                },
                'Sync now',
              ),
            ),
          ),
        ),
      ),
    ];
  });
}

export function renderProblems(
  problems: Problem[],
  folders: FolderStatus[],
  onAction: (p: Problem, action: string) => void,
): void {
  byId('problems-section').classList.toggle('attention', problems.length > 0);
  renderOnce('problems', problems, () => {
    if (problems.length === 0) return [h('p', { class: 'empty' }, 'Nothing needs your attention.')];
    return [
      h(
        'ul',
        { class: 'cards', 'aria-label': 'Problems' },
        ...problems.map((p) => {
          const folder = folders.find((f) => f.id === p.folderId);
          const titleId = `problem-${p.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
          return h(
            'li',
            {
              class: `card problem kind-${p.kind}`,
              'data-problem': p.id,
              'aria-labelledby': titleId,
            },
            h('h3', { id: titleId }, problemTitle(p.kind)),
            h('p', {}, p.message),
            p.path !== null ? h('p', { class: 'path' }, p.path) : null,
            folder !== undefined ? h('p', { class: 'muted' }, `In ${folder.root}`) : null,
            p.actions.length > 0
              ? h(
                  'div',
                  { class: 'actions' },
                  ...p.actions.map((a) =>
                    h(
                      'button',
                      {
                        type: 'button',
                        class: a === 'confirmDeletes' ? 'danger' : undefined,
                        'data-key': `${p.id}/${a}`,
                        'data-action': a,
                        onclick: () => onAction(p, a),
                      },
                      actionLabel(a),
                    ),
                  ),
                )
              : null,
          );
        }),
      ),
    ];
  });
}

export function renderActivity(items: Activity[]): void {
  renderOnce('activity', items, () => {
    if (items.length === 0) return [h('p', { class: 'empty' }, 'No activity yet.')];
    return [
      h(
        'ol',
        { class: 'activity-list', 'aria-label': 'Recent activity, newest first' },
        ...items.map((a) =>
          h(
            'li',
            { class: `activity kind-${a.kind}` },
            h('time', { datetime: new Date(a.timeMs).toISOString() }, formatTime(a.timeMs)),
            h('span', { class: 'verb' }, activityVerb(a.kind)),
            h('span', { class: 'path' }, a.path || '(folder)'),
            a.detail ? h('span', { class: 'muted detail' }, a.detail) : null,
          ),
        ),
      ),
    ];
  });
}

export function activitySummary(items: Activity[]): string {
  return items.length === 0 ? '' : plural(items.length, 'event');
}
