/**
 * IgnoreMatcher: decides which sync paths the engine never sees. Four layers, first match wins:
 *
 * 1. mandatory: our metadata directory and root marker, at any depth; not overridable;
 * 2. selective-sync exclusions: folders this device does not sync (literal paths, not globs);
 * 3. built-in defaults (editor/OS temp and system files), then the root's `.cessignore` in
 *    gitignore syntax, in one rule list so a `.cessignore` negation can re-include a default.
 *
 * Matching is on NFC paths against NFC rules, case-insensitively by default (the `ignore`
 * package's default; the same on every OS so two devices agree on what is synced).
 */
import { lstat, readFile } from 'node:fs/promises';
import nodePath from 'node:path';
import ignore from 'ignore';
import { PathError } from '../paths/errors.js';
import {
  DEFAULT_EXACT_NAMES,
  DEFAULT_PATTERNS,
  IGNORE_FILE_NAME,
  MANDATORY_PATTERNS,
} from './builtin.js';

export type IgnoreSource = 'mandatory' | 'exclusion' | 'default' | 'cessignore';

export interface IgnoreDecision {
  ignored: boolean;
  /** Which layer decided, when ignored. */
  source?: IgnoreSource;
  /** The gitignore pattern, or the excluded folder, or the exact name that matched. */
  pattern?: string;
}

export interface IgnoreMatcherOptions {
  /** Selective sync: folders (sync paths) not synced on this device, with everything below them. */
  exclusions?: readonly string[];
  /** Apply DEFAULT_PATTERNS and DEFAULT_EXACT_NAMES. Default true. */
  useDefaults?: boolean;
  /** Case-insensitive matching of defaults and `.cessignore` rules. Default true. */
  ignoreCase?: boolean;
  /** Refuse a `.cessignore` larger than this many bytes. Default 1 MiB. */
  maxIgnoreFileBytes?: number;
}

export type IgnoreFileErrorCode = 'IGNORE_FILE_TOO_LARGE' | 'IGNORE_FILE_NOT_REGULAR';

