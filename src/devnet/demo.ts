/**
 * `npm run demo`: the product's main job on the local CESS network — two devices of one
 * account keeping a folder in sync through CESS alone, each running the real daemon (engine +
 * local API), everything encrypted before it leaves the device.
 */
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryOf } from '../cess/chain/metadata.js';
import { DaemonClient } from '../daemon/client.js';
import { runDaemon, type RunningDaemon } from '../daemon/run.js';
import { setupDevice } from '../daemon/setup.js';
import { DEFAULT_GENESIS, startDevnet } from './network.js';
import { prepareSyncAccount } from './accounts.js';

const tty = process.stdout.isTTY;
const bold = (s: string): string => (tty ? `\x1b[1m${s}\x1b[0m` : s);
let n = 0;
const step = (s: string): void => console.log(`\n${bold(`${++n}.`)} ${s}`);
const info = (s: string): void => console.log(`   ${s}`);

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (rel === '' && e.name.startsWith('.cess-sync')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else
        out.push(
          `${r}  ${createHash('sha256')
            .update(readFileSync(path.join(dir, e.name)))
            .digest('hex')
            .slice(0, 12)}`,
        );
    }
  };
  walk(root, '');
  return out;
}

async function until(
  what: string,
  check: () => boolean,
  client: DaemonClient,
  timeoutMs = 60_000,
): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await client.syncNow(); // the desktop also polls on its own; this just does not wait for it
    await new Promise((r) => setTimeout(r, 300));
  }
  return (Date.now() - t0) / 1000;
}

