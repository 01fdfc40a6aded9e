/**
 * Whether an Electron binary is installed. The `electron` npm package downloads its binary from
 * outside the npm registry at install time, which the development and CI machines cannot reach
 * (design.md, "Electron on the development machines"): there `require('electron')` throws (or
 * names a file that is not there), and the Electron tests are skipped with this reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export const SKIP_REASON =
  'Electron binary not installed (downloads come from outside the npm registry): see design.md';

export type ElectronBinary = { found: true; path: string } | { found: false; detail: string };

export function findElectronBinary(): ElectronBinary {
  const require = createRequire(import.meta.url);
  let resolved: unknown;
  try {
    resolved = require('electron');
  } catch (error) {
    return { found: false, detail: error instanceof Error ? error.message : String(error) };
  }
  if (typeof resolved !== 'string') {
    return { found: false, detail: 'the electron package did not name a binary' };
  }
  if (!existsSync(resolved)) return { found: false, detail: `${resolved} does not exist` };
  return { found: true, path: resolved };
}