export class IgnoreFileError extends Error {
  override name = 'IgnoreFileError';
  constructor(
    readonly code: IgnoreFileErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${message}: ${path}`);
  }
}

const DEFAULT_MAX_IGNORE_FILE_BYTES = 1024 * 1024;

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

/** Splits and checks a relative '/'-separated path; returns it NFC without a trailing '/'. */
function normalizeRelPath(relPath: string): { path: string; trailingSlash: boolean } {
  if (typeof relPath !== 'string' || relPath === '')
    throw new PathError('EMPTY_PATH', String(relPath), 'empty path');
  if (relPath.startsWith('/')) throw new PathError('ABSOLUTE_PATH', relPath, 'absolute path');
  const trailingSlash = relPath.endsWith('/');
  const path = (trailingSlash ? relPath.slice(0, -1) : relPath).normalize('NFC');
  for (const seg of path.split('/')) {
    if (seg === '') throw new PathError('EMPTY_SEGMENT', relPath, 'empty path segment');
    if (seg === '.') throw new PathError('DOT_SEGMENT', relPath, "'.' segment");
    if (seg === '..') throw new PathError('DOT_DOT_SEGMENT', relPath, "'..' segment");
  }
  return { path, trailingSlash };
}

function normalizeExclusions(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    const trimmed = raw.replace(/^\/+/, '');
    out.add(normalizeRelPath(trimmed).path);
  }
  return [...out].sort();
}

/** The rule text as the `ignore` package wants it: no BOM, NFC, split into lines. */
function parseRules(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .normalize('NFC')
    .split(/\r?\n/);
}

/**
 * The `ignore` package caches the answer for every path it is asked about, and its parents,
 * for the life of the instance. A daemon asks about every file it ever sees (temp files
 * included), so the cache would grow without end: the instances are rebuilt (a few dozen
 * patterns, microseconds) after this many lookups.
 */
const LOOKUPS_PER_CACHE = 20_000;

function mandatoryRules(): ignore.Ignore {
  return ignore({ ignorecase: true }).add([...MANDATORY_PATTERNS]);
}

export class IgnoreMatcher {
  private mandatory = mandatoryRules();
  private rules: ignore.Ignore;
  private lookups = 0;
  private exactNames: readonly string[];
  private excluded: string[];
  private ruleText: string;

  private constructor(
    /** The sync root whose `.cessignore` is read, or undefined for a matcher built from text. */
    readonly root: string | undefined,
    ruleText: string,
    private readonly opts: IgnoreMatcherOptions,
  ) {
    this.ruleText = ruleText;
    this.rules = this.buildRules(ruleText);
    this.exactNames = opts.useDefaults === false ? [] : DEFAULT_EXACT_NAMES;
    this.excluded = normalizeExclusions(opts.exclusions ?? []);
  }

  /**
   * Reads `<root>/.cessignore` (absent: no user rules) and returns a matcher. Rejects with
   * IgnoreFileError if it is a symbolic link (not followed), not a regular file, or too large,
   * and with the fs error if it cannot be read: starting with fewer rules than the user wrote
   * could upload files they meant to keep private, so this fails loudly instead.
   */
  static async load(root: string, opts: IgnoreMatcherOptions = {}): Promise<IgnoreMatcher> {
    const text = await readIgnoreFile(
      root,
      opts.maxIgnoreFileBytes ?? DEFAULT_MAX_IGNORE_FILE_BYTES,
    );
    return new IgnoreMatcher(root, text, opts);
  }

  /** A matcher from `.cessignore` text, without a root (pure; `reload` is then a no-op). */
  static fromRules(cessignoreText: string, opts: IgnoreMatcherOptions = {}): IgnoreMatcher {
    return new IgnoreMatcher(undefined, cessignoreText, opts);
  }

  /**
   * Re-reads `.cessignore`. Resolves to true if its rules changed (the engine then rescans:
   * paths may have become ignored or un-ignored). On failure the previous rules stay in force.
   */
  async reload(): Promise<boolean> {
    if (this.root === undefined) return false;
    const text = await readIgnoreFile(
      this.root,
      this.opts.maxIgnoreFileBytes ?? DEFAULT_MAX_IGNORE_FILE_BYTES,
    );
    if (text === this.ruleText) return false;
    this.rules = this.buildRules(text);
    this.ruleText = text;
    return true;
  }

  /** Replaces the selective-sync exclusions. */
  setExclusions(exclusions: readonly string[]): void {
    this.excluded = normalizeExclusions(exclusions);
  }

  /** The `.cessignore` text in force ('' when there is none): what rule changes compare. */
  get ignoreFileText(): string {
    return this.ruleText;
  }

  /** The exclusions in force, NFC, without leading or trailing '/', sorted. */
  get exclusions(): readonly string[] {
    return this.excluded;
  }

  /**
   * Whether the engine ignores `relPath` (a relative '/'-separated sync path; a trailing '/'
   * also marks a directory). A path inside an ignored directory is ignored.
   * Throws PathError for an empty, absolute or '.'/'..'-containing path.
   */
  ignores(relPath: string, isDir: boolean): boolean {
    return this.explain(relPath, isDir).ignored;
  }

  /** As `ignores`, and says which layer and rule decided (for the UI's "why is this not synced"). */
  explain(relPath: string, isDir: boolean): IgnoreDecision {
    const { path, trailingSlash } = normalizeRelPath(relPath);
    const probe = isDir || trailingSlash ? `${path}/` : path;
    if (++this.lookups > LOOKUPS_PER_CACHE) {
      this.lookups = 0;
      this.mandatory = mandatoryRules();
      this.rules = this.buildRules(this.ruleText);
    }

    const m = this.mandatory.test(probe);
    if (m.ignored) return { ignored: true, source: 'mandatory', pattern: m.rule?.pattern ?? '' };

    for (const ex of this.excluded) {
      if (path === ex || path.startsWith(`${ex}/`))
        return { ignored: true, source: 'exclusion', pattern: ex };
    }

    if (this.exactNames.length > 0) {
      for (const seg of path.split('/')) {
        if (this.exactNames.includes(seg))
          return { ignored: true, source: 'default', pattern: seg };
      }
    }

    const r = this.rules.test(probe);
    if (r.ignored) {
      return {
        ignored: true,
        source: r.rule?.mark === 'default' ? 'default' : 'cessignore',
        pattern: r.rule?.pattern ?? '',
      };
    }
    return { ignored: false };
  }

  private buildRules(text: string): ignore.Ignore {
    const ig = ignore({ ignorecase: this.opts.ignoreCase ?? true });
    if (this.opts.useDefaults !== false)
      ig.add(DEFAULT_PATTERNS.map((pattern) => ({ pattern, mark: 'default' })));
    ig.add(parseRules(text).map((pattern) => ({ pattern, mark: 'cessignore' })));
    return ig;
  }
}

async function readIgnoreFile(root: string, maxBytes: number): Promise<string> {
  const file = nodePath.join(root, IGNORE_FILE_NAME);
  let st;
  try {
    st = await lstat(file);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return '';
    throw e;
  }
  if (st.isSymbolicLink())
    throw new IgnoreFileError(
      'IGNORE_FILE_NOT_REGULAR',
      file,
      `${IGNORE_FILE_NAME} is a symbolic link (not followed)`,
    );
  if (!st.isFile())
    throw new IgnoreFileError(
      'IGNORE_FILE_NOT_REGULAR',
      file,
      `${IGNORE_FILE_NAME} is not a regular file`,
    );
  if (st.size > maxBytes)
    throw new IgnoreFileError(
      'IGNORE_FILE_TOO_LARGE',
      file,
      `${IGNORE_FILE_NAME} is larger than ${maxBytes} bytes`,
    );
  return readFile(file, 'utf8');
}
