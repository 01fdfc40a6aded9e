/**
 * Text that came from disk or from other accounts (file names, messages) before it goes into a
 * menu or a notification: drops C0/C1 control characters and the bidirectional marks and
 * overrides (U+202E can make "gpj.exe" display as "exe.jpg").
 */
export function stripUnsafeChars(text: string): string {
  let out = '';
  for (const ch of text) {
    if (!isUnsafeCodePoint(ch.codePointAt(0) ?? 0)) out += ch;
  }
  return out;
}

export function isUnsafeCodePoint(c: number): boolean {
  return (
    c <= 0x1f ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0x200e ||
    c === 0x200f ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}