async function main(): Promise<void> {
  await cryptoWaitReady();
  const genesis = path.resolve(process.env.CESS_GENESIS ?? DEFAULT_GENESIS);
  const work = await mkdtemp(path.join(tmpdir(), 'cess-sync-demo-'));
  const daemons: RunningDaemon[] = [];
  step(`Starting the local CESS network (the real CESS runtime from ${genesis})`);
  const net = await startDevnet({
    genesisPath: genesis,
    stateDir: path.join(work, 'devnet'),
    minerDelay: 2000,
    chainPort: 0,
    gatewayPort: 0,
  });
  try {
    const { api } = net;
    info(
      `chain ${net.chainUrl}, gateway ${net.gatewayUrl}, ready in ${(net.startMs / 1000).toFixed(1)} s`,
    );

    step(
      'Creating an account and preparing it on chain: funds, a territory, the gateway authorized',
    );
    const { mnemonic, pair } = await prepareSyncAccount(net, { territory: 'photos', gib: 10 });
    info(
      `account ${pair.address}: 10,000 TCESS, territory 'photos' (10 GiB, 30 days), gateway authorized`,
    );

    step(
      'Setting up two devices of that account, "laptop" and "desktop", each with its own daemon',
    );
    // A demo must not touch the user's keychain: each device keeps the secret in an encrypted
    // key file with a throwaway passphrase (the app uses the OS keychain).
    process.env.CESS_SYNC_PASSPHRASE = randomBytes(16).toString('hex');
    const network = { name: 'local', chain: [net.chainUrl], gateway: net.gatewayUrl };
    const devices: { name: string; dir: string; folder: string; client: DaemonClient }[] = [];
    for (const name of ['laptop', 'desktop']) {
      const dir = path.join(work, name);
      await setupDevice({
        stateDir: dir,
        network,
        mnemonic,
        territory: 'photos',
        deviceName: name,
        keyStore: 'file',
      });
      const d = await runDaemon({ stateDir: dir, pollMs: 2000, log: () => undefined });
      daemons.push(d);
      const client = await DaemonClient.fromStateDir(dir);
      const folder = path.join(dir, 'CESS Sync');
      await mkdir(folder, { recursive: true });
      await client.addFolder({ root: folder });
      devices.push({ name, dir, folder, client });
      info(`${name}: daemon on ${d.url} (token-protected), folder ${folder}`);
    }
    const [laptop, desktop] = devices as [(typeof devices)[0], (typeof devices)[0]];

    step('Putting a sample folder on the laptop');
    await mkdir(path.join(laptop.folder, 'Trip 2026/raw'), { recursive: true });
    await writeFile(
      path.join(laptop.folder, 'README.txt'),
      'Shared between my laptop and my desktop, through CESS.\n',
    );
    await writeFile(
      path.join(laptop.folder, 'Trip 2026/itinerary.md'),
      '# Day 1\nLisbon\n# Day 2\nSintra\n',
    );
    await writeFile(
      path.join(laptop.folder, 'Trip 2026/raw/IMG_0001.raw'),
      randomBytes(3 * 1024 * 1024),
    );
    await writeFile(
      path.join(laptop.folder, 'Trip 2026/raw/IMG_0002.raw'),
      randomBytes(2 * 1024 * 1024),
    );
    await writeFile(path.join(laptop.folder, 'Notes – café.txt'), 'unicode names sync too\n');
    for (const l of tree(laptop.folder)) info(l);

    step(
      "Waiting for the desktop to have it (the laptop's watcher uploads; the desktop polls CESS)",
    );
    const t1 = await until(
      'the desktop to receive the sample folder',
      () =>
        existsSync(path.join(desktop.folder, 'Trip 2026/raw/IMG_0002.raw')) &&
        existsSync(path.join(desktop.folder, 'Notes – café.txt')),
      desktop.client,
    );
    info(`arrived after ${t1.toFixed(1)} s:`);
    for (const l of tree(desktop.folder)) info(l);

    step('Editing and renaming on the desktop');
    await writeFile(
      path.join(desktop.folder, 'Trip 2026/itinerary.md'),
      '# Day 1\nLisbon\n# Day 2\nSintra\n# Day 3\nPorto\n',
    );
    await rename(
      path.join(desktop.folder, 'Trip 2026/raw/IMG_0001.raw'),
      path.join(desktop.folder, 'Trip 2026/best-shot.raw'),
    );
    const t2 = await until(
      'the laptop to see the edit and the rename',
      () =>
        existsSync(path.join(laptop.folder, 'Trip 2026/best-shot.raw')) &&
        readFileSync(path.join(laptop.folder, 'Trip 2026/itinerary.md'), 'utf8').includes('Porto'),
      laptop.client,
    );
    info(
      `the laptop has both after ${t2.toFixed(1)} s (the rename moved no content: only new metadata was uploaded)`,
    );

    const same = JSON.stringify(tree(laptop.folder)) === JSON.stringify(tree(desktop.folder));
    info(`laptop and desktop folders identical: ${same ? 'yes' : 'NO'}`);
    if (!same) throw new Error('the two folders differ');

    step('What the daemons say (their local API, as the app and the CLI see it)');
    for (const d of devices) {
      const s = await d.client.status();
      const f = s.folders[0];
      info(
        `${d.name}: ${s.state}, ${f?.files ?? 0} files, ${((f?.bytes ?? 0) / 1048576).toFixed(1)} MiB, ${f?.pendingObjects ?? 0} object(s) waiting for the miners`,
      );
      for (const a of (await d.client.recentActivity(4)).reverse())
        info(`   ${new Date(a.timeMs).toISOString().slice(11, 19)} ${a.kind} ${a.path}`);
    }

    step('What CESS sees');
    const stored = (
      await queryOf(api, 'fileBank', 'userHoldFileList')(pair.address)
    ).toJSON() as unknown[];
    let pending = 0;
    for (const [, deal] of await queryOf(api, 'fileBank', 'dealMap').entries()) {
      if ((deal.toJSON() as { user?: { user?: string } } | null)?.user?.user === pair.address)
        pending++;
    }
    info(
      `${stored.length} stored object(s) and ${pending} pending, each an encrypted pack with an opaque name`,
    );
    info('file names, sizes and contents exist only inside the encrypted packs');
    console.log(
      `\n${bold('Done.')} Two devices, one account, synced through CESS alone; nothing left 127.0.0.1.`,
    );
  } finally {
    for (const d of daemons) await d.stop();
    await net.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
