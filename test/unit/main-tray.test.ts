import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { toMenuTemplate } from '../../src/main/tray/menu-template.js';
import {
  ellipsizeMiddle,
  formatBytes,
  menuSafe,
  TRAY_ICON_FILES,
  trayModel,
} from '../../src/main/tray/tray-model.js';
import type { SyncState, TrayAction, TrayMenuItem } from '../../src/main/tray/tray-model.js';

const recent = [
  { path: '/home/ana/CESS/report.pdf', displayName: 'report.pdf' },
  { path: '/home/ana/CESS/photos/cat.jpg', displayName: 'photos/cat.jpg' },
];

function labels(items: readonly TrayMenuItem[]): string[] {
  return items.map((i) => (i.type === 'separator' ? '---' : i.label));
}

describe('trayModel', () => {
  it.each<[SyncState, string, string]>([
    [{ kind: 'synced' }, 'tray-synced.png', 'Up to date'],
    [
      { kind: 'syncing', files: 3, bytesDone: 1536, bytesTotal: 3 * 1024 * 1024 },
      'tray-syncing.png',
      'Syncing 3 files — 1.5 KiB of 3.0 MiB (0%)',
    ],
    [
      { kind: 'syncing', files: 1, bytesDone: 50, bytesTotal: 100 },
      'tray-syncing.png',
      'Syncing 1 file — 50 B of 100 B (50%)',
    ],
    [
      { kind: 'syncing', files: 2, bytesDone: 0, bytesTotal: 0 },
      'tray-syncing.png',
      'Syncing 2 files…',
    ],
    [
      { kind: 'syncing', files: 2, bytesDone: 500, bytesTotal: 100 },
      'tray-syncing.png',
      'Syncing 2 files — 100 B of 100 B (100%)',
    ],
    [{ kind: 'paused' }, 'tray-paused.png', 'Paused'],
    [{ kind: 'offline' }, 'tray-offline.png', 'Offline — waiting for the network'],
    [
      { kind: 'error', message: 'Gateway refused the upload' },
      'tray-error.png',
      'Error: Gateway refused the upload',
    ],
    [{ kind: 'error', message: '' }, 'tray-error.png', 'Error: unknown problem'],
    [{ kind: 'starting' }, 'tray-syncing.png', 'Starting the sync engine…'],
    [
      { kind: 'needs-setup', what: 'account' },
      'tray-paused.png',
      'Not set up — open cess-sync to begin',
    ],
    [
      { kind: 'needs-setup', what: 'folder' },
      'tray-paused.png',
      'No folder synced yet — open cess-sync to pick one',
    ],
  ])('%j -> %s, "%s"', (state, icon, status) => {
    const model = trayModel({ state, recentFiles: recent });
    expect(model.icon).toBe(icon);
    expect(model.tooltip).toBe(`cess-sync — ${status}`);
    expect(model.menu[0]).toEqual({ type: 'normal', label: status, enabled: false, action: null });
  });

  it('has the same menu shape in every state, with pause/resume toggled', () => {
    const running = trayModel({ state: { kind: 'synced' }, recentFiles: recent });
    expect(labels(running.menu).slice(1)).toEqual([
      '---',
      'Open sync folder',
      'Pause syncing',
      'Recent files',
      '---',
      'Open cess-sync',
      'Quit cess-sync',
    ]);
    const paused = trayModel({ state: { kind: 'paused' }, recentFiles: recent });
    expect(paused.menu[3]).toEqual({
      type: 'normal',
      label: 'Resume syncing',
      enabled: true,
      action: { kind: 'resume' },
    });
    for (const kind of ['offline', 'error', 'syncing'] as const) {
      const state: SyncState =
        kind === 'error'
          ? { kind, message: 'x' }
          : kind === 'syncing'
            ? { kind, files: 1, bytesDone: 0, bytesTotal: 1 }
            : { kind };
      expect(trayModel({ state, recentFiles: [] }).menu[3]).toMatchObject({
        label: 'Pause syncing',
        action: { kind: 'pause' },
      });
    }
  });

  it('offers a restart instead of pause while the engine is down, and no pause before it runs', () => {
    const down = trayModel({
      state: { kind: 'error', message: 'Sync engine keeps stopping', daemonDown: true },
      recentFiles: [],
    });
    expect(down.menu[3]).toEqual({
      type: 'normal',
      label: 'Restart sync engine',
      enabled: true,
      action: { kind: 'restart-daemon' },
    });
    for (const state of [
      { kind: 'starting' },
      { kind: 'needs-setup', what: 'account' },
    ] satisfies SyncState[]) {
      expect(trayModel({ state, recentFiles: [] }).menu[3]).toMatchObject({
        label: 'Pause syncing',
        enabled: false,
      });
    }
  });

  it('has a start-at-login checkbox where the platform supports it', () => {
    const labelsOf = (openAtLogin: boolean | null): string[] =>
      labels(trayModel({ state: { kind: 'synced' }, recentFiles: [], openAtLogin }).menu);
    expect(labelsOf(null)).not.toContain('Start cess-sync at login');
    expect(labelsOf(true).slice(-3)).toEqual([
      'Open cess-sync',
      'Start cess-sync at login',
      'Quit cess-sync',
    ]);
    for (const on of [true, false]) {
      const item = trayModel({ state: { kind: 'synced' }, recentFiles: [], openAtLogin: on })
        .menu[7];
      expect(item).toEqual({
        type: 'checkbox',
        label: 'Start cess-sync at login',
        checked: on,
        action: { kind: 'set-open-at-login', enabled: !on },
      });
    }
  });

  it('lists recent files in a submenu, at most ten, disabled when empty', () => {
    const many = Array.from({ length: 14 }, (_, i) => ({ path: `/r/f${i}`, displayName: `f${i}` }));
    const sub = trayModel({ state: { kind: 'synced' }, recentFiles: many }).menu[4];
    expect(sub?.type).toBe('submenu');
    if (sub?.type !== 'submenu') return;
    expect(sub.items).toHaveLength(10);
    expect(sub.items[0]).toEqual({
      type: 'normal',
      label: 'f0',
      enabled: true,
      action: { kind: 'open-recent', path: '/r/f0' },
    });
    expect(trayModel({ state: { kind: 'synced' }, recentFiles: [] }).menu[4]).toEqual({
      type: 'submenu',
      label: 'Recent files',
      enabled: false,
      items: [],
    });
  });

  it('neutralises hostile file names in menu labels', () => {
    const sub = trayModel({
      state: { kind: 'synced' },
      recentFiles: [{ path: '/r/x', displayName: 'invoice\u202Efdp.exe\n&Quit' }],
    }).menu[4];
    if (sub?.type !== 'submenu') throw new Error('expected submenu');
    expect(sub.items[0]).toMatchObject({ label: 'invoicefdp.exe&&Quit' });
    expect(menuSafe('a\u0000b\u2066c')).toBe('abc');
    expect(ellipsizeMiddle('x'.repeat(100), 10)).toBe('xxxxx…xxxx');
    expect(ellipsizeMiddle('short', 10)).toBe('short');
  });

  it('every icon it names is a committed PNG of the right size, with a @2x sibling', () => {
    for (const file of TRAY_ICON_FILES) {
      for (const [name, size] of [
        [file, 16],
        [file.replace('.png', '@2x.png'), 32],
      ] as const) {
        const url = new URL(`../../assets/${name}`, import.meta.url);
        expect(existsSync(url), name).toBe(true);
        const png = readFileSync(url);
        expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
      }
    }
    const states: SyncState[] = [
      { kind: 'synced' },
      { kind: 'syncing', files: 1, bytesDone: 0, bytesTotal: 1 },
      { kind: 'paused' },
      { kind: 'offline' },
      { kind: 'error', message: 'x' },
      { kind: 'starting' },
      { kind: 'needs-setup', what: 'folder' },
    ];
    const used = new Set(states.map((state) => trayModel({ state, recentFiles: [] }).icon));
    expect([...used].sort()).toEqual([...TRAY_ICON_FILES].sort());
  });

  it('formats byte counts in binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3, 2 * 1024 ** 5].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 GiB',
      '2048.0 TiB',
    ]);
  });
});

