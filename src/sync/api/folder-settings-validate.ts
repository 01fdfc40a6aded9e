/**
 * The daemon-side checks of folder settings requests (the UI imports only
 * ./folder-settings-schema.ts): excluded paths through the engine's one path gate, and
 * `.cessignore` rules line by line with the `ignore` package the engine matches with.
 */
import ignore from 'ignore';
import { z } from 'zod';
import { isPathError } from '../paths/errors.js';
import { validateSyncPath } from '../paths/validate.js';
import { MAX_EXCLUDED, folderIdSchema } from './folder-settings-schema.js';

/**
 * One excluded folder: a relative POSIX path inside the root, NFC, without leading or trailing
 * '/'. No '..', '.', empty segments, backslashes, NUL or control characters (the engine's one
 * path gate, the same on every OS). It need not exist: a folder only on CESS can be excluded.
 */
export function normalizeExcludedPath(raw: string): string {
  const trimmed = raw.normalize('NFC').replace(/\/+$/, '');
  if (trimmed === '') throw new Error('an excluded folder cannot be empty or the root itself');
  if (trimmed.startsWith('/'))
    throw new Error(`${JSON.stringify(raw)}: use a path relative to the folder, not absolute`);
  try {
    validateSyncPath(trimmed, { platform: 'posix' });
  } catch (e) {
    throw new Error(`${JSON.stringify(raw)}: ${isPathError(e) ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return trimmed;
}

/** Normalized, deduplicated, sorted (the order the matcher uses too). */
export function normalizeExcludedList(list: readonly string[]): string[] {
  return [...new Set(list.map(normalizeExcludedPath))].sort();
}

export const excludedListSchema = z
  .array(z.string().max(4096))
  .max(MAX_EXCLUDED, `at most ${MAX_EXCLUDED} excluded folders`)
  .transform((list, ctx) => {
    try {
      return normalizeExcludedList(list);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
      return z.NEVER;
    }
  });

/** A folder-relative path for the picker: '' is the root. */
export const treePathSchema = z
  .string()
  .max(4096)
  .transform((p, ctx) => {
    if (p === '' || p === '/') return '';
    try {
      return normalizeExcludedPath(p);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
      return z.NEVER;
    }
  });

export interface IgnoreRuleProblem {
  /** 1-based line number in the text. */
  line: number;
  message: string;
}

/**
 * Checks `.cessignore` text line by line. The `ignore` package (gitignore semantics) quietly
 * turns a broken pattern into one that matches nothing; a user who wrote it meant something,
 * so each such line is reported with its number instead.
 */
export function checkIgnoreRules(text: string): IgnoreRuleProblem[] {
  const problems: IgnoreRuleProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const bad = (message: string): void => {
      problems.push({ line, message });
    };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(raw)) {
      bad('control characters are not allowed in a rule');
      return;
    }
    const pattern = raw.replace(/(?<!\\)\s+$/, '');
    if (pattern === '' || pattern.startsWith('#')) return;
    const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
    if (body === '' || body === '/') {
      bad(`"${pattern}" names nothing`);
      return;
    }
    if (/(?:^|[^\\])(?:\\\\)*\\$/.test(body)) {
      bad('a trailing backslash escapes nothing (the rule would match nothing)');
      return;
    }
    if (hasUnclosedBracket(body)) {
      bad(`an unclosed "[" makes "${pattern}" match nothing`);
      return;
    }
    if (body.split('/').some((s) => s === '..' || s === '.')) {
      bad(`"." and ".." segments never match a synced path`);
      return;
    }
    if (pattern.startsWith('!') && /^\/?\.cess-sync(?:-root|\/|$)/i.test(body)) {
      bad("the engine's own files (.cess-sync/, .cess-sync-root) cannot be re-included");
      return;
    }
    try {
      const ig = ignore().add(pattern);
      ig.ignores('probe');
      ig.ignores('probe/');
      ig.ignores('a/probe');
    } catch (e) {
      bad(`not a valid rule: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return problems;
}

function hasUnclosedBracket(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c !== '[') continue;
    // gitignore: ']' right after '[' or '[!' is a member, not the end.
    let j = i + 1;
    if (p[j] === '!' || p[j] === '^') j++;
    if (p[j] === ']') j++;
    const end = p.indexOf(']', j);
    if (end === -1) return true;
    i = end;
  }
  return false;
}

export const setExcludedRequestSchema = z
  .object({ folderId: folderIdSchema, excluded: excludedListSchema })
  .strict();

export const folderTreeQuerySchema = z
  .object({ folderId: folderIdSchema, path: treePathSchema.default('') })
  .strict();
