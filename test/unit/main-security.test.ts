import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, resolveAppRequest } from '../../src/main/security/app-protocol.js';
import { buildCsp, metaCsp } from '../../src/main/security/csp.js';
import { decideNavigation, isTrustedSender } from '../../src/main/security/navigation.js';
import { APP_ORIGIN, isDaemonLoopbackOrigin, originOf } from '../../src/main/security/origins.js';
import { hardenedWindowOptions } from '../../src/main/security/window-options.js';

describe('hardenedWindowOptions', () => {
  const options = hardenedWindowOptions({ preloadPath: '/app/dist/main/preload.cjs' });
  const web = options.webPreferences ?? {};

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and turns off webview, insecure content and experiments', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.webviewTag).toBe(false);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
    expect(web).not.toHaveProperty('enableBlinkFeatures');
  });

  it('sets the preload path and starts hidden', () => {
    expect(web.preload).toBe('/app/dist/main/preload.cjs');
    expect(options.show).toBe(false);
    expect(
      hardenedWindowOptions({ preloadPath: 'C:\\app\\preload.cjs' }).webPreferences?.preload,
    ).toBe('C:\\app\\preload.cjs');
  });

  it('refuses a relative preload path', () => {
    expect(() => hardenedWindowOptions({ preloadPath: 'dist/main/preload.cjs' })).toThrow(
      /absolute/,
    );
  });
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name = '', ...sources] = d.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

