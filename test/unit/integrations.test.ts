/**
 * The file-manager entries (src/integrations): what each generated file says, and that the
 * selected items reach the CLI as exactly those paths whatever their names. Each entry is
 * installed into a temporary XDG data directory and then RUN the way its file manager runs it,
 * with a fake `cess-sync` (test/support/fake-cli.mjs) that records its argv:
 * - Nautilus: the script executed with the names as arguments relative to the folder's working
 *   directory (and NAUTILUS_SCRIPT_SELECTED_FILE_PATHS), under dash and bash;
 * - Nemo: the action's Exec with `%U` pasted in as Nemo does, split with g_shell_parse_argv
 *   (mirrored here, and the real GLib through python3 when present);
 * - Dolphin: the service menu's Exec split and `%F` expanded per the Desktop Entry spec, and the
 *   same Exec launched by GLib's own implementation (`gio launch`).
 * Plus the installer (idempotent, atomic, never touches a file it did not write), the macOS
 * Quick Action plists and the Windows NSIS include.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localPathOf } from '../../src/cli/share-commands.js';
import {
  IntegrationError,
  checkCommand,
  defaultCliCommand,
  shareInvocation,
} from '../../src/integrations/command.js';
import {
  DOLPHIN_SERVICE_MENU,
  MARKER,
  MENU_LABEL,
  NAUTILUS_SCRIPT,
  NEMO_ACTION,
  dolphinServiceMenu,
  nautilusScript,
  nemoAction,
} from '../../src/integrations/linux.js';
import {
  WORKFLOW_NAME,
  installQuickAction,
  quickActionFiles,
  quickActionScript,
  removeQuickAction,
} from '../../src/integrations/macos.js';
import { createIntegrationService, xdgDataHome } from '../../src/integrations/service.js';
import { execArg, keyFileValue, shellQuote } from '../../src/integrations/quote.js';
import { integrationListSchema } from '../../src/sync/api/schema.js';
import {
  expandDesktopExec,
  nemoActivate,
  parseKeyFile,
  shellParseArgv,
  splitDesktopExec,
  unescapeKeyFileValue,
} from '../support/exec-lines.js';
import { glibAvailable, glibKeyFileValues, glibNemoArgv } from '../support/glib.js';

const require = createRequire(import.meta.url);
const plist = require('plist') as { parse(xml: string): unknown };

const FAKE_CLI = path.resolve(import.meta.dirname, '../support/fake-cli.mjs');
const GLIB = glibAvailable();
const GIO = spawnSync('gio', ['--version']).status === 0;

/** Names a file manager may hand over; none may change the arguments or run anything. */
const HOSTILE = [
  'plain.txt',
  'with space.txt',
  `it's "quoted".txt`,
  '$(touch PWNED).txt',
  '`touch PWNED`.txt',
  'line\nbreak.txt',
  '-rf',
  '--to',
  'back\\slash.txt',
  'ends in a backslash\\',
  'semi;colon&amp|pipe>less<.txt',
  '*glob?[x].txt',
  'tab\there.txt',
  ' leading space.txt',
  'trailing space ',
  'percent %F %U %%.txt',
  'ünïcödé 日本語.txt',
  '#hash.txt',
  '~tilde.txt',
  "'",
  '"',
  '$HOME',
  'cr\r\nlf',
];

let work: string;
/** A folder whose own name is hostile too (no newline: the env-variable fallback needs that). */
let base: string;
let absPaths: string[];
let log: string;
let stateDir: string;
let command: string[];
let invocation: string[];
let dataHome: string;

/** The fixed arguments the fake CLI receives before the paths. */
const fixed = (): string[] => invocation.slice(2);

async function recorded(): Promise<{ argv: string[]; cwd: string }[]> {
  if (!existsSync(log)) return [];
  const text = await readFile(log, 'utf8');
  await rm(log, { force: true });
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { argv: string[]; cwd: string });
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', FAKE_CLI_LOG: log, ...extra };
}

