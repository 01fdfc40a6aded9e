/**
 * The sync daemon as the desktop app's child process:
 *
 *   <Electron with ELECTRON_RUN_AS_NODE=1, or node> dist/main/daemon/child-entry.js --state-dir D daemon
 *
 * It is the `cess-sync` CLI unchanged (src/cli/main.ts reads process.argv), tied to the app
 * through the IPC channel first (parent-tie.ts), so the daemon stops when the app goes away.
 */
import { tieToParent } from './parent-tie.js';

tieToParent();
await import('../../cli/main.js');
