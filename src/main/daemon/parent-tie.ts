/**
 * Runs in the daemon child (child-entry.ts, and the tests' fake daemon). The shell spawns it with
 * an IPC channel; this ties the child's life to the shell's:
 *
 * - The channel closes when the parent is gone, however it went (a crash, SIGKILL, a debugger
 *   stopping it): the daemon then shuts down as on SIGTERM, so no daemon outlives its app.
 * - A `shutdown` message asks for the same graceful exit. The supervisor sends it where signals
 *   cannot ask politely (Windows, where SIGTERM is TerminateProcess).
 *
 * Shutting down = emitting SIGTERM on this process, which the CLI's entry already handles (it
 * aborts the daemon command, which stops the engine after its durable step). If nothing listens
 * yet (still starting), or the graceful path hangs, the process exits outright.
 */
export const SHUTDOWN_MESSAGE = { type: 'cess-sync:shutdown' } as const;

export function isShutdownMessage(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === SHUTDOWN_MESSAGE.type
  );
}

export interface TieOptions {
  /** How long the graceful path may take before the process exits anyway. */
  hardExitAfterMs?: number;
}

/** Returns false when the process has no IPC channel (started by hand: nothing to tie to). */
export function tieToParent(proc: NodeJS.Process = process, options: TieOptions = {}): boolean {
  if (proc.send === undefined || proc.channel === undefined) return false;
  const hardExitAfterMs = options.hardExitAfterMs ?? 20_000;
  let shuttingDown = false;
  const shutdown = (): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (proc.listenerCount('SIGTERM') === 0) proc.exit(1);
    // unref: if the graceful path ends the event loop first, the process is already gone.
    setTimeout(() => proc.exit(1), hardExitAfterMs).unref();
    proc.emit('SIGTERM', 'SIGTERM');
  };
  proc.on('disconnect', shutdown);
  proc.on('message', (message: unknown) => {
    if (isShutdownMessage(message)) shutdown();
  });
  // The channel alone must not keep a finished daemon alive.
  proc.channel.unref();
  return true;
}