function noCommandRan(): void {
  for (const dir of [base, work, process.cwd()])
    expect(existsSync(path.join(dir, 'PWNED')), `PWNED in ${dir}`).toBe(false);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cess-sync-integrations-'));
  base = path.join(work, `Sync $(touch PWNED) "d" 'e' \\ ;&|`);
  await mkdir(base, { recursive: true });
  for (const name of HOSTILE) await writeFile(path.join(base, name), name);
  await mkdir(path.join(base, 'a folder'), { recursive: true });
  absPaths = [...HOSTILE.map((n) => path.join(base, n)), path.join(base, 'a folder')];
  log = path.join(work, 'calls.jsonl');
  stateDir = path.join(work, `state "dir" $(touch PWNED) 'x' \\ ;&|~#`);
  command = [process.execPath, FAKE_CLI];
  invocation = shareInvocation(command, stateDir);
  dataHome = path.join(work, 'xdg data');
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('quoting', () => {
  it('shellQuote round-trips through sh for every hostile name', () => {
    for (const s of HOSTILE) {
      const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(s)}`], {
        encoding: 'utf8',
      });
      expect(out).toBe(s);
    }
  });

  it('execArg + keyFileValue read back per the Desktop Entry spec, and by GLib', () => {
    for (const s of [...HOSTILE.filter((n) => !n.includes('%')), stateDir]) {
      const value = keyFileValue(`${execArg(s)} ${execArg('second')}`);
      expect(value).not.toMatch(/[\n\r\t]/);
      const parts = splitDesktopExec(unescapeKeyFileValue(value));
      expect(parts).toEqual([{ literal: s }, { literal: 'second' }]);
      expect(shellParseArgv(unescapeKeyFileValue(value))).toEqual([s, 'second']);
    }
  });

  it('refuses command parts a file-manager entry cannot carry', () => {
    expect(() => checkCommand(['relative/cli'])).toThrow(/absolute/);
    expect(() => checkCommand([])).toThrow(IntegrationError);
    expect(() => checkCommand(['/bin/cli', '50%'])).toThrow(/"%"/);
    expect(() => checkCommand(['/bin/cli', 'a\nb'])).toThrow(/control character/);
    expect(() => shareInvocation(['/bin/cli'], 'relative/state')).toThrow(/absolute/);
    expect(() => shareInvocation(['/bin/cli'], '/state/100%')).toThrow(/"%"/);
  });

  it('knows how this checkout runs its CLI, and takes an override', () => {
    const dev = defaultCliCommand({});
    expect(dev[0]).toBe(process.execPath);
    expect(dev.at(-1)).toMatch(/src\/cli\/main\.ts$/);
    expect(existsSync(dev[1]!)).toBe(true);
    expect(defaultCliCommand({ CESS_SYNC_CLI_COMMAND: '["/opt/cess-sync/cli","x"]' })).toEqual([
      '/opt/cess-sync/cli',
      'x',
    ]);
    expect(() => defaultCliCommand({ CESS_SYNC_CLI_COMMAND: '{"a":1}' })).toThrow(/JSON array/);
  });
});

describe('installing into $XDG_DATA_HOME', () => {
  const service = () =>
    createIntegrationService({
      stateDir,
      command,
      env: { XDG_DATA_HOME: dataHome, HOME: path.join(work, 'home') },
      platform: 'linux',
    });

  it('follows the XDG Base Directory spec', () => {
    expect(xdgDataHome({ XDG_DATA_HOME: '/x/data', HOME: '/home/u' })).toBe('/x/data');
    // A relative value is invalid and ignored.
    expect(xdgDataHome({ XDG_DATA_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.local/share');
    expect(xdgDataHome({ HOME: '/home/u' })).toBe('/home/u/.local/share');
  });

  it('lists the three entries, not installed, with the files they would write', async () => {
    const list = integrationListSchema.parse(await service().list());
    expect(list.integrations.map((i) => [i.id, i.installed])).toEqual([
      ['nautilus', false],
      ['nemo', false],
      ['dolphin', false],
      ['macos', false],
    ]);
    expect(list.integrations.map((i) => i.files)).toEqual([
      [path.join(dataHome, NAUTILUS_SCRIPT)],
      [path.join(dataHome, NEMO_ACTION)],
      [path.join(dataHome, DOLPHIN_SERVICE_MENU)],
      [],
    ]);
    // The macOS Quick Action is listed, as not available here, with the reason.
    expect(list.integrations[3]).toEqual({
      id: 'macos',
      label: 'Finder (macOS Quick Action)',
      installed: false,
      files: [],
      available: false,
      unavailableReason: 'Finder Quick Actions exist only on macOS; this device runs Linux.',
    });
    expect(NAUTILUS_SCRIPT).toBe('nautilus/scripts/Share with CESS…');
  });

  it('installs each with its mode, reports what it did, and is idempotent', async () => {
    const s = service();
    for (const id of ['nautilus', 'nemo', 'dolphin'] as const) {
      expect(await s.applyWithReport({ id, install: true })).toEqual([
        { path: expect.stringContaining(dataHome) as string, action: 'created' },
      ]);
      expect(await s.applyWithReport({ id, install: true })).toEqual([
        { path: expect.stringContaining(dataHome) as string, action: 'unchanged' },
      ]);
    }
    const modes = await Promise.all(
      [NAUTILUS_SCRIPT, NEMO_ACTION, DOLPHIN_SERVICE_MENU].map(
        async (f) => (await stat(path.join(dataHome, f))).mode & 0o777,
      ),
    );
    // Nautilus only offers executable scripts; KF6 only loads executable service menus.
    expect(modes).toEqual([0o755, 0o644, 0o755]);
    const list = await s.list();
    expect(list.integrations.filter((i) => i.available !== false).every((i) => i.installed)).toBe(
      true,
    );
    // Nothing but the three files (no temp file left behind).
    for (const f of [NAUTILUS_SCRIPT, NEMO_ACTION, DOLPHIN_SERVICE_MENU])
      expect(await readdir(path.dirname(path.join(dataHome, f)))).toEqual([path.basename(f)]);
  });

  it('rewrites its own file when the command changed, and restores a lost mode', async () => {
    const other = createIntegrationService({
      stateDir: path.join(work, 'other-state'),
      command,
      env: { XDG_DATA_HOME: dataHome },
      platform: 'linux',
    });
    expect((await other.applyWithReport({ id: 'nemo', install: true }))[0]?.action).toBe('updated');
    expect(await readFile(path.join(dataHome, NEMO_ACTION), 'utf8')).toContain('other-state');
    expect((await service().applyWithReport({ id: 'nemo', install: true }))[0]?.action).toBe(
      'updated',
    );
    await chmod(path.join(dataHome, NAUTILUS_SCRIPT), 0o644);
    expect((await service().applyWithReport({ id: 'nautilus', install: true }))[0]?.action).toBe(
      'updated',
    );
    expect((await stat(path.join(dataHome, NAUTILUS_SCRIPT))).mode & 0o777).toBe(0o755);
  });

  it('refuses to overwrite or delete a file it did not write, and symbolic links', async () => {
    const home = path.join(work, 'foreign');
    const s = createIntegrationService({
      stateDir,
      command,
      env: { XDG_DATA_HOME: home },
      platform: 'linux',
    });
    const mine = path.join(home, NEMO_ACTION);
    await mkdir(path.dirname(mine), { recursive: true });
    await writeFile(mine, '[Nemo Action]\nName=the user own action\n');
    const err = await s.apply({ id: 'nemo', install: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrationError);
    expect((err as IntegrationError).statusCode).toBe(409);
    expect((err as IntegrationError).message).toMatch(/not written by cess-sync/);
    await expect(s.apply({ id: 'nemo', install: false })).rejects.toThrow(/not written/);
    expect(await readFile(mine, 'utf8')).toContain('the user own action');
    expect((await s.list()).integrations.find((i) => i.id === 'nemo')?.installed).toBe(false);

    const target = path.join(work, 'link-target');
    await writeFile(target, `# ${MARKER}: looks like ours\n`);
    const script = path.join(home, NAUTILUS_SCRIPT);
    await mkdir(path.dirname(script), { recursive: true });
    await symlink(target, script);
    await expect(s.apply({ id: 'nautilus', install: true })).rejects.toThrow(/not written/);
    await expect(s.apply({ id: 'nautilus', install: false })).rejects.toThrow(/not written/);
    expect((await lstat(script)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toContain('looks like ours');
  });

  it('removes only its files, keeps the directories and the user files in them', async () => {
    const s = service();
    const scripts = path.join(dataHome, 'nautilus', 'scripts');
    await writeFile(path.join(scripts, 'my own script'), '#!/bin/sh\n');
    expect(await s.applyWithReport({ id: 'nautilus', install: false })).toEqual([
      { path: path.join(dataHome, NAUTILUS_SCRIPT), action: 'removed' },
    ]);
    expect(await s.applyWithReport({ id: 'nautilus', install: false })).toEqual([
      { path: path.join(dataHome, NAUTILUS_SCRIPT), action: 'absent' },
    ]);
    expect(await readdir(scripts)).toEqual(['my own script']);
    expect((await s.list()).integrations.map((i) => i.installed)).toEqual([
      false,
      true,
      true,
      false,
    ]);
    await s.apply({ id: 'nautilus', install: true });
  });

  it('offers no Linux entry on other systems and says why', async () => {
    const mac = createIntegrationService({
      stateDir,
      command,
      platform: 'darwin',
      env: { HOME: path.join(work, 'mac-service-home') },
    });
    expect((await mac.list()).integrations.map((i) => i.id)).toEqual(['macos']);
    await expect(mac.apply({ id: 'nautilus', install: true })).rejects.toThrow(/Linux/);
    const win = createIntegrationService({ stateDir, command, platform: 'win32' });
    expect((await win.list()).integrations).toEqual([
      expect.objectContaining({ id: 'macos', available: false }),
    ]);
  });

  it('refuses the macOS Quick Action on Linux with the reason, writing nothing', async () => {
    const home = path.join(work, 'linux-home');
    const s = createIntegrationService({
      stateDir,
      command,
      platform: 'linux',
      env: { HOME: home },
    });
    const err = await s.apply({ id: 'macos', install: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrationError);
    expect(err).toMatchObject({ statusCode: 400, code: 'unsupported' });
    expect((err as Error).message).toMatch(/only on macOS/);
    expect(existsSync(path.join(home, 'Library'))).toBe(false);
  });

  it('on macOS (platform injected): lists, installs into $HOME/Library/Services, removes', async () => {
    const home = path.join(work, 'mac-service-home');
    const bundle = path.join(home, 'Library', 'Services', WORKFLOW_NAME);
    const files = [
      path.join(bundle, 'Contents', 'Info.plist'),
      path.join(bundle, 'Contents', 'document.wflow'),
    ];
    const mac = createIntegrationService({
      stateDir,
      command,
      platform: 'darwin',
      env: { HOME: home },
    });
    const before = integrationListSchema.parse(await mac.list()).integrations;
    expect(before).toEqual([
      {
        id: 'macos',
        label: 'Finder (macOS Quick Action)',
        installed: false,
        files,
        available: true,
      },
    ]);
    expect(
      (await mac.applyWithReport({ id: 'macos', install: true })).map((r) => r.action),
    ).toEqual(['created', 'created']);
    const after = await mac.apply({ id: 'macos', install: true });
    expect(after.integrations[0]?.installed).toBe(true);
    // The bundle filled in for this daemon's share verb (its content is tested below).
    const expected = await quickActionFiles(invocation);
    for (const [n, f] of files.entries())
      expect(await readFile(f, 'utf8')).toBe(expected[n]?.content);
    expect(
      (await mac.applyWithReport({ id: 'macos', install: false })).map((r) => r.action),
    ).toEqual(['removed', 'removed']);
    expect((await mac.list()).integrations[0]?.installed).toBe(false);
    expect(existsSync(bundle)).toBe(false);
    expect(existsSync(path.join(home, 'Library', 'Services'))).toBe(true);
  });
});

describe('GNOME Files (Nautilus) script', () => {
  const script = () => path.join(dataHome, NAUTILUS_SCRIPT);

  it('is a POSIX sh script with the marker that execs the share verb', async () => {
    const text = await readFile(script(), 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).toContain(`# ${MARKER}:`);
    expect(text).toContain('NAUTILUS_SCRIPT_SELECTED_FILE_PATHS');
    expect(text).toMatch(/\nexec .* 'share' '--notify' '--' "\$@"\n$/);
    expect(text).toBe(nautilusScript(invocation));
    expect(spawnSync('/bin/sh', ['-n', script()]).status).toBe(0);
  });

  for (const shell of ['direct (/bin/sh = dash)', 'bash']) {
    it(`${shell}: relative names as Nautilus passes them reach the CLI as exact paths`, async () => {
      const names = [...HOSTILE, 'a folder'];
      // Nautilus chdirs into the folder; the inherited PWD may be stale.
      const env = childEnv({
        NAUTILUS_SCRIPT_SELECTED_FILE_PATHS: `${absPaths.join('\n')}\n`,
        PWD: '/',
      });
      const r =
        shell === 'bash'
          ? spawnSync('bash', [script(), ...names], { cwd: base, env })
          : spawnSync(script(), names, { cwd: base, env });
      expect(r.status, String(r.stderr)).toBe(0);
      expect(await recorded()).toEqual([{ argv: [...fixed(), ...absPaths], cwd: base }]);
      noCommandRan();
    });
  }

  it('search results: absolute arguments are passed as they are', async () => {
    const r = spawnSync(script(), absPaths, { cwd: work, env: childEnv() });
    expect(r.status, String(r.stderr)).toBe(0);
    expect((await recorded())[0]?.argv).toEqual([...fixed(), ...absPaths]);
  });

  it('no arguments: falls back to NAUTILUS_SCRIPT_SELECTED_FILE_PATHS', async () => {
    const noNewline = absPaths.filter((p) => !/[\n\r]/.test(p));
    const r = spawnSync(script(), [], {
      cwd: work,
      env: childEnv({ NAUTILUS_SCRIPT_SELECTED_FILE_PATHS: `${noNewline.join('\n')}\n` }),
    });
    expect(r.status, String(r.stderr)).toBe(0);
    expect((await recorded())[0]?.argv).toEqual([...fixed(), ...noNewline]);
    noCommandRan();
  });
});

describe('Nemo action', () => {
  const file = () => path.join(dataHome, NEMO_ACTION);

  it('has the keys Nemo needs, %U as the only field code, Quote=double', async () => {
    const text = await readFile(file(), 'utf8');
    expect(text).toBe(nemoAction(invocation));
    expect(text.startsWith(`# ${MARKER}:`)).toBe(true);
    const g = parseKeyFile(text).get('Nemo Action')!;
    expect(g.get('Name')).toBe(MENU_LABEL);
    expect(g.get('Selection')).toBe('notnone');
    expect(g.get('Extensions')).toBe('any;');
    expect(g.get('Quote')).toBe('double');
    expect(g.get('Active')).toBe('true');
    const exec = unescapeKeyFileValue(g.get('Exec')!);
    expect(exec.endsWith(' -- %U')).toBe(true);
    expect(exec.indexOf('%')).toBe(exec.length - 2);
  });

  it('activated on hostile names: the CLI gets one file URI per item, each the exact path', async () => {
    const g = parseKeyFile(await readFile(file(), 'utf8')).get('Nemo Action')!;
    const argv = nemoActivate(g.get('Exec')!, g.get('Quote'), absPaths);
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: base, env: childEnv() });
    expect(r.status, String(r.stderr)).toBe(0);
    const got = (await recorded())[0]!.argv;
    expect(got.slice(0, fixed().length)).toEqual(fixed());
    expect(got.slice(fixed().length).map((u) => localPathOf(u, '/nowhere'))).toEqual(absPaths);
    noCommandRan();
  });

  it.skipIf(!GLIB)(
    'the same with the real GLib (GKeyFile, g_filename_to_uri, g_shell_parse_argv)',
    async () => {
      const text = await readFile(file(), 'utf8');
      const { argv, uris } = glibNemoArgv(text, absPaths);
      expect(uris.some((u) => u.includes("'") && u.includes('$'))).toBe(true);
      const r = spawnSync(argv[0]!, argv.slice(1), { cwd: base, env: childEnv() });
      expect(r.status, String(r.stderr)).toBe(0);
      const got = (await recorded())[0]!.argv;
      expect(got).toEqual([...fixed(), ...uris]);
      expect(got.slice(fixed().length).map((u) => localPathOf(u, '/nowhere'))).toEqual(absPaths);
      noCommandRan();
    },
  );
});

describe('Dolphin (KDE) service menu', () => {
  const file = () => path.join(dataHome, DOLPHIN_SERVICE_MENU);
  const exec = async () =>
    parseKeyFile(await readFile(file(), 'utf8'))
      .get('Desktop Action cessSyncShare')!
      .get('Exec')!;

  it('is a KonqPopupMenu service for every file and folder, local only', async () => {
    const text = await readFile(file(), 'utf8');
    expect(text).toBe(dolphinServiceMenu(invocation));
    const entry = parseKeyFile(text).get('Desktop Entry')!;
    expect(entry.get('Type')).toBe('Service');
    expect(entry.get('MimeType')).toBe('all/all;');
    expect(entry.get('X-KDE-ServiceTypes')).toBe('KonqPopupMenu/Plugin');
    expect(entry.get('X-KDE-Protocols')).toBe('file');
    expect(entry.get('Actions')).toBe('cessSyncShare;');
    const action = parseKeyFile(text).get('Desktop Action cessSyncShare')!;
    expect(action.get('Name')).toBe(MENU_LABEL);
    expect(unescapeKeyFileValue(action.get('Exec')!).endsWith(' -- %F')).toBe(true);
  });

  it('%F expanded per the Desktop Entry spec: one argument per item, exact paths', async () => {
    const argv = expandDesktopExec(splitDesktopExec(unescapeKeyFileValue(await exec())), absPaths);
    expect(argv).toEqual([...invocation, ...absPaths]);
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: base, env: childEnv() });
    expect(r.status, String(r.stderr)).toBe(0);
    expect(await recorded()).toEqual([{ argv: [...fixed(), ...absPaths], cwd: base }]);
    noCommandRan();
  });

  it.skipIf(!GIO)('the same Exec launched by GLib (gio launch)', async () => {
    const app = path.join(work, 'exec-check.desktop');
    await writeFile(app, `[Desktop Entry]\nType=Application\nName=check\nExec=${await exec()}\n`);
    if (GLIB)
      expect(glibKeyFileValues(await readFile(app, 'utf8'), 'Desktop Entry', ['Exec']).Exec).toBe(
        unescapeKeyFileValue(await exec()),
      );
    const r = spawnSync('gio', ['launch', app, ...absPaths], { cwd: base, env: childEnv() });
    expect(r.status, String(r.stderr)).toBe(0);
    // gio launch does not wait for the program.
    let calls: { argv: string[] }[] = [];
    for (let i = 0; i < 100 && calls.length === 0; i++) {
      await new Promise((done) => setTimeout(done, 50));
      calls = await recorded();
    }
    expect(calls.map((c) => c.argv)).toEqual([[...fixed(), ...absPaths]]);
    noCommandRan();
  });
});

