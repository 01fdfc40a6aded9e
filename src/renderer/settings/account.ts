/**
 * "Account and space" (docs/ui.md): the account's address, balance, territory (a meter of used
 * and remaining space, the expiry) and the gateway's authorization, from GET /api/v1/account;
 * Renew… and Expand… ask for a quote first and pay only on Confirm, sending the quoted cost as
 * the ceiling (the daemon refuses if the price rose); Authorize gateway pays only a fee.
 * Problems whose fix costs money (renewTerritory, expandTerritory) open the matching flow here.
 */
import type { AccountInfo, TerritoryOpQuote } from '../../sync/api/account-schema.js';
import { ApiError, type ApiClient } from '../api.js';
import { byId, setText } from '../dom.js';
import { formatBytes } from '../format.js';

type Op = 'renew' | 'expand';

interface Panel {
  open(op: Op): void;
  refresh(): Promise<void>;
}

let panel: Panel | null = null;

/** Opens the Renew or Expand flow and moves focus to its amount (a problem's button). */
export function openAccountFlow(op: Op): void {
  panel?.open(op);
}

/** Refreshes the section (e.g. after the account problems changed). */
export function refreshAccount(): void {
  void panel?.refresh();
}

function errorText(err: unknown): string {
  if (err instanceof ApiError && err.code === 'price_changed') {
    return `${err.message} Get a new quote.`;
  }
  if (err instanceof ApiError && err.status === 0) {
    return 'The sync engine is not reachable. Try again in a moment.';
  }
  return err instanceof Error ? err.message : String(err);
}

function setMessage(id: string, text: string, error = false): void {
  byId(id).classList.toggle('error', error);
  setText(id, text);
}

function render(info: AccountInfo): void {
  byId('account-body').hidden = false;
  setText('account-address', info.address);
  // Rounded for reading; the exact amount is the tooltip.
  setText('account-balance', info.balance.formatted);
  byId('account-balance').title = `${info.balance.free} ${info.symbol}`;
  const t = info.territory;
  const meter = byId<HTMLMeterElement>('account-meter');
  if (t === null) {
    setText('account-territory', `'${info.territoryName}' does not exist on the chain`);
    setText('account-expiry', '—');
    meter.value = 0;
    setText('account-meter-text', '');
  } else {
    setText('account-territory', `${t.name} (${t.state === 'Active' ? 'active' : t.state})`);
    const date = new Date(t.expiresAtMs).toLocaleDateString(undefined, { dateStyle: 'medium' });
    setText(
      'account-expiry',
      t.expiresInDays <= 0
        ? `Expired (block ${t.expiresAtBlock})`
        : `${date}, in about ${Math.floor(t.expiresInDays)} days (block ${t.expiresAtBlock})`,
    );
    const used = t.totalBytes - t.remainingBytes;
    meter.value = t.totalBytes === 0 ? 0 : used / t.totalBytes;
    meter.low = 0.8;
    meter.high = 0.9;
    meter.optimum = 0;
    const text = `${formatBytes(used)} used, ${formatBytes(t.remainingBytes)} remaining of ${formatBytes(t.totalBytes)}`;
    meter.setAttribute('aria-valuetext', text);
    meter.textContent = text;
    setText('account-meter-text', text);
  }
  const g = info.gateway;
  setText(
    'account-gateway',
    `${g.url}: ${g.authorized ? 'authorized' : g.account === null ? 'not registered on this chain' : 'not authorized'}`,
  );
  byId('account-authorize').hidden = g.authorized || g.account === null;
}

