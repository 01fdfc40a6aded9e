/**
 * Name policy: Unicode normalization, portability report, case-clash detection. Pure.
 */
import {
  DEFAULT_MAX_NAME_BYTES,
  firstWindowsInvalidChar,
  hasBidiControl,
  hasInvisibleChar,
  hasLoneSurrogate,
  hasTrailingDotOrSpace,
  isC1Control,
  isControlCode,
  isWindowsReservedName,
  utf8Bytes,
} from './rules.js';

/**
 * NFC form of a name (or of a whole '/'-separated path: '/' is unaffected). macOS hands out
 * NFD names (HFS+ stores them so; APFS preserves whatever was written, and much macOS software
 * writes NFD), Linux and Windows mostly NFC; the engine keys everything by NFC so the same name
 * is the same item on every device.
 */
export function normalizeName(name: string): string {
  return name.normalize('NFC');
}

export function isNfc(name: string): boolean {
  return name === name.normalize('NFC');
}

export type PortabilityCode =
  | 'WINDOWS_RESERVED_NAME'
  | 'WINDOWS_INVALID_CHAR'
  | 'CONTROL_CHAR'
  | 'BACKSLASH'
  | 'TRAILING_DOT_OR_SPACE'
  | 'LEADING_SPACE'
  | 'NAME_TOO_LONG'
  | 'PATH_TOO_LONG_FOR_WINDOWS'
  | 'WINDOWS_SHORT_NAME_ALIAS'
  | 'NOT_NFC'
  | 'INVISIBLE_CHAR'
  | 'BIDI_CONTROL'
  | 'C1_CONTROL'
  | 'INVALID_UNICODE';

export interface PortabilityProblem {
  code: PortabilityCode;
  message: string;
  /** The segment the problem is in ('' for whole-path problems). */
  name: string;
}

export interface PortabilityOptions {
  /** Name limit in UTF-8 bytes (Linux, APFS). Default 255. */
  maxNameBytes?: number;
  /**
   * Windows root the path is measured against for MAX_PATH (260 UTF-16 units including the
   * terminating NUL). Default 'C:\\' (the shortest possible; a real root only makes it worse).
   */
  windowsRoot?: string;
}

/** Windows' classic MAX_PATH, which Explorer and many programs still obey. */
const WINDOWS_MAX_PATH = 260;
/** Windows and HFS+ limit a component to 255 UTF-16 code units. */
const MAX_NAME_UTF16 = 255;

/**
 * Everything about `relPath` that is fine on this machine but invalid, aliasing or misleading on
 * another OS. Reports, never changes anything: the engine decides (keep local, refuse to
 * download there, ask the user to rename). Works on any string; segments are split on '/'.
 */
