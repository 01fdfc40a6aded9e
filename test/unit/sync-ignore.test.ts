import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IgnoreFileError, IgnoreMatcher } from '../../src/sync/ignore/index.js';
import { PathError } from '../../src/sync/paths/index.js';

describe('built-in rules', () => {
  const m = IgnoreMatcher.fromRules('');
  const ignoredFiles = [
    '.DS_Store',
    'a/b/.DS_Store',
    '._photo.jpg',
    'Thumbs.db',
    'pics/thumbs.db', // case-insensitive
    'desktop.ini',
    'Desktop.ini',
    'docs/~$report.docx',
    'docs/.~lock.report.odt#',
    'src/.main.c.swp',
    'notes.swp',
    'notes.swx',
    '.notes.txt.swo',
    'file.txt~',
    '.#file.txt',
    'setup.tmp',
    'movie.mkv.part',
    'big.iso.crdownload',
    'Icon\r',
    'dir/Icon\r',
    '.cess-sync-root',
  ];
  it.each(ignoredFiles)('ignores file %j', (p) => {
    expect(m.ignores(p, false)).toBe(true);
  });

  const ignoredDirs = [
    '.cess-sync',
    '.Trashes',
    '$RECYCLE.BIN',
    'System Volume Information',
    '.Spotlight-V100',
    '.fseventsd',
  ];
  it.each(ignoredDirs)('ignores directory %j and everything below it', (d) => {
    expect(m.ignores(d, true)).toBe(true);
    expect(m.ignores(`${d}/`, false)).toBe(true); // trailing slash marks a directory too
    expect(m.ignores(`${d}/state.db`, false)).toBe(true);
    expect(m.ignores(`${d}/x/y/z`, true)).toBe(true);
  });

  const kept = [
    'README.md',
    'DS_Store.txt',
    'Thumbs.db.txt',
    'part',
    'partial.txt',
    'report.docx',
    'file~.txt',
    'a.tmp.txt',
    'Icon',
    'cess-sync',
    '.cess-syncx',
    '.cessignore', // synced like .gitignore
    'dir/.cess-sync-rootx',
    'swp',
    '.swp.txt',
  ];
  it.each(kept)('keeps %j', (p) => {
    expect(m.ignores(p, false)).toBe(false);
  });

  it('directory-only built-ins do not match a file of that name', () => {
    expect(m.ignores('.Trashes', false)).toBe(false);
    expect(m.ignores('.cess-sync', false)).toBe(false);
  });

  it('our metadata and marker are ignored at any depth', () => {
    expect(m.ignores('nested/root/.cess-sync', true)).toBe(true);
    expect(m.ignores('nested/root/.cess-sync/db', false)).toBe(true);
    expect(m.ignores('nested/root/.cess-sync-root', false)).toBe(true);
    expect(m.ignores('.CESS-SYNC/db', false)).toBe(true); // same directory on a case-insensitive disk
  });

  it('useDefaults: false keeps only the mandatory rules', () => {
    const bare = IgnoreMatcher.fromRules('', { useDefaults: false });
    expect(bare.ignores('.DS_Store', false)).toBe(false);
    expect(bare.ignores('Icon\r', false)).toBe(false);
    expect(bare.ignores('.cess-sync/db', false)).toBe(true);
    expect(bare.ignores('.cess-sync-root', false)).toBe(true);
  });
});

