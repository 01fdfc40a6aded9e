import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOTICE_COOLDOWN_MS,
  EMPTY_NOTICE_MEMORY,
  planActivityNotices,
  planStatusNotices,
  type NoticeMemory,
} from '../../src/main/notifications/notification-plan.js';
import { notificationFor, shortAddress } from '../../src/main/notifications/notification-text.js';
import type { UserNotice } from '../../src/main/notifications/notification-text.js';
import { isUnsafeCodePoint } from '../../src/main/safe-text.js';
import {
  API_VERSION,
  type Activity,
  type Problem,
  type Status,
} from '../../src/sync/api/schema.js';
import { zeroProgress } from '../support/status.js';

const NOW = Date.UTC(2025, 10, 24, 12, 0, 0);
const HOUR = 3_600_000;
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('notificationFor', () => {
  it.each<[UserNotice, string, string]>([
    [
      {
        type: 'conflict',
        path: 'notes/plan.md',
        detail: 'edited on both sides: the local version is kept as a conflict copy',
      },
      'Conflicting changes',
      '“notes/plan.md” — edited on both sides: the local version is kept as a conflict copy.',
    ],
    [
      { type: 'conflict', path: 'notes/plan.md', detail: null },
      'Conflicting changes',
      '“notes/plan.md” was changed in two places. Open cess-sync to see what was kept.',
    ],
    [
      { type: 'mass-delete-held', root: 'CESS', count: 1200 },
      'Large delete waiting for you',
      '1200 deletions in “CESS” are on hold. Nothing is deleted until you confirm — open cess-sync to confirm or refuse.',
    ],
    [
      { type: 'mass-delete-held', root: 'CESS', count: 1 },
      'Large delete waiting for you',
      '1 deletion in “CESS” is on hold. Nothing is deleted until you confirm — open cess-sync to confirm or refuse.',
    ],
    [
      { type: 'mass-delete-held', root: 'CESS', count: null },
      'Large delete waiting for you',
      'Many deletions in “CESS” are on hold. Nothing is deleted until you confirm — open cess-sync to confirm or refuse.',
    ],
    [
      { type: 'territory-low', message: 'Territory home has 3% free.' },
      'Storage space running low',
      'Territory home has 3% free. Open cess-sync to add space.',
    ],
    [
      { type: 'territory-low', message: '' },
      'Storage space running low',
      'Your territory is almost full. Open cess-sync to add space.',
    ],
    [
      { type: 'territory-expiring', message: 'Territory home expires in 3 days' },
      'Storage territory expiring',
      'Territory home expires in 3 days. Renew it in cess-sync so your files stay stored.',
    ],
    [
      { type: 'share-received', from: ALICE, name: 'budget.xlsx' },
      'File shared with you',
      '5Grwva…GKutQY shared “budget.xlsx” with you; it is saved in “Shared with me”.',
    ],
    [
      { type: 'share-received', from: null, name: 'budget.xlsx' },
      'File shared with you',
      '“budget.xlsx” was shared with you and saved in “Shared with me”.',
    ],
    [
      {
        type: 'share-refused',
        path: 'C:\\Users\\me\\Desktop\\x.txt',
        reason: 'that is not inside a synced folder.',
      },
      'Cannot share this item',
      '“C:\\Users\\me\\Desktop\\x.txt”: that is not inside a synced folder.',
    ],
  ])('%j', (notice, title, body) => {
    expect(notificationFor(notice)).toEqual({ title, body });
  });

  it('strips bidi overrides and control characters from names and sentences', () => {
    const texts = [
      notificationFor({ type: 'share-received', from: ALICE, name: 'photo\u202Egpj.exe\r\n' }),
      notificationFor({ type: 'conflict', path: 'a\u2066b', detail: 'x\u0007y' }),
      notificationFor({ type: 'territory-low', message: 'low\u202E!' }),
    ];
    expect(texts[0]?.body).toContain('“photogpj.exe”');
    for (const t of texts) {
      expect([...t.body].some((ch) => isUnsafeCodePoint(ch.codePointAt(0) ?? 0))).toBe(false);
    }
  });

  it('bounds very long names and sentences', () => {
    const text = notificationFor({
      type: 'conflict',
      path: 'a'.repeat(500),
      detail: 'b'.repeat(900),
    });
    expect(text.body.length).toBeLessThan(260);
    expect(text.body).toContain('…');
  });

  it('shortens addresses and drops characters outside base58', () => {
    expect(shortAddress(ALICE)).toBe('5Grwva…GKutQY');
    expect(shortAddress('5Grw<b>')).toBe('5Grwb');
  });
});

const HELD: Problem = {
  id: 'f1:held',
  folderId: 'f1',
  kind: 'heldDeletes',
  path: null,
  message: '120 deletions are waiting for your confirmation: more than 100 in one pass.',
  actions: ['confirmDeletes', 'refuseDeletes'],
};

