/**
 * Character and name rules shared by the validator (which refuses) and the portability report
 * (which only tells). Written as code-point loops rather than regexes with control characters
 * so the intent is explicit and lint-clean.
 */

/** Default limit per segment, in UTF-8 bytes: NAME_MAX on Linux, APFS, ext4, btrfs, ZFS. */
export const DEFAULT_MAX_NAME_BYTES = 255;
/** Default limit for a whole relative sync path, in UTF-8 bytes: PATH_MAX on Linux. */
export const DEFAULT_MAX_PATH_BYTES = 4096;

/** Characters Windows refuses in names ('\' and '/' are separators and handled apart). */
export const WINDOWS_INVALID_CHARS = '<>:"|?*';

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** C0 controls and DEL. NUL (0) included; callers that want a separate NUL code test it first. */
export function isControlCode(c: number): boolean {
  return c <= 0x1f || c === 0x7f;
}

/** C1 controls (U+0080..U+009F): legal everywhere, but invisible and almost always mojibake. */
export function isC1Control(c: number): boolean {
  return c >= 0x80 && c <= 0x9f;
}

/** True if the string contains a UTF-16 surrogate not part of a valid pair. */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * Windows device names. They are reserved with any extension ('NUL.txt', 'con.tar.gz') and
 * case-insensitively; Windows compares the part before the first dot with trailing spaces
 * removed ('CON .txt' is CON too). COM/LPT with the superscript digits ¹²³ are reserved as well
 * (Microsoft's "Naming Files, Paths, and Namespaces"), and so are CONIN$ and CONOUT$.
 */
const WINDOWS_RESERVED_STEM =
  /^(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[1-9\u00b9\u00b2\u00b3]|LPT[1-9\u00b9\u00b2\u00b3])$/i;

export function isWindowsReservedName(name: string): boolean {
  const dot = name.indexOf('.');
  const stem = (dot === -1 ? name : name.slice(0, dot)).replace(/ +$/, '');
  return WINDOWS_RESERVED_STEM.test(stem);
}

export function firstWindowsInvalidChar(name: string): string | undefined {
  for (const ch of name) if (WINDOWS_INVALID_CHARS.includes(ch)) return ch;
  return undefined;
}

export function hasTrailingDotOrSpace(name: string): boolean {
  return name.endsWith('.') || name.endsWith(' ');
}

/**
 * Zero-width and other invisible format characters: legal, but two names that look identical
 * can differ by one of them. U+200B..U+200D, U+2060 word joiner, U+FEFF BOM/ZWNBSP, U+00AD soft
 * hyphen, U+180E Mongolian vowel separator, U+034F combining grapheme joiner.
 */
const INVISIBLE = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x180e, 0x034f]);
export function hasInvisibleChar(name: string): boolean {
  for (const ch of name) if (INVISIBLE.has(ch.codePointAt(0) ?? 0)) return true;
  return false;
}

/**
 * Bidirectional controls: they reorder how a name is displayed, so 'invoice\u202Efdp.exe'
 * shows as 'invoiceexe.pdf' ("Trojan Source", CVE-2021-42574 applies to file names as well).
 */
const BIDI = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);
export function hasBidiControl(name: string): boolean {
  for (const ch of name) if (BIDI.has(ch.codePointAt(0) ?? 0)) return true;
  return false;
}
