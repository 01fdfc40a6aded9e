import { describe, expect, it } from 'vitest';
import { extractSharePaths } from '../../src/main/share-verb.js';

describe('extractSharePaths (Explorer verb argv)', () => {
  const exe = 'C:\\Program Files\\cess-sync\\cess-sync.exe';
  it.each([
    [[exe], []],
    [[exe, 'cess-sync://share/v1/abc'], []],
    [[exe, 'share', 'C:\\Users\\me\\CESS\\a b.txt'], ['C:\\Users\\me\\CESS\\a b.txt']],
    [[exe, '--allow-file-access', 'share', 'D:/x/y'], ['D:/x/y']],
    [[exe, 'share', '--some-switch=1', '\\\\nas\\docs\\r.pdf'], ['\\\\nas\\docs\\r.pdf']],
    [
      ['/opt/cess-sync/cess-sync', 'share', '/home/me/CESS/a', '/home/me/CESS/b'],
      ['/home/me/CESS/a', '/home/me/CESS/b'],
    ],
    [['/app', 'share', '--', '/home/me/--odd'], ['/home/me/--odd']],
    [['/app', 'share', 'relative/path.txt', '..\\up'], []],
    [['/app', 'share', ''], []],
    [['/app', 'share', '/a\0b'], []],
    [['/app', 'share', `/${'x'.repeat(5000)}`], []],
  ])('%j -> %j', (argv, expected) => {
    expect(extractSharePaths(argv)).toEqual(expected);
  });
});
