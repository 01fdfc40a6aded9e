/**
 * Settings, "Right-click in your file manager": the file-manager entries the daemon can install
 * (GET/POST /api/v1/integrations, src/integrations), one card each with Install or Remove and the
 * files it writes. Its two API calls go through ../http.ts, validated with the contract's schemas.
 * Hidden when the daemon offers no such entries (an older daemon answers 404).
 */
import { ROUTES } from '../../daemon/protocol.js';
import {
  integrationListSchema,
  type Integration,
  type IntegrationList,
} from '../../sync/api/schema.js';
import { byId, h, setText } from '../dom.js';
import { ApiError, callApi } from '../http.js';

const WHERE: Record<Integration['id'], string> = {
  nautilus: 'In GNOME Files: right-click an item, then Scripts › Share with CESS…',
  nemo: 'In Nemo: right-click an item, then Share with CESS…',
  dolphin: 'In Dolphin: right-click an item, then Share with CESS… (reopen Dolphin if it was open)',
  macos: 'In Finder: right-click an item, then Quick Actions › Share with CESS…',
};

function call(origin: string, token: string, body?: unknown): Promise<IntegrationList> {
  return callApi(
    { origin, token },
    body === undefined ? 'GET' : 'POST',
    ROUTES.integrations,
    integrationListSchema,
    body,
  );
}

function setMessage(text: string, error = false): void {
  byId('integrations-message').classList.toggle('error', error);
  setText('integrations-message', text);
}

/** An entry for another OS: its name and why it cannot be installed here, no button. */
function unavailableCard(i: Integration): HTMLElement {
  return h(
    'article',
    { class: 'card unavailable', 'data-integration': i.id },
    h(
      'div',
      { class: 'card-head' },
      h('h3', {}, i.label),
      h('span', { id: `integration-${i.id}-state`, class: 'badge' }, 'Not available here'),
    ),
    h('p', { class: 'muted' }, i.unavailableReason ?? 'Not available on this system.'),
  );
}

function card(i: Integration, onToggle: (i: Integration, button: HTMLButtonElement) => void) {
  if (i.available === false) return unavailableCard(i);
  const button = h(
    'button',
    { type: 'button', 'data-integration': i.id, 'aria-describedby': `integration-${i.id}-state` },
    i.installed ? 'Remove' : 'Install',
  );
  button.addEventListener('click', () => onToggle(i, button));
  return h(
    'article',
    { class: 'card', 'data-integration': i.id },
    h(
      'div',
      { class: 'card-head' },
      h('h3', {}, i.label),
      h(
        'span',
        {
          id: `integration-${i.id}-state`,
          class: `badge ${i.installed ? 'state-idle' : ''}`,
        },
        i.installed ? 'Installed' : 'Not installed',
      ),
    ),
    i.installed ? h('p', { class: 'muted' }, WHERE[i.id]) : null,
    h(
      'p',
      { class: 'muted' },
      i.installed ? 'Wrote ' : 'Writes ',
      ...i.files.flatMap((f, n) => [n > 0 ? ', ' : '', h('code', { class: 'path' }, f)]),
    ),
    h('div', { class: 'actions' }, button),
  );
}

export function startIntegrations(origin: string, token: string): void {
  const block = document.getElementById('integrations');
  if (block === null) return;
  const list = byId('integration-list');

  const render = (data: IntegrationList): void => {
    block.hidden = false;
    if (data.integrations.every((i) => i.available === false)) {
      list.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          'Nothing to install here: on Windows the installer adds “Share with CESS…” to Explorer.',
        ),
        ...data.integrations.map(unavailableCard),
      );
      return;
    }
    list.replaceChildren(...data.integrations.map((i) => card(i, (x, b) => void toggle(x, b))));
  };

  const toggle = async (i: Integration, button: HTMLButtonElement): Promise<void> => {
    const install = !i.installed;
    button.disabled = true;
    setMessage(install ? `Installing for ${i.label}…` : `Removing from ${i.label}…`);
    try {
      const data = await call(origin, token, { id: i.id, install });
      render(data);
      setMessage(install ? `Installed for ${i.label}. ${WHERE[i.id]}` : `Removed from ${i.label}.`);
      list.querySelector<HTMLButtonElement>(`button[data-integration="${i.id}"]`)?.focus();
    } catch (err) {
      button.disabled = false;
      setMessage(
        `${install ? 'Not installed' : 'Not removed'}: ${err instanceof Error ? err.message : String(err)}`,
        true,
      );
    }
  };

  call(origin, token).then(render, (err: unknown) => {
    if (err instanceof ApiError && (err.status === 404 || err.status === 401)) return;
    block.hidden = false;
    setMessage(
      `Could not list the file-manager entries: ${err instanceof Error ? err.message : String(err)}`,
      true,
    );
  });
}
