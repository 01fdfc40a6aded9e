/**
 * electron-builder cannot package on the development machines (no Electron binary), so the
 * config is checked here: parsed with js-yaml, validated against electron-builder's own JSON
 * schema (the same validateConfiguration it runs before building), and asserted field by field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// js-yaml ships no types and @types/js-yaml is not installed; its load() is typed here.
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as {
  DebugLogger: new (enabled: boolean) => unknown;
};

const root = new URL('../../', import.meta.url);
const text = readFileSync(new URL('electron-builder.yml', root), 'utf8');

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources?: string };
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  protocols: { name: string; schemes: string[] }[];
  linux: { target: string[]; category: string; icon: string };
  win: { target: string[]; icon: string };
  mac: { target: string[]; category: string; icon: string };
  publish: null;
}

const config = yaml.load(text) as BuilderConfig;

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(
      validateConfiguration(structuredClone(config), new DebugLogger(false)),
    ).resolves.toBeUndefined();
  });

  it('the schema check is real: an unknown key is rejected', async () => {
    const broken = { ...structuredClone(config), linux: { ...config.linux, bogus: true } };
    await expect(validateConfiguration(broken, new DebugLogger(false))).rejects.toThrow(
      /configuration/i,
    );
  });

  it('names the app', () => {
    expect(config.appId).toBe('network.cess.sync');
    expect(config.productName).toBe('cess-sync');
    expect(config.directories.output).toBe('release');
    expect(config.publish).toBeNull();
  });

  it('packs the compiled app, the assets and package.json', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'assets/**', 'package.json']));
    expect(config.files).toEqual(
      expect.arrayContaining(['src/renderer/**/*.html', 'src/renderer/**/*.css']),
    );
    expect(
      config.files.filter(
        (f) => !f.startsWith('!') && !/^(dist|assets|src\/renderer)\/|^package\.json$/.test(f),
      ),
    ).toEqual([]);
  });

  it('keeps native modules (better-sqlite3, keytar) out of the asar and rebuilds them for Electron', () => {
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.npmRebuild).toBe(true);
  });

  it('registers the cess-sync: scheme', () => {
    expect(config.protocols).toEqual([{ name: 'cess-sync', schemes: ['cess-sync'] }]);
  });

  it('targets AppImage and deb, NSIS, and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toMatch(/^Network;/);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.mac.category).toBe('public.app-category.productivity');
  });

  it('every icon it names exists and is a PNG of at least 512x512', () => {
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) {
      const url = new URL(icon, root);
      expect(existsSync(url), icon).toBe(true);
      const png = readFileSync(url);
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
    }
  });

  it('agrees with package.json on the entry point and the shell on the scheme', async () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/main/main.js');
    const { DEEP_LINK_SCHEME } = await import('../../src/main/security/origins.js');
    expect(config.protocols[0]?.schemes).toEqual([DEEP_LINK_SCHEME]);
  });
});
