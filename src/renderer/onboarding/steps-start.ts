/** Welcome (create or import) and Network (preset or custom URLs, connect). */
import type { NetworkPresetId, NetworkRequest } from '../../sync/api/onboarding-schema.js';
import { byId, setText } from '../dom.js';
import { all, clear, whileBusy, type Wizard } from './wizard.js';

export function welcomeStep(w: Wizard): void {
  byId('welcome-next').addEventListener('click', () => {
    const picked = document.querySelector<HTMLInputElement>('input[name="welcome-mode"]:checked');
    w.mode = picked?.value === 'import' ? 'import' : 'create';
    w.next();
  });
  w.register('welcome', {});
}

export function networkStep(w: Wizard): void {
  const chainInput = byId<HTMLInputElement>('network-chain');
  const gatewayInput = byId<HTMLInputElement>('network-gateway');
  const radios = all<HTMLInputElement>('input[name="network"]');
  // What the user typed per preset, so switching back and forth keeps it.
  const typed = new Map<NetworkPresetId, { chain: string; gateway: string }>();
  let shown: NetworkPresetId | null = null;

  const selected = (): NetworkPresetId =>
    (radios.find((r) => r.checked)?.value as NetworkPresetId | undefined) ?? 'testnet';

  const fill = (): void => {
    if (shown !== null) typed.set(shown, { chain: chainInput.value, gateway: gatewayInput.value });
    const id = selected();
    shown = id;
    const preset = w.state.presets.find((p) => p.id === id);
    const saved = typed.get(id);
    chainInput.value = saved?.chain ?? preset?.chain.join(', ') ?? '';
    gatewayInput.value = saved?.gateway ?? preset?.gateway ?? '';
    const fixed = preset?.editable === false;
    chainInput.readOnly = fixed;
    gatewayInput.readOnly = fixed;
  };
  for (const r of radios) r.addEventListener('change', fill);

  byId<HTMLFormElement>('network-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void connect();
  });

  const connect = async (): Promise<void> => {
    clear('network-error', 'network-status');
    const id = selected();
    const preset = w.state.presets.find((p) => p.id === id);
    const req: NetworkRequest = { preset: id };
    if (preset?.editable !== false) {
      req.chain = chainInput.value
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      req.gateway = gatewayInput.value.trim();
      if (req.chain.length === 0) {
        setText('network-error', 'Enter the address of a chain node (ws:// or wss://).');
        chainInput.focus();
        return;
      }
      if (req.gateway === '') {
        setText('network-error', 'Enter the address of a gateway (http:// or https://).');
        gatewayInput.focus();
        return;
      }
    }
    setText('network-status', 'Connecting to the chain and the gateway…');
    try {
      w.state = await whileBusy(byId<HTMLButtonElement>('network-connect'), 'Connecting…', () =>
        w.api.network(req),
      );
    } catch (err) {
      clear('network-status');
      w.fail(err, 'network-error');
      return;
    }
    const n = w.state.network;
    setText('network-status', n === null ? '' : `Connected (${n.specName}, ${n.tokenSymbol}).`);
    w.next();
  };

  w.register('network', {
    enter: () => {
      const current = w.state.network?.name;
      if (current !== undefined) {
        for (const r of radios) r.checked = r.value === current;
      }
      shown = null;
      fill();
      if (w.state.network !== null) {
        chainInput.value = w.state.network.chain.join(', ');
        gatewayInput.value = w.state.network.gateway;
      }
    },
  });
}
