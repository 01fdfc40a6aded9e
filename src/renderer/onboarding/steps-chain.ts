/**
 * The on-chain steps: Funds (the address to send to, the balance polled while the step shows,
 * what a territory costs), Territory (pick one, or mint one with the cost quoted before paying)
 * and Gateway (authorize the network's gateway).
 */
import type { GatewayInfo, TerritoryQuote } from '../../sync/api/onboarding-schema.js';
import { byId, h, setText } from '../dom.js';
import { formatBytes } from '../format.js';
import { all, clear, errorText, whileBusy, type Wizard } from './wizard.js';

const BALANCE_POLL_MS = 3000;
const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function fundsStep(w: Wizard): void {
  let timer: ReturnType<typeof setInterval> | undefined;

  const refresh = async (): Promise<void> => {
    try {
      const b = await w.api.balance();
      clear('funds-error');
      setText('funds-balance', `Balance: ${b.formatted}`);
      setText(
        'funds-needed',
        b.enough
          ? `That is enough for a territory of 1 GiB for 30 days (${b.suggested.formatted}).`
          : `${capital(b.suggested.action)} costs ${b.suggested.formatted}. Send at least that to the address above, plus a little for transaction fees. The balance here updates by itself.`,
      );
    } catch (err) {
      // Keeps polling: a chain that is back answers the next round.
      setText('funds-error', `Could not read the balance: ${errorText(err)}`);
    }
  };

  byId('copy-address').addEventListener('click', () => void copyAddress());
  const copyAddress = async (): Promise<void> => {
    const text = byId('funds-address').textContent ?? '';
    try {
      await navigator.clipboard.writeText(text);
      setText('copy-status', 'Address copied.');
    } catch {
      // No clipboard permission (an insecure context, a policy): select it for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(byId('funds-address'));
      const sel = window.getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      setText('copy-status', 'The address is selected: press Ctrl+C (or Cmd+C) to copy it.');
    }
  };
  byId('funds-next').addEventListener('click', () => w.next());

  w.register('funds', {
    enter: () => {
      setText('funds-address', w.state.account?.address ?? '');
      for (const el of all<HTMLElement>('.token-symbol'))
        el.textContent = w.state.network?.tokenSymbol ?? 'TCESS';
      clear('copy-status');
      void refresh();
      clearInterval(timer);
      timer = setInterval(() => void refresh(), BALANCE_POLL_MS);
    },
    leave: () => clearInterval(timer),
  });
}

export function territoryStep(w: Wizard): void {
  const gibInput = byId<HTMLInputElement>('mint-gib');
  const daysInput = byId<HTMLInputElement>('mint-days');
  const nameInput = byId<HTMLInputElement>('mint-name');
  const mintButton = byId<HTMLButtonElement>('mint-submit');
  let quote: TerritoryQuote | null = null;
  let quoteTimer: ReturnType<typeof setTimeout> | undefined;
  let quoteSeq = 0;

  const loadList = async (): Promise<void> => {
    clear('territory-error');
    let list;
    try {
      list = await w.api.territories();
    } catch (err) {
      byId('territory-list').replaceChildren();
      w.fail(err, 'territory-error');
      return;
    }
    const container = byId('territory-list');
    const usable = list.territories.filter((t) => t.state === 'Active');
    byId('territory-use-actions').hidden = usable.length === 0;
    if (list.territories.length === 0) {
      container.replaceChildren(
        h('p', { class: 'empty' }, 'You have no territory on this network yet: mint one below.'),
      );
      return;
    }
    const preselect = list.selected ?? usable[0]?.name;
    container.replaceChildren(
      h(
        'fieldset',
        { class: 'choices' },
        h('legend', { class: 'visually-hidden' }, 'Your territories'),
        ...list.territories.map((t) =>
          h(
            'label',
            { class: 'choice' },
            h('input', {
              type: 'radio',
              name: 'territory',
              value: t.name,
              checked: t.name === preselect,
              disabled: t.state !== 'Active',
            }),
            h(
              'span',
              {},
              h('strong', {}, t.name),
              h(
                'span',
                { class: 'muted' },
                `${formatBytes(t.totalBytes)}: ${formatBytes(t.usedBytes + t.lockedBytes)} used, ${formatBytes(t.remainingBytes)} free; ` +
                  (t.state === 'Active'
                    ? `${t.daysLeft} ${t.daysLeft === 1 ? 'day' : 'days'} left`
                    : `${t.state.toLowerCase()}, cannot be used`),
              ),
            ),
          ),
        ),
      ),
    );
  };

  byId('territory-use').addEventListener('click', () => void useSelected());
  const useSelected = async (): Promise<void> => {
    clear('territory-error');
    const picked = document.querySelector<HTMLInputElement>('input[name="territory"]:checked');
    if (picked === null) {
      setText('territory-error', 'Pick a territory first.');
      return;
    }
    try {
      w.state = await whileBusy(byId<HTMLButtonElement>('territory-use'), 'Checking…', () =>
        w.api.selectTerritory(picked.value),
      );
    } catch (err) {
      w.fail(err, 'territory-error');
      return;
    }
    w.next();
  };

  const inputs = (): { gib: number; days: number } | string => {
    const gib = Number(gibInput.value);
    const days = Number(daysInput.value);
    if (!Number.isInteger(gib) || gib < 1) return 'The size is a whole number of GiB, at least 1.';
    if (!Number.isInteger(days) || days < 30) return 'A territory lasts at least 30 days.';
    return { gib, days };
  };

  const requote = async (): Promise<void> => {
    const seq = ++quoteSeq;
    quote = null;
    mintButton.disabled = true;
    mintButton.textContent = 'Mint';
    const args = inputs();
    if (typeof args === 'string') {
      setText('mint-quote', args);
      return;
    }
    setText('mint-quote', 'Working out the cost…');
    try {
      const q = await w.api.quote(args.gib, args.days);
      if (seq !== quoteSeq) return; // the inputs changed meanwhile
      quote = q;
      setText(
        'mint-quote',
        `Cost: ${q.formatted} for ${q.gib} GiB during ${q.days} days (plus a small fee). Your balance: ${q.balance}.` +
          (q.enough
            ? ''
            : ` Not enough: send at least ${q.shortfall ?? 'more'} to your address (step Funds), then come back.`),
      );
      mintButton.textContent = `Mint for ${q.formatted}`;
      mintButton.disabled = false;
    } catch (err) {
      if (seq === quoteSeq) setText('mint-quote', `Could not work out the cost: ${errorText(err)}`);
    }
  };
  for (const input of [gibInput, daysInput]) {
    input.addEventListener('input', () => {
      clearTimeout(quoteTimer);
      quoteTimer = setTimeout(() => void requote(), 300);
    });
  }

  byId<HTMLFormElement>('mint-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void mint();
  });
  const mint = async (): Promise<void> => {
    clear('mint-error', 'mint-status');
    const name = nameInput.value.trim();
    if (!/^[A-Za-z0-9._-]{1,63}$/.test(name)) {
      setText(
        'mint-error',
        'Name the territory with 1 to 63 letters, digits, dots, dashes or underscores.',
      );
      nameInput.focus();
      return;
    }
    const args = inputs();
    if (
      typeof args === 'string' ||
      quote === null ||
      quote.gib !== args.gib ||
      quote.days !== args.days
    ) {
      setText('mint-error', typeof args === 'string' ? args : 'Wait for the cost to be shown.');
      return;
    }
    const paying = quote;
    setText(
      'mint-status',
      `Minting '${name}' for ${paying.formatted}: a transaction, it takes a few seconds…`,
    );
    try {
      await whileBusy(mintButton, 'Minting…', () =>
        w.api.mint(name, args.gib, args.days, paying.cost),
      );
      w.state = await w.api.state();
    } catch (err) {
      clear('mint-status');
      w.fail(err, 'mint-error');
      void requote();
      return;
    }
    setText('mint-status', `Territory '${name}' is yours.`);
    w.next();
  };

  w.register('territory', {
    enter: () => {
      clear('mint-error', 'mint-status');
      void loadList();
      void requote();
    },
    leave: () => clearTimeout(quoteTimer),
  });
}

