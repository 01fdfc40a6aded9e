/** The local network keeps its state in the caller's directory and resumes it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { queryOf, txOf } from '../../src/cess/chain/metadata.js';
import { signAndWait } from '../../src/cess/chain/tx.js';
import { readJson } from '../../src/devnet/chain/storage-codec.js';
import { startDevnet, type Devnet } from '../../src/devnet/network.js';
import { GENESIS } from '../support/devnet.js';

let stateDir = '';
let net: Devnet | undefined;

afterAll(async () => {
  await net?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

it('a stopped network resumes from its state directory with the chain state intact', async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'cess-devnet-resume-'));
  net = await startDevnet({ genesisPath: GENESIS, stateDir });
  const alice = net.keys.users.Alice;
  await signAndWait(
    net.api,
    txOf(net.api, 'storageHandler', 'mintTerritory')(1, 'kept', 30),
    alice,
  );
  await net.stop();
  net = undefined;

  net = await startDevnet({ genesisPath: GENESIS, stateDir });
  const terr = await readJson<{ state: string }>(
    net.api,
    'storageHandler',
    'territory',
    alice.address,
    'kept',
  );
  expect(terr?.state).toBe('Active');
  // Signed transactions work on the restored chain (block hashes realigned).
  await signAndWait(
    net.api,
    txOf(net.api, 'storageHandler', 'expandingTerritory')('kept', 1),
    alice,
  );
  const grown = await readJson<{ totalSpace: string | number }>(
    net.api,
    'storageHandler',
    'territory',
    alice.address,
    'kept',
  );
  expect(Number(grown?.totalSpace)).toBe(2 * 1024 ** 3);
  // The gateway's on-chain registration follows it to its new port.
  const oss = (await queryOf(net.api, 'oss', 'oss')(net.keys.gateway.address)).toHuman() as {
    domain: string;
  };
  expect(oss.domain).toBe(net.gatewayUrl);
});