function status(problems: Problem[]): Status {
  return {
    apiVersion: API_VERSION,
    state: 'idle',
    account: ALICE,
    folders: [
      {
        id: 'f1',
        root: '/home/ana/CESS',
        state: 'idle',
        files: 0,
        bytes: 0,
        lastSyncMs: null,
        pendingObjects: 0,
      },
    ],
    progress: zeroProgress(),
    problems,
  };
}

function problem(kind: string, id = kind, extra: Partial<Problem> = {}): Problem {
  return {
    id,
    folderId: 'f1',
    kind,
    path: null,
    message: `${kind} message`,
    actions: [],
    ...extra,
  };
}

function activity(kind: string, path: string, detail?: string): Activity {
  return { timeMs: NOW, folderId: 'f1', kind, path, ...(detail !== undefined ? { detail } : {}) };
}

describe('planStatusNotices', () => {
  it('maps the problems that need the user, and only those', () => {
    const plan = planStatusNotices(
      EMPTY_NOTICE_MEMORY,
      status([
        HELD,
        problem('territoryLow'),
        problem('territoryExpiring'),
        problem('conflict', 'c1', { path: 'a.txt', message: 'kept both' }),
        problem('error'),
        problem('offline'),
        problem('caseClash'),
      ]),
      NOW,
    );
    expect(plan.notices).toEqual([
      { type: 'mass-delete-held', root: 'CESS', count: 120 },
      { type: 'territory-low', message: 'territoryLow message' },
      { type: 'territory-expiring', message: 'territoryExpiring message' },
      { type: 'conflict', path: 'a.txt', detail: 'kept both' },
    ]);
    expect([...plan.memory.present]).toHaveLength(7);
  });

  it('does not repeat a problem that stays, nor one that flickers within the cooldown', () => {
    let memory: NoticeMemory = EMPTY_NOTICE_MEMORY;
    const shown: UserNotice[][] = [];
    const step = (problems: Problem[], at: number): void => {
      const plan = planStatusNotices(memory, status(problems), at);
      memory = plan.memory;
      shown.push(plan.notices);
    };
    step([HELD], NOW); // appears
    step([HELD], NOW + 1000); // still there
    step([], NOW + 2000); // a failed pass hides it
    step([HELD], NOW + 3000); // back: same notice within the cooldown
    step([], NOW + 4000);
    step([HELD], NOW + DEFAULT_NOTICE_COOLDOWN_MS + 5000); // much later: said again
    expect(shown.map((n) => n.length)).toEqual([1, 0, 0, 0, 0, 1]);
  });

  it('keeps its memory small', () => {
    let memory: NoticeMemory = EMPTY_NOTICE_MEMORY;
    for (let i = 0; i < 50; i++) {
      memory = planStatusNotices(
        memory,
        status([problem('territoryLow', `t${i}`)]),
        NOW + i * HOUR,
      ).memory;
    }
    expect(memory.shownAt.size).toBeLessThanOrEqual(DEFAULT_NOTICE_COOLDOWN_MS / HOUR);
  });
});

describe('planActivityNotices', () => {
  it('notifies a conflict once, whether it came as activity or as a problem', () => {
    let memory: NoticeMemory = EMPTY_NOTICE_MEMORY;
    const a = planActivityNotices(memory, activity('conflict', 'a.txt', 'kept both'), NOW);
    expect(a.notices).toEqual([{ type: 'conflict', path: 'a.txt', detail: 'kept both' }]);
    memory = a.memory;
    expect(
      planActivityNotices(memory, activity('conflict', 'a.txt', 'kept both'), NOW + 1).notices,
    ).toEqual([]);
    const s = planStatusNotices(
      memory,
      status([problem('conflict', 'c', { path: 'a.txt' })]),
      NOW + 2,
    );
    expect(s.notices).toEqual([]);
    expect(planActivityNotices(memory, activity('conflict', 'b.txt'), NOW + 3).notices).toEqual([
      { type: 'conflict', path: 'b.txt', detail: null },
    ]);
  });

  it('tells about a saved share, with the owner from the activity', () => {
    const plan = planActivityNotices(
      EMPTY_NOTICE_MEMORY,
      {
        timeMs: NOW,
        folderId: 'shared-with-me',
        kind: 'received',
        path: `/home/ana/.cess-sync/Shared with me/5Grwva/budget.xlsx`,
        detail: `from ${ALICE}`,
      },
      NOW,
    );
    expect(plan.notices).toEqual([{ type: 'share-received', from: ALICE, name: 'budget.xlsx' }]);
  });

  it('stays quiet for routine activity', () => {
    for (const kind of ['uploaded', 'downloaded', 'deleted', 'moved', 'error']) {
      expect(
        planActivityNotices(EMPTY_NOTICE_MEMORY, activity(kind, 'a.txt'), NOW).notices,
      ).toEqual([]);
    }
  });
});
