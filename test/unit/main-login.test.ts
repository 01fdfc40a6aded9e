import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HIDDEN_FLAG,
  loginExecutable,
  loginItemAtStartup,
  loginItemMechanism,
  revealForSetup,
  windowAtLaunch,
  type LoginItemMechanism,
  type LoginItemStartup,
} from '../../src/main/login/login-item.js';
import {
  autostartDesktopEntry,
  autostartFilePath,
  isAutostartEnabled,
  quoteExecArg,
  setAutostart,
} from '../../src/main/login/xdg-autostart.js';
import {
  DEFAULT_SHELL_SETTINGS,
  loadShellSettings,
  saveShellSettings,
  SHELL_SETTINGS_FILE,
} from '../../src/main/shell-settings.js';

describe('loginItemMechanism', () => {
  it.each<[NodeJS.Platform, boolean, LoginItemMechanism['kind']]>([
    ['darwin', true, 'electron'],
    ['win32', true, 'electron'],
    ['linux', true, 'xdg-autostart'],
    ['freebsd', true, 'xdg-autostart'],
    ['aix', true, 'none'],
    ['linux', false, 'none'],
    ['darwin', false, 'none'],
  ])('%s, packaged %s -> %s', (platform, packaged, kind) => {
    expect(loginItemMechanism(platform, packaged).kind).toBe(kind);
  });
});

describe('loginItemAtStartup', () => {
  const xdg: LoginItemMechanism = { kind: 'xdg-autostart' };
  const electron: LoginItemMechanism = { kind: 'electron' };
  const none: LoginItemMechanism = { kind: 'none', reason: 'dev' };
  it.each<[LoginItemMechanism, boolean, boolean, LoginItemStartup['action']]>([
    // mechanism, default applied before, enabled now -> action
    [xdg, false, false, 'enable-default'],
    [electron, false, false, 'enable-default'],
    [xdg, false, true, 'none'],
    [xdg, true, false, 'none'], // the user turned it off: it stays off
    [electron, true, false, 'none'],
    [xdg, true, true, 'refresh'], // keep Exec pointing at this copy of the app
    [electron, true, true, 'none'],
    [none, false, false, 'none'],
  ])('%j, applied %s, enabled %s -> %s', (mechanism, applied, enabled, action) => {
    expect(loginItemAtStartup(mechanism, { defaultApplied: applied }, enabled).action).toBe(action);
  });

  it('starts the AppImage file, not its temporary mount', () => {
    expect(
      loginExecutable('/tmp/.mount_cessXY/cess-sync', {
        APPIMAGE: '/home/ana/Apps/cess-sync.AppImage',
      }),
    ).toBe('/home/ana/Apps/cess-sync.AppImage');
    expect(loginExecutable('/opt/cess-sync/cess-sync', {})).toBe('/opt/cess-sync/cess-sync');
  });
});

describe('windowAtLaunch and revealForSetup', () => {
  it('keeps a login start in the tray, shows the window otherwise', () => {
    expect(windowAtLaunch(['/opt/cess-sync/cess-sync'], false)).toBe('show');
    expect(windowAtLaunch(['/opt/cess-sync/cess-sync', HIDDEN_FLAG], false)).toBe('tray-only');
    expect(windowAtLaunch(['/Applications/cess-sync.app/Contents/MacOS/cess-sync'], true)).toBe(
      'tray-only',
    );
  });

  it('opens the window once when a tray-only start finds the device not set up', () => {
    const setup = { kind: 'needs-setup' };
    expect(revealForSetup(false, setup, false)).toBe(true);
    expect(revealForSetup(false, setup, true)).toBe(false);
    expect(revealForSetup(true, setup, false)).toBe(false);
    expect(revealForSetup(false, { kind: 'synced' }, false)).toBe(false);
  });
});

