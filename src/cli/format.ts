/** Plain-text rendering for the CLI (pure functions; no colours, so output pipes cleanly). */
import type { Activity, Progress, Settings, Status } from '../sync/api/schema.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit] ?? 'B'}`;
}

export function formatRate(bytesPerSec: number | null): string {
  return bytesPerSec === null ? 'unlimited' : `${formatBytes(bytesPerSec)}/s`;
}

/** 75 -> "1m 15s"; null -> "--". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "just now", "5 min ago", ... for lastSyncMs. */
export function formatAgo(timeMs: number | null, nowMs: number): string {
  if (timeMs === null) return 'never';
  const seconds = Math.max(0, Math.round((nowMs - timeMs) / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(timeMs).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatProgressLine(progress: Progress): string {
  const pct =
    progress.bytesTotal > 0 ? Math.floor((progress.bytesDone / progress.bytesTotal) * 100) : 0;
  return (
    `${pct}% ${formatBytes(progress.bytesDone)} / ${formatBytes(progress.bytesTotal)}` +
    ` | ${progress.filesDone}/${progress.filesTotal} files` +
    ` | ${formatBytes(progress.speed)}/s | ETA ${formatDuration(progress.etaSeconds)}`
  );
}

/** Strips control and bidi characters from names coming from disk or the network. */
export function safeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
}

export function formatStatus(status: Status, nowMs: number): string {
  const lines: string[] = [];
  lines.push(`State:    ${status.state}`);
  lines.push(`Account:  ${status.account === null ? '(not signed in)' : safeText(status.account)}`);
  if (status.state === 'syncing' || status.progress.bytesTotal > 0) {
    lines.push(`Progress: ${formatProgressLine(status.progress)}`);
  }
  lines.push('');
  if (status.folders.length === 0) {
    lines.push('No folders. Add one with: cess-sync add <path>');
  } else {
    lines.push('Folders:');
    for (const f of status.folders) {
      const pending = f.pendingObjects > 0 ? `, ${f.pendingObjects} pending on CESS` : '';
      lines.push(`  ${safeText(f.root)}  [${f.state}]`);
      lines.push(
        `    id ${safeText(f.id)}: ${f.files} files, ${formatBytes(f.bytes)}, ` +
          `last sync ${formatAgo(f.lastSyncMs, nowMs)}${pending}`,
      );
    }
  }
  lines.push('');
  if (status.problems.length === 0) {
    lines.push('No problems.');
  } else {
    lines.push(`Problems (${status.problems.length}):`);
    for (const p of status.problems) {
      const where = p.path === null ? '' : ` ${safeText(p.path)}:`;
      lines.push(`  [${safeText(p.kind)}]${where} ${safeText(p.message)}`);
      if (p.actions.length > 0) {
        lines.push(`    id ${safeText(p.id)}; actions: ${p.actions.map(safeText).join(', ')}`);
      }
    }
  }
  return lines.join('\n');
}

export function formatActivity(a: Activity): string {
  const time = new Date(a.timeMs).toISOString().replace('T', ' ').slice(0, 19);
  const detail = a.detail === undefined ? '' : ` (${safeText(a.detail)})`;
  return `${time}  ${safeText(a.kind).padEnd(10)} ${safeText(a.path)}${detail}`;
}

export function formatSettings(s: Settings): string {
  return [
    `Upload limit:      ${formatRate(s.uploadLimitBytesPerSec)}`,
    `Download limit:    ${formatRate(s.downloadLimitBytesPerSec)}`,
    `Max deletes/pass:  ${s.maxDeletesPerPass}`,
    `Rescan interval:   ${s.rescanIntervalSec}s`,
  ].join('\n');
}

const RATE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * A bandwidth limit in bytes per second: "500k", "2M", "1.5MiB", "1048576". "0", "none", "off"
 * and "unlimited" mean no limit (null), as in Syncthing. Units are binary (k = 1024). Throws on
 * anything else.
 */
export function parseRate(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/\/s$/, '');
  if (t === 'none' || t === 'off' || t === 'unlimited') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(t);
  const multiplier = match?.[2] === undefined ? undefined : RATE_UNITS[match[2]];
  if (match?.[1] === undefined || multiplier === undefined) {
    throw new Error(`invalid rate ${JSON.stringify(text)} (try 500k, 2M, or none)`);
  }
  const value = Math.round(Number(match[1]) * multiplier);
  if (!Number.isSafeInteger(value)) throw new Error(`rate ${JSON.stringify(text)} is too large`);
  return value === 0 ? null : value;
}