describe('.cessignore patterns', () => {
  const rules = [
    '# comment',
    '',
    'build/',
    '*.log',
    '!keep.log',
    '/top-only.txt',
    'node_modules',
    'docs/**/*.pdf',
    '!docs/public/*.pdf',
    'secret/',
    '!secret/not-really.txt',
    '\\#literal-hash',
    'trailing-space\\ ',
    'caf\u0065\u0301/', // NFD in the file
    '!*.tmp', // re-include a default
  ].join('\n');
  const m = IgnoreMatcher.fromRules(rules);

  const table: [string, boolean, boolean][] = [
    ['build', true, true],
    ['build', false, false], // 'build/' matches directories only
    ['build/out.js', false, true],
    ['a/b/build/x/y.js', false, true],
    ['app.log', false, true],
    ['logs/app.log', false, true],
    ['keep.log', false, false], // negation
    ['sub/keep.log', false, false],
    ['top-only.txt', false, true],
    ['sub/top-only.txt', false, false], // anchored
    ['node_modules', true, true],
    ['pkg/node_modules/x/index.js', false, true],
    ['docs/a/b/manual.pdf', false, true],
    ['docs/manual.pdf', false, true],
    ['docs/public/flyer.pdf', false, false],
    ['secret/not-really.txt', false, true], // a file in an ignored dir cannot be re-included (git semantics)
    ['#literal-hash', false, true],
    ['trailing-space ', false, true],
    ['trailing-space', false, false],
    ['caf\u00e9/menu.txt', false, true], // NFC path, NFD pattern
    ['cafe\u0301/menu.txt', false, true], // NFD path too
    ['setup.tmp', false, false], // default re-included by the user
    ['.DS_Store', false, true], // other defaults still apply
    ['src/main.ts', false, false],
  ];
  it.each(table)('%j (dir=%s) ignored=%s', (p, isDir, expected) => {
    expect(m.ignores(p, isDir)).toBe(expected);
  });

  it('a user negation cannot re-include our metadata', () => {
    const hostile = IgnoreMatcher.fromRules('!.cess-sync/\n!.cess-sync/**\n!.cess-sync-root');
    expect(hostile.ignores('.cess-sync/db', false)).toBe(true);
    expect(hostile.ignores('.cess-sync-root', false)).toBe(true);
  });

  it('is case-insensitive by default and case-sensitive on request', () => {
    expect(IgnoreMatcher.fromRules('Build/').ignores('build/x', false)).toBe(true);
    expect(IgnoreMatcher.fromRules('Build/', { ignoreCase: false }).ignores('build/x', false)).toBe(
      false,
    );
    expect(IgnoreMatcher.fromRules('Build/', { ignoreCase: false }).ignores('Build/x', false)).toBe(
      true,
    );
  });

  it('handles CRLF line ends and a BOM', () => {
    const crlf = IgnoreMatcher.fromRules('\ufeff*.bak\r\nout/\r\n');
    expect(crlf.ignores('a.bak', false)).toBe(true);
    expect(crlf.ignores('out/x', false)).toBe(true);
  });

  it('explain says which layer and which rule decided', () => {
    const x = IgnoreMatcher.fromRules('*.log', { exclusions: ['Photos'] });
    expect(x.explain('a.log', false)).toEqual({
      ignored: true,
      source: 'cessignore',
      pattern: '*.log',
    });
    expect(x.explain('.DS_Store', false)).toEqual({
      ignored: true,
      source: 'default',
      pattern: '.DS_Store',
    });
    expect(x.explain('Photos/2024/a.jpg', false)).toEqual({
      ignored: true,
      source: 'exclusion',
      pattern: 'Photos',
    });
    expect(x.explain('.cess-sync/db', false)).toEqual({
      ignored: true,
      source: 'mandatory',
      pattern: '.cess-sync/',
    });
    expect(x.explain('Icon\r', false)).toEqual({
      ignored: true,
      source: 'default',
      pattern: 'Icon\r',
    });
    expect(x.explain('a.txt', false)).toEqual({ ignored: false });
  });

  it('refuses paths that are not relative sync paths', () => {
    for (const bad of ['', '/abs', './a', 'a/../b', 'a//b', '..']) {
      expect(() => m.ignores(bad, false), bad).toThrow(PathError);
    }
  });
});

describe('selective-sync exclusions', () => {
  const m = IgnoreMatcher.fromRules('', { exclusions: ['Photos', '/Work/Archive/', 'glob[1]*'] });

  it('excludes the folder and everything below it, and nothing else', () => {
    expect(m.ignores('Photos', true)).toBe(true);
    expect(m.ignores('Photos/2024/a.jpg', false)).toBe(true);
    expect(m.ignores('Work/Archive', true)).toBe(true);
    expect(m.ignores('Work/Archive/old/x.txt', false)).toBe(true);
    expect(m.ignores('Work/Current/x.txt', false)).toBe(false);
    expect(m.ignores('Work', true)).toBe(false);
    expect(m.ignores('Photos2/a.jpg', false)).toBe(false); // prefix of a name is not a parent
    expect(m.ignores('Other/Photos/a.jpg', false)).toBe(false); // exclusions are root-relative
  });

  it('takes exclusions literally, not as globs', () => {
    expect(m.ignores('glob[1]*/x', false)).toBe(true);
    expect(m.ignores('glob1', true)).toBe(false);
  });

  it('matches NFC and NFD spellings alike', () => {
    const x = IgnoreMatcher.fromRules('', { exclusions: ['cafe\u0301'] });
    expect(x.exclusions).toEqual(['caf\u00e9']);
    expect(x.ignores('caf\u00e9/a', false)).toBe(true);
    expect(x.ignores('cafe\u0301/a', false)).toBe(true);
  });

  it('can be replaced, and a negation in .cessignore cannot re-include an excluded folder', () => {
    const x = IgnoreMatcher.fromRules('!Photos/\n!Photos/**', { exclusions: ['Photos'] });
    expect(x.ignores('Photos/a.jpg', false)).toBe(true);
    x.setExclusions(['Videos']);
    expect(x.exclusions).toEqual(['Videos']);
    expect(x.ignores('Photos/a.jpg', false)).toBe(false);
    expect(x.ignores('Videos/a.mp4', false)).toBe(true);
  });

  it('refuses an exclusion that is not a sync path', () => {
    expect(() => IgnoreMatcher.fromRules('', { exclusions: ['../x'] })).toThrow(PathError);
    expect(() => IgnoreMatcher.fromRules('', { exclusions: [''] })).toThrow(PathError);
  });
});