describe('XDG autostart entry', () => {
  it('finds the autostart directory per the base directory spec', () => {
    expect(autostartFilePath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/ana')).toBe(
      '/x/cfg/autostart/cess-sync.desktop',
    );
    // Relative or empty XDG_CONFIG_HOME is invalid and ignored.
    expect(autostartFilePath({ XDG_CONFIG_HOME: 'cfg' }, '/home/ana')).toBe(
      '/home/ana/.config/autostart/cess-sync.desktop',
    );
    expect(autostartFilePath({ XDG_CONFIG_HOME: '' }, '/home/ana')).toBe(
      '/home/ana/.config/autostart/cess-sync.desktop',
    );
    expect(autostartFilePath({}, '/home/ana')).toBe(
      '/home/ana/.config/autostart/cess-sync.desktop',
    );
  });

  it.each([
    ['/opt/cess-sync/cess-sync', '/opt/cess-sync/cess-sync'],
    ['--hidden', '--hidden'],
    ['/home/ana/My Apps/cess-sync.AppImage', '"/home/ana/My Apps/cess-sync.AppImage"'],
    ['50%', '50%%'],
    ['a"b', '"a\\\\"b"'],
    ['$HOME', '"\\\\$HOME"'],
    ['back\\slash', '"back\\\\\\\\slash"'],
    ['tick`', '"tick\\\\`"'],
    ['', '""'],
  ])('quotes the Exec argument %j as %s', (arg, quoted) => {
    expect(quoteExecArg(arg)).toBe(quoted);
  });

  it('refuses what an Exec line cannot hold', () => {
    expect(() => quoteExecArg('a\nb')).toThrow(/line break/);
    expect(() => autostartDesktopEntry({ exec: 'cess-sync', args: [] })).toThrow(/absolute/);
  });

  it('writes a valid entry', () => {
    expect(autostartDesktopEntry({ exec: '/opt/cess sync/cess-sync', args: [HIDDEN_FLAG] })).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Version=1.5',
        'Name=cess-sync',
        'Comment=Keep folders in sync with CESS, end-to-end encrypted',
        'Exec="/opt/cess sync/cess-sync" --hidden',
        'Icon=cess-sync',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
  });

  describe('on disk (a temporary XDG_CONFIG_HOME)', () => {
    let configHome: string;
    let file: string;
    beforeEach(async () => {
      configHome = await mkdtemp(path.join(tmpdir(), 'cess-sync-xdg-'));
      file = autostartFilePath({ XDG_CONFIG_HOME: configHome }, '/nonexistent');
    });
    afterEach(async () => {
      await rm(configHome, { recursive: true, force: true });
    });

    it('creates, refreshes and removes the entry', async () => {
      expect(await isAutostartEnabled(file)).toBe(false);
      await setAutostart(file, { exec: '/opt/a/cess-sync', args: [HIDDEN_FLAG] });
      expect(await isAutostartEnabled(file)).toBe(true);
      expect(await readFile(file, 'utf8')).toContain('Exec=/opt/a/cess-sync --hidden\n');
      await setAutostart(file, { exec: '/opt/b/cess-sync', args: [HIDDEN_FLAG] });
      expect(await readFile(file, 'utf8')).toContain('Exec=/opt/b/cess-sync --hidden\n');
      await setAutostart(file, null);
      expect(await isAutostartEnabled(file)).toBe(false);
      await setAutostart(file, null); // removing twice is fine
    });

    it('reads an entry the desktop switched off as off', async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, '[Desktop Entry]\nType=Application\nExec=/x\nHidden=true\n');
      expect(await isAutostartEnabled(file)).toBe(false);
      await writeFile(file, '[Desktop Entry]\nExec=/x\nX-GNOME-Autostart-enabled=false\n');
      expect(await isAutostartEnabled(file)).toBe(false);
    });
  });
});

describe('shell settings file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-shell-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips, and falls back to defaults on a missing or broken file', async () => {
    expect(await loadShellSettings(dir)).toEqual(DEFAULT_SHELL_SETTINGS);
    await saveShellSettings(dir, { version: 1, loginItem: { defaultApplied: true } });
    expect(await loadShellSettings(dir)).toEqual({
      version: 1,
      loginItem: { defaultApplied: true },
    });
    expect((await stat(path.join(dir, SHELL_SETTINGS_FILE))).mode & 0o777).toBe(0o600);
    for (const broken of [
      '{',
      '{"version":2}',
      '[]',
      '{"version":1,"loginItem":{"defaultApplied":"yes"}}',
    ]) {
      await writeFile(path.join(dir, SHELL_SETTINGS_FILE), broken);
      expect(await loadShellSettings(dir)).toEqual(DEFAULT_SHELL_SETTINGS);
    }
  });
});
