/**
 * Settings' "Start cess-sync when I log in" IPC (src/main/ipc/open-at-login.ts) under Node: only
 * the app's own top-level frame may ask, `set` takes exactly one boolean, an unsupported build
 * answers null, a change reaches the tray; and the preload's duplicated channel table equals the
 * contract's, entry for entry.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../src/main/ipc/contract.js';
import { openAtLoginHandlers, type LoginItemAccess } from '../../src/main/ipc/open-at-login.js';

const ORIGIN = 'app://cess-sync';
const trusted = { senderFrame: { url: `${ORIGIN}/index.html`, parent: null } };

function fakeLogin(supported = true) {
  const state = { enabled: false, sets: [] as boolean[], changes: [] as boolean[] };
  const access: LoginItemAccess = {
    supported: () => supported,
    enabled: () => Promise.resolve(state.enabled),
    set: (on) => {
      state.sets.push(on);
      state.enabled = on;
      return Promise.resolve();
    },
    changed: (on) => state.changes.push(on),
  };
  return { state, handlers: openAtLoginHandlers(ORIGIN, access) };
}

describe('open-at-login IPC handlers', () => {
  it('get and set from the app frame; the tray hears about the change', async () => {
    const { state, handlers } = fakeLogin();
    expect(await handlers.get(trusted)).toBe(false);
    expect(await handlers.set(trusted, true)).toBe(true);
    expect(await handlers.get(trusted)).toBe(true);
    expect(await handlers.set(trusted, false)).toBe(false);
    expect(state.sets).toEqual([true, false]);
    expect(state.changes).toEqual([true, false]);
  });

  it.each([
    ['no frame', { senderFrame: null }],
    ['a subframe', { senderFrame: { url: `${ORIGIN}/index.html`, parent: {} } }],
    ['another origin', { senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['the daemon origin', { senderFrame: { url: 'http://127.0.0.1:4000/', parent: null } }],
    ['a lookalike', { senderFrame: { url: 'app://cess-sync.evil/index.html', parent: null } }],
  ])('refuses %s', async (_name, event) => {
    const { state, handlers } = fakeLogin();
    await expect(handlers.get(event)).rejects.toThrow(/untrusted frame/);
    await expect(handlers.set(event, true)).rejects.toThrow(/untrusted frame/);
    expect(state.sets).toEqual([]);
  });

  it.each([[[]], [['true']], [[1]], [[null]], [[true, true]], [[{ enabled: true }]]])(
    'set refuses arguments %j (one boolean only)',
    async (args) => {
      const { state, handlers } = fakeLogin();
      await expect(handlers.set(trusted, ...args)).rejects.toThrow(/one boolean/);
      expect(state.sets).toEqual([]);
    },
  );

  it('a build without a login item answers null and changes nothing', async () => {
    const { state, handlers } = fakeLogin(false);
    expect(await handlers.get(trusted)).toBeNull();
    expect(await handlers.set(trusted, true)).toBeNull();
    expect(state.sets).toEqual([]);
  });
});

describe('the preload channel table', () => {
  it('equals IPC_CHANNELS entry for entry', () => {
    const preload = readFileSync(new URL('../../src/main/preload.cts', import.meta.url), 'utf8');
    const block = /const CHANNELS = \{([^}]*)\} as const;/.exec(preload)?.[1];
    expect(block).toBeDefined();
    const entries = Object.fromEntries(
      [...block!.matchAll(/^\s*(\w+):\s*'([^']+)',?$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(entries).toEqual({ ...IPC_CHANNELS });
  });

  it('main.ts registers both handlers through the validated helpers', () => {
    const main = readFileSync(new URL('../../src/main/main.ts', import.meta.url), 'utf8');
    expect(main).toContain('ipcMain.handle(IPC_CHANNELS.openAtLogin');
    expect(main).toContain('ipcMain.handle(IPC_CHANNELS.setOpenAtLogin');
    expect(main).toContain('openAtLoginHandlers(APP_ORIGIN');
  });
});
