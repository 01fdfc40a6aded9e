/**
 * The status page's script. It runs in the Electron window (sandboxed, with the preload bridge
 * as window.cessSyncShell) and, later, in a browser served by the headless daemon (no bridge).
 * It imports nothing at runtime: the renderer has no bundler yet and is loaded as one module.
 */
import type { DaemonConnection, ShellBridge } from '../main/ipc/contract.js';

declare global {
  interface Window {
    cessSyncShell?: ShellBridge;
  }
}

/** The status sentence for what the shell reports about the daemon. */
export function connectionText(connection: DaemonConnection | null, hasShell: boolean): string {
  if (!hasShell) return 'Running in a browser: the sync engine serves this page.';
  if (connection === null) return 'The sync engine is not running.';
  return `Connected to the sync engine at ${connection.origin}.`;
}

function setStatus(text: string): void {
  const el = document.getElementById('status');
  if (el !== null) el.textContent = text;
}

async function start(): Promise<void> {
  const shell = window.cessSyncShell;
  if (shell === undefined) {
    setStatus(connectionText(null, false));
    return;
  }
  shell.onDeepLink((href) => setStatus(`Opened link: ${href}`));
  try {
    setStatus(connectionText(await shell.daemonConnection(), true));
  } catch {
    setStatus('Could not reach the app shell.');
  }
}

if (typeof document !== 'undefined') {
  void start();
}