describe('buildCsp', () => {
  const csp = buildCsp({ daemonOrigin: 'http://127.0.0.1:4750' });
  const d = directives(csp);

  it("defaults to 'self' and forbids inline and eval", () => {
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*/);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('lets the renderer connect only to itself and the daemon (HTTP and WebSocket)', () => {
    expect(d.get('connect-src')).toEqual([
      "'self'",
      'http://127.0.0.1:4750',
      'ws://127.0.0.1:4750',
    ]);
  });

  it('connects nowhere else while the daemon is not running', () => {
    expect(directives(buildCsp({ daemonOrigin: null })).get('connect-src')).toEqual(["'self'"]);
  });

  it.each([
    'http://localhost:4750',
    'https://127.0.0.1:4750',
    'http://127.0.0.1',
    'http://127.0.0.1:4750/api',
    'http://user@127.0.0.1:4750',
    'http://127.0.0.1.evil.com:4750',
    "http://127.0.0.1:4750 'unsafe-eval'",
    'http://0.0.0.0:4750',
  ])('refuses a daemon origin that is not exactly loopback: %s', (origin) => {
    expect(() => buildCsp({ daemonOrigin: origin })).toThrow(/127\.0\.0\.1/);
  });

  it('the meta policy in index.html is the one metaCsp() builds, with no inline script', () => {
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html);
    expect(meta?.[1]).toBe(metaCsp());
    expect(metaCsp()).not.toMatch(/unsafe|frame-ancestors/);
    // Every <script> has a src and no body; no inline event handlers.
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(script[1]).toMatch(/\bsrc="\.\/[\w.-]+\.js"/);
      expect(script[2]?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
  });

  it('index.html has the page landmarks and a live status region', () => {
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
    expect(html).toMatch(/<html lang="en">/);
    for (const tag of ['header', 'main', 'footer'])
      expect(html).toMatch(new RegExp(`<${tag}[\\s>]`));
    expect(html).toMatch(/role="status"[^>]*aria-live="polite"/);
  });
});

describe('decideNavigation', () => {
  const app = APP_ORIGIN;
  it.each<[string, ReturnType<typeof decideNavigation>]>([
    ['app://cess-sync/index.html', 'allow'],
    ['app://cess-sync/settings#keys', 'allow'],
    ['APP://CESS-SYNC/index.html', 'allow'],
    ['app://other/index.html', 'deny'],
    ['https://cess.network/docs', { openExternal: 'https://cess.network/docs' }],
    ['HTTP://Example.COM/a b', { openExternal: 'http://example.com/a%20b' }],
    ['http://127.0.0.1.evil.com/', { openExternal: 'http://127.0.0.1.evil.com/' }],
    ['https://evil.com@127.0.0.1', 'deny'],
    ['https://user:pass@example.com/', 'deny'],
    ['http://127.0.0.1:4750/api/token', 'deny'],
    ['http://localhost:8080/', 'deny'],
    ['http://2130706433/', 'deny'],
    ['http://0x7f.1/', 'deny'],
    ['http://[::1]:4750/', 'deny'],
    ['http://[::ffff:127.0.0.1]/', 'deny'],
    ['http://0.0.0.0:4750/', 'deny'],
    ['javascript:alert(1)', 'deny'],
    ['JaVaScRiPt:alert(1)', 'deny'],
    [' javascript:alert(1)', 'deny'],
    ['file:///etc/passwd', 'deny'],
    ['file://server/share/x.exe', 'deny'],
    ['data:text/html,<script>alert(1)</script>', 'deny'],
    ['blob:app://cess-sync/0c2f1e9a', 'deny'],
    ['about:blank', 'deny'],
    ['vbscript:msgbox(1)', 'deny'],
    ['ms-settings:privacy', 'deny'],
    ['smb://server/share', 'deny'],
    ['ftp://example.com/file', 'deny'],
    ['mailto:someone@example.com', 'deny'],
    ['cess-sync://share/abc?from=5Grw', { deepLink: 'cess-sync://share/abc?from=5Grw' }],
    ['CESS-SYNC://open', { deepLink: 'cess-sync://open' }],
    ['cess-sync://user:pw@share/abc', 'deny'],
    ['not a url', 'deny'],
    ['', 'deny'],
    ['//evil.com/', 'deny'],
  ])('%s -> %j', (url, expected) => {
    expect(decideNavigation(url, app)).toEqual(expected);
  });

  it('compares whole origins, never prefixes, when the UI is served from the daemon', () => {
    const served = 'http://127.0.0.1:4750';
    expect(decideNavigation('http://127.0.0.1:4750/index.html', served)).toBe('allow');
    expect(decideNavigation('http://127.0.0.1:4751/', served)).toBe('deny');
    expect(decideNavigation('http://127.0.0.1.evil.com:4750/', served)).toEqual({
      openExternal: 'http://127.0.0.1.evil.com:4750/',
    });
    expect(decideNavigation('https://evil.com@127.0.0.1:4750/', served)).toBe('deny');
  });
});

describe('isTrustedSender', () => {
  it.each<[string | null | undefined, boolean]>([
    ['app://cess-sync/index.html', true],
    ['app://cess-sync/', true],
    ['app://cess-sync.evil.com/', false],
    ['app://evil/index.html', false],
    ['app://user@cess-sync/', false],
    ['https://cess-sync/', false],
    ['file:///work/main/src/renderer/index.html', false],
    ['about:blank', false],
    ['data:text/html,hi', false],
    ['', false],
    [null, false],
    [undefined, false],
  ])('%s -> %s', (frameUrl, trusted) => {
    expect(isTrustedSender(frameUrl, APP_ORIGIN)).toBe(trusted);
  });
});

describe('origins', () => {
  it('gives custom schemes a comparable origin (URL.origin is "null" for them)', () => {
    expect(new URL('app://cess-sync/x').origin).toBe('null');
    expect(originOf('app://cess-sync/x')).toBe('app://cess-sync');
    expect(originOf('https://Example.com:443/x')).toBe('https://example.com');
    expect(originOf('javascript:alert(1)')).toBeNull();
  });
  it('recognises only http://127.0.0.1:<port> as the daemon origin', () => {
    expect(isDaemonLoopbackOrigin('http://127.0.0.1:1')).toBe(true);
    expect(isDaemonLoopbackOrigin('http://127.0.0.1:4750/')).toBe(true);
    expect(isDaemonLoopbackOrigin('http://127.1:4750')).toBe(false);
    expect(isDaemonLoopbackOrigin('http://127.0.0.1:80')).toBe(false);
  });
});

describe('app protocol', () => {
  const roots = ['/app/dist/renderer', '/app/src/renderer'];
  it('maps app://cess-sync paths to candidates under each root, in order', () => {
    expect(resolveAppRequest('app://cess-sync/app.js', roots)).toEqual([
      '/app/dist/renderer/app.js',
      '/app/src/renderer/app.js',
    ]);
    expect(resolveAppRequest('app://cess-sync/', roots)?.[0]).toBe('/app/dist/renderer/index.html');
    expect(resolveAppRequest('app://cess-sync/index.html?x=1#y', roots)?.[1]).toBe(
      '/app/src/renderer/index.html',
    );
  });
  it('dot segments the URL parser removes stay inside the roots', () => {
    for (const url of [
      'app://cess-sync/../../etc/passwd',
      'app://cess-sync/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      expect(resolveAppRequest(url, roots)).toEqual([
        '/app/dist/renderer/etc/passwd',
        '/app/src/renderer/etc/passwd',
      ]);
    }
  });
  it.each([
    'app://cess-sync/a/%2e%2e%2f%2e%2e%2fetc/passwd',
    'app://cess-sync/..%5c..%5cwindows',
    'app://cess-sync/x%00.html',
    'app://cess-sync/C:/Windows/win.ini',
    'app://cess-sync/%E0%A4%A',
    'app://other/index.html',
    'app://u@cess-sync/index.html',
    'file:///etc/passwd',
    'https://cess-sync/index.html',
  ])('refuses %s', (url) => {
    expect(resolveAppRequest(url, roots)).toBeNull();
  });
  it('serves only known content types', () => {
    expect(contentTypeFor('/a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/a/app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/a/app.ts')).toBeNull();
    expect(contentTypeFor('/a/secret')).toBeNull();
  });
});
