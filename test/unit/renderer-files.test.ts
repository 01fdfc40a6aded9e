/**
 * The Files panel's plain decisions (src/renderer/files/view-model.ts): wording, paths, menu and
 * row navigation, paging, and the refresh throttle.
 */
import { describe, expect, it } from 'vitest';
import { fileStateSchema } from '../../src/sync/api/schema.js';
import {
  FILES_MAX_PAGE,
  FILES_PAGE,
  absolutePath,
  baseName,
  deviceLabel,
  dirName,
  fileStateLabel,
  locationOf,
  nextIndex,
  opensMenu,
  refreshLimit,
  restorable,
  rowKey,
  shareKind,
  summaryText,
  throttle,
} from '../../src/renderer/files/view-model.js';

describe('wording', () => {
  it('every file state has a word (the badge is not colour only), all different', () => {
    const labels = fileStateSchema.options.map(fileStateLabel);
    expect(labels.every((l) => l.length > 0)).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
    expect(fileStateLabel('pending')).toBe('Waiting to sync');
    expect(fileStateLabel('excluded')).toBe('Not synced here');
  });

  it('summarises what is shown', () => {
    expect(summaryText(0, 0, '')).toBe('No files in the synced folders yet.');
    expect(summaryText(0, 0, ' x ')).toBe('No files match “x”.');
    expect(summaryText(1, 1, '')).toBe('1 item');
    expect(summaryText(100, 2345, '')).toBe('Showing 100 of 2,345 items');
    expect(summaryText(3, 3, 'txt')).toBe('3 items matching “txt”');
  });

  it('labels devices and picks the restorable versions', () => {
    expect(deviceLabel('0123456789abcdef0123456789abcdef')).toBe('Device 01234567');
    const v = (snapshotId: string, current: boolean) => ({
      snapshotId,
      seq: 1,
      timeMs: 0,
      deviceId: 'd',
      size: 1,
      current,
    });
    expect(restorable([v('a', true), v('b', false)]).map((x) => x.snapshotId)).toEqual(['b']);
  });
});

describe('paths', () => {
  it('splits sync paths', () => {
    expect(baseName('a/b/c.txt')).toBe('c.txt');
    expect(baseName('c.txt')).toBe('c.txt');
    expect(dirName('a/b/c.txt')).toBe('a/b');
    expect(dirName('c.txt')).toBe('');
  });

  it('joins a folder root and a sync path, POSIX and Windows', () => {
    expect(absolutePath('/home/u/Sync', 'a/b.txt')).toBe('/home/u/Sync/a/b.txt');
    expect(absolutePath('/home/u/Sync/', 'b.txt')).toBe('/home/u/Sync/b.txt');
    expect(absolutePath('/home/u/Sync', '')).toBe('/home/u/Sync');
    expect(absolutePath('C:\\Users\\u\\Sync', 'a/b.txt')).toBe('C:\\Users\\u\\Sync\\a\\b.txt');
    expect(absolutePath('\\\\server\\share\\Sync', 'b.txt')).toBe('\\\\server\\share\\Sync\\b.txt');
  });

  it('says where an item lives', () => {
    expect(locationOf('/home/u/Sync', 'docs/a.txt')).toBe('/home/u/Sync/docs');
    expect(locationOf('/home/u/Sync', 'a.txt')).toBe('/home/u/Sync');
    expect(locationOf(undefined, 'a.txt')).toBe('(top of the folder)');
  });

  it('keys rows by folder and path; shares folders as folders', () => {
    expect(rowKey({ folderId: 'f', path: 'a/b' })).toBe('f:a/b');
    expect(shareKind({ kind: 'dir' })).toBe('folder');
    expect(shareKind({ kind: 'file' })).toBe('file');
  });
});

describe('keyboard', () => {
  const items = ['Open', 'Reveal in folder', 'Versions…', 'Share…'];
  it('arrows wrap in the menu, Home/End jump, letters find the next match', () => {
    expect(nextIndex(0, 'ArrowDown', items)).toBe(1);
    expect(nextIndex(3, 'ArrowDown', items)).toBe(0);
    expect(nextIndex(0, 'ArrowUp', items)).toBe(3);
    expect(nextIndex(-1, 'ArrowDown', items)).toBe(0);
    expect(nextIndex(2, 'Home', items)).toBe(0);
    expect(nextIndex(0, 'End', items)).toBe(3);
    expect(nextIndex(0, 's', items)).toBe(3);
    expect(nextIndex(0, 'V', items)).toBe(2);
    expect(nextIndex(0, 'o', items)).toBe(0); // the only match is where focus already is
    expect(nextIndex(0, 'x', items)).toBeNull();
    expect(nextIndex(0, 'Enter', items)).toBeNull();
    expect(nextIndex(0, ' ', items)).toBeNull();
    expect(nextIndex(0, 'ArrowDown', [])).toBeNull();
  });

  it('rows stop at the ends instead of wrapping', () => {
    const rows = ['', '', ''];
    expect(nextIndex(2, 'ArrowDown', rows, false)).toBe(2);
    expect(nextIndex(0, 'ArrowUp', rows, false)).toBe(0);
  });

  it('the Menu key and Shift+F10 open the context menu', () => {
    expect(opensMenu({ key: 'ContextMenu', shiftKey: false })).toBe(true);
    expect(opensMenu({ key: 'F10', shiftKey: true })).toBe(true);
    expect(opensMenu({ key: 'F10', shiftKey: false })).toBe(false);
    expect(opensMenu({ key: 'Enter', shiftKey: true })).toBe(false);
  });
});

describe('paging and refresh', () => {
  it('a refresh keeps every loaded page, within the daemon limit', () => {
    expect(refreshLimit(0)).toBe(FILES_PAGE);
    expect(refreshLimit(250)).toBe(250);
    expect(refreshLimit(5000)).toBe(FILES_MAX_PAGE);
  });

  it('throttle: the first call runs, a burst collapses into one trailing run', () => {
    let now = 0;
    const scheduled: { at: number; f: () => void }[] = [];
    let runs = 0;
    const t = throttle(() => runs++, 1000, {
      now: () => now,
      set: (f, ms) => scheduled.push({ at: now + ms, f }),
    });
    t();
    expect(runs).toBe(1);
    now = 100;
    t();
    t();
    t();
    expect(runs).toBe(1);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.at).toBe(1000);
    now = 1000;
    scheduled[0]?.f();
    expect(runs).toBe(2);
    now = 2500;
    t();
    expect(runs).toBe(3);
    expect(scheduled).toHaveLength(1);
  });
});
