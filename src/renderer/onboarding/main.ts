/**
 * The onboarding page (onboarding.html): a step-by-step wizard from nothing to a first synced
 * folder, driving the daemon's setup routes (docs/ui.md, "Onboarding"). Same token handling as
 * the status page (../connection.ts). A device that is already set up goes to index.html.
 */
import { ApiError } from '../api.js';
import { findConnection } from '../connection.js';
import { byId, setText } from '../dom.js';
import { tokenFromHash } from '../format.js';
import { SetupApi } from './setup-api.js';
import { accountStep } from './steps-account.js';
import { fundsStep, gatewayStep, territoryStep } from './steps-chain.js';
import { doneStep, foldersStep } from './steps-finish.js';
import { networkStep, welcomeStep } from './steps-start.js';
import { errorText, showUnauthorized, Wizard } from './wizard.js';

async function start(): Promise<void> {
  let connection;
  try {
    connection = await findConnection();
  } catch {
    showUnauthorized('Could not reach the app shell.');
    return;
  }
  if (connection === null) {
    showUnauthorized(
      window.cessSyncShell !== undefined
        ? 'The sync engine is not running.'
        : "This page was opened without the sync engine's access token.",
    );
    return;
  }
  const api = new SetupApi(connection.origin, connection.token);
  let state;
  try {
    state = await api.state();
  } catch (err) {
    if (err instanceof ApiError && err.unauthorized) {
      showUnauthorized(
        "The sync engine refused this page's token: it may have been restarted (each start makes a new token).",
      );
    } else {
      const banner = byId('connection');
      banner.hidden = false;
      setText('connection', `${errorText(err)} Reload the page to try again.`);
    }
    return;
  }
  if (state.setUp) {
    location.replace('./index.html');
    return;
  }
  const wizard = new Wizard(api, state);
  welcomeStep(wizard);
  networkStep(wizard);
  accountStep(wizard);
  fundsStep(wizard);
  territoryStep(wizard);
  gatewayStep(wizard);
  foldersStep(wizard, doneStep(wizard));
  wizard.go(wizard.resumeStep());
}

if (typeof document !== 'undefined') {
  // A new `cess-sync ui-url` address pasted into this tab only changes the fragment.
  window.addEventListener('hashchange', () => {
    if (window.cessSyncShell === undefined && tokenFromHash(location.hash) !== null) {
      void findConnection().then(() => location.reload());
    }
  });
  void start();
}
