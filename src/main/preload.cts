/*
 * Preload for the sandboxed renderer. Sandboxed preloads cannot be ES modules, hence .cts
 * (compiled to dist/main/preload.cjs). It exposes a few narrow functions; ipcRenderer itself
 * never reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { DaemonConnection, ShellBridge } from './ipc/contract.js';

// Duplicated from ipc/contract.ts: a sandboxed preload can require only 'electron' and a few
// Node built-ins, not sibling files (tests assert the two stay equal).
const CHANNELS = {
  daemonConnection: 'cess-sync:daemon-connection',
  deepLink: 'cess-sync:deep-link',
  openAtLogin: 'cess-sync:open-at-login',
  setOpenAtLogin: 'cess-sync:set-open-at-login',
} as const;

const bridge: ShellBridge = {
  daemonConnection: () =>
    ipcRenderer.invoke(CHANNELS.daemonConnection) as Promise<DaemonConnection | null>,
  onDeepLink: (listener) => {
    const handler = (_event: unknown, href: unknown): void => {
      if (typeof href === 'string') listener(href);
    };
    ipcRenderer.on(CHANNELS.deepLink, handler);
    return () => {
      ipcRenderer.removeListener(CHANNELS.deepLink, handler);
    };
  },
  openAtLogin: () => ipcRenderer.invoke(CHANNELS.openAtLogin) as Promise<boolean | null>,
  setOpenAtLogin: (enabled) =>
    ipcRenderer.invoke(CHANNELS.setOpenAtLogin, enabled === true) as Promise<boolean | null>,
};

contextBridge.exposeInMainWorld('cessSyncShell', bridge);
