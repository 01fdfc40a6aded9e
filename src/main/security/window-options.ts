import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the compiled preload script (dist/main/preload.cjs). */
  preloadPath: string;
  /** Window icon (Linux/Windows); macOS takes the bundle icon. */
  iconPath?: string;
}

/**
 * Options for every BrowserWindow the shell creates, following Electron's security checklist:
 * isolated context, sandboxed renderer, no Node in any frame or worker, web security on, no
 * <webview>, no insecure content, no experimental features. The window is created hidden and
 * shown on 'ready-to-show' so it never flashes blank.
 */
export function hardenedWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  if (!isAbsolutePath(input.preloadPath)) {
    throw new Error(`preload path must be absolute, got ${JSON.stringify(input.preloadPath)}`);
  }
  return {
    width: 960,
    height: 680,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'cess-sync',
    ...(input.iconPath !== undefined ? { icon: input.iconPath } : {}),
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}
