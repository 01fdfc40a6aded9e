/**
 * Once per Electron test run: says plainly when there is no Electron binary (every test is then
 * skipped, and counted as skipped), else builds what the app launches: `npm run build` =
 * dist/main (main.js, preload.cjs, daemon/child-entry.js), dist/cli and dist/renderer.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { findElectronBinary, SKIP_REASON } from './electron-binary.js';

export default function globalSetup(): void {
  const binary = findElectronBinary();
  if (!binary.found) {
    console.log(`[electron] skipped: ${SKIP_REASON}`);
    return;
  }
  const repo = path.resolve(import.meta.dirname, '../..');
  if (process.env.ELECTRON_SKIP_BUILD !== '1') {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
  }
  console.log(`[electron] using ${binary.path}`);
}
