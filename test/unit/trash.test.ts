/**
 * The local trash (moveToTrash): what sync deletes or overwrites on this disk is moved to
 * <root>/.cess-sync/trash/<time>/<path>, and nothing already in the trash is replaced. The
 * clock is frozen so that every move lands in the same millisecond, as a pass's deletes often do.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { moveToTrash } from '../../src/sync/engine/folder-sync.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'cess-sync-trash-'));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:00:00.000Z'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(root, { recursive: true, force: true });
});

const trash = (): string => path.join(root, '.cess-sync', 'trash', '2026-11-24T10-00-00-000Z');

describe('moveToTrash', () => {
  it('a folder whose files were trashed first in the same millisecond is removed, the files kept', async () => {
    await mkdir(path.join(root, 'd'));
    await writeFile(path.join(root, 'd', 'a.txt'), 'a');
    await moveToTrash(root, 'd/a.txt');
    await moveToTrash(root, 'd');
    expect(await readdir(root)).toEqual(['.cess-sync']);
    expect(await readFile(path.join(trash(), 'd', 'a.txt'), 'utf8')).toBe('a');
  });

  it('a path trashed twice in one millisecond keeps both versions', async () => {
    await writeFile(path.join(root, 'f.txt'), 'first');
    await moveToTrash(root, 'f.txt');
    await writeFile(path.join(root, 'f.txt'), 'second');
    await moveToTrash(root, 'f.txt');
    expect(await readFile(path.join(trash(), 'f.txt'), 'utf8')).toBe('first');
    expect(await readFile(path.join(trash(), 'f.txt.2'), 'utf8')).toBe('second');
  });

  it('a folder that still holds files is kept whole under a new name', async () => {
    await mkdir(path.join(root, 'd'));
    await writeFile(path.join(root, 'd', 'a.txt'), 'a');
    await moveToTrash(root, 'd/a.txt');
    await writeFile(path.join(root, 'd', 'b.txt'), 'b');
    await moveToTrash(root, 'd');
    expect(await readFile(path.join(trash(), 'd', 'a.txt'), 'utf8')).toBe('a');
    expect(await readFile(path.join(trash(), 'd.2', 'b.txt'), 'utf8')).toBe('b');
  });
});