describe('macOS Quick Action', () => {
  it('fills the Automator bundle: a Finder service for any item running the verb', async () => {
    const files = await quickActionFiles(invocation);
    expect(files.map((f) => f.path)).toEqual(['Contents/Info.plist', 'Contents/document.wflow']);
    const info = plist.parse(files[0]!.content) as {
      NSServices: {
        NSMenuItem: { default: string };
        NSMessage: string;
        NSSendFileTypes: string[];
        NSRequiredContext: { NSApplicationIdentifier: string };
      }[];
    };
    expect(info.NSServices).toHaveLength(1);
    expect(info.NSServices[0]).toMatchObject({
      NSMenuItem: { default: MENU_LABEL },
      NSMessage: 'runWorkflowAsService',
      NSSendFileTypes: ['public.item'],
      NSRequiredContext: { NSApplicationIdentifier: 'com.apple.finder' },
    });
    const doc = plist.parse(files[1]!.content) as {
      actions: {
        action: { ActionParameters: Record<string, unknown>; BundleIdentifier: string };
      }[];
      workflowMetaData: Record<string, unknown>;
    };
    const action = doc.actions[0]!.action;
    expect(action.BundleIdentifier).toBe('com.apple.RunShellScript');
    expect(action.ActionParameters).toMatchObject({
      COMMAND_STRING: quickActionScript(invocation),
      inputMethod: 1, // "as arguments"
      shell: '/bin/sh',
    });
    expect(doc.workflowMetaData).toMatchObject({
      workflowTypeIdentifier: 'com.apple.Automator.servicesMenu',
      serviceInputTypeIdentifier: 'com.apple.Automator.fileSystemObject',
    });
    for (const f of files) expect(f.content).toContain(`${MARKER}:`);
  });

  it("its shell script hands Finder's items over as exact paths", async () => {
    const r = spawnSync('/bin/sh', ['-c', quickActionScript(invocation), 'sh', ...absPaths], {
      cwd: base,
      env: childEnv(),
    });
    expect(r.status, String(r.stderr)).toBe(0);
    expect((await recorded())[0]?.argv).toEqual([...fixed(), ...absPaths]);
    noCommandRan();
  });

  it('installs into ~/Library/Services and removes only its bundle', async () => {
    const home = path.join(work, 'mac-home');
    const services = path.join(home, 'Library', 'Services');
    await mkdir(services, { recursive: true });
    await writeFile(path.join(services, 'Other.workflow'), 'not ours');
    const first = await installQuickAction(invocation, home);
    expect(first.map((r) => r.action)).toEqual(['created', 'created']);
    expect((await installQuickAction(invocation, home)).map((r) => r.action)).toEqual([
      'unchanged',
      'unchanged',
    ]);
    expect(existsSync(path.join(services, WORKFLOW_NAME, 'Contents', 'Info.plist'))).toBe(true);
    expect((await removeQuickAction(home)).map((r) => r.action)).toEqual(['removed', 'removed']);
    expect(await readdir(services)).toEqual(['Other.workflow']);
  });
});

