/**
 * Folder settings input checks (src/sync/api/folder-settings-schema.ts and -validate.ts): excluded paths,
 * `.cessignore` rules line by line, the picker's path, the size limits.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_EXCLUDED,
  MAX_IGNORE_RULES_BYTES,
  setIgnoreRulesRequestSchema,
} from '../../src/sync/api/folder-settings-schema.js';
import {
  checkIgnoreRules,
  folderTreeQuerySchema,
  normalizeExcludedPath,
  setExcludedRequestSchema,
} from '../../src/sync/api/folder-settings-validate.js';
import { ruleErrors } from '../../src/renderer/settings/folders.js';

describe('excluded folder paths', () => {
  it('accepts relative POSIX paths, NFC, without a trailing slash', () => {
    expect(normalizeExcludedPath('Photos')).toBe('Photos');
    expect(normalizeExcludedPath('Photos/2024/')).toBe('Photos/2024');
    expect(normalizeExcludedPath('Cafe\u0301')).toBe('Caf\u00e9');
    expect(normalizeExcludedPath('not there yet/remote only')).toBe('not there yet/remote only');
  });

  it.each([
    ['', /empty/],
    ['/', /empty/],
    ['/etc', /relative/],
    ['../outside', /'\.\.'/],
    ['a/../../b', /'\.\.'/],
    ['./a', /'\.'/],
    ['a//b', /empty/],
    ['a\u0000b', /NUL/],
    ['a\\b', /backslash/i],
    ['C:/x', /drive/],
    ['a\u0007b', /control/],
  ])('refuses %j', (raw, why) => {
    expect(() => normalizeExcludedPath(raw)).toThrow(why);
  });

  it('the request normalizes, deduplicates and sorts; at most 1000 entries', () => {
    const r = setExcludedRequestSchema.parse({
      folderId: 'f1',
      excluded: ['b/', 'a', 'Cafe\u0301', 'Caf\u00e9', 'b'],
    });
    expect(r.excluded).toEqual(['Caf\u00e9', 'a', 'b']);
    const many = Array.from({ length: MAX_EXCLUDED + 1 }, (_, i) => `d${i}`);
    const tooMany = setExcludedRequestSchema.safeParse({ folderId: 'f1', excluded: many });
    expect(tooMany.success).toBe(false);
    expect(JSON.stringify(tooMany.error?.issues)).toMatch(/at most 1000/);
    expect(
      setExcludedRequestSchema.safeParse({ folderId: 'f1', excluded: many.slice(1) }).success,
    ).toBe(true);
  });

  it('a bad entry fails the request with its reason', () => {
    const r = setExcludedRequestSchema.safeParse({ folderId: 'f1', excluded: ['ok', '../x'] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/\.\./);
    expect(setExcludedRequestSchema.safeParse({ folderId: '../f', excluded: [] }).success).toBe(
      false,
    );
  });

  it('the picker path: empty or "/" is the root, others as excluded paths', () => {
    expect(folderTreeQuerySchema.parse({ folderId: 'f1' }).path).toBe('');
    expect(folderTreeQuerySchema.parse({ folderId: 'f1', path: '/' }).path).toBe('');
    expect(folderTreeQuerySchema.parse({ folderId: 'f1', path: 'a/b/' }).path).toBe('a/b');
    expect(folderTreeQuerySchema.safeParse({ folderId: 'f1', path: '../..' }).success).toBe(false);
  });
});

describe('.cessignore rules', () => {
  it('ordinary gitignore text has no problems', () => {
    const text = [
      '# build output',
      '*.log',
      '',
      '/node_modules/',
      'build/**',
      '!keep.log',
      'photos/raw/*.cr2',
      'weird\\ name\\ ',
      '[Tt]emp/',
      '[]]x',
      '  ',
    ].join('\r\n');
    expect(checkIgnoreRules(text)).toEqual([]);
  });

  it('reports each broken line with its 1-based number', () => {
    const text = [
      '*.log', // 1 ok
      'foo[', // 2 unclosed bracket
      'bar\\', // 3 trailing backslash
      '!', // 4 names nothing
      'a/../b', // 5 '..'
      '!.cess-sync/', // 6 the engine's own files
      'tab\u0001x', // 7 control character
      '# fine', // 8
    ].join('\n');
    const problems = checkIgnoreRules(text);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(problems[0]!.message).toMatch(/unclosed "\["/);
    expect(problems[1]!.message).toMatch(/trailing backslash/);
    expect(problems[4]!.message).toMatch(/cannot be re-included/);
  });

  it('the request refuses more than 31 KiB of rules (always fits the 64 KiB body limit)', () => {
    const ok = 'a'.repeat(MAX_IGNORE_RULES_BYTES);
    expect(setIgnoreRulesRequestSchema.safeParse({ folderId: 'f', rules: ok }).success).toBe(true);
    // Multi-byte characters count as their UTF-8 bytes.
    const big = '\u00e9'.repeat(MAX_IGNORE_RULES_BYTES / 2 + 1);
    expect(setIgnoreRulesRequestSchema.safeParse({ folderId: 'f', rules: big }).success).toBe(
      false,
    );
    // The worst case for JSON escaping still fits one request body.
    const worst = JSON.stringify({ folderId: 'f', rules: '\\'.repeat(MAX_IGNORE_RULES_BYTES) });
    expect(Buffer.byteLength(worst)).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('the UI reads the line errors back', () => {
  it('parses the daemon message of invalid_ignore_rule into lines', () => {
    const problems = checkIgnoreRules('ok\nfoo[\nbar\\\n');
    const message = problems.map((p) => `line ${p.line}: ${p.message}`).join('\n');
    expect(ruleErrors(message)).toEqual(problems);
    expect(ruleErrors('something else')).toEqual([]);
  });
});
