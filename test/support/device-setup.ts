/**
 * A device set up on the local CESS network as `cess-sync setup` does it (src/daemon/setup.ts),
 * its recovery phrase in the key file encrypted with `passphrase`: a state dir a daemon can run
 * on (unlocked by that passphrase).
 */
import { setupDevice, type SetupResult } from '../../src/daemon/setup.js';
import type { TestDevnet } from './devnet.js';

export function setUpFileKeyDevice(
  net: TestDevnet,
  o: {
    stateDir: string;
    mnemonic: string;
    territory: string;
    deviceName: string;
    passphrase: string;
  },
): Promise<SetupResult> {
  return setupDevice({
    ...o,
    network: { name: 'local', chain: [net.chainUrl], gateway: net.gatewayUrl },
    keyStore: 'file',
  });
}
