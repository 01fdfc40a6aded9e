import { describe, expect, it } from 'vitest';
import { notificationFor, shortAddress } from '../../src/main/notifications/notification-text.js';
import { isUnsafeCodePoint } from '../../src/main/safe-text.js';
import type { DaemonEvent } from '../../src/main/notifications/notification-text.js';

const NOW = Date.UTC(2025, 10, 24, 12, 0, 0);
const DAY = 86_400_000;
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('notificationFor', () => {
  it.each<[DaemonEvent, string, string]>([
    [
      {
        type: 'conflict',
        path: 'notes/plan.md',
        conflictCopyPath: 'notes/plan (laptop, 2025-11-24 12-00).md',
      },
      'Conflicting edits kept side by side',
      '“notes/plan.md” was changed here and on another device. Both versions are kept; the other one is “notes/plan (laptop, 2025-11-24 12-00).md”.',
    ],
    [
      { type: 'mass-delete-held', root: 'CESS', count: 1200 },
      'Large delete waiting for you',
      '1200 files were deleted in “CESS”. Nothing was deleted on CESS yet — open cess-sync to confirm or restore them.',
    ],
    [
      { type: 'territory-low', territory: 'home', freeBytes: 5, totalBytes: 100 },
      'Storage space running low',
      'Territory “home” has 5% free. Expand it to keep syncing new files.',
    ],
    [
      { type: 'territory-low', territory: 'home', freeBytes: -3, totalBytes: 0 },
      'Storage space running low',
      'Territory “home” has 0% free. Expand it to keep syncing new files.',
    ],
    [
      { type: 'territory-expiring', territory: 'home', expiresAt: NOW + 3 * DAY - 1000 },
      'Storage territory expiring',
      'Territory “home” expires in 3 days. Renew it so your files stay stored.',
    ],
    [
      { type: 'territory-expiring', territory: 'home', expiresAt: NOW + DAY / 2 },
      'Storage territory expiring',
      'Territory “home” expires within a day. Renew it so your files stay stored.',
    ],
    [
      { type: 'territory-expiring', territory: 'home', expiresAt: NOW - DAY },
      'Storage territory expiring',
      'Territory “home” has expired. Renew it so your files stay stored.',
    ],
    [
      { type: 'share-received', from: ALICE, fileName: 'budget.xlsx' },
      'File shared with you',
      '5Grwva…GKutQY shared “budget.xlsx”. Open cess-sync to accept it.',
    ],
  ])('%j', (event, title, body) => {
    expect(notificationFor(event, NOW)).toEqual({ title, body });
  });

  it('says "1 file" for a single held delete', () => {
    expect(notificationFor({ type: 'mass-delete-held', root: 'R', count: 1 }, NOW)?.body).toMatch(
      /^1 file was deleted in “R”\./,
    );
  });

  it.each<DaemonEvent>([
    { type: 'file-synced', path: 'a.txt' },
    { type: 'progress', files: 2, bytesDone: 1, bytesTotal: 2 },
    { type: 'state-changed' },
  ])('routine event %j does not notify', (event) => {
    expect(notificationFor(event, NOW)).toBeNull();
  });

  it('strips bidi overrides and control characters from names other people chose', () => {
    const text = notificationFor(
      { type: 'share-received', from: ALICE, fileName: 'photo\u202Egpj.exe\r\n' },
      NOW,
    );
    expect(text?.body).toContain('“photogpj.exe”');
    expect([...(text?.body ?? '')].some((ch) => isUnsafeCodePoint(ch.codePointAt(0) ?? 0))).toBe(
      false,
    );
  });

  it('bounds very long names', () => {
    const text = notificationFor(
      { type: 'conflict', path: 'a'.repeat(500), conflictCopyPath: 'b' },
      NOW,
    );
    expect(text?.body.length).toBeLessThan(250);
    expect(text?.body).toContain('…');
  });

  it('shortens addresses and drops characters outside base58', () => {
    expect(shortAddress(ALICE)).toBe('5Grwva…GKutQY');
    expect(shortAddress('5Grw<b>')).toBe('5Grwb');
  });
});
