/**
 * The gateway clients against the real local CESS network: the CESS runtime under chopsticks
 * and the project's gateway (startDevnet). A dev user mints a territory and authorizes the
 * gateway on chain, then uploads through both protocols and reads back identical bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import type { KeyringPair } from '@polkadot/keyring/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { txOf } from '../../src/cess/chain/metadata.js';
import { signAndWait } from '../../src/cess/chain/tx.js';
import { Cd2nClient, DeossClient, keyringSigner } from '../../src/cess/gateway/index.js';
import { startDevnet, type Devnet } from '../../src/devnet/network.js';

const GENESIS = process.env['CESS_GENESIS'] ?? '/work/shared/cess/cess-testnet-spec-raw.json';
const TERRITORY = 'client-home';

let net: Devnet;
let stateDir: string;
let alice: KeyringPair;
let cd2n: Cd2nClient;
let deoss: DeossClient;

async function readAll(download: (sink: PassThrough) => Promise<unknown>): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await download(sink);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gw-client-devnet-'));
  net = await startDevnet({ genesisPath: GENESIS, stateDir, minerDelay: 0 });
  alice = net.keys.users.Alice;
  const api = net.api;
  await signAndWait(api, txOf(api, 'storageHandler', 'mintTerritory')(1, TERRITORY, 30), alice);
  await signAndWait(api, txOf(api, 'oss', 'authorize')(net.keys.gateway.address), alice);
  const common = {
    baseUrl: net.gatewayUrl,
    signer: keyringSigner(alice),
    retry: { baseDelayMs: 50 },
  };
  cd2n = new Cd2nClient(common);
  deoss = new DeossClient(common);
});

afterAll(async () => {
  await net?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('gateway clients on the local CESS network', () => {
  it('CD²N: single upload and batch upload, read back identical bytes', async () => {
    const one = randomBytes(1_200_000);
    const r1 = await cd2n.uploadFile(one, { territory: TERRITORY, fileName: 'cd2n-one.bin' });
    expect(r1.verified).toBe(true);
    expect((await readAll((s) => cd2n.download(r1.fid, s))).equals(one)).toBe(true);

    const two = randomBytes(2_500_000);
    const r2 = await cd2n.uploadBatch(two, {
      territory: TERRITORY,
      fileName: 'cd2n-batch.bin',
      chunkSize: 1024 * 1024,
    });
    expect(r2).toMatchObject({ verified: true, sessions: 1 });
    expect((await readAll((s) => cd2n.download(r2.fid, s))).equals(two)).toBe(true);
    const info = await net.backend.fileInfo(r2.fid);
    expect(info?.owners).toContain(alice.address);
  });

  it('DeOSS: PUT /file and PUT /resume, read back identical bytes, metadata from chain', async () => {
    const one = randomBytes(900_000);
    const r1 = await deoss.putFile(one, { territory: TERRITORY, fileName: 'deoss-one.bin' });
    expect((await readAll((s) => deoss.download(r1.fid, s))).equals(one)).toBe(true);

    const two = randomBytes(2_000_000);
    const r2 = await deoss.resumeUpload(two, {
      territory: TERRITORY,
      fileName: 'deoss-resume.bin',
      chunkSize: 700_000,
    });
    expect(r2.fileName).toBe('deoss-resume.bin');
    expect((await readAll((s) => deoss.download(r2.fid, s))).equals(two)).toBe(true);
    const md = await deoss.metadata(r2.fid);
    expect(md.size).toBe(two.length);
    expect(md.owners.map((o) => o.user)).toContain(alice.address);
  });
});
