/** The engine's activity log: the last 500 things it did, each also told to subscribers. */
import type { Activity } from '../api/schema.js';

const ACTIVITY_KEEP = 500;

export class ActivityLog {
  private readonly activity: Activity[] = [];

  constructor(
    private readonly now: () => number,
    private readonly onAdd: (a: Activity) => void,
  ) {}

  add(folderId: string, kind: string, p: string, detail?: string): void {
    const a: Activity = {
      timeMs: this.now(),
      folderId,
      kind,
      path: p,
      ...(detail !== undefined ? { detail } : {}),
    };
    this.activity.push(a);
    if (this.activity.length > ACTIVITY_KEEP) this.activity.shift();
    this.onAdd(a);
  }

  /** The newest `limit` entries, newest first. */
  recent(limit: number): Activity[] {
    return this.activity.slice(-Math.max(0, limit)).reverse();
  }
}
