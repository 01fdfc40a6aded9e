/**
 * The running pass's progress: files and bytes done of the planned totals, the speed over the
 * last 5 s and the time left at that speed.
 */
import type { Progress } from '../api/schema.js';

const SPEED_WINDOW_MS = 5000;

function idle(): Progress {
  return {
    bytesDone: 0,
    bytesTotal: 0,
    filesDone: 0,
    filesTotal: 0,
    speed: 0,
    etaSeconds: null,
  };
}

export class ProgressMeter {
  private progress: Progress = idle();
  private speedWindow: { t: number; bytes: number }[] = [];

  constructor(private readonly now: () => number) {}

  /** A pass starts: nothing planned or done yet. */
  reset(): void {
    this.progress = idle();
    this.speedWindow = [];
  }

  /** The pass has planned: what it will transfer. */
  planned(totals: { bytes: number; files: number }): void {
    this.progress = { ...this.progress, bytesTotal: totals.bytes, filesTotal: totals.files };
  }

  fileDone(): void {
    this.progress.filesDone++;
  }

  addBytes(n: number): void {
    const t = this.now();
    this.progress.bytesDone = Math.min(
      this.progress.bytesTotal || Number.MAX_SAFE_INTEGER,
      this.progress.bytesDone + n,
    );
    this.speedWindow.push({ t, bytes: n });
    while (this.speedWindow.length > 0 && t - (this.speedWindow[0]?.t ?? t) > SPEED_WINDOW_MS)
      this.speedWindow.shift();
    const first = this.speedWindow[0];
    const span = first ? Math.max(1, t - first.t) : 1;
    const bytes = this.speedWindow.reduce((s, w) => s + w.bytes, 0);
    this.progress.speed = (bytes * 1000) / span;
    const left = Math.max(0, this.progress.bytesTotal - this.progress.bytesDone);
    this.progress.etaSeconds = this.progress.speed > 0 ? left / this.progress.speed : null;
  }

  /** A copy, for the status. */
  current(): Progress {
    return { ...this.progress };
  }
}
