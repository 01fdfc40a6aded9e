/**
 * The networks a device can be set up on, and the checks on the URLs a user types. Presets:
 * the local CESS network (npm run devnet; its URLs from the environment or the defaults, and
 * editable), the public CESS testnet (../shared/docs/cess-protocol.md), and custom URLs.
 */
import type {
  NetworkPreset,
  NetworkPresetId,
  NetworkRequest,
} from '../../sync/api/onboarding-schema.js';
import { OnboardingError } from './errors.js';

/** Overrides of the local preset, e.g. a devnet on other ports. */
export const LOCAL_CHAIN_ENV = 'CESS_SYNC_LOCAL_CHAIN';
export const LOCAL_GATEWAY_ENV = 'CESS_SYNC_LOCAL_GATEWAY';

export const TESTNET = {
  chain: ['wss://testnet-rpc.cess.network/ws/', 'wss://t2-rpc.cess.network'],
  // The CD²N gateway (cess-protocol.md, "Endpoints"); the engine speaks CD²N.
  gateway: 'http://gateway.cess.network',
} as const;

export interface NetworkChoice {
  name: NetworkPresetId;
  chain: string[];
  gateway: string;
}

export function networkPresets(env: NodeJS.ProcessEnv = process.env): NetworkPreset[] {
  const localChain = env[LOCAL_CHAIN_ENV]?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [
    {
      id: 'local',
      label: 'Local CESS network (for development)',
      chain:
        localChain !== undefined && localChain.length > 0 ? localChain : ['ws://127.0.0.1:9944'],
      gateway: env[LOCAL_GATEWAY_ENV]?.trim() || 'http://127.0.0.1:8080',
      editable: true,
    },
    {
      id: 'testnet',
      label: 'CESS testnet',
      chain: [...TESTNET.chain],
      gateway: TESTNET.gateway,
      editable: false,
    },
    { id: 'custom', label: 'Custom network', chain: [], gateway: '', editable: true },
  ];
}

/** The URLs to connect to for a request, validated; OnboardingError 'invalid_url' says which is wrong. */
export function resolveNetwork(req: NetworkRequest, presets: NetworkPreset[]): NetworkChoice {
  const preset = presets.find((p) => p.id === req.preset);
  if (preset === undefined) throw new OnboardingError(400, 'invalid_request', 'unknown network');
  if (!preset.editable && (req.chain !== undefined || req.gateway !== undefined)) {
    throw new OnboardingError(
      400,
      'invalid_request',
      `the ${preset.label} has fixed addresses; choose "Custom network" to use others`,
    );
  }
  const chain = req.chain ?? preset.chain;
  const gateway = req.gateway ?? preset.gateway;
  if (chain.length === 0) {
    throw new OnboardingError(
      400,
      'invalid_url',
      'enter the address of a CESS chain node (ws:// or wss://)',
    );
  }
  if (gateway === '') {
    throw new OnboardingError(
      400,
      'invalid_url',
      'enter the address of a CESS gateway (http:// or https://)',
    );
  }
  return {
    name: preset.id,
    chain: chain.map((u) => checkUrl(u, 'chain')),
    gateway: checkUrl(gateway, 'gateway'),
  };
}

/**
 * A chain node is ws:// or wss://, a gateway http:// or https://; no user:password (it would
 * end up in config.json and logs), no fragment. Returns the URL as typed, trimmed.
 */
export function checkUrl(raw: string, kind: 'chain' | 'gateway'): string {
  const text = raw.trim();
  const what = kind === 'chain' ? 'chain node' : 'gateway';
  const schemes = kind === 'chain' ? ['ws:', 'wss:'] : ['http:', 'https:'];
  const example =
    kind === 'chain' ? 'wss://testnet-rpc.cess.network/ws/' : 'https://gateway.example';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OnboardingError(
      400,
      'invalid_url',
      `"${clip(text)}" is not a web address; a ${what} address looks like ${example}`,
    );
  }
  if (!schemes.includes(url.protocol)) {
    throw new OnboardingError(
      400,
      'invalid_url',
      `a ${what} address starts with ${schemes.map((s) => `${s}//`).join(' or ')}, not ${url.protocol}//`,
    );
  }
  if (url.hostname === '') {
    throw new OnboardingError(400, 'invalid_url', `the ${what} address has no host name`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new OnboardingError(
      400,
      'invalid_url',
      `the ${what} address must not contain a user name or password`,
    );
  }
  if (url.hash !== '') {
    throw new OnboardingError(400, 'invalid_url', `the ${what} address must not contain a # part`);
  }
  return text;
}

/** Whether an on-chain gateway `domain` (a URL, or a bare host) names the gateway at `url`. */
export function domainMatches(domain: string, url: string): boolean {
  const norm = (s: string): string => s.trim().toLowerCase().replace(/\/+$/, '');
  const d = norm(domain);
  if (d === '') return false;
  if (d === norm(url)) return true;
  try {
    const u = new URL(url);
    if (!/^[a-z][a-z0-9+.-]*:\/\//.test(d)) return d === u.host || d === u.hostname;
    const dd = new URL(d);
    return dd.host === u.host && norm(dd.pathname) === norm(u.pathname);
  } catch {
    return false;
  }
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
