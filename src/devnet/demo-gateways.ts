/**
 * `npm run demo:gateways`: the CESS plumbing under the product, step by step on the local
 * network: start it, create and fund an account, mint a territory, authorize the gateway,
 * upload a file through both gateway protocols and read it back.
 */
import { Keyring } from '@polkadot/keyring';
import { formatBalance } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryOf, txOf } from '../cess/chain/metadata.js';
import { signAndWait } from '../cess/chain/tx.js';
import { Cd2nClient, DeossClient, keyringSigner } from '../cess/gateway/index.js';
import { readJson } from './chain/storage-codec.js';
import { DEFAULT_GENESIS, startDevnet } from './network.js';

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n: number, s: string): void => console.log(`\n${bold(`${n}.`)} ${s}`);
const info = (s: string): void => console.log(`   ${s}`);
const MiB = 1024 * 1024;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function main(): Promise<void> {
  await cryptoWaitReady();
  const genesis = path.resolve(process.env.CESS_GENESIS ?? DEFAULT_GENESIS);
  const work = await mkdtemp(path.join(tmpdir(), 'cess-sync-demo-'));
  step(1, `Starting the local CESS network (real CESS runtime from ${genesis})`);
  const net = await startDevnet({
    genesisPath: genesis,
    stateDir: path.join(work, 'devnet'),
    minerDelay: 3000,
  });
  try {
    const { api } = net;
    const decimals = api.registry.chainDecimals[0] ?? 18;
    const unit = api.registry.chainTokens[0] ?? 'TCESS';
    const fmt = (v: bigint): string =>
      formatBalance(v, { decimals, withUnit: unit, forceUnit: '-' });
    info(
      `chain    ${net.chainUrl}  (${api.runtimeVersion.specName.toString()} spec ${api.runtimeVersion.specVersion.toString()}, ss58 ${net.ss58Format})`,
    );
    info(`gateway  ${net.gatewayUrl}  (account ${net.keys.gateway.address})`);
    info(`ready in ${(net.startMs / 1000).toFixed(1)} s`);

    step(2, 'Creating a new account (24-word mnemonic, sr25519)');
    const mnemonic = mnemonicGenerate(24);
    const user = new Keyring({ type: 'sr25519', ss58Format: net.ss58Format }).addFromMnemonic(
      mnemonic,
    );
    info(`address  ${user.address}`);
    info('the mnemonic stays in this process only (the app keeps it in the OS keychain)');

    step(3, 'Funding it from //Alice with balances.transferKeepAlive');
    const amount = 1000n * 10n ** BigInt(decimals);
    await signAndWait(
      api,
      api.tx.balances.transferKeepAlive(user.address, amount),
      net.keys.users.Alice,
    );
    const balance = (await api.query.system.account(user.address)).data.free.toBigInt();
    info(`balance  ${fmt(balance)}`);

    step(4, "Minting a territory 'demo' (1 GiB, 30 days)");
    const unitPrice = BigInt(
      ((await queryOf(api, 'storageHandler', 'unitPrice')()).toJSON() as string | number | null) ??
        0,
    );
    // spec < 121 charges gib * days * UnitPrice / 30 (cess-protocol.md)
    const spec = api.runtimeVersion.specVersion.toNumber();
    const cost = spec < 121 ? (unitPrice * 30n) / 30n : unitPrice * 30n;
    info(
      `cost     ${fmt(cost)} (UnitPrice ${fmt(unitPrice)} per GiB${spec < 121 ? ' per 30 days' : ' per day'})`,
    );
    await signAndWait(api, txOf(api, 'storageHandler', 'mintTerritory')(1, 'demo', 30), user);
    const terr = await readJson<{
      totalSpace: string;
      remainingSpace: string;
      state: string;
      deadline: number;
    }>(api, 'storageHandler', 'territory', user.address, 'demo');
    info(
      `territory ${terr?.state}, ${Number(terr?.totalSpace) / MiB} MiB, expires at block ${terr?.deadline}`,
    );
    info(`balance  ${fmt((await api.query.system.account(user.address)).data.free.toBigInt())}`);

    step(5, 'Authorizing the gateway (oss.authorize)');
    await signAndWait(api, txOf(api, 'oss', 'authorize')(net.keys.gateway.address), user);
    info(
      `AuthorityList: ${JSON.stringify((await queryOf(api, 'oss', 'authorityList')(user.address)).toJSON())}`,
    );

    const sample = path.join(work, 'sample.bin');
    await writeFile(sample, randomBytes(5 * MiB + 12345));
    const sampleHash = await sha256File(sample);
    const signer = keyringSigner(user);

    step(6, 'Uploading a 5 MiB sample through the CD²N gateway protocol (single upload)');
    const cd2n = new Cd2nClient({ baseUrl: net.gatewayUrl, signer });
    const up1 = await cd2n.uploadFile(sample, { territory: 'demo', fileName: 'sample-cd2n.bin' });
    info(
      `fid      ${up1.fid}  (checked against a local computation: ${up1.verified ? 'yes' : 'no'})`,
    );

    step(7, 'Uploading it again through the DeOSS protocol (resumable PUT /resume, 1 MiB chunks)');
    const deoss = new DeossClient({ baseUrl: net.gatewayUrl, signer });
    let last = -1;
    const up2 = await deoss.resumeUpload(sample, {
      territory: 'demo',
      fileName: 'sample-deoss.bin',
      chunkSize: MiB,
      onProgress: (p) => {
        const pct = Math.floor((p.bytes / (p.total ?? p.bytes)) * 100);
        if (pct >= last + 20 || pct === 100) {
          last = pct;
          info(`progress ${pct}%`);
        }
      },
    });
    info(
      `fid      ${up2.fid}  (checked: ${up2.verified ? 'yes' : 'no'}; DeOSS and CD²N fids differ by design)`,
    );

    step(8, 'Following the files on chain: DealMap (pending) -> File (stored by the miners)');
    for (const fid of [up1.fid, up2.fid]) {
      const pending = (await readJson(api, 'fileBank', 'dealMap', fid)) !== null;
      info(`${fid.slice(0, 16)}… ${pending ? 'pending deal' : 'already stored'}`);
    }
    const t0 = Date.now();
    for (;;) {
      const stored = await Promise.all(
        [up1.fid, up2.fid].map((f) => readJson<{ stat: string }>(api, 'fileBank', 'file', f)),
      );
      if (stored.every((s) => s?.stat === 'Active')) break;
      if (Date.now() - t0 > 30_000) throw new Error('the miners did not report within 30 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    info(`both Active after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const held = (
      await queryOf(api, 'fileBank', 'userHoldFileList')(user.address)
    ).toHuman() as unknown[];
    info(`UserHoldFileList: ${held.length} files`);
    const after = await readJson<{ usedSpace: string; remainingSpace: string }>(
      api,
      'storageHandler',
      'territory',
      user.address,
      'demo',
    );
    info(
      `territory used ${Number(after?.usedSpace) / MiB} MiB (96 MiB per 32 MiB segment), ${Number(after?.remainingSpace) / MiB} MiB left`,
    );

    step(9, 'Reading both back and comparing');
    const out1 = path.join(work, 'back-cd2n.bin');
    const out2 = path.join(work, 'back-deoss.bin');
    await cd2n.download(up1.fid, out1);
    await deoss.download(up2.fid, out2);
    const h1 = await sha256File(out1);
    const h2 = await sha256File(out2);
    info(`original  sha256 ${sampleHash}`);
    info(`CD²N      sha256 ${h1} ${h1 === sampleHash ? 'identical' : 'DIFFERENT'}`);
    info(`DeOSS     sha256 ${h2} ${h2 === sampleHash ? 'identical' : 'DIFFERENT'}`);
    if (h1 !== sampleHash || h2 !== sampleHash)
      throw new Error('read-back differs from the original');
    console.log(
      `\n${bold('Done.')} This is the network the sync engine and the app are built on; nothing left 127.0.0.1.`,
    );
  } finally {
    await net.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
