/**
 * Account: create (24 words shown once, "I wrote them down", then 3 of them re-typed) or import
 * (a recovery phrase typed in). The words live in this page only while they are on screen; the
 * daemon keeps them until the confirmation and never sends them again.
 */
import type { SetupState } from '../../sync/api/onboarding-schema.js';
import { byId, h, setText } from '../dom.js';
import { all, clear, whileBusy, type Wizard } from './wizard.js';

const PANELS = ['account-done', 'create-start', 'create-words', 'confirm-form', 'import-form'];

export function accountStep(w: Wizard): void {
  const modeRadios = all<HTMLInputElement>('input[name="account-mode"]');
  const show = (panel: string): void => {
    for (const id of PANELS) byId(id).hidden = id !== panel;
    byId('account-mode').hidden = panel === 'account-done' || panel === 'create-words';
  };

  const showForMode = (): void => {
    const s = w.state;
    if (s.account?.stored === true) {
      setText(
        'account-done-text',
        `Account ${s.account.address} is ready; its key is kept on this device.`,
      );
      show('account-done');
    } else if (w.mode === 'import') show('import-form');
    else if (s.confirmation !== null) showConfirm(s.confirmation.positions);
    else show('create-start');
  };

  for (const r of modeRadios) {
    r.addEventListener('change', () => {
      w.mode = r.value === 'import' ? 'import' : 'create';
      clear('confirm-error', 'import-error', 'create-error');
      showForMode();
    });
  }

  // --- create ---
  byId('create-account').addEventListener('click', () => void create());
  const create = async (): Promise<void> => {
    clear('confirm-error', 'create-error');
    let created;
    try {
      created = await whileBusy(byId<HTMLButtonElement>('create-account'), 'Creating…', () =>
        w.api.createAccount(),
      );
    } catch (err) {
      w.fail(err, 'create-error');
      return;
    }
    const grid = byId('word-grid');
    grid.replaceChildren(
      ...created.words.map((word, i) =>
        h(
          'li',
          {},
          h('span', { class: 'num' }, `${i + 1}.`),
          ' ',
          h('span', { class: 'word' }, word),
        ),
      ),
    );
    const wrote = byId<HTMLInputElement>('wrote-down');
    wrote.checked = false;
    byId<HTMLButtonElement>('words-done').disabled = true;
    pendingPositions = created.confirmation.positions;
    show('create-words');
    byId('words-heading').focus();
  };
  let pendingPositions: number[] = [];

  byId<HTMLInputElement>('wrote-down').addEventListener('change', (e) => {
    byId<HTMLButtonElement>('words-done').disabled = !(e.currentTarget as HTMLInputElement).checked;
  });
  byId('words-done').addEventListener('click', () => {
    // Shown once: off the page before the check.
    byId('word-grid').replaceChildren();
    showConfirm(pendingPositions);
  });

  const showConfirm = (positions: number[]): void => {
    pendingPositions = positions;
    byId('confirm-fields').replaceChildren(
      ...positions.map((p) =>
        h(
          'div',
          { class: 'field' },
          h('label', { for: `confirm-word-${p}` }, `Word #${p}`),
          h('input', {
            id: `confirm-word-${p}`,
            type: 'text',
            autocomplete: 'off',
            autocapitalize: 'off',
            spellcheck: 'false',
            'data-position': p,
          }),
        ),
      ),
    );
    show('confirm-form');
    byId('confirm-heading').focus();
  };

  byId('create-restart').addEventListener('click', () => {
    clear('confirm-error');
    show('create-start');
    byId('create-account').focus();
  });

  byId<HTMLFormElement>('confirm-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void confirm();
  });
  const confirm = async (): Promise<void> => {
    clear('confirm-error');
    const inputs = all<HTMLInputElement>('#confirm-fields input');
    const words = inputs.map((i) => ({
      position: Number(i.dataset.position),
      word: i.value.trim(),
    }));
    const empty = inputs.find((i) => i.value.trim() === '');
    if (empty !== undefined) {
      setText('confirm-error', `Type word #${empty.dataset.position ?? ''}.`);
      empty.focus();
      return;
    }
    const pass = passphraseFrom(
      w.state,
      'confirm-passphrase',
      'confirm-passphrase2',
      'confirm-error',
    );
    if (pass === null) return;
    try {
      w.state = await whileBusy(byId<HTMLButtonElement>('confirm-submit'), 'Checking…', () =>
        w.api.confirmAccount(words, pass),
      );
    } catch (err) {
      w.fail(err, 'confirm-error');
      inputs[0]?.focus();
      return;
    }
    for (const i of inputs) i.value = '';
    clearPassphrases();
    w.next();
  };

  // --- import ---
  byId<HTMLFormElement>('import-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void importAccount();
  });
  const importAccount = async (): Promise<void> => {
    clear('import-error');
    const phraseInput = byId<HTMLTextAreaElement>('import-phrase');
    const phrase = phraseInput.value.trim();
    if (phrase === '') {
      setText('import-error', 'Type your recovery phrase.');
      phraseInput.focus();
      return;
    }
    const pass = passphraseFrom(w.state, 'import-passphrase', 'import-passphrase2', 'import-error');
    if (pass === null) return;
    try {
      w.state = await whileBusy(byId<HTMLButtonElement>('import-submit'), 'Importing…', () =>
        w.api.importAccount(phrase, pass),
      );
    } catch (err) {
      w.fail(err, 'import-error');
      phraseInput.focus();
      return;
    }
    phraseInput.value = '';
    clearPassphrases();
    w.next();
  };

  byId('account-continue').addEventListener('click', () => w.next());

  w.register('account', {
    enter: () => {
      for (const r of modeRadios) r.checked = r.value === w.mode;
      const ks = w.state.keyStore;
      setText(
        'keystore-info',
        ks === null
          ? ''
          : ks.kind === 'keychain'
            ? 'The recovery phrase will be kept in the OS keychain of this computer.'
            : `There is no OS keychain here, so the recovery phrase will be kept in an encrypted file (${ks.location})${ks.needsPassphrase ? ' protected by a passphrase you choose' : ' protected by the passphrase in CESS_SYNC_PASSPHRASE'}.`,
      );
      for (const fs of all<HTMLElement>('#step-account fieldset.passphrase')) {
        fs.hidden = ks?.needsPassphrase !== true;
      }
      for (const p of all<HTMLElement>('#step-account .keyfile-hint')) {
        p.textContent =
          'It is not stored anywhere. You need it each time the sync engine starts, so keep it with your recovery phrase.';
      }
      showForMode();
    },
    leave: () => {
      // Never leave the words on a page the user navigated away from.
      byId('word-grid').replaceChildren();
    },
  });
}

/** The passphrase for a key file when one is needed (undefined: none needed; null: invalid). */
function passphraseFrom(
  state: SetupState,
  id: string,
  repeatId: string,
  alertId: string,
): string | undefined | null {
  if (state.keyStore?.needsPassphrase !== true) return undefined;
  const first = byId<HTMLInputElement>(id);
  const second = byId<HTMLInputElement>(repeatId);
  if (first.value.length < 8) {
    setText(alertId, 'Choose a passphrase of at least 8 characters for the key file.');
    first.focus();
    return null;
  }
  if (first.value !== second.value) {
    setText(alertId, 'The two passphrases differ; type the same one twice.');
    second.focus();
    return null;
  }
  return first.value;
}

function clearPassphrases(): void {
  for (const input of all<HTMLInputElement>('#step-account input[type="password"]')) {
    input.value = '';
  }
}
