/** Plain formatting and wording decisions for the UI (no DOM). */
import type { Activity, EngineState, Progress, Status } from '../sync/api/schema.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i] ?? 'B'}`;
}

export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatWhen(ms: number | null, now = Date.now()): string {
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return new Date(ms).toLocaleString();
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The overall state line: short, calm when all is well. */
export function overallText(status: Status): string {
  const p = status.progress;
  switch (status.state) {
    case 'idle':
      if (status.folders.length === 0) return 'No folders yet';
      return status.problems.length > 0
        ? `Synced, ${plural(status.problems.length, 'problem')} need attention`
        : 'Synced';
    case 'syncing': {
      const left = Math.max(0, p.filesTotal - p.filesDone);
      return left > 0 ? `Syncing ${plural(left, 'file')}` : 'Syncing';
    }
    case 'paused':
      return 'Paused';
    case 'offline':
      return 'Offline: waiting for the network';
    case 'error':
      return 'Error: see Problems';
  }
}

/** Bytes, speed and ETA under the progress bar; empty when nothing is moving. */
export function progressText(p: Progress): string {
  if (p.bytesTotal === 0 && p.filesTotal === 0) return '';
  const parts = [`${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`];
  if (p.filesTotal > 0) parts.push(`${p.filesDone} of ${plural(p.filesTotal, 'file')}`);
  if (p.speed > 0) parts.push(formatRate(p.speed));
  if (p.etaSeconds !== null) parts.push(`${formatEta(p.etaSeconds)} left`);
  return parts.join(' · ');
}

export function stateLabel(state: EngineState): string {
  return {
    idle: 'Synced',
    syncing: 'Syncing',
    paused: 'Paused',
    offline: 'Offline',
    error: 'Error',
  }[state];
}

const ACTION_LABELS: Record<string, string> = {
  confirmDeletes: 'Confirm deletes',
  refuseDeletes: 'Refuse: restore the files',
  retry: 'Retry',
  keepBoth: 'Keep both',
  keepConflictCopy: 'Keep the conflict copy',
  discardConflictCopy: 'Discard the conflict copy',
  renewTerritory: 'Renew territory…',
  expandTerritory: 'Add space…',
  authorizeGateway: 'Authorize gateway',
};

export function actionLabel(action: string): string {
  return (
    ACTION_LABELS[action] ??
    action.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase())
  );
}

const PROBLEM_TITLES: Record<string, string> = {
  heldDeletes: 'Deletions held for confirmation',
  tooManyDeletes: 'Too many deletions in one pass',
  conflict: 'Conflict',
  rootMissing: 'Folder missing',
  offline: 'Offline',
  territoryLow: 'Storage space low',
  territoryExpiring: 'Territory expiring soon',
  territoryExpired: 'Territory not active',
  gatewayUnauthorized: 'Gateway not authorized',
  caseClash: 'Names differing only in case',
  portability: 'Name not portable',
  symlink: 'Symbolic link skipped',
  compactionFailed: 'Freeing storage space failed',
  error: 'Error',
};

export function problemTitle(kind: string): string {
  return PROBLEM_TITLES[kind] ?? kind;
}

export function activityVerb(kind: string): string {
  return (
    {
      uploaded: 'Uploaded',
      downloaded: 'Downloaded',
      deleted: 'Deleted',
      moved: 'Moved',
      conflict: 'Conflict',
      error: 'Error',
      restored: 'Restored',
      merged: 'Merged',
    }[kind] ?? kind
  );
}

export function activityText(a: Activity): string {
  return `${activityVerb(a.kind)} ${a.path || '(folder)'}${a.detail ? ` (${a.detail})` : ''}`;
}

/** KiB/s in the form <-> bytes/s in the API; empty or 0 = no limit. */
export function limitToForm(bytesPerSec: number | null): string {
  return bytesPerSec === null || bytesPerSec === 0 ? '' : String(Math.round(bytesPerSec / 1024));
}

export function limitFromForm(value: string): number | null | 'invalid' {
  const v = value.trim();
  if (v === '' || v === '0') return null;
  if (!/^\d{1,9}$/.test(v)) return 'invalid';
  return Number(v) * 1024;
}

/** Reads `#token=...` from a location hash; null when absent or malformed. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token !== null && /^[A-Za-z0-9_-]{32,256}$/.test(token) ? token : null;
}
