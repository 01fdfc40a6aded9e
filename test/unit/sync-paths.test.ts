import nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PathError,
  caseClashes,
  caseFoldKey,
  isNfc,
  isValidSyncPath,
  normalizeName,
  portabilityProblems,
  resolveInsideRoot,
  toSyncPath,
  type PathErrorCode,
  type PortabilityCode,
} from '../../src/sync/paths/index.js';

const ROOT = '/home/u/Sync';
const WROOT = 'C:\\Users\\u\\Sync';

function codeOf(fn: () => unknown): PathErrorCode | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (e instanceof PathError) return e.code;
    throw e;
  }
}

const nfc = 'caf\u00e9'; // café, precomposed
const nfd = 'cafe\u0301'; // café, e + combining acute

describe('resolveInsideRoot: hostile names (posix)', () => {
  const table: [string, PathErrorCode][] = [
    ['', 'EMPTY_PATH'],
    ['..', 'DOT_DOT_SEGMENT'],
    ['../x', 'DOT_DOT_SEGMENT'],
    ['a/../../b', 'DOT_DOT_SEGMENT'],
    ['a/..', 'DOT_DOT_SEGMENT'],
    ['.', 'DOT_SEGMENT'],
    ['./a', 'DOT_SEGMENT'],
    ['a/./b', 'DOT_SEGMENT'],
    ['/etc/passwd', 'ABSOLUTE_PATH'],
    ['/', 'ABSOLUTE_PATH'],
    ['\\x', 'ABSOLUTE_PATH'],
    ['C:\\x', 'DRIVE_LETTER'],
    ['C:x', 'DRIVE_LETTER'],
    ['c:/x', 'DRIVE_LETTER'],
    ['a:b', 'DRIVE_LETTER'], // a legal POSIX name, but drive-relative on Windows: refused everywhere
    ['\\\\server\\share', 'UNC_PATH'],
    ['//server/share', 'UNC_PATH'],
    ['\\\\?\\C:\\x', 'UNC_PATH'],
    ['a\\..\\..\\x', 'BACKSLASH'],
    ['a\\b', 'BACKSLASH'],
    ['a//b', 'EMPTY_SEGMENT'],
    ['a/', 'EMPTY_SEGMENT'],
    ['a\0b', 'NUL_CHAR'],
    ['a/b\0', 'NUL_CHAR'],
    ['a\nb', 'CONTROL_CHAR'],
    ['a\rb', 'CONTROL_CHAR'],
    ['a\x1fb', 'CONTROL_CHAR'],
    ['a\x7fb', 'CONTROL_CHAR'],
    ['a\ud800b', 'INVALID_UNICODE'],
    ['a\udc00', 'INVALID_UNICODE'],
    ['x'.repeat(256), 'NAME_TOO_LONG'],
    ['\u00e9'.repeat(128), 'NAME_TOO_LONG'], // 256 UTF-8 bytes in 128 chars
    [Array.from({ length: 20 }, () => 'd'.repeat(250)).join('/'), 'PATH_TOO_LONG'],
  ];
  it.each(table)('%j -> %s', (rel, code) => {
    expect(codeOf(() => resolveInsideRoot(ROOT, rel, { platform: 'posix' }))).toBe(code);
  });

  const ok: [string, string][] = [
    ['a', '/home/u/Sync/a'],
    ['a/b/c.txt', '/home/u/Sync/a/b/c.txt'],
    ['..a', '/home/u/Sync/..a'],
    ['a..', '/home/u/Sync/a..'],
    ['...', '/home/u/Sync/...'],
    ['.hidden', '/home/u/Sync/.hidden'],
    ['CON', '/home/u/Sync/CON'], // reported by portabilityProblems, not refused on POSIX
    ['ab:c', '/home/u/Sync/ab:c'],
    ['trailing. ', '/home/u/Sync/trailing. '],
    [nfd, `/home/u/Sync/${nfd}`], // not normalized: the caller passes the on-disk name
    ['zero\u200bwidth', '/home/u/Sync/zero\u200bwidth'], // allowed, reported by portabilityProblems
    ['x'.repeat(255), `/home/u/Sync/${'x'.repeat(255)}`],
    ['\u{1f600}'.repeat(63), `/home/u/Sync/${'\u{1f600}'.repeat(63)}`], // 252 bytes
  ];
  it.each(ok)('%j is accepted', (rel, abs) => {
    expect(resolveInsideRoot(ROOT, rel, { platform: 'posix' })).toBe(abs);
  });

  it('normalizes the root and works at /', () => {
    expect(resolveInsideRoot('/home/u/Sync/', 'a', { platform: 'posix' })).toBe('/home/u/Sync/a');
    expect(resolveInsideRoot('/home/u/x/../Sync', 'a', { platform: 'posix' })).toBe(
      '/home/u/Sync/a',
    );
    expect(resolveInsideRoot('/', 'a', { platform: 'posix' })).toBe('/a');
  });

  it('refuses a relative root', () => {
    expect(codeOf(() => resolveInsideRoot('Sync', 'a', { platform: 'posix' }))).toBe(
      'ROOT_NOT_ABSOLUTE',
    );
    expect(codeOf(() => resolveInsideRoot('', 'a', { platform: 'posix' }))).toBe(
      'ROOT_NOT_ABSOLUTE',
    );
  });

  it('limits are configurable', () => {
    expect(
      codeOf(() => resolveInsideRoot(ROOT, 'abcdef', { platform: 'posix', maxNameBytes: 5 })),
    ).toBe('NAME_TOO_LONG');
    expect(
      codeOf(() => resolveInsideRoot(ROOT, 'abc/def', { platform: 'posix', maxPathBytes: 6 })),
    ).toBe('PATH_TOO_LONG');
    expect(
      codeOf(() => resolveInsideRoot(ROOT, 'abc/de', { platform: 'posix', maxPathBytes: 6 })),
    ).toBe('OK');
  });

  it('the error says what, where and why', () => {
    try {
      resolveInsideRoot(ROOT, 'a/../../b', { platform: 'posix' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PathError);
      expect(e).toBeInstanceOf(Error);
      const pe = e as PathError;
      expect(pe.code).toBe('DOT_DOT_SEGMENT');
      expect(pe.path).toBe('a/../../b');
      expect(pe.name).toBe('PathError');
      expect(pe.message).toContain('a/../../b');
    }
  });

  it('isValidSyncPath is the predicate form', () => {
    expect(isValidSyncPath('a/b', { platform: 'posix' })).toBe(true);
    expect(isValidSyncPath('a/../b', { platform: 'posix' })).toBe(false);
  });
});

describe('resolveInsideRoot: Windows rules', () => {
  const table: [string, PathErrorCode][] = [
    ['C:\\x', 'DRIVE_LETTER'],
    ['\\\\server\\share\\x', 'UNC_PATH'],
    ['\\\\.\\PhysicalDrive0', 'UNC_PATH'],
    ['a\\..\\..\\x', 'BACKSLASH'],
    ['a/b:stream', 'WINDOWS_INVALID_CHAR'], // NTFS alternate data stream
    ['a/file::$DATA', 'WINDOWS_INVALID_CHAR'],
    ['a<b', 'WINDOWS_INVALID_CHAR'],
    ['a?', 'WINDOWS_INVALID_CHAR'],
    ['a*', 'WINDOWS_INVALID_CHAR'],
    ['a"b', 'WINDOWS_INVALID_CHAR'],
    ['a|b', 'WINDOWS_INVALID_CHAR'],
    ['CON', 'WINDOWS_RESERVED_NAME'],
    ['dir/nul.txt', 'WINDOWS_RESERVED_NAME'],
    ['Com1', 'WINDOWS_RESERVED_NAME'],
    ['LPT9.tar.gz', 'WINDOWS_RESERVED_NAME'],
    ['COM\u00b9', 'WINDOWS_RESERVED_NAME'],
    ['AUX .txt', 'WINDOWS_RESERVED_NAME'],
    ['.. ', 'WINDOWS_TRAILING_DOT_OR_SPACE'], // Windows would open '..'
    ['...', 'WINDOWS_TRAILING_DOT_OR_SPACE'],
    ['a/b.', 'WINDOWS_TRAILING_DOT_OR_SPACE'],
    ['a ', 'WINDOWS_TRAILING_DOT_OR_SPACE'],
  ];
  it.each(table)('%j -> %s', (rel, code) => {
    expect(codeOf(() => resolveInsideRoot(WROOT, rel, { platform: 'win32' }))).toBe(code);
  });

  it('joins with backslashes under a drive or UNC root', () => {
    expect(resolveInsideRoot(WROOT, 'a/b.txt', { platform: 'win32' })).toBe(
      'C:\\Users\\u\\Sync\\a\\b.txt',
    );
    expect(resolveInsideRoot('\\\\nas\\share\\Sync', 'a', { platform: 'win32' })).toBe(
      '\\\\nas\\share\\Sync\\a',
    );
    expect(resolveInsideRoot('C:/Users/u/Sync/', 'COM0', { platform: 'win32' })).toBe(
      'C:\\Users\\u\\Sync\\COM0',
    );
    expect(resolveInsideRoot(WROOT, 'CONSOLE.txt', { platform: 'win32' })).toBe(
      'C:\\Users\\u\\Sync\\CONSOLE.txt',
    );
  });

  it('refuses a drive-relative or rooted-without-drive root', () => {
    expect(codeOf(() => resolveInsideRoot('\\Sync', 'a', { platform: 'win32' }))).toBe(
      'ROOT_NOT_ABSOLUTE',
    );
    expect(codeOf(() => resolveInsideRoot('C:Sync', 'a', { platform: 'win32' }))).toBe(
      'ROOT_NOT_ABSOLUTE',
    );
  });
});

describe('toSyncPath', () => {
  it('turns OS paths into /-separated NFC sync paths', () => {
    expect(toSyncPath(ROOT, '/home/u/Sync/a/b.txt', { platform: 'posix' })).toBe('a/b.txt');
    expect(toSyncPath(ROOT, `/home/u/Sync/${nfd}/x`, { platform: 'posix' })).toBe(`${nfc}/x`);
    expect(toSyncPath(ROOT + '/', '/home/u/Sync/a/', { platform: 'posix' })).toBe('a');
    expect(toSyncPath(WROOT, 'C:\\Users\\u\\Sync\\a\\b.txt', { platform: 'win32' })).toBe(
      'a/b.txt',
    );
    expect(toSyncPath(WROOT, 'c:\\users\\U\\sync\\a', { platform: 'win32' })).toBe('a'); // Windows paths compare case-insensitively
    expect(toSyncPath(WROOT, 'C:/Users/u/Sync/a/b', { platform: 'win32' })).toBe('a/b');
  });

  const refused: [string, string, PathErrorCode, 'posix' | 'win32'][] = [
    [ROOT, '/home/u/Sync', 'ROOT_ITSELF', 'posix'],
    [ROOT, '/home/u/Sync/', 'ROOT_ITSELF', 'posix'],
    [ROOT, '/home/u/Sync2/a', 'OUTSIDE_ROOT', 'posix'],
    [ROOT, '/home/u/Syn', 'OUTSIDE_ROOT', 'posix'],
    [ROOT, '/home/u/Sync/../other', 'OUTSIDE_ROOT', 'posix'],
    [ROOT, '/etc/passwd', 'OUTSIDE_ROOT', 'posix'],
    [ROOT, 'a/b', 'OUTSIDE_ROOT', 'posix'],
    [ROOT, '/home/u/Sync/a\\b', 'BACKSLASH', 'posix'],
    [ROOT, '/home/u/Sync/a\nb', 'CONTROL_CHAR', 'posix'],
    [ROOT, '/home/u/Sync/a\0b', 'NUL_CHAR', 'posix'],
    [WROOT, 'D:\\Users\\u\\Sync\\a', 'OUTSIDE_ROOT', 'win32'],
    [WROOT, '\\\\server\\share\\a', 'OUTSIDE_ROOT', 'win32'],
    [WROOT, 'C:\\Users\\u\\Sync\\NUL', 'WINDOWS_RESERVED_NAME', 'win32'],
  ];
  it.each(refused)('%j + %j -> %s', (root, abs, code, platform) => {
    expect(codeOf(() => toSyncPath(root, abs, { platform }))).toBe(code);
  });

  it('round-trips with resolveInsideRoot on the host platform', () => {
    const root = nodePath.resolve('/tmp/cess-root');
    for (const rel of ['a', 'a/b/c', `${nfc}/x y`, '.hidden/..a']) {
      expect(toSyncPath(root, resolveInsideRoot(root, rel))).toBe(rel);
    }
  });
});

describe('normalizeName', () => {
  it('turns NFD into NFC and leaves NFC alone', () => {
    expect(nfd).not.toBe(nfc);
    expect(normalizeName(nfd)).toBe(nfc);
    expect(normalizeName(nfc)).toBe(nfc);
    expect(normalizeName(`dir/${nfd}/${nfd}.txt`)).toBe(`dir/${nfc}/${nfc}.txt`);
    // Hangul from macOS arrives as conjoining jamo
    expect(normalizeName('\u1112\u1161\u11ab')).toBe('\ud55c');
    expect(isNfc(nfc)).toBe(true);
    expect(isNfc(nfd)).toBe(false);
  });

  it('does not apply compatibility mappings (NFKC): a fullwidth dot stays itself', () => {
    expect(normalizeName('\uff0e\uff0e')).toBe('\uff0e\uff0e');
    expect(resolveInsideRoot(ROOT, '\uff0e\uff0e', { platform: 'posix' })).toBe(
      '/home/u/Sync/\uff0e\uff0e',
    );
  });
});

describe('portabilityProblems', () => {
  const codes = (p: string): PortabilityCode[] => portabilityProblems(p).map((x) => x.code);
  const table: [string, PortabilityCode[]][] = [
    ['a/b.txt', []],
    ['CON', ['WINDOWS_RESERVED_NAME']],
    ['con.txt', ['WINDOWS_RESERVED_NAME']],
    ['dir/Nul.tar.gz', ['WINDOWS_RESERVED_NAME']],
    ['COM1', ['WINDOWS_RESERVED_NAME']],
    ['lpt9.log', ['WINDOWS_RESERVED_NAME']],
    ['PRN', ['WINDOWS_RESERVED_NAME']],
    ['aux', ['WINDOWS_RESERVED_NAME']],
    ['COM10', []],
    ['CONSOLE', []],
    ['nullish', []],
    ['a<b', ['WINDOWS_INVALID_CHAR']],
    ['what?', ['WINDOWS_INVALID_CHAR']],
    ['10:30 notes', ['WINDOWS_INVALID_CHAR']],
    ['a"b|c*', ['WINDOWS_INVALID_CHAR']],
    ['a\\b', ['BACKSLASH']],
    ['a\tb', ['CONTROL_CHAR']],
    ['a\u0085b', ['C1_CONTROL']],
    ['name.', ['TRAILING_DOT_OR_SPACE']],
    ['name ', ['TRAILING_DOT_OR_SPACE']],
    [' name', ['LEADING_SPACE']],
    [nfd, ['NOT_NFC']],
    ['zero\u200bwidth', ['INVISIBLE_CHAR']],
    ['\ufeffbom', ['INVISIBLE_CHAR']],
    ['invoice\u202efdp.exe', ['BIDI_CONTROL']],
    ['PROGRA~1', ['WINDOWS_SHORT_NAME_ALIAS']],
    ['report~2.doc', ['WINDOWS_SHORT_NAME_ALIAS']],
    ['x'.repeat(256), ['NAME_TOO_LONG']], // C:\ + 256 = 259 chars: just inside MAX_PATH
    ['x'.repeat(257), ['NAME_TOO_LONG', 'PATH_TOO_LONG_FOR_WINDOWS']],
    ['\u00e9'.repeat(200), ['NAME_TOO_LONG']], // 400 bytes UTF-8
    [nfc.repeat(50), []], // 250 bytes, 200 UTF-16 units, 250 in NFD
    [nfc.repeat(52), ['NAME_TOO_LONG']], // 260 bytes
    ['\u00e9'.repeat(130).normalize('NFC'), ['NAME_TOO_LONG']], // 260 bytes, and 260 units in NFD
    [Array.from({ length: 30 }, () => 'folder12').join('/'), ['PATH_TOO_LONG_FOR_WINDOWS']],
    ['CON/aux.txt:x', ['WINDOWS_RESERVED_NAME', 'WINDOWS_RESERVED_NAME', 'WINDOWS_INVALID_CHAR']],
  ];
  it.each(table)('%j -> %j', (p, expected) => {
    expect(codes(p)).toEqual(expected);
  });

  it('each problem names its segment and explains itself', () => {
    const [p] = portabilityProblems('ok/CON.txt/ok');
    expect(p).toMatchObject({ code: 'WINDOWS_RESERVED_NAME', name: 'CON.txt' });
    expect(p?.message).toMatch(/Windows/);
  });

  it('NFD expansion can push a name over the HFS+ limit even when NFC fits', () => {
    const name = '\u0390'.repeat(127); // Greek iota with dialytika and tonos: 2 bytes NFC, 3 units NFD
    expect(Buffer.byteLength(name)).toBe(254);
    expect(name.normalize('NFD')).toHaveLength(381);
    expect(codes(name)).toEqual(['NAME_TOO_LONG']);
  });

  it('measures MAX_PATH against the given Windows root', () => {
    const rel = 'a'.repeat(230);
    expect(codes(rel)).toEqual([]);
    expect(
      portabilityProblems(rel, {
        windowsRoot: 'C:\\Users\\someone-with-a-long-name\\Documents\\CESS Sync\\',
      }).map((x) => x.code),
    ).toEqual(['PATH_TOO_LONG_FOR_WINDOWS']);
  });
});

describe('caseClashes', () => {
  it('finds siblings that differ only by case', () => {
    expect(caseClashes(['a/Readme.md', 'a/README.md', 'a/other'])).toEqual([
      ['a/README.md', 'a/Readme.md'],
    ]);
  });

  it('reports the folder, not every file below it', () => {
    expect(caseClashes(['Docs/a', 'docs/b', 'docs/c'])).toEqual([['Docs', 'docs']]);
  });

  it('reports clashes inside the same folder below a clashing folder too', () => {
    expect(caseClashes(['Docs/a', 'docs/X', 'docs/x'])).toEqual([
      ['Docs', 'docs'],
      ['docs/X', 'docs/x'],
    ]);
  });

  it('treats NFD and NFC spellings as one name', () => {
    expect(caseClashes([nfc, nfd])).toEqual([[nfd, nfc].sort()]);
    expect(caseClashes([`${nfc}.txt`, `CAFE\u0301.TXT`])).toEqual([
      [`CAFE\u0301.TXT`, `${nfc}.txt`].sort(),
    ]);
  });

  it('does not clash on different names or the same path twice', () => {
    expect(caseClashes(['a', 'b', 'a', 'ax'])).toEqual([]);
    expect(caseClashes(['x/a', 'y/A'])).toEqual([]);
    expect(caseClashes([])).toEqual([]);
  });

  it('folds locale-independently (no Turkish rule) and approximates full case folding', () => {
    expect(caseFoldKey('I')).toBe('i');
    expect(caseFoldKey('\u0131')).toBe('i'); // dotless i upper-cases to I
    // Capital sharp s lowers to ß, which upper-cases to SS: all three fold alike, and the
    // key is stable (a fast-check counterexample once).
    expect(caseFoldKey('\u1e9e')).toBe('ss');
    expect(caseFoldKey('\u00df')).toBe('ss');
    expect(caseFoldKey(caseFoldKey('\u1e9e'))).toBe(caseFoldKey('\u1e9e'));
    expect(caseFoldKey('\u017f')).toBe('s'); // long s
    expect(caseFoldKey('\u03c2')).toBe(caseFoldKey('\u03a3')); // final sigma and Sigma
    expect(caseFoldKey('\u212a')).toBe('k'); // Kelvin sign
    expect(caseFoldKey('Stra\u00dfe')).toBe('strasse');
    expect(caseClashes(['\u212aelvin', 'kelvin'])).toEqual([['kelvin', '\u212aelvin']]);
    expect(caseClashes(['\u00c5', '\u212b'])).toHaveLength(1); // Angstrom sign is NFC A-ring
  });
});
