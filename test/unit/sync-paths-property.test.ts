/**
 * Property tests: whatever string arrives (from a remote tree, a watcher, an API client),
 * resolveInsideRoot either refuses it with a PathError or returns a path strictly inside the
 * root, for POSIX and Windows path rules alike.
 */
import nodePath from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PathError,
  caseClashes,
  caseFoldKey,
  normalizeName,
  resolveInsideRoot,
  toSyncPath,
  type PathPlatform,
} from '../../src/sync/paths/index.js';

const ROOTS: Record<PathPlatform, string[]> = {
  posix: ['/home/u/Sync', '/', '/srv/a b/Sync'],
  win32: ['C:\\Users\\u\\Sync', 'C:\\', '\\\\nas\\share\\Sync', 'D:/Sync/'],
};

/** Pieces hostile input is made of: separators, dots, drives, UNC, controls, Unicode. */
const hostilePiece = fc.constantFrom(
  '..',
  '.',
  '/',
  '\\',
  '//',
  '\\\\',
  'C:',
  'c:',
  ':',
  '?',
  '\\\\?\\',
  '\\\\.\\',
  '\0',
  '\n',
  '\r',
  '\x7f',
  'CON',
  'nul',
  ' ',
  '. ',
  '..\u0000',
  '\u200b',
  '\u202e',
  '\uff0e',
  '\u2024',
  '\ud800',
  '\udc00',
  'a',
  'b',
  'é',
  'e\u0301',
  '$DATA',
  '~1',
  '%2e%2e',
  '\u{1f600}',
  '.\\',
  '../',
  '..\\',
);

const hostileString = fc.oneof(
  fc.array(hostilePiece, { maxLength: 12 }).map((xs) => xs.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .array(fc.oneof(hostilePiece, fc.string({ maxLength: 4 })), { maxLength: 8 })
    .map((xs) => xs.join('/')),
);

function strictlyInside(p: nodePath.PlatformPath, root: string, child: string): boolean {
  const rel = p.relative(p.resolve(root), child);
  return rel !== '' && !p.isAbsolute(rel) && rel.split(p.sep)[0] !== '..';
}

describe('resolveInsideRoot never escapes the root', () => {
  for (const platform of ['posix', 'win32'] as const) {
    const p = platform === 'win32' ? nodePath.win32 : nodePath.posix;
    it(`${platform}: refuses or stays inside, for arbitrary strings`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...ROOTS[platform]), hostileString, (root, rel) => {
          let abs: string;
          try {
            abs = resolveInsideRoot(root, rel, { platform });
          } catch (e) {
            expect(e).toBeInstanceOf(PathError);
            return;
          }
          expect(strictlyInside(p, root, abs)).toBe(true);
          // The result is already normalized: normalizing again moves nothing.
          expect(p.normalize(abs)).toBe(abs);
          // The accepted path has no segment an OS would read as "up" or "here".
          for (const seg of rel.split('/')) {
            expect(seg).not.toBe('');
            expect(seg).not.toBe('.');
            expect(seg).not.toBe('..');
            expect(seg.includes('\\')).toBe(false);
            if (platform === 'win32') expect(/[. ]$/.test(seg)).toBe(false);
          }
        }),
        { numRuns: 3000 },
      );
    });

    it(`${platform}: toSyncPath inverts resolveInsideRoot for accepted NFC paths`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...ROOTS[platform]), hostileString, (root, rel) => {
          let abs: string;
          try {
            abs = resolveInsideRoot(root, rel, { platform });
          } catch {
            return;
          }
          expect(toSyncPath(root, abs, { platform })).toBe(normalizeName(rel));
        }),
        { numRuns: 2000 },
      );
    });

    it(`${platform}: toSyncPath refuses or returns a path resolveInsideRoot accepts, inside the root`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...ROOTS[platform]), hostileString, (root, tail) => {
          const abs = p.resolve(root) + p.sep + tail;
          let rel: string;
          try {
            rel = toSyncPath(root, abs, { platform });
          } catch (e) {
            expect(e).toBeInstanceOf(PathError);
            return;
          }
          expect(strictlyInside(p, root, resolveInsideRoot(root, rel, { platform }))).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });
  }
});

describe('resolveInsideRoot accepts what it should', () => {
  const safeSegment = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
    .map((s) =>
      [...s]
        .map((ch) =>
          ch.charCodeAt(0) < 0x20 || ch === '\x7f' || '/\\<>:"|?*'.includes(ch) ? 'x' : ch,
        )
        .join(''),
    )
    .map((s) => s.replace(/[. ]+$/, '') || 'x')
    .filter(
      (s) =>
        !/^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3]|conin\$|conout\$) *(\.|$)/i.test(
          s,
        ) && Buffer.byteLength(s) <= 255,
    );
  for (const platform of ['posix', 'win32'] as const) {
    it(`${platform}: every path of ordinary names resolves to root + segments`, () => {
      const p = platform === 'win32' ? nodePath.win32 : nodePath.posix;
      fc.assert(
        fc.property(
          fc.constantFrom(...ROOTS[platform]),
          fc.array(safeSegment, { minLength: 1, maxLength: 6 }),
          (root, segs) => {
            expect(resolveInsideRoot(root, segs.join('/'), { platform })).toBe(
              p.join(p.resolve(root), ...segs),
            );
          },
        ),
        { numRuns: 1000 },
      );
    });
  }
});

describe('case folding properties', () => {
  it('the fold key is idempotent and ignores case and normalization form', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        const k = caseFoldKey(s);
        expect(caseFoldKey(k)).toBe(k);
        expect(caseFoldKey(s.toUpperCase())).toBe(k);
        expect(caseFoldKey(s.normalize('NFD'))).toBe(k);
      }),
      { numRuns: 2000 },
    );
  });

  it('a name and its upper-cased twin in one folder clash exactly when they differ', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 })
          .filter((s) => !s.includes('/')),
        (s) => {
          const up = s.toUpperCase();
          const groups = caseClashes([`d/${s}`, `d/${up}`]);
          expect(groups).toEqual(up === s ? [] : [[`d/${s}`, `d/${up}`].sort()]);
        },
      ),
    );
  });
});
