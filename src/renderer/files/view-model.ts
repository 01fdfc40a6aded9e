/** Plain decisions of the Files panel (no DOM): wording, paths, keyboard navigation, paging. */
import type { FileEntry, FileState, FileVersion } from '../../sync/api/schema.js';

/** Items per page of the list ("Show more" asks for the next page). */
export const FILES_PAGE = 100;
/** The daemon's largest page (filesQuerySchema). */
export const FILES_MAX_PAGE = 1000;

const STATE_LABELS: Record<FileState, string> = {
  synced: 'Synced',
  uploading: 'Uploading',
  downloading: 'Downloading',
  pending: 'Waiting to sync',
  conflict: 'Conflict',
  excluded: 'Not synced here',
  error: 'Error',
};

/** The state badge's text (the colour only repeats it). */
export function fileStateLabel(state: FileState): string {
  return STATE_LABELS[state];
}

/** The last segment of a sync path ('' for the folder itself). */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** The containing folder of a sync path ('' at the top of the synced folder). */
export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The absolute path of an item on this device: the folder's root joined with its sync path. */
export function absolutePath(root: string, path: string): string {
  if (path === '') return root;
  const sep = /^[A-Za-z]:\\|^\\\\/.test(root) ? '\\' : '/';
  const trimmed = root.endsWith(sep) ? root.slice(0, -1) : root;
  return `${trimmed}${sep}${sep === '\\' ? path.split('/').join('\\') : path}`;
}

/** Where an item lives, as the list shows it under its name: the absolute folder path. */
export function locationOf(root: string | undefined, path: string): string {
  const dir = dirName(path);
  if (root === undefined) return dir === '' ? '(top of the folder)' : dir;
  return absolutePath(root, dir);
}

/** Stable key of a row (focus survives re-rendering). */
export function rowKey(e: Pick<FileEntry, 'folderId' | 'path'>): string {
  return `${e.folderId}:${e.path}`;
}

/** The sharing dialog's kind for a list entry. */
export function shareKind(e: Pick<FileEntry, 'kind'>): 'file' | 'folder' {
  return e.kind === 'dir' ? 'folder' : 'file';
}

/**
 * Menu and list navigation: the index focus moves to for a key (wrapping), or null when the key
 * does not move it. Letters jump to the next item starting with that letter.
 */
export function nextIndex(
  current: number,
  key: string,
  labels: readonly string[],
  wrap = true,
): number | null {
  const n = labels.length;
  if (n === 0) return null;
  switch (key) {
    case 'ArrowDown':
      return current + 1 < n ? current + 1 : wrap ? 0 : n - 1;
    case 'ArrowUp':
      return current - 1 >= 0 ? current - 1 : wrap ? n - 1 : 0;
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
    default: {
      if (key.length !== 1 || !/\S/.test(key)) return null;
      const k = key.toLowerCase();
      for (let step = 1; step <= n; step++) {
        const i = (current + step + n) % n;
        if ((labels[i] ?? '').toLowerCase().startsWith(k)) return i;
      }
      return null;
    }
  }
}

/** The keys that open a row's context menu without a pointer. */
export function opensMenu(e: Pick<KeyboardEvent, 'key' | 'shiftKey'>): boolean {
  return e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey);
}

/** "Showing 100 of 2,345 items" / "No files match “x”". */
export function summaryText(shown: number, total: number, query: string): string {
  const q = query.trim();
  if (total === 0)
    return q === '' ? 'No files in the synced folders yet.' : `No files match “${q}”.`;
  const of = total.toLocaleString('en');
  const what = total === 1 ? 'item' : 'items';
  const matching = q === '' ? '' : ` matching “${q}”`;
  return shown >= total
    ? `${of} ${what}${matching}`
    : `Showing ${shown.toLocaleString('en')} of ${of} ${what}${matching}`;
}

/** How many to ask for when refreshing what is shown (keeps "Show more" pages loaded). */
export function refreshLimit(shown: number): number {
  return Math.min(FILES_MAX_PAGE, Math.max(FILES_PAGE, shown));
}

/** A device id as a short, stable label. */
export function deviceLabel(deviceId: string): string {
  return `Device ${deviceId.slice(0, 8)}`;
}

/** The versions the dialog can restore: every one but the current. */
export function restorable(versions: readonly FileVersion[]): FileVersion[] {
  return versions.filter((v) => !v.current);
}

/**
 * Calls `fn` at most once per `ms`: the first call runs at once, calls during the wait collapse
 * into one trailing run (activity events arrive in bursts during a pass).
 */
export function throttle(
  fn: () => void,
  ms: number,
  timers: {
    set: (f: () => void, ms: number) => unknown;
    now: () => number;
  } = { set: (f, t) => setTimeout(f, t), now: () => Date.now() },
): () => void {
  let last = -Infinity;
  let pending = false;
  const run = (): void => {
    last = timers.now();
    pending = false;
    fn();
  };
  return () => {
    if (pending) return;
    const wait = last + ms - timers.now();
    if (wait <= 0) run();
    else {
      pending = true;
      timers.set(run, wait);
    }
  };
}
