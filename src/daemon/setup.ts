/**
 * Sets a device up: network, account secret into the key store, territory, device name. The
 * secret never goes into config.json; it goes to the OS keychain, or to an encrypted file in
 * the state directory when there is no keychain and a passphrase is given.
 */
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { mnemonicProblem, normalizeMnemonic } from '../cess/account/index.js';
import { CessChain } from '../cess/chain/client.js';
import { KeytarKeyStore, openKeyStore } from '../cess/keystore/index.js';
import { keyFilePath, saveConfig, type DeviceConfig } from './config.js';

export interface SetupOptions {
  stateDir: string;
  network: DeviceConfig['network'];
  /** An existing account's mnemonic, or 'create' for a new 24-word one. */
  mnemonic: string | 'create';
  territory: string;
  deviceName: string;
  keyStore?: 'auto' | 'keychain' | 'file';
  passphrase?: string;
}

export interface SetupResult {
  config: DeviceConfig;
  /** Only for a newly created account: shown once to the user, never stored in plaintext. */
  newMnemonic?: string;
  /** Things the user must still do before files can sync (fund, mint, authorize). */
  todo: string[];
}

export async function setupDevice(o: SetupOptions): Promise<SetupResult> {
  await cryptoWaitReady();
  const created = o.mnemonic === 'create';
  const mnemonic = created ? mnemonicGenerate(24) : normalizeMnemonic(o.mnemonic);
  const problem = mnemonicProblem(mnemonic);
  if (problem) throw new Error(`that recovery phrase is not valid: ${problem}`);

  const chain = await CessChain.connect({ endpoints: o.network.chain, timeoutMs: 20_000 });
  const todo: string[] = [];
  let address: string;
  try {
    const ss58 = chain.api.registry.chainSS58 ?? 42;
    address = new Keyring({ type: 'sr25519', ss58Format: ss58 }).addFromMnemonic(mnemonic).address;
    const territories = await chain.territories(address);
    if (!territories.some((t) => t.name === o.territory)) {
      todo.push(
        `mint a territory named '${o.territory}' for ${address} (storageHandler.mintTerritory)`,
      );
    }
    const gateways = await chain.gateways();
    const authorized = await chain.authorizedGateways(address);
    if (authorized.length === 0) {
      todo.push(
        `authorize a gateway for ${address} (oss.authorize); on chain: ${gateways.map((g) => g.domain).join(', ') || 'none'}`,
      );
    }
  } finally {
    await chain.disconnect();
  }

  const store = await openKeyStore({
    prefer: o.keyStore ?? 'auto',
    filePath: keyFilePath(o.stateDir),
    ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
  });
  await store.set(address, mnemonic);
  const config: DeviceConfig = {
    version: 1,
    network: o.network,
    account: address,
    territory: o.territory,
    deviceName: o.deviceName,
    keyStore: store instanceof KeytarKeyStore ? 'keychain' : 'file',
  };
  await saveConfig(o.stateDir, config);
  return { config, ...(created ? { newMnemonic: mnemonic } : {}), todo };
}
