/**
 * assertNoSymlinkInPath against a real file system: a temp dir with real symlinks.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PathError,
  assertNoSymlinkInPath,
  type PathErrorCode,
} from '../../src/sync/paths/index.js';

let base: string;
let root: string;
let outside: string;

async function codeOf(p: Promise<unknown>): Promise<PathErrorCode | 'OK'> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof PathError) return e.code;
    throw e;
  }
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(nodePath.join(tmpdir(), 'cess-sync-paths-')));
  root = nodePath.join(base, 'root');
  outside = nodePath.join(base, 'outside');
  await mkdir(nodePath.join(root, 'dir', 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(nodePath.join(root, 'dir', 'file.txt'), 'x');
  await writeFile(nodePath.join(outside, 'secret.txt'), 'secret');
  // A directory symlink inside the root that points outside it.
  await symlink(outside, nodePath.join(root, 'escape'), 'dir');
  await symlink(outside, nodePath.join(root, 'dir', 'sub', 'deep-escape'), 'dir');
  // A file symlink, and a dangling one.
  await symlink(
    nodePath.join(outside, 'secret.txt'),
    nodePath.join(root, 'dir', 'link.txt'),
    'file',
  );
  await symlink(nodePath.join(base, 'nowhere'), nodePath.join(root, 'dangling'), 'file');
  // A symlink to the root itself: the root may legitimately be reached through a link.
  await symlink(root, nodePath.join(base, 'root-link'), 'dir');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('assertNoSymlinkInPath (real file system)', () => {
  it('returns the absolute path when no component is a link, existing or not', async () => {
    expect(await assertNoSymlinkInPath(root, 'dir/file.txt')).toBe(
      nodePath.join(root, 'dir', 'file.txt'),
    );
    expect(await assertNoSymlinkInPath(root, 'dir/sub/new.txt')).toBe(
      nodePath.join(root, 'dir', 'sub', 'new.txt'),
    );
    expect(await assertNoSymlinkInPath(root, 'new-dir/a/b/c.txt')).toBe(
      nodePath.join(root, 'new-dir', 'a', 'b', 'c.txt'),
    );
    expect(await assertNoSymlinkInPath(root, 'dir')).toBe(nodePath.join(root, 'dir'));
  });

  it('refuses a write through a symlinked directory that leads outside the root', async () => {
    expect(await codeOf(assertNoSymlinkInPath(root, 'escape/secret.txt'))).toBe('SYMLINK_IN_PATH');
    expect(await codeOf(assertNoSymlinkInPath(root, 'escape/new.txt'))).toBe('SYMLINK_IN_PATH');
    expect(await codeOf(assertNoSymlinkInPath(root, 'escape/a/b/c'))).toBe('SYMLINK_IN_PATH');
    expect(await codeOf(assertNoSymlinkInPath(root, 'dir/sub/deep-escape/x'))).toBe(
      'SYMLINK_IN_PATH',
    );
  });

  it('names the offending component in the error', async () => {
    await expect(assertNoSymlinkInPath(root, 'dir/sub/deep-escape/x')).rejects.toThrow(
      /dir\/sub\/deep-escape is a symbolic link/,
    );
  });

  it('refuses a symlink leaf by default (a write would follow it), allows it when asked', async () => {
    expect(await codeOf(assertNoSymlinkInPath(root, 'dir/link.txt'))).toBe('SYMLINK_IN_PATH');
    expect(await codeOf(assertNoSymlinkInPath(root, 'escape'))).toBe('SYMLINK_IN_PATH');
    expect(await codeOf(assertNoSymlinkInPath(root, 'dangling'))).toBe('SYMLINK_IN_PATH');
    expect(await codeOf(assertNoSymlinkInPath(root, 'dir/link.txt', { checkLeaf: false }))).toBe(
      'OK',
    );
    // ...but never as an ancestor
    expect(await codeOf(assertNoSymlinkInPath(root, 'escape/x', { checkLeaf: false }))).toBe(
      'SYMLINK_IN_PATH',
    );
  });

  it('refuses a file used as a directory', async () => {
    expect(await codeOf(assertNoSymlinkInPath(root, 'dir/file.txt/x'))).toBe('NOT_A_DIRECTORY');
    expect(await codeOf(assertNoSymlinkInPath(root, 'dir/file.txt/x/y'))).toBe('NOT_A_DIRECTORY');
  });

  it('does not check the root itself: a root reached through a symlink works', async () => {
    const viaLink = nodePath.join(base, 'root-link');
    expect(await assertNoSymlinkInPath(viaLink, 'dir/file.txt')).toBe(
      nodePath.join(viaLink, 'dir', 'file.txt'),
    );
    expect(await codeOf(assertNoSymlinkInPath(viaLink, 'escape/x'))).toBe('SYMLINK_IN_PATH');
  });

  it('applies every resolveInsideRoot rule before touching the disk', async () => {
    let calls = 0;
    const lstat = async (): Promise<never> => {
      calls++;
      throw Object.assign(new Error('no'), { code: 'ENOENT' });
    };
    expect(await codeOf(assertNoSymlinkInPath(root, '../outside/secret.txt', { lstat }))).toBe(
      'DOT_DOT_SEGMENT',
    );
    expect(await codeOf(assertNoSymlinkInPath(root, '/etc/passwd', { lstat }))).toBe(
      'ABSOLUTE_PATH',
    );
    expect(calls).toBe(0);
  });

  it('passes other lstat errors through', async () => {
    const lstat = async (): Promise<never> => {
      throw Object.assign(new Error('denied'), { code: 'EACCES' });
    };
    await expect(assertNoSymlinkInPath(root, 'a/b', { lstat })).rejects.toThrow('denied');
  });

  it('checks components top-down with an injected lstat (fake file system)', async () => {
    const seen: string[] = [];
    const lstat = async (p: string) => {
      seen.push(p);
      return { isSymbolicLink: () => p.endsWith('/b'), isDirectory: () => true };
    };
    expect(await codeOf(assertNoSymlinkInPath('/r', 'a/b/c', { lstat, platform: 'posix' }))).toBe(
      'SYMLINK_IN_PATH',
    );
    expect(seen).toEqual(['/r/a', '/r/a/b']);
  });
});
