/**
 * Settings › Network (src/daemon/network/service.ts) without a chain: the URL checks, the preset
 * a set of addresses matches, and the decisions around a change (same genesis: saved atomically
 * and applied; another genesis refused; current addresses dead: judged by the territory; a failed
 * restart puts the old addresses back), with the chain probe and the restart injected.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath, saveConfig, type LoadedDeviceConfig } from '../../src/daemon/config.js';
import {
  NetworkService,
  presetOf,
  validateNetworkUpdate,
  type ChainProbe,
} from '../../src/daemon/network/service.js';
import { networkRoutes } from '../../src/daemon/network/routes.js';
import { networkUpdateSchema } from '../../src/sync/api/network-schema.js';

const ENV = {} as NodeJS.ProcessEnv;
const OLD = ['ws://127.0.0.1:9944'];
const GENESIS = `0x${'11'.repeat(32)}`;
const OTHER = `0x${'22'.repeat(32)}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cess-sync-network-'));
  await saveConfig(dir, {
    version: 1,
    network: { name: 'local', chain: OLD, gateway: 'http://127.0.0.1:8080' },
    account: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    territory: 'home',
    deviceName: 'laptop',
    keyStore: 'file',
  });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function service(
  chains: Record<string, ChainProbe | Error>,
  apply: (c: LoadedDeviceConfig) => Promise<boolean> = () => Promise.resolve(true),
) {
  const applied: string[][] = [];
  const svc = new NetworkService({
    stateDir: dir,
    env: ENV,
    apply: async (c) => {
      applied.push(c.network.chain);
      return apply(c);
    },
    probeChain: (chain) => {
      const r = chains[chain.join(',')];
      if (r === undefined) return Promise.reject(new Error('connection refused'));
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
    probeGateway: () => Promise.resolve(),
  });
  return { svc, applied };
}

const saved = async (): Promise<LoadedDeviceConfig> =>
  JSON.parse(await readFile(configPath(dir), 'utf8')) as LoadedDeviceConfig;

describe('network URL checks', () => {
  it('chain ws:// or wss://, gateway http(s)://, trimmed, duplicates dropped', () => {
    expect(
      validateNetworkUpdate({
        chain: [' wss://a.example/ws ', 'wss://a.example/ws', 'ws://b:9944'],
        gateway: 'https://gw.example',
      }),
    ).toEqual({ chain: ['wss://a.example/ws', 'ws://b:9944'], gateway: 'https://gw.example' });
  });
  it.each([
    [{ chain: ['http://a:9944'], gateway: 'http://g' }, /starts with ws:\/\/ or wss:\/\//],
    [{ chain: ['ws://a:9944'], gateway: 'ws://g' }, /starts with http:\/\/ or https:\/\//],
    [{ chain: ['not a url'], gateway: 'http://g' }, /is not a web address/],
    [{ chain: ['ws://u:p@a:9944'], gateway: 'http://g' }, /user name or password/],
    [{ chain: ['ws://a:9944'], gateway: 'http://g/#x' }, /# part/],
  ])('refuses %j', (req, message) => {
    expect(() => validateNetworkUpdate(req)).toThrow(message);
    expect(() => validateNetworkUpdate(req)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'invalid_url' }),
    );
  });
  it('the request schema bounds the lists', () => {
    expect(networkUpdateSchema.safeParse({ chain: [], gateway: 'http://g' }).success).toBe(false);
    expect(
      networkUpdateSchema.safeParse({ chain: Array(9).fill('ws://a'), gateway: 'http://g' })
        .success,
    ).toBe(false);
    expect(
      networkUpdateSchema.safeParse({ chain: ['ws://a'], gateway: 'http://g', x: 1 }).success,
    ).toBe(false);
  });
  it('names the preset the addresses equal, else custom', () => {
    expect(presetOf(['ws://127.0.0.1:9944'], 'http://127.0.0.1:8080', ENV)).toBe('local');
    expect(presetOf(['ws://localhost:9944'], 'http://127.0.0.1:8080', ENV)).toBe('custom');
    expect(
      presetOf(
        ['wss://testnet-rpc.cess.network/ws/', 'wss://t2-rpc.cess.network'],
        'http://gateway.cess.network',
        ENV,
      ),
    ).toBe('testnet');
  });
});

describe('NetworkService', () => {
  const same = { genesisHash: GENESIS, territoryFound: true };

  it('the same chain under another address: saved atomically (0600) and applied', async () => {
    const { svc, applied } = service({ [OLD.join(',')]: same, 'ws://localhost:9944': same });
    const r = await svc.update({
      chain: ['ws://localhost:9944'],
      gateway: 'http://localhost:8080',
    });
    expect(r).toMatchObject({ preset: 'custom', chain: ['ws://localhost:9944'] });
    expect(r.message).toMatch(/restarted/);
    expect(applied).toEqual([['ws://localhost:9944']]);
    const c = await saved();
    expect(c.network).toEqual({
      name: 'custom',
      chain: ['ws://localhost:9944'],
      gateway: 'http://localhost:8080',
    });
    expect(c.territory).toBe('home');
    expect((await readdir(dir)).filter((f) => f.includes('tmp'))).toEqual([]);
    expect(await svc.get()).toEqual({
      preset: 'custom',
      chain: ['ws://localhost:9944'],
      gateway: 'http://localhost:8080',
    });
  });

  it('not running (locked): saved, and the reply says when it takes effect', async () => {
    const { svc } = service({ [OLD.join(',')]: same, 'ws://n2:9944': same }, () =>
      Promise.resolve(false),
    );
    const r = await svc.update({ chain: ['ws://n2:9944'], gateway: 'http://g' });
    expect(r.message).toMatch(/used when the sync engine starts/);
  });

  it('another genesis: refused with a plain reason, nothing written or applied', async () => {
    const before = await readFile(configPath(dir), 'utf8');
    const { svc, applied } = service({
      [OLD.join(',')]: same,
      'wss://other.example': { genesisHash: OTHER, territoryFound: false },
    });
    const p = svc.update({ chain: ['wss://other.example'], gateway: 'https://g' });
    await expect(p).rejects.toMatchObject({ statusCode: 409, code: 'different_chain' });
    await expect(p).rejects.toThrow(/different CESS network.*Nothing was changed/);
    expect(applied).toEqual([]);
    expect(await readFile(configPath(dir), 'utf8')).toBe(before);
  });

  it('current addresses dead: accepted only where the account territory is', async () => {
    const dead = service({ 'ws://n2:9944': { genesisHash: OTHER, territoryFound: false } });
    await expect(dead.svc.update({ chain: ['ws://n2:9944'], gateway: 'http://g' })).rejects.toThrow(
      /do not answer.*territory "home"/,
    );
    const ok = service({ 'ws://n3:9944': { genesisHash: GENESIS, territoryFound: true } });
    await expect(
      ok.svc.update({ chain: ['ws://n3:9944'], gateway: 'http://g' }),
    ).resolves.toMatchObject({ chain: ['ws://n3:9944'] });
  });

  it('an unreachable new chain: 424, nothing changed', async () => {
    const { svc } = service({ [OLD.join(',')]: same });
    await expect(
      svc.update({ chain: ['ws://nowhere:1'], gateway: 'http://g' }),
    ).rejects.toMatchObject({ statusCode: 424, code: 'chain_unreachable' });
    expect((await saved()).network.chain).toEqual(OLD);
  });

  it('the engine does not start on the new addresses: the old ones are restored and restarted', async () => {
    let calls = 0;
    const { svc, applied } = service({ [OLD.join(',')]: same, 'ws://n2:9944': same }, () =>
      ++calls === 1 ? Promise.reject(new Error('gateway says no')) : Promise.resolve(true),
    );
    await expect(svc.update({ chain: ['ws://n2:9944'], gateway: 'http://g' })).rejects.toThrow(
      /did not start on the new addresses \(gateway says no\); the previous ones were restored/,
    );
    expect(applied).toEqual([['ws://n2:9944'], OLD]);
    expect((await saved()).network.chain).toEqual(OLD);
  });

  it('setup mode (no configuration): 409 not_set_up', async () => {
    await rm(configPath(dir));
    const { svc } = service({});
    await expect(svc.get()).rejects.toMatchObject({ statusCode: 409, code: 'not_set_up' });
    expect(() =>
      networkRoutes(null)['/api/v1/network']!.GET!.run(undefined, new URL('http://x')),
    ).toThrow(expect.objectContaining({ code: 'not_set_up' }));
  });
});
