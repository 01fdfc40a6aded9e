/**
 * A SyncEngine on the local CESS network for a named device: the device's parts (sync-device.ts)
 * wired into an engine as the daemon wires them (src/daemon/run.ts), without a watcher or
 * polling unless a test asks, so that tests drive passes with syncNow().
 */
import path from 'node:path';
import { keyringSigner } from '../../src/cess/gateway/index.js';
import {
  SyncEngine,
  type EngineOptions,
  type EngineSharing,
} from '../../src/sync/engine/engine.js';
import type { ReencryptProxy } from '../../src/sync/share/index.js';
import { openDevice, type Device, type NetworkAddress } from './sync-device.js';

/** What a test may set on top of the device's parts. */
export type EngineExtras = Partial<
  Omit<EngineOptions, 'manifest' | 'keys' | 'account' | 'repo' | 'store'>
>;

export interface EngineNode extends Device {
  engine: SyncEngine;
}

/** An engine (not started) over the device's manifest, keys, repository and store. */
export function engineOf(d: Device, o: EngineExtras = {}): SyncEngine {
  return new SyncEngine({
    manifest: d.manifest,
    keys: d.keys,
    account: { ...d.account, address: d.pair.address },
    repo: d.repo,
    store: d.store,
    deviceName: d.name,
    watch: false,
    pollMs: 0,
    ...o,
  });
}

/** Sharing as the daemon sets it up: signed by the account, through `proxy` (the gateway). */
export function sharingOf(
  d: Device,
  receiveDir: string,
  proxy: ReencryptProxy = d.gateway,
): EngineSharing {
  return { signer: keyringSigner(d.pair), proxy, ss58Format: d.ss58Format, receiveDir };
}

/**
 * A device `name` under `dir` (`<dir>/<name>/Sync`, `<dir>/<name>/manifest.sqlite`) with no
 * folder yet, and its engine, not started (subscribe first if the test needs every event).
 */
export async function makeEngineNode(
  addr: NetworkAddress,
  mnemonic: string,
  dir: string,
  name: string,
  o: EngineExtras = {},
): Promise<EngineNode> {
  const d = await openDevice(addr, mnemonic, {
    name,
    root: path.join(dir, name, 'Sync'),
    manifestPath: path.join(dir, name, 'manifest.sqlite'),
  });
  return { ...d, engine: engineOf(d, o) };
}