describe('toMenuTemplate', () => {
  it('maps the model to an Electron template whose clicks dispatch the actions', () => {
    const dispatch = vi.fn<(action: TrayAction) => void>();
    const template = toMenuTemplate(
      trayModel({ state: { kind: 'paused' }, recentFiles: recent }).menu,
      dispatch,
    );
    expect(template.map((t) => t.type ?? t.label)).toEqual([
      'Paused',
      'separator',
      'Open sync folder',
      'Resume syncing',
      'Recent files',
      'separator',
      'Open cess-sync',
      'Quit cess-sync',
    ]);
    expect(template[0]).toEqual({ label: 'Paused', enabled: false });
    const click = (item: (typeof template)[number] | undefined): void => {
      const handler = item?.click as (() => void) | undefined;
      if (handler === undefined) throw new Error('no click handler');
      handler();
    };
    click(template[3]);
    const submenu = template[4]?.submenu;
    if (!Array.isArray(submenu)) throw new Error('expected submenu array');
    click(submenu[1]);
    click(template[7]);
    expect(dispatch.mock.calls.map((c) => c[0])).toEqual([
      { kind: 'resume' },
      { kind: 'open-recent', path: '/home/ana/CESS/photos/cat.jpg' },
      { kind: 'quit' },
    ]);
  });

  it('maps the checkbox with its state and click', () => {
    const dispatch = vi.fn<(action: TrayAction) => void>();
    const template = toMenuTemplate(
      trayModel({ state: { kind: 'synced' }, recentFiles: [], openAtLogin: false }).menu,
      dispatch,
    );
    const item = template.find((t) => t.type === 'checkbox');
    expect(item).toMatchObject({ label: 'Start cess-sync at login', checked: false });
    (item?.click as () => void)();
    expect(dispatch).toHaveBeenCalledWith({ kind: 'set-open-at-login', enabled: true });
  });
});
