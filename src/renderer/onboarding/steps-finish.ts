/** Folders (absolute paths, checked by the daemon), the device's name, Finish, and Done. */
import type { FinishReply } from '../../sync/api/onboarding-schema.js';
import { byId, h, setText } from '../dom.js';
import { clear, whileBusy, type Wizard } from './wizard.js';

export function foldersStep(w: Wizard, onDone: (reply: FinishReply) => void): void {
  const input = byId<HTMLInputElement>('folder-input');
  const deviceName = byId<HTMLInputElement>('device-name');

  const render = (): void => {
    const folders = w.state.folders;
    byId('folder-empty').hidden = folders.length > 0;
    byId('folder-list').replaceChildren(
      ...folders.map((root) =>
        h(
          'li',
          { class: 'card folder-pick' },
          h('span', { class: 'path' }, root),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Remove ${root}`,
              onclick: () => void remove(root),
            },
            'Remove',
          ),
        ),
      ),
    );
  };

  byId<HTMLFormElement>('folder-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void add();
  });
  const add = async (): Promise<void> => {
    clear('folder-error');
    const root = input.value.trim();
    if (root === '') {
      setText('folder-error', "Enter the folder's path.");
      input.focus();
      return;
    }
    try {
      w.state = await w.api.addFolder(root);
    } catch (err) {
      w.fail(err, 'folder-error');
      input.focus();
      return;
    }
    input.value = '';
    render();
    input.focus();
  };

  const remove = async (root: string): Promise<void> => {
    clear('folder-error');
    try {
      w.state = await w.api.removeFolder(root);
    } catch (err) {
      w.fail(err, 'folder-error');
      return;
    }
    render();
    input.focus();
  };

  byId('finish').addEventListener('click', () => void finish());
  const finish = async (): Promise<void> => {
    clear('finish-error');
    const name = deviceName.value.trim();
    if (name.length > 64) {
      setText('finish-error', 'The device name is at most 64 characters.');
      deviceName.focus();
      return;
    }
    setText('finish-status', 'Saving the settings and starting the sync engine…');
    let reply: FinishReply;
    try {
      reply = await whileBusy(byId<HTMLButtonElement>('finish'), 'Finishing…', () =>
        w.api.finish(name === '' ? undefined : name),
      );
    } catch (err) {
      clear('finish-status');
      w.fail(err, 'finish-error');
      return;
    }
    clear('finish-status');
    onDone(reply);
  };

  w.register('folders', {
    enter: () => {
      if (deviceName.value === '') deviceName.value = w.state.deviceName;
      render();
    },
  });
}

export function doneStep(w: Wizard): (reply: FinishReply) => void {
  w.register('done', {});
  return (reply) => {
    const added = reply.folders.filter((f) => f.added);
    setText(
      'done-text',
      `cess-sync is set up for ${reply.account}. ` +
        (added.length > 0
          ? 'Files in the folders below are being encrypted and uploaded now.'
          : 'Add folders from the main page to start syncing.'),
    );
    byId('done-folders').replaceChildren(
      ...reply.folders.map((f) =>
        h(
          'li',
          { class: f.added ? '' : 'error' },
          h('span', { class: 'path' }, f.root),
          f.added ? '' : `: not added (${f.error ?? 'unknown reason'}); add it from the main page.`,
        ),
      ),
    );
    byId('done-passphrase').hidden = !reply.passphraseAtStart;
    w.go('done');
  };
}
