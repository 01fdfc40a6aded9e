/**
 * How file managers turn the integration files into a process's argv, for the tests of
 * src/integrations: key-file values (Desktop Entry spec, GKeyFile), Desktop Entry `Exec` lines
 * with field codes (spec "The Exec key", what KDE's KIO does for a service menu), and Nemo's
 * action activation (the Exec text with `%U` pasted in, split by g_shell_parse_argv; see
 * libnemo-private/nemo-action.c). Strict: anything the spec leaves undefined throws, so a
 * generator mistake fails the test instead of being read leniently.
 */
import { pathToFileURL } from 'node:url';

export function unescapeKeyFileValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = v[++i];
    const map: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };
    if (n === undefined || map[n] === undefined) throw new Error(`invalid escape \\${n ?? ''}`);
    out += map[n];
  }
  return out;
}

/** group -> key -> raw (still escaped) value; comments and blank lines skipped. */
export function parseKeyFile(text: string): Map<string, Map<string, string>> {
  const groups = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const group = /^\[([^\]]+)\]$/.exec(line);
    if (group) {
      if (groups.has(group[1]!)) throw new Error(`duplicate group ${group[1]}`);
      current = new Map();
      groups.set(group[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z0-9-]+(?:\[[^\]]+\])?)\s*=\s*(.*)$/.exec(line);
    if (!kv || current === null) throw new Error(`not a key-file line: ${JSON.stringify(line)}`);
    if (current.has(kv[1]!)) throw new Error(`duplicate key ${kv[1]}`);
    current.set(kv[1]!, kv[2]!);
  }
  return groups;
}

type ExecPart = { literal: string } | { field: string };

const RESERVED = new Set([...' \t\n"\'\\><~|&;$*?#()`']);

/** Splits an (unescaped) Exec value into arguments and field codes, per the spec. */
export function splitDesktopExec(exec: string): ExecPart[] {
  const parts: ExecPart[] = [];
  let cur = '';
  let started = false;
  for (let i = 0; i < exec.length; i++) {
    const c = exec[i]!;
    if (c === ' ') {
      if (started) parts.push({ literal: cur });
      cur = '';
      started = false;
      continue;
    }
    if (c === '"') {
      started = true;
      for (i++; ; i++) {
        const q = exec[i];
        if (q === undefined) throw new Error('unterminated quote');
        if (q === '"') break;
        if (q === '\\') {
          const n = exec[++i];
          if (n === undefined || !'"`$\\'.includes(n))
            throw new Error(`undefined escape \\${n ?? ''} in quotes`);
          cur += n;
        } else if (q === '%') {
          if (exec[i + 1] !== '%') throw new Error('a field code inside quotes');
          cur += '%';
          i++;
        } else cur += q;
      }
      continue;
    }
    if (c === '%') {
      const n = exec[i + 1];
      if (n === '%') {
        cur += '%';
        started = true;
        i++;
        continue;
      }
      if (n === undefined || !/[a-zA-Z]/.test(n)) throw new Error('a lone %');
      if (started || (exec[i + 2] !== undefined && exec[i + 2] !== ' '))
        throw new Error('a field code must be an argument of its own');
      parts.push({ field: n });
      i += 1;
      continue;
    }
    if (RESERVED.has(c)) throw new Error(`reserved character ${JSON.stringify(c)} not quoted`);
    cur += c;
    started = true;
  }
  if (started) parts.push({ literal: cur });
  return parts;
}

/** Expands the field codes the way a file manager launching the selection does. */
export function expandDesktopExec(parts: ExecPart[], files: readonly string[]): string[] {
  return parts.flatMap((p) => {
    if ('literal' in p) return [p.literal];
    switch (p.field) {
      case 'F':
        return [...files];
      case 'U':
        return files.map((f) => pathToFileURL(f).href);
      case 'f':
      case 'u':
        if (files.length !== 1) throw new Error(`%${p.field} takes one file`);
        return p.field === 'f' ? [files[0]!] : [pathToFileURL(files[0]!).href];
      default:
        throw new Error(`unexpected field code %${p.field}`);
    }
  });
}

/**
 * g_shell_parse_argv's rules: words split on blanks and newlines; '...' literal; "..." with
 * backslash escaping only $ ` " \ and newline; a backslash outside quotes escapes the next
 * character; nothing is expanded (no variables, no command substitution, no globs).
 */
export function shellParseArgv(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (started) out.push(cur);
      cur = '';
      started = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      cur += text.slice(i + 1, end);
      started = true;
      i = end;
    } else if (c === '"') {
      started = true;
      for (i++; ; i++) {
        const q = text[i];
        if (q === undefined) throw new Error('unterminated double quote');
        if (q === '"') break;
        if (q === '\\' && text[i + 1] !== undefined && '$`"\\\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') cur += text[i + 1];
          i++;
        } else cur += q;
      }
    } else if (c === '\\') {
      const n = text[++i];
      if (n === undefined) throw new Error('trailing backslash');
      if (n !== '\n') cur += n;
      started = true;
    } else if (c === '#' && !started) {
      break; // a comment to the end (GLib: to the end of the line)
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out;
}

/**
 * Nemo's activation of an action (nemo_action_activate): each selected item's URI, wrapped in
 * the Quote= character, joined by spaces, pasted over `%U` in the Exec text; then
 * g_spawn_command_line_async, i.e. g_shell_parse_argv.
 */
export function nemoActivate(
  execRaw: string,
  quote: string | undefined,
  files: string[],
): string[] {
  const q = quote === 'double' ? '"' : quote === 'single' ? "'" : quote === 'backtick' ? '`' : '';
  const exec = unescapeKeyFileValue(execRaw);
  const at = exec.indexOf('%');
  if (at < 0 || exec.slice(at, at + 2) !== '%U') throw new Error('the first % is not %U');
  const insertion = files.map((f) => `${q}${pathToFileURL(f).href}${q}`).join(' ');
  return shellParseArgv(exec.slice(0, at) + insertion + exec.slice(at + 2));
}
