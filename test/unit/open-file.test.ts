/**
 * Opening a synced item with the OS (src/sync/engine/open-file.ts): the opener per platform,
 * the path checks (no '..', no absolute path, no symlink escape, not cess-sync's own files, no
 * launchers), and a real spawn of a recording opener through CESS_SYNC_OPENER.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OpenFileError,
  isLauncher,
  launchOpener,
  openWithOs,
  openerCommand,
  resolveOpenTarget,
} from '../../src/sync/engine/open-file.js';
import { installRecordingOpener } from '../support/recording-opener.js';

describe('openerCommand', () => {
  const abs = '/home/u/Sync/a b.txt';
  it('uses the OS opener with the path as one argv element', () => {
    expect(openerCommand(abs, false, 'linux', undefined)).toEqual({
      command: 'xdg-open',
      args: [abs],
    });
    expect(openerCommand(abs, true, 'linux', undefined)).toEqual({
      command: 'xdg-open',
      args: ['/home/u/Sync'],
    });
    expect(openerCommand(abs, false, 'darwin', undefined)).toEqual({
      command: 'open',
      args: [abs],
    });
    expect(openerCommand(abs, true, 'darwin', undefined)).toEqual({
      command: 'open',
      args: ['-R', abs],
    });
    const win = 'C:\\Users\\u\\Sync\\a b.txt';
    expect(openerCommand(win, true, 'win32', undefined)).toEqual({
      command: 'explorer.exe',
      args: [`/select,"${win}"`],
      verbatim: true,
    });
    expect(openerCommand(win, false, 'win32', undefined).args).toEqual([`"${win}"`]);
  });

  it('CESS_SYNC_OPENER replaces it: the path, with --reveal first when revealing', () => {
    expect(openerCommand(abs, false, 'linux', '/opt/rec')).toEqual({
      command: '/opt/rec',
      args: [abs],
    });
    expect(openerCommand(abs, true, 'darwin', '/opt/rec')).toEqual({
      command: '/opt/rec',
      args: ['--reveal', abs],
    });
    expect(() => openerCommand(abs, false, 'linux', 'rec')).toThrow(/absolute/);
  });
});

describe('isLauncher', () => {
  it.each([
    ['report.pdf', 0o644, false],
    ['photo.JPG', 0o600, false],
    ['app.desktop', 0o644, true],
    ['setup.EXE', 0o644, true],
    ['run.sh', 0o644, true],
    ['tool', 0o755, true],
    ['notes.txt', 0o744, true],
  ])('%s (mode %o) -> %s', (name, mode, launcher) => {
    expect(isLauncher(name, mode, 'linux')).toBe(launcher);
  });
  it('the exec bit means nothing on Windows', () => {
    expect(isLauncher('notes.txt', 0o755, 'win32')).toBe(false);
  });
});

let work: string;
let root: string;
let outside: string;

beforeAll(async () => {
  work = await realpath(await mkdtemp(path.join(tmpdir(), 'cess-sync-open-')));
  root = path.join(work, 'Sync');
  outside = path.join(work, 'outside');
  await mkdir(path.join(root, 'docs'), { recursive: true });
  await mkdir(path.join(root, '.cess-sync'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(root, 'docs', 'a b.txt'), 'hello');
  await writeFile(path.join(root, 'tool.sh'), '#!/bin/sh\n');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await symlink(outside, path.join(root, 'link-dir'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link-file.txt'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<OpenFileError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OpenFileError);
    return e as OpenFileError;
  }
  throw new Error('expected a refusal');
}

describe('resolveOpenTarget', () => {
  it('resolves a file, a folder and the folder itself', async () => {
    await expect(resolveOpenTarget({ root, rel: 'docs/a b.txt', reveal: false })).resolves.toEqual({
      abs: path.join(root, 'docs', 'a b.txt'),
      isDir: false,
    });
    await expect(resolveOpenTarget({ root, rel: 'docs', reveal: false })).resolves.toEqual({
      abs: path.join(root, 'docs'),
      isDir: true,
    });
    await expect(resolveOpenTarget({ root, rel: '', reveal: true })).resolves.toEqual({
      abs: root,
      isDir: true,
    });
  });

  it.each([
    ['../outside/secret.txt', 400, 'bad_path'],
    ['docs/../../outside/secret.txt', 400, 'bad_path'],
    ['/etc/passwd', 400, 'bad_path'],
    ['docs\\..\\..\\x', 400, 'bad_path'],
    ['link-dir/secret.txt', 400, 'bad_path'],
    ['link-file.txt', 400, 'bad_path'],
    ['.cess-sync', 400, 'bad_path'],
    ['.CESS-SYNC/manifest', 400, 'bad_path'],
    ['.cess-sync-root', 400, 'bad_path'],
    ['docs/missing.txt', 404, 'not_found'],
  ])('refuses %s (%i %s)', async (rel, status, code) => {
    const e = await refusal(resolveOpenTarget({ root, rel, reveal: false }));
    expect(e.statusCode).toBe(status);
    expect(e.code).toBe(code);
  });

  it('does not open a launcher, but reveals it', async () => {
    const e = await refusal(resolveOpenTarget({ root, rel: 'tool.sh', reveal: false }));
    expect(e).toMatchObject({ statusCode: 409, code: 'would_run' });
    await expect(resolveOpenTarget({ root, rel: 'tool.sh', reveal: true })).resolves.toMatchObject({
      isDir: false,
    });
  });

  it('a missing folder root is 404', async () => {
    const e = await refusal(
      resolveOpenTarget({ root: path.join(work, 'gone'), rel: 'x', reveal: false }),
    );
    expect(e.statusCode).toBe(404);
  });

  it('uses the on-disk spelling when it differs from the NFC path', async () => {
    const nfd = 'Cafe\u0301.txt';
    await writeFile(path.join(root, nfd), 'x');
    await expect(
      resolveOpenTarget({ root, rel: 'Caf\u00e9.txt', diskRel: nfd, reveal: false }),
    ).resolves.toMatchObject({ abs: path.join(root, nfd) });
  });
});

describe('launching', () => {
  it('spawns the opener detached with the path as its argument, and reveals with --reveal', async () => {
    const opener = await installRecordingOpener(work);
    try {
      await openWithOs({ root, rel: 'docs/a b.txt', reveal: false });
      await openWithOs({ root, rel: 'docs', reveal: true });
    } finally {
      opener.restore();
    }
    const expected = `${path.join(root, 'docs', 'a b.txt')}\n--reveal\n${path.join(root, 'docs')}\n`;
    await expect.poll(opener.calls).toBe(expected);
  });

  it('an opener that cannot start is an error, not a silent success', async () => {
    const e = await refusal(launchOpener({ command: path.join(work, 'no-such-opener'), args: [] }));
    expect(e).toMatchObject({ statusCode: 500, code: 'opener_failed' });
  });
});
