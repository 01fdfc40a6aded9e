/**
 * Settings, "Start cess-sync when I log in". Inside the desktop app the shell's bridge offers
 * openAtLogin/setOpenAtLogin (the same login item as the tray's checkbox) and the page shows a
 * checkbox; in a browser (headless mode) there is no bridge, and a one-line note says how.
 */
import type { ShellBridge } from '../../main/ipc/contract.js';
import { byId, setText } from '../dom.js';

function say(text: string, error = false): void {
  byId('login-message').classList.toggle('error', error);
  setText('login-message', text);
}

export async function startStartAtLogin(shell: ShellBridge | undefined): Promise<void> {
  const row = byId('login-setting');
  const note = byId('login-note');
  const get = shell?.openAtLogin;
  const set = shell?.setOpenAtLogin;
  if (shell === undefined || get === undefined || set === undefined) {
    row.hidden = true;
    note.hidden = false;
    return;
  }
  const box = byId<HTMLInputElement>('open-at-login');
  let enabled: boolean | null;
  try {
    enabled = await get.call(shell);
  } catch {
    enabled = null;
  }
  note.hidden = true;
  row.hidden = false;
  if (enabled === null) {
    box.disabled = true;
    say('This build of the app cannot start at login.');
    return;
  }
  box.checked = enabled;
  box.addEventListener('change', () => {
    const wanted = box.checked;
    box.disabled = true;
    set
      .call(shell, wanted)
      .then((now) => {
        if (now === null) {
          say('This build of the app cannot start at login.', true);
          return;
        }
        box.checked = now;
        say(now ? 'cess-sync will start when you log in.' : 'cess-sync will not start at login.');
      })
      .catch(() => {
        box.checked = !wanted;
        say('Could not change this setting; try again from the tray menu.', true);
      })
      .finally(() => {
        box.disabled = false;
      });
  });
}
