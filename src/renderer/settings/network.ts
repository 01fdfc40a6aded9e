/**
 * Settings › Network: the chain node and gateway addresses of this device (GET/PUT
 * /api/v1/network). Its own form, saved separately from the other settings. The daemon checks a
 * change (address form, same chain, gateway answers), saves it and restarts the engine; its reply
 * or refusal is shown as it words it. Hidden when the daemon has no such route (an older one).
 */
import {
  NETWORK_ROUTE,
  networkInfoSchema,
  type NetworkInfo,
} from '../../sync/api/network-schema.js';
import { byId, setText } from '../dom.js';
import { ApiError, callApi, type ApiTarget } from '../http.js';

const PRESET_LABEL: Record<NetworkInfo['preset'], string> = {
  local: 'local CESS network',
  testnet: 'CESS testnet',
  custom: 'custom addresses',
};

function say(text: string, error = false): void {
  byId('network-message').classList.toggle('error', error);
  setText('network-message', text);
}

function fill(info: NetworkInfo): void {
  setText('network-preset', PRESET_LABEL[info.preset]);
  byId<HTMLTextAreaElement>('network-chain').value = info.chain.join('\n');
  byId<HTMLInputElement>('network-gateway').value = info.gateway;
}

/** The chain field: one address a line (commas accepted too), blanks dropped. */
export function chainLines(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function startNetworkSettings(target: ApiTarget): Promise<void> {
  const form = byId<HTMLFormElement>('network-form');
  try {
    fill(await callApi(target, 'GET', NETWORK_ROUTE, networkInfoSchema));
  } catch (err) {
    // 404: a daemon without the route; 409: setup mode or locked (the page shows those).
    if (err instanceof ApiError && (err.status === 404 || err.status === 409)) return;
    form.hidden = false;
    say(`Could not read the network settings: ${err instanceof Error ? err.message : ''}`, true);
    return;
  }
  form.hidden = false;
  const save = byId<HTMLButtonElement>('network-save');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chain = chainLines(byId<HTMLTextAreaElement>('network-chain').value);
    const gateway = byId<HTMLInputElement>('network-gateway').value.trim();
    if (chain.length === 0 || gateway === '') {
      say('Not saved: enter at least one chain node address and the gateway address.', true);
      return;
    }
    save.disabled = true;
    say('Checking the addresses and restarting the sync engine…');
    callApi(target, 'PUT', NETWORK_ROUTE, networkInfoSchema, { chain, gateway })
      .then((info) => {
        fill(info);
        say(info.message ?? 'Saved.');
      })
      .catch((err: unknown) => {
        say(`Not saved: ${err instanceof Error ? err.message : String(err)}`, true);
      })
      .finally(() => {
        save.disabled = false;
      });
  });
}