export function startAccount(api: ApiClient): void {
  if (document.getElementById('account-section') === null || panel !== null) return;
  const quotes: Record<Op, TerritoryOpQuote | null> = { renew: null, expand: null };
  let loaded = false;

  const refresh = async (): Promise<void> => {
    if (!loaded) setMessage('account-status', 'Reading the account from the chain…');
    try {
      render(await api.account());
      loaded = true;
      setMessage('account-status', '');
    } catch (err) {
      setMessage('account-status', `Could not read the account: ${errorText(err)}`, true);
    }
  };

  const clearQuote = (op: Op): void => {
    quotes[op] = null;
    byId(`account-${op}-quote`).hidden = true;
  };

  const open = (op: Op): void => {
    const other: Op = op === 'renew' ? 'expand' : 'renew';
    for (const [o, show] of [
      [op, true],
      [other, false],
    ] as const) {
      byId(`account-${o}`).hidden = !show;
      byId(`account-${o}-open`).setAttribute('aria-expanded', String(show));
    }
    byId('account-body').hidden = false;
    byId('account-section').scrollIntoView({ block: 'start' });
    byId<HTMLInputElement>(`account-${op}-amount`).focus();
  };

  const getQuote = async (op: Op): Promise<void> => {
    clearQuote(op);
    const input = byId<HTMLInputElement>(`account-${op}-amount`);
    const text = input.value.trim();
    const max = op === 'renew' ? 36_500 : 1_000_000;
    const n = Number(text);
    if (!/^\d{1,7}$/.test(text) || n < 1 || n > max) {
      setMessage(
        `account-${op}-message`,
        `Enter a whole number of ${op === 'renew' ? 'days' : 'GiB'} from 1 to ${max}.`,
        true,
      );
      input.focus();
      return;
    }
    setMessage(`account-${op}-message`, 'Getting the price…');
    try {
      const q = await api.territoryQuote(op === 'renew' ? { op, days: n } : { op, gib: n });
      quotes[op] = q;
      setText(
        `account-${op}-quote-text`,
        `${q.action.charAt(0).toUpperCase()}${q.action.slice(1)} costs ${q.formatted} (your balance: ${q.balance}).` +
          (q.enough ? '' : ` Not enough: send at least ${q.shortfall ?? 'more'} first.`),
      );
      byId<HTMLButtonElement>(`account-${op}-confirm`).disabled = !q.enough;
      byId(`account-${op}-quote`).hidden = false;
      setMessage(`account-${op}-message`, '');
      (q.enough ? byId(`account-${op}-confirm`) : input).focus();
    } catch (err) {
      setMessage(`account-${op}-message`, `No quote: ${errorText(err)}`, true);
    }
  };

  const confirm = async (op: Op): Promise<void> => {
    const q = quotes[op];
    if (q === null) return;
    const button = byId<HTMLButtonElement>(`account-${op}-confirm`);
    button.disabled = true;
    setMessage(`account-${op}-message`, `Paying ${q.formatted}; waiting for the chain…`);
    try {
      const info =
        op === 'renew'
          ? await api.renewTerritory(q.days, q.cost)
          : await api.expandTerritory(q.gib, q.cost);
      render(info);
      clearQuote(op);
      setMessage(
        `account-${op}-message`,
        op === 'renew'
          ? `Renewed: the territory now lasts ${q.days} days longer.`
          : `Expanded: ${q.gib} GiB added.`,
      );
    } catch (err) {
      clearQuote(op);
      setMessage(`account-${op}-message`, `Not paid: ${errorText(err)}`, true);
      byId<HTMLInputElement>(`account-${op}-amount`).focus();
    } finally {
      button.disabled = false;
    }
  };

  for (const op of ['renew', 'expand'] as const) {
    byId(`account-${op}-open`).addEventListener('click', () => {
      const form = byId(`account-${op}`);
      if (form.hidden) open(op);
      else {
        form.hidden = true;
        byId(`account-${op}-open`).setAttribute('aria-expanded', 'false');
      }
    });
    byId<HTMLFormElement>(`account-${op}`).addEventListener('submit', (e) => {
      e.preventDefault();
      void getQuote(op);
    });
    // A changed amount makes the shown quote stale.
    byId(`account-${op}-amount`).addEventListener('input', () => clearQuote(op));
    byId(`account-${op}-confirm`).addEventListener('click', () => void confirm(op));
    byId(`account-${op}-cancel`).addEventListener('click', () => {
      clearQuote(op);
      setMessage(`account-${op}-message`, 'Nothing paid.');
      byId<HTMLInputElement>(`account-${op}-amount`).focus();
    });
  }

  byId('account-refresh').addEventListener('click', () => void refresh());
  byId('account-copy').addEventListener('click', () => {
    const address = byId('account-address').textContent ?? '';
    navigator.clipboard.writeText(address).then(
      () => setMessage('account-status', 'Address copied.'),
      () => setMessage('account-status', 'Could not copy; select the address instead.', true),
    );
  });
  byId('account-authorize').addEventListener('click', () => {
    const button = byId<HTMLButtonElement>('account-authorize');
    button.disabled = true;
    setMessage('account-status', 'Authorizing the gateway; waiting for the chain…');
    api.authorizeGateway().then(
      (info) => {
        render(info);
        setMessage('account-status', 'The gateway is authorized.');
        button.disabled = false;
      },
      (err: unknown) => {
        setMessage('account-status', `Not authorized: ${errorText(err)}`, true);
        button.disabled = false;
      },
    );
  });

  panel = { open, refresh };
  void refresh();
}
