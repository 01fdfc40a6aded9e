import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  localPathOf,
  recentFilesFrom,
  syncRootOf,
  syncStateOf,
  withActivity,
} from '../../src/main/daemon/status-map.js';
import type { SyncState } from '../../src/main/tray/tray-model.js';
import { API_VERSION, type Activity, type Status } from '../../src/sync/api/schema.js';
import { zeroProgress } from '../support/status.js';

const ROOT = '/home/ana/CESS';
const folders = [{ id: 'f1', root: ROOT }];

function status(patch: Partial<Status> = {}): Status {
  return {
    apiVersion: API_VERSION,
    state: 'idle',
    account: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    folders: [
      {
        id: 'f1',
        root: ROOT,
        state: 'idle',
        files: 1,
        bytes: 1,
        lastSyncMs: null,
        pendingObjects: 0,
      },
    ],
    progress: zeroProgress(),
    problems: [],
    ...patch,
  };
}

function act(kind: string, p: string, detail?: string, folderId = 'f1'): Activity {
  return { timeMs: 0, folderId, kind, path: p, ...(detail !== undefined ? { detail } : {}) };
}

describe('syncStateOf', () => {
  it.each<[string, Status, SyncState]>([
    ['idle with a folder', status(), { kind: 'synced' }],
    ['idle without a folder', status({ folders: [] }), { kind: 'needs-setup', what: 'folder' }],
    ['no account', status({ account: null }), { kind: 'needs-setup', what: 'account' }],
    [
      'syncing: files left, bytes of the pass',
      status({
        state: 'syncing',
        progress: {
          bytesDone: 10,
          bytesTotal: 100,
          filesDone: 1,
          filesTotal: 4,
          speed: 5,
          etaSeconds: 18,
        },
      }),
      { kind: 'syncing', files: 3, bytesDone: 10, bytesTotal: 100 },
    ],
    ['paused', status({ state: 'paused' }), { kind: 'paused' }],
    ['offline', status({ state: 'offline' }), { kind: 'offline' }],
    [
      'error: the error problem says why',
      status({
        state: 'error',
        problems: [
          {
            id: 'a',
            folderId: 'f1',
            kind: 'heldDeletes',
            path: null,
            message: 'held',
            actions: [],
          },
          {
            id: 'b',
            folderId: 'f1',
            kind: 'error',
            path: null,
            message: 'gateway refused',
            actions: [],
          },
        ],
      }),
      { kind: 'error', message: 'gateway refused' },
    ],
    [
      'error without problems',
      status({ state: 'error' }),
      { kind: 'error', message: 'the sync engine reported an error' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(syncStateOf(input)).toEqual(expected);
  });

  it('opens the first folder', () => {
    expect(syncRootOf(status())).toBe(ROOT);
    expect(syncRootOf(status({ folders: [] }))).toBeNull();
  });
});

describe('recent files', () => {
  it('joins the folder root and refuses paths that could leave it', () => {
    expect(localPathOf(act('uploaded', 'a/b.txt'), folders)).toBe(path.join(ROOT, 'a', 'b.txt'));
    for (const bad of [
      '',
      '../etc/passwd',
      'a/../../x',
      '/abs',
      'a//b',
      'a\\..\\b',
      './a',
      'a\0b',
    ]) {
      expect(localPathOf(act('uploaded', bad), folders), JSON.stringify(bad)).toBeNull();
    }
    expect(localPathOf(act('uploaded', 'a.txt', undefined, 'other'), folders)).toBeNull();
  });

  it('puts transfers first, drops deletes, follows moves, ignores the rest', () => {
    let recent = recentFilesFrom(
      [act('downloaded', 'b.txt'), act('uploaded', 'a.txt'), act('error', '', 'boom')],
      folders,
    );
    expect(recent.map((r) => r.displayName)).toEqual(['b.txt', 'a.txt']);
    recent = withActivity(recent, act('uploaded', 'a.txt'), folders);
    expect(recent.map((r) => r.displayName)).toEqual(['a.txt', 'b.txt']);
    recent = withActivity(recent, act('moved', 'docs/b2.txt', 'from b.txt'), folders);
    expect(recent).toEqual([
      { path: path.join(ROOT, 'a.txt'), displayName: 'a.txt' },
      { path: path.join(ROOT, 'docs', 'b2.txt'), displayName: 'docs/b2.txt' },
    ]);
    recent = withActivity(recent, act('deleted', 'a.txt', 'local (kept in trash)'), folders);
    expect(recent.map((r) => r.displayName)).toEqual(['docs/b2.txt']);
    expect(withActivity(recent, act('conflict', 'docs/b2.txt', 'x'), folders)).toEqual(recent);
  });

  it('keeps at most ten', () => {
    const many = Array.from({ length: 15 }, (_, i) => act('uploaded', `f${i}`)).reverse();
    const recent = recentFilesFrom(many, folders);
    expect(recent).toHaveLength(10);
    expect(recent[0]?.displayName).toBe('f14');
  });
});
