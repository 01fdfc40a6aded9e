import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractDeepLink, normalizeDeepLink } from '../../src/main/deep-link.js';
import { IPC_CHANNELS } from '../../src/main/ipc/contract.js';
import { connectionText } from '../../src/renderer/app.js';

describe('deep links', () => {
  it('finds the cess-sync: link among a launch argv (Windows/Linux second instance)', () => {
    expect(
      extractDeepLink(['/opt/cess-sync/cess-sync', '--no-sandbox', 'cess-sync://share/abc?x=1']),
    ).toBe('cess-sync://share/abc?x=1');
    expect(extractDeepLink(['C:\\cess-sync.exe', 'CESS-SYNC://open'])).toBe('cess-sync://open');
    expect(extractDeepLink(['/usr/bin/electron', '/app/dist/main/main.js'])).toBeNull();
  });
  it.each([
    'https://cess-sync.example/share',
    'cess-sync-evil://x',
    'cess-sync://user:pw@host/x',
    `cess-sync://share/${'a'.repeat(3000)}`,
    'javascript:cess-sync://x',
  ])('refuses %s', (candidate) => {
    expect(normalizeDeepLink(candidate)).toBeNull();
  });
});

describe('preload', () => {
  it('uses the same channel names as the IPC contract', () => {
    const preload = readFileSync(new URL('../../src/main/preload.cts', import.meta.url), 'utf8');
    expect(preload).toContain(`daemonConnection: '${IPC_CHANNELS.daemonConnection}'`);
    expect(preload).toContain(`deepLink: '${IPC_CHANNELS.deepLink}'`);
    // A sandboxed preload may require only 'electron' (and a few built-ins): no sibling modules.
    const runtimeImports = [...preload.matchAll(/^import\s+(?!type\b)[^;]*from\s+'([^']+)'/gm)].map(
      (m) => m[1],
    );
    expect(runtimeImports).toEqual(['electron']);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\)/);
  });
});

describe('main.ts wiring', () => {
  const main = readFileSync(new URL('../../src/main/main.ts', import.meta.url), 'utf8');
  it('takes the single-instance lock and registers the deep-link scheme', () => {
    expect(main).toContain('app.requestSingleInstanceLock()');
    expect(main).toContain('app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME');
  });
  it('guards navigation, redirects, window.open and webview on every WebContents', () => {
    for (const hook of [
      "'will-navigate'",
      "'will-redirect'",
      "'will-frame-navigate'",
      "'will-attach-webview'",
      'setWindowOpenHandler',
    ]) {
      expect(main).toContain(hook);
    }
    expect(main).toContain("return { action: 'deny' }");
  });
  it('supervises the daemon from Electron in Node mode and awaits its stop before quitting', () => {
    expect(main).toContain('new ProcessSupervisor(');
    expect(main).toContain('command: electronDaemonCommand(');
    const beforeQuit = main.slice(main.indexOf("app.on('before-quit'"));
    expect(beforeQuit).toMatch(/event\.preventDefault\(\);\s+supervisor\s+\.stop\(\)/);
    // Test hooks only on request.
    expect(main).toContain("if (process.env.CESS_SYNC_SHELL_TEST !== '1') return;");
  });
  it('validates the IPC sender and serves the CSP header', () => {
    expect(main).toMatch(/isTrustedSender\(frame\.url, APP_ORIGIN\)/);
    expect(main).toContain("'Content-Security-Policy': buildCsp(");
  });
});

describe('renderer status text', () => {
  it('tells the three situations apart', () => {
    expect(connectionText(null, false)).toMatch(/browser/);
    expect(connectionText(null, true)).toBe('The sync engine is not running.');
    expect(connectionText({ origin: 'http://127.0.0.1:4750', token: 't' }, true)).toBe(
      'Connected to the sync engine at http://127.0.0.1:4750.',
    );
  });
});
