/**
 * Conflict-copy names: "report (conflict from laptop 2026-11-24 0315).txt", unique among the
 * names already taken in the directory ("... 0315 2).txt", "... 0315 3).txt", ...).
 */
import { caseFoldKey } from '../paths/index.js';

const MAX_NAME_BYTES = 255;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** UTC "YYYY-MM-DD HHMM" of `now`. */
export function conflictStamp(now: number): string {
  const d = new Date(Number.isFinite(now) ? now : 0);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

/** A device name safe inside a file name on every OS: no separators, reserved chars or controls. */
export function safeDeviceName(deviceName: string): string {
  const cleaned = [...deviceName.normalize('NFC')]
    .map((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      return c < 0x20 || c === 0x7f || '/\\:*?"<>|'.includes(ch) ? '-' : ch;
    })
    .join('')
    .trim();
  const short = [...cleaned].slice(0, 40).join('');
  return short === '' ? 'another device' : short;
}

/** Split "report.txt" -> ["report", ".txt"]; dot-files and directories keep no extension. */
export function splitExtension(name: string, isDir: boolean): [string, string] {
  if (isDir) return [name, ''];
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Shorten `base` (by code points) until `base + suffix` fits in 255 UTF-8 bytes. */
function fit(base: string, suffix: string): string {
  let cps = [...base];
  while (cps.length > 1 && utf8Length(cps.join('') + suffix) > MAX_NAME_BYTES)
    cps = cps.slice(0, -1);
  return cps.join('') + suffix;
}

/**
 * A conflict-copy name for `name` that is not in `taken` (compared case-insensitively, so the
 * copy does not clash on a case-insensitive disk either). The caller adds the result to `taken`.
 */
export function conflictCopyName(
  name: string,
  isDir: boolean,
  deviceName: string,
  now: number,
  taken: ReadonlySet<string>,
): string {
  const [base, ext] = splitExtension(name, isDir);
  const tag = `conflict from ${safeDeviceName(deviceName)} ${conflictStamp(now)}`;
  const takenKeys = new Set([...taken].map(caseFoldKey));
  for (let n = 1; ; n++) {
    const candidate = fit(base, ` (${tag}${n === 1 ? '' : ` ${n}`})${ext}`);
    if (!takenKeys.has(caseFoldKey(candidate))) return candidate;
  }
}