describe('IgnoreMatcher.load and reload (real file system)', () => {
  let root: string;
  beforeEach(async () => {
    root = await realpath(await mkdtemp(nodePath.join(tmpdir(), 'cess-sync-ignore-')));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('works without a .cessignore', async () => {
    const m = await IgnoreMatcher.load(root);
    expect(m.root).toBe(root);
    expect(m.ignores('a.log', false)).toBe(false);
    expect(m.ignores('.DS_Store', false)).toBe(true);
  });

  it('reads .cessignore and reloads it when it changes', async () => {
    await writeFile(nodePath.join(root, '.cessignore'), '*.log\n');
    const m = await IgnoreMatcher.load(root, { exclusions: ['Photos'] });
    expect(m.ignores('a.log', false)).toBe(true);
    expect(m.ignores('a.bak', false)).toBe(false);
    expect(await m.reload()).toBe(false); // unchanged

    await writeFile(nodePath.join(root, '.cessignore'), '*.bak\n');
    expect(await m.reload()).toBe(true);
    expect(m.ignores('a.log', false)).toBe(false);
    expect(m.ignores('a.bak', false)).toBe(true);
    expect(m.ignores('Photos/x', false)).toBe(true); // exclusions survive a reload

    await rm(nodePath.join(root, '.cessignore'));
    expect(await m.reload()).toBe(true);
    expect(m.ignores('a.bak', false)).toBe(false);
  });

  it('does not follow a symlinked .cessignore, and keeps the old rules when reload fails', async () => {
    await writeFile(nodePath.join(root, '.cessignore'), '*.log\n');
    const m = await IgnoreMatcher.load(root);
    await rm(nodePath.join(root, '.cessignore'));
    await mkdir(nodePath.join(root, 'elsewhere'));
    await writeFile(nodePath.join(root, 'elsewhere', 'rules'), '*.bak\n');
    await symlink(nodePath.join(root, 'elsewhere', 'rules'), nodePath.join(root, '.cessignore'));

    await expect(m.reload()).rejects.toBeInstanceOf(IgnoreFileError);
    await expect(m.reload()).rejects.toMatchObject({ code: 'IGNORE_FILE_NOT_REGULAR' });
    expect(m.ignores('a.log', false)).toBe(true); // previous rules still in force
    await expect(IgnoreMatcher.load(root)).rejects.toMatchObject({
      code: 'IGNORE_FILE_NOT_REGULAR',
    });
  });

  it('refuses a .cessignore that is a directory or too large', async () => {
    await mkdir(nodePath.join(root, '.cessignore'));
    await expect(IgnoreMatcher.load(root)).rejects.toMatchObject({
      code: 'IGNORE_FILE_NOT_REGULAR',
    });
    await rm(nodePath.join(root, '.cessignore'), { recursive: true });
    await writeFile(nodePath.join(root, '.cessignore'), 'x'.repeat(100));
    await expect(IgnoreMatcher.load(root, { maxIgnoreFileBytes: 50 })).rejects.toMatchObject({
      code: 'IGNORE_FILE_TOO_LARGE',
    });
  });

  it('a matcher built from text has nothing to reload', async () => {
    expect(await IgnoreMatcher.fromRules('*.log').reload()).toBe(false);
  });
});