describe('Windows Explorer verb (build/installer.nsh)', () => {
  const root = new URL('../../', import.meta.url);
  const nsh = readFileSync(new URL('build/installer.nsh', root), 'utf8');

  it('is the NSIS include electron-builder.yml names', () => {
    const yaml = require('js-yaml') as { load(t: string): { nsis: { include: string } } };
    const config = yaml.load(readFileSync(new URL('electron-builder.yml', root), 'utf8'));
    expect(config.nsis.include).toBe('build/installer.nsh');
  });

  it('registers the verb for files and folders with the path quoted, and removes both', () => {
    const install = /!macro customInstall\n([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
    const uninstall = /!macro customUnInstall\n([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
    expect(install).toContain('cessSyncRegisterShareVerb "*"');
    expect(install).toContain('cessSyncRegisterShareVerb "Directory"');
    expect(nsh).toContain(
      `WriteRegStr SHCTX "Software\\Classes\\\${CLASS}\\shell\\\${CESS_SYNC_SHARE_VERB}\\command" "" '"$INSTDIR\\\${APP_EXECUTABLE_FILENAME}" share "%1"'`,
    );
    expect(nsh).toContain('!define CESS_SYNC_SHARE_VERB "CessSyncShare"');
    expect(uninstall).toContain(
      'DeleteRegKey SHCTX "Software\\Classes\\*\\shell\\${CESS_SYNC_SHARE_VERB}"',
    );
    expect(uninstall).toContain(
      'DeleteRegKey SHCTX "Software\\Classes\\Directory\\shell\\${CESS_SYNC_SHARE_VERB}"',
    );
    // ASCII only: NSIS reads a file without a BOM in the system code page.
    expect(
      [...nsh].every((c) => c === '\t' || c === '\n' || c === '\r' || (c >= ' ' && c <= '~')),
    ).toBe(true);
  });
});
