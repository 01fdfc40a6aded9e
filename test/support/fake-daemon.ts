/**
 * A stand-in daemon for the supervisor's tests: the real daemon server (src/daemon/server.ts,
 * so daemon.json, the token and the event stream are the real ones) in front of a small
 * in-memory SyncService, plus the ways a daemon misbehaves, chosen by FAKE_MODE:
 *
 *   serve           run until SIGTERM (or the parent goes away), then close and exit 0
 *   crash-at-start  print a reason on stderr and exit 3 before listening
 *   crash-until     crash at start while fewer than FAKE_CRASHES launches happened, then serve
 *   not-set-up      serve, but the status answers 409 not_set_up (setup mode)
 *   locked          serve, but the status answers 409 locked (key file waits for its passphrase)
 *   ignore-sigterm  serve and ignore SIGTERM (the supervisor must SIGKILL it)
 *   silent          never listen (the supervisor's start timeout)
 *
 * FAKE_EXIT_AFTER_MS: in a serving mode, exit 7 that long after listening (a crash later on).
 * FAKE_COUNTER: a file counting launches (one line per launch, with the pid).
 * syncNow() plays a scripted sequence: held deletes appear, a conflict and an upload happen.
 *
 *   node --import tsx test/support/fake-daemon.ts --state-dir <dir>
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { startDaemonServer } from '../../src/daemon/server.js';
import { tieToParent } from '../../src/main/daemon/parent-tie.js';
import {
  API_VERSION,
  type Activity,
  type AddFolderRequest,
  type DaemonEvent,
  type FolderStatus,
  type Problem,
  type Settings,
  type Status,
  type SyncService,
} from '../../src/sync/api/schema.js';
import { zeroProgress } from './status.js';

const mode = process.env.FAKE_MODE ?? 'serve';
const stateDirIndex = process.argv.indexOf('--state-dir');
const stateDir = process.argv[stateDirIndex + 1];
if (stateDirIndex < 0 || stateDir === undefined) throw new Error('usage: --state-dir <dir>');

async function serve(): Promise<void> {
  const service = new FakeService(
    mode === 'not-set-up' ? 'not_set_up' : mode === 'locked' ? 'locked' : null,
  );
  const server = await startDaemonServer({
    service,
    // As the engine does: a checked path becomes a shareRequest event for the UI.
    shareRequests: {
      requestShare: async (absPath) => {
        const request = {
          folderId: 'f1',
          path: absPath.replace('/home/ana/CESS/', ''),
          absPath,
          name: absPath.split('/').pop() ?? '',
          kind: 'file' as const,
        };
        service.emitPublic({ type: 'shareRequest', request });
        return request;
      },
    },
    stateDir: stateDir!,
    log: () => undefined,
  });
  process.stderr.write(`fake-daemon: listening on ${server.url}\n`);
  if (mode === 'ignore-sigterm') {
    process.on('SIGTERM', () => process.stderr.write('fake-daemon: ignoring SIGTERM\n'));
  } else {
    process.once('SIGTERM', () => {
      void server.close().then(() => process.exit(0));
    });
  }
  const exitAfter = Number(process.env.FAKE_EXIT_AFTER_MS ?? 0);
  if (exitAfter > 0) {
    setTimeout(() => {
      process.stderr.write('fake-daemon: segfault in the hasher\n');
      process.exit(7);
    }, exitAfter);
  }
}

class FakeService implements SyncService {
  private paused = false;
  private problems: Problem[] = [];
  private readonly activity: Activity[] = [];
  private readonly listeners = new Set<(e: DaemonEvent) => void>();
  private readonly folder: FolderStatus = {
    id: 'f1',
    root: '/home/ana/CESS',
    state: 'idle',
    files: 1,
    bytes: 10,
    lastSyncMs: null,
    pendingObjects: 0,
  };

  constructor(private readonly notReady: 'not_set_up' | 'locked' | null) {
    this.activity.push({ timeMs: 1, folderId: 'f1', kind: 'uploaded', path: 'old/report.pdf' });
  }

  status(): Status {
    if (this.notReady !== null) {
      throw Object.assign(new Error('the sync engine cannot answer yet'), {
        statusCode: 409,
        code: this.notReady,
      });
    }
    return {
      apiVersion: API_VERSION,
      state: this.paused ? 'paused' : 'idle',
      account: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      folders: [{ ...this.folder, state: this.paused ? 'paused' : 'idle' }],
      progress: zeroProgress(),
      problems: this.problems,
    };
  }
  async pause(): Promise<void> {
    this.paused = true;
    this.emit({ type: 'status', status: this.status() });
  }
  async resume(): Promise<void> {
    this.paused = false;
    this.emit({ type: 'status', status: this.status() });
  }
  async syncNow(): Promise<void> {
    this.problems = [
      {
        id: 'f1:held',
        folderId: 'f1',
        kind: 'heldDeletes',
        path: null,
        message: '120 deletions are waiting for your confirmation: more than 100 in one pass.',
        actions: ['confirmDeletes', 'refuseDeletes'],
      },
    ];
    this.emit({ type: 'status', status: this.status() });
    this.log(
      'conflict',
      'notes/plan.md',
      'edited on both sides: the local version is kept as a conflict copy',
    );
    this.log('uploaded', 'photos/cat.jpg');
    // The same state again (the next pass): nothing new to tell the user.
    this.emit({ type: 'status', status: this.status() });
  }
  async addFolder(_req: AddFolderRequest): Promise<FolderStatus> {
    return this.folder;
  }
  async resolveProblem(): Promise<void> {
    this.problems = [];
  }
  getSettings(): Settings {
    return {
      uploadLimitBytesPerSec: null,
      downloadLimitBytesPerSec: null,
      maxDeletesPerPass: 100,
      rescanIntervalSec: 3600,
    };
  }
  async setSettings(s: Settings): Promise<Settings> {
    return s;
  }
  recentActivity(limit: number): Activity[] {
    return this.activity.slice(-limit).reverse();
  }
  subscribe(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private log(kind: string, path: string, detail?: string): void {
    const a: Activity = {
      timeMs: Date.now(),
      folderId: 'f1',
      kind,
      path,
      ...(detail ? { detail } : {}),
    };
    this.activity.push(a);
    this.emit({ type: 'activity', activity: a });
  }
  emitPublic(e: DaemonEvent): void {
    this.emit(e);
  }
  private emit(e: DaemonEvent): void {
    for (const l of this.listeners) l(e);
  }
}

// Last: the class above must be initialised before serve() uses it.
tieToParent();
const counter = process.env.FAKE_COUNTER;
let launches = 1;
if (counter !== undefined) {
  appendFileSync(counter, `${process.pid}\n`);
  launches = readFileSync(counter, 'utf8').trim().split('\n').length;
}

if (
  mode === 'crash-at-start' ||
  (mode === 'crash-until' && launches <= Number(process.env.FAKE_CRASHES ?? 0))
) {
  process.stderr.write('fake-daemon: starting\n');
  process.stderr.write(`fake-daemon: cannot open the manifest: disk full (launch ${launches})\n`);
  process.exit(3);
}
if (mode === 'silent') {
  process.stderr.write('fake-daemon: connecting to the chain…\n');
  setInterval(() => undefined, 60_000);
} else {
  await serve();
}