export function portabilityProblems(
  relPath: string,
  opts: PortabilityOptions = {},
): PortabilityProblem[] {
  const maxNameBytes = opts.maxNameBytes ?? DEFAULT_MAX_NAME_BYTES;
  const windowsRoot = opts.windowsRoot ?? 'C:\\';
  const out: PortabilityProblem[] = [];
  const add = (code: PortabilityCode, name: string, message: string): void => {
    out.push({ code, name, message });
  };

  for (const name of relPath.split('/')) {
    if (name === '') continue;
    if (isWindowsReservedName(name))
      add(
        'WINDOWS_RESERVED_NAME',
        name,
        `${JSON.stringify(name)} is a device name on Windows and cannot be a file there`,
      );
    const bad = firstWindowsInvalidChar(name);
    if (bad !== undefined)
      add(
        'WINDOWS_INVALID_CHAR',
        name,
        `${JSON.stringify(name)} contains ${JSON.stringify(bad)}, which Windows does not allow in names`,
      );
    if (name.includes('\\'))
      add(
        'BACKSLASH',
        name,
        `${JSON.stringify(name)} contains a backslash, a path separator on Windows`,
      );
    let control = false;
    let c1 = false;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (isControlCode(c)) control = true;
      else if (isC1Control(c)) c1 = true;
    }
    if (control)
      add(
        'CONTROL_CHAR',
        name,
        `${JSON.stringify(name)} contains a control character, which Windows does not allow`,
      );
    if (c1)
      add('C1_CONTROL', name, `${JSON.stringify(name)} contains an invisible C1 control character`);
    if (hasTrailingDotOrSpace(name) && name !== '.' && name !== '..') {
      add(
        'TRAILING_DOT_OR_SPACE',
        name,
        `${JSON.stringify(name)} ends with a dot or space, which Windows strips (it would name another file)`,
      );
    }
    if (name.startsWith(' '))
      add(
        'LEADING_SPACE',
        name,
        `${JSON.stringify(name)} starts with a space, which many Windows and macOS programs mishandle`,
      );
    const nfdUnits = name.normalize('NFD').length;
    if (
      utf8Bytes(name) > maxNameBytes ||
      name.length > MAX_NAME_UTF16 ||
      nfdUnits > MAX_NAME_UTF16
    ) {
      add(
        'NAME_TOO_LONG',
        name,
        `${JSON.stringify(name.slice(0, 40))}... is longer than 255 bytes (Linux, APFS) or 255 UTF-16 units (Windows, HFS+ in NFD)`,
      );
    }
    if (/~\d+(?:\.[^.]*)?$/.test(name) && /^[^.]{1,8}(?:\.[^.]{0,3})?$/.test(name)) {
      add(
        'WINDOWS_SHORT_NAME_ALIAS',
        name,
        `${JSON.stringify(name)} looks like a Windows 8.3 short name and may alias another file there`,
      );
    }
    if (hasLoneSurrogate(name))
      add('INVALID_UNICODE', name, `${JSON.stringify(name)} is not valid Unicode`);
    else if (!isNfc(name))
      add(
        'NOT_NFC',
        name,
        `${JSON.stringify(name)} is not in NFC form; it is synced under its NFC name`,
      );
    if (hasInvisibleChar(name))
      add(
        'INVISIBLE_CHAR',
        name,
        `${JSON.stringify(name)} contains an invisible (zero-width) character`,
      );
    if (hasBidiControl(name))
      add(
        'BIDI_CONTROL',
        name,
        `${JSON.stringify(name)} contains a bidirectional control character that changes how it is displayed`,
      );
  }

  const winLen = windowsRoot.replace(/[\\/]+$/, '').length + 1 + relPath.length + 1;
  if (winLen > WINDOWS_MAX_PATH) {
    add(
      'PATH_TOO_LONG_FOR_WINDOWS',
      '',
      `path is ${winLen - 1} characters under ${windowsRoot}, more than Windows' MAX_PATH of ${WINDOWS_MAX_PATH - 1}`,
    );
  }
  return out;
}

/**
 * The key two names share when a case-insensitive file system treats them as one: NFC, then
 * toUpperCase, then toLowerCase, then NFC again. Both case mappings are the Unicode default
 * (locale-independent: no Turkish dotless-i rule). Upper-then-lower approximates Unicode full
 * case folding (CaseFolding.txt status C+F): 'ſ' and 's', 'ς' and 'σ', 'ı' and 'i', 'K' (Kelvin)
 * and 'k' meet, and like full folding 'ß' meets 'ss'. NTFS and APFS fold more narrowly (simple
 * mappings), so the key can report a clash the disk would not have; it errs on telling.
 */
export function caseFoldKey(name: string): string {
  // Lower first: U+1E9E (capital sharp s) lowers to ß, which only upper-cases to SS; without
  // the first lowering, 'ẞ' and 'ß' would fold differently (found by the property test).
  return name.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * Groups of paths that a case-insensitive (or normalization-insensitive) file system would
 * merge. Each input path contributes itself and its ancestors; names are compared among
 * siblings of the same parent, so 'Docs/a' and 'docs/b' report ['Docs', 'docs'] (the clash is
 * the folder) and not the files below it. Inputs are compared as given (an NFD and an NFC
 * spelling of one name clash with each other, as on macOS). Each group is sorted, and groups
 * are sorted by their first member.
 */
export function caseClashes(paths: readonly string[]): string[][] {
  // parent path (exact) -> fold key of child name -> set of exact child paths
  const byParent = new Map<string, Map<string, Set<string>>>();
  for (const path of paths) {
    const segments = path.split('/').filter((s) => s !== '');
    let parent = '';
    for (const seg of segments) {
      const full = parent === '' ? seg : `${parent}/${seg}`;
      let siblings = byParent.get(parent);
      if (siblings === undefined) byParent.set(parent, (siblings = new Map()));
      const key = caseFoldKey(seg);
      let group = siblings.get(key);
      if (group === undefined) siblings.set(key, (group = new Set()));
      group.add(full);
      parent = full;
    }
  }
  const groups: string[][] = [];
  for (const siblings of byParent.values()) {
    for (const group of siblings.values()) if (group.size > 1) groups.push([...group].sort());
  }
  return groups.sort((a, b) =>
    (a[0] ?? '') < (b[0] ?? '') ? -1 : (a[0] ?? '') > (b[0] ?? '') ? 1 : 0,
  );
}
