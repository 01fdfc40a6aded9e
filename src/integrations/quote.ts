/**
 * Quoting for the files the integrations write: POSIX shell words, Desktop Entry `Exec`
 * arguments (also what Nemo's g_shell_parse_argv reads), key-file string values and XML text.
 * Each function quotes one layer; callers stack them in the order the reader peels them off.
 */

/** A POSIX shell word that stands for exactly `s` (single quotes; `'` as `'\''`). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Characters that force quoting in a Desktop Entry Exec argument (spec, "The Exec key"). */
const EXEC_RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument (Desktop Entry spec): as is when it holds no reserved character, else in
 * double quotes with `"`, `` ` ``, `$` and `\` backslash-escaped. `%` is refused by the caller
 * (command.ts): Nemo stops expanding field codes after a `%` it does not know.
 */
export function execArg(s: string): string {
  if (s === '') return '""';
  if (!EXEC_RESERVED.test(s)) return s;
  return `"${s.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A key-file string value (Desktop Entry spec "Possible value types", GKeyFile): `\` as `\\`,
 * newline, tab and carriage return as `\n`, `\t`, `\r`, a leading space as `\s`. Exec values are
 * unescaped this way first, then split into arguments, so backslashes end up doubled twice.
 */
export function keyFileValue(s: string): string {
  const escaped = s.replace(/[\\\n\t\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : '\\r',
  );
  return escaped.startsWith(' ') ? `\\s${escaped.slice(1)}` : escaped;
}

/** Text inside an XML element or attribute (plists). */
export function xmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}
