/**
 * Where the daemon is and its token, for every page (the status page, onboarding). In Electron
 * the preload bridge (`window.cessSyncShell`) says; in a browser served by the headless daemon
 * the token arrives once in `#token=`, is kept in sessionStorage for this tab only (so a reload
 * or a move to another page of the UI keeps working) and removed from the address bar.
 */
import type { DaemonConnection, ShellBridge } from '../main/ipc/contract.js';
import { tokenFromHash } from './format.js';

declare global {
  interface Window {
    cessSyncShell?: ShellBridge;
  }
}

const TOKEN_KEY = 'cess-sync.token';

/** Finds the daemon: the Electron shell's bridge, or this page's origin plus the token. */
export async function findConnection(): Promise<DaemonConnection | null> {
  const shell = window.cessSyncShell;
  if (shell !== undefined) return shell.daemonConnection();
  const fromHash = tokenFromHash(location.hash);
  if (location.hash !== '') {
    // The fragment never reaches the server, but it does reach history and screenshots.
    history.replaceState(null, '', location.pathname + location.search);
  }
  if (fromHash !== null) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      /* storage disabled: the token lives in memory only */
    }
  }
  let token = fromHash;
  if (token === null) {
    try {
      token = sessionStorage.getItem(TOKEN_KEY);
    } catch {
      token = null;
    }
  }
  return token === null ? null : { origin: location.origin, token };
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored */
  }
}