export function gatewayStep(w: Wizard): void {
  const button = byId<HTMLButtonElement>('gateway-authorize');
  let gateways: GatewayInfo[] = [];

  const selected = (): GatewayInfo | undefined => {
    const picked = document.querySelector<HTMLInputElement>('input[name="gateway"]:checked');
    return gateways.find((g) => g.account === picked?.value);
  };
  const label = (): void => {
    const g = selected();
    button.disabled = g === undefined;
    button.textContent = g?.authorized === true ? 'Continue' : 'Authorize';
  };

  const load = async (): Promise<void> => {
    clear('gateway-error', 'gateway-status');
    button.disabled = true;
    let list;
    try {
      list = await w.api.gateways();
    } catch (err) {
      byId('gateway-list').replaceChildren();
      w.fail(err, 'gateway-error');
      return;
    }
    setText('gateway-url', list.gatewayUrl);
    gateways = list.gateways;
    if (gateways.length === 0) {
      byId('gateway-list').replaceChildren(
        h(
          'p',
          { class: 'empty' },
          'No gateway is registered on this chain, so files cannot be stored through it. Choose another network.',
        ),
      );
      return;
    }
    const preselect =
      w.state.gateway?.account ??
      (gateways.find((g) => g.matchesNetwork) ?? gateways.find((g) => g.authorized) ?? gateways[0])
        ?.account;
    byId('gateway-list').replaceChildren(
      h(
        'fieldset',
        { class: 'choices' },
        h('legend', { class: 'visually-hidden' }, 'Gateways on the chain'),
        ...gateways.map((g) =>
          h(
            'label',
            { class: 'choice' },
            h('input', {
              type: 'radio',
              name: 'gateway',
              value: g.account,
              checked: g.account === preselect,
              onchange: label,
            }),
            h(
              'span',
              {},
              h('strong', { class: 'path' }, g.domain || '(no address registered)'),
              h('code', { class: 'muted' }, g.account),
              h(
                'span',
                { class: 'badges' },
                g.matchesNetwork
                  ? h('span', { class: 'badge state-idle' }, "your network's gateway")
                  : null,
                g.authorized ? h('span', { class: 'badge' }, 'authorized') : null,
              ),
            ),
          ),
        ),
      ),
    );
    if (!gateways.some((g) => g.matchesNetwork)) {
      setText(
        'gateway-status',
        `None of these is registered under ${list.gatewayUrl}: pick the one that runs it, or go back and choose another gateway address.`,
      );
    }
    label();
  };

  button.addEventListener('click', () => void authorize());
  const authorize = async (): Promise<void> => {
    clear('gateway-error');
    const g = selected();
    if (g === undefined) return;
    if (!g.authorized)
      setText('gateway-status', 'Authorizing: a transaction, it takes a few seconds…');
    try {
      w.state = await whileBusy(button, g.authorized ? 'Checking…' : 'Authorizing…', () =>
        w.api.authorizeGateway(g.account),
      );
    } catch (err) {
      clear('gateway-status');
      w.fail(err, 'gateway-error');
      label();
      return;
    }
    setText('gateway-status', 'The gateway is authorized.');
    w.next();
  };

  w.register('gateway', { enter: () => void load() });
}
