/**
 * The unlock view (docs/ui.md, "Locked mode"): shown when the daemon answers 409 `locked`, i.e.
 * the device's account key is in the encrypted key file and the daemon was started without its
 * passphrase. One password field (with show/hide), Unlock, a plain-words error and retry. The
 * passphrase goes to POST /api/v1/unlock only; the field is emptied once it worked.
 */
import {
  NOT_LOCKED,
  TOO_MANY_ATTEMPTS,
  UNLOCK_ROUTE,
  WRONG_PASSPHRASE,
  unlockStateSchema,
} from '../sync/api/unlock-schema.js';
import { byId, setText } from './dom.js';
import { ApiError, callApi, type ApiTarget } from './http.js';

function say(text: string, error: boolean): void {
  byId('unlock-message').classList.toggle('error', error);
  setText('unlock-message', text);
}

/** Plain words for each way an attempt can fail. */
export function unlockErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === WRONG_PASSPHRASE)
      return 'That passphrase does not open the key file. Check it (capital letters, spaces) and try again.';
    if (err.code === TOO_MANY_ATTEMPTS) return `Too many wrong tries. ${capitalize(after(err))}`;
    if (err.status === 0) return 'The sync engine is not reachable. Is it still running?';
    if (err.code === 'invalid_request') return 'Enter the passphrase first.';
    return `Could not unlock: ${err.message}`;
  }
  return `Could not unlock: ${err instanceof Error ? err.message : String(err)}`;
}

function after(err: ApiError): string {
  const m = /try again in .*$/.exec(err.message);
  return m === null ? 'Wait a little, then try again.' : `${m[0]}.`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

let wired = false;

/** Shows nothing by itself (the page's showView does); wires the form once. */
export function startUnlock(target: ApiTarget, onUnlocked: () => void): void {
  const input = byId<HTMLInputElement>('unlock-passphrase');
  queueMicrotask(() => input.focus());
  if (wired) return;
  wired = true;
  const toggle = byId<HTMLButtonElement>('unlock-toggle');
  const submit = byId<HTMLButtonElement>('unlock-submit');
  toggle.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    toggle.textContent = show ? 'Hide' : 'Show';
    toggle.setAttribute('aria-pressed', String(show));
    input.focus();
  });
  byId<HTMLFormElement>('unlock-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const passphrase = input.value;
    if (passphrase === '') {
      say('Enter the passphrase first.', true);
      input.focus();
      return;
    }
    submit.disabled = true;
    input.setAttribute('aria-busy', 'true');
    say('Unlocking… (opening the key file and connecting can take a few seconds)', false);
    callApi(target, 'POST', UNLOCK_ROUTE, unlockStateSchema, { passphrase })
      .then(() => {
        input.value = '';
        say('Unlocked.', false);
        onUnlocked();
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.code === NOT_LOCKED) {
          input.value = '';
          onUnlocked(); // another tab or the CLI unlocked it meanwhile
          return;
        }
        say(unlockErrorText(err), true);
        input.select();
        input.focus();
      })
      .finally(() => {
        submit.disabled = false;
        input.removeAttribute('aria-busy');
      });
  });
}
