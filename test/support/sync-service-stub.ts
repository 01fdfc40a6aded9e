/**
 * A SyncService that answers an idle status and does nothing: what the daemon server needs when
 * a test exercises other routes. Subscribers are kept so a subclass can push events to them.
 */
import type {
  Activity,
  DaemonEvent,
  Settings,
  Status,
  SyncService,
} from '../../src/sync/api/schema.js';
import { idleStatus } from './status.js';

export class StubSyncService implements SyncService {
  readonly listeners = new Set<(e: DaemonEvent) => void>();

  constructor(private readonly account = 'cXtest') {}

  status(): Status {
    return idleStatus({ account: this.account });
  }
  pause = async (): Promise<void> => undefined;
  resume = async (): Promise<void> => undefined;
  syncNow = async (): Promise<void> => undefined;
  addFolder = (): never => {
    throw new Error('not here');
  };
  resolveProblem = async (): Promise<void> => undefined;
  getSettings = (): Settings => ({
    uploadLimitBytesPerSec: null,
    downloadLimitBytesPerSec: null,
    maxDeletesPerPass: 1,
    rescanIntervalSec: 1,
  });
  setSettings = async (s: Settings): Promise<Settings> => s;
  recentActivity = (): Activity[] => [];
  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Sends an event to every subscriber, as the engine does. */
  emit(e: DaemonEvent): void {
    for (const l of this.listeners) l(e);
  }
}
