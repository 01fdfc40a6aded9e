/**
 * Onboarding from nothing to a first synced file (docs/ui.md, "Onboarding"): a fresh, empty state
 * directory, the real runDaemon in setup mode serving dist/renderer, and Chromium going through
 * the wizard against the local CESS network of global-setup.ts: create an account (the words read
 * from the page, a wrong word refused, then the right ones), the local network, funds sent from
 * //Alice with @polkadot/api while the page shows the balance, a territory minted with its cost
 * shown, the gateway authorized, a folder with a file in it; then the main page shows the file
 * uploaded. The secret goes into an encrypted key file with a passphrase typed into the page,
 * never the keychain.
 */
import { Keyring } from '@polkadot/keyring';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connectChain } from '../../src/cess/chain/connect.js';
import { signAndWait } from '../../src/cess/chain/tx.js';
import { configPath, keyFilePath, loadConfig } from '../../src/daemon/config.js';
import { runDaemon, type RunningDaemon } from '../../src/daemon/run.js';
import { expect, screenshot, test } from './fixtures.js';

const TCESS = 10n ** 18n;

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '')
    throw new Error(`${name} is not set: run through playwright.config.ts`);
  return v;
}

/** Sends TCESS from //Alice (funded by the devnet) to `to`, as a user's wallet would. */
async function fundFromAlice(to: string, amount: bigint): Promise<void> {
  const api = await connectChain({ endpoints: [env('E2E_CHAIN_URL')] });
  try {
    const alice = new Keyring({
      type: 'sr25519',
      ss58Format: api.registry.chainSS58 ?? 42,
    }).addFromUri('//Alice');
    await signAndWait(api, api.tx.balances.transferKeepAlive(to, amount), alice, 'finalized');
  } finally {
    await api.disconnect();
  }
}

test('onboarding from nothing to a first synced file', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const work = path.join(env('E2E_WORK'), `onboarding-${randomBytes(4).toString('hex')}`);
  const stateDir = path.join(work, 'state');
  const folder = path.join(work, 'My Sync');
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'first.txt'), `the first synced file ${Date.now()}\n`);
  const passphrase = `pass-${randomBytes(8).toString('hex')}`;

  // No CESS_SYNC_PASSPHRASE for this daemon (global-setup sets one for the other devices): the
  // page must ask for the key file's passphrase.
  const daemonEnv = { ...process.env };
  delete daemonEnv.CESS_SYNC_PASSPHRASE;
  const logs: string[] = [];
  let daemon: RunningDaemon | null = await runDaemon({
    stateDir,
    staticDir: env('E2E_STATIC_DIR'),
    pollMs: 1500,
    keyStore: 'file',
    env: daemonEnv,
    log: (l) => logs.push(l),
  });
  try {
    const { url, token } = daemon;
    expect(daemon.setUp).toBe(false);
    const status = await page.request.get(`${url}/api/v1/status`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(status.status()).toBe(409);
    expect((await status.json()).error.code).toBe('not_set_up');

    // --- Welcome: the main page sends a device that is not set up here. By keyboard.
    await page.goto(`${url}/#token=${token}`);
    await expect(page).toHaveURL(/\/onboarding\.html$/);
    await expect(page.getByRole('heading', { name: 'Welcome' })).toBeFocused();
    expect(page.url()).not.toContain(token);
    await screenshot(page, 'onboarding-welcome');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('radio', { name: /Create a new account/ })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Continue' })).toBeFocused();
    await page.keyboard.press('Enter');

    // --- Network: a wrong address is explained; then the local network.
    await expect(page.getByRole('heading', { name: 'Choose the network' })).toBeFocused();
    await page.getByRole('radio', { name: /Local network/ }).check();
    await page.getByLabel('Chain node address').fill('http://127.0.0.1:1');
    await page.getByLabel('Gateway address').fill(env('E2E_GATEWAY_URL'));
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.locator('#network-error')).toContainText('starts with ws:// or wss://');
    await page.getByLabel('Chain node address').fill(env('E2E_CHAIN_URL'));
    await screenshot(page, 'onboarding-network');
    await page.getByRole('button', { name: 'Connect' }).click();

    // --- Account: 24 words shown once, then 3 of them asked back.
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeFocused();
    await expect(page.locator('#keystore-info')).toContainText('encrypted file');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await expect(page.getByRole('heading', { name: 'Your recovery phrase' })).toBeFocused();
    const words = await page.locator('#word-grid .word').allTextContents();
    expect(words).toHaveLength(24);
    await screenshot(page, 'onboarding-words');
    // 360 px wide: the grid folds, nothing scrolls sideways.
    await page.setViewportSize({ width: 360, height: 780 });
    expect(
      await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      ),
    ).toBeLessThanOrEqual(0);
    await screenshot(page, 'onboarding-narrow-360');
    await page.setViewportSize({ width: 1100, height: 900 });

    const next = page.getByRole('button', { name: 'Continue' });
    await expect(next).toBeDisabled();
    await page.getByLabel('I wrote the 24 words down, in order').check();
    await next.click();
    await expect(page.getByRole('heading', { name: 'Check your recovery phrase' })).toBeFocused();
    await expect(page.locator('#word-grid li')).toHaveCount(0);
    const asked = await page
      .locator('#confirm-fields input')
      .evaluateAll((inputs) => inputs.map((i) => Number((i as HTMLInputElement).dataset.position)));
    expect(asked).toHaveLength(3);
    const confirmForm = page.locator('#confirm-form');
    await confirmForm.getByLabel('Passphrase (at least 8 characters)').fill(passphrase);
    await confirmForm.getByLabel('Passphrase again').fill(passphrase);
    // One wrong word: refused, and said which.
    const [first, ...rest] = asked as [number, ...number[]];
    const wrong = words.find((w) => w !== words[first - 1])!;
    await page.getByLabel(`Word #${first}`, { exact: true }).fill(wrong);
    for (const p of rest) await page.getByLabel(`Word #${p}`, { exact: true }).fill(words[p - 1]!);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(
      page.getByRole('alert').filter({ hasText: `Word #${first} does not match` }),
    ).toBeVisible();
    await screenshot(page, 'onboarding-confirm-wrong');
    await page.getByLabel(`Word #${first}`, { exact: true }).fill(words[first - 1]!);
    await page.getByRole('button', { name: 'Confirm' }).click();

    // --- Funds: the address, the balance as it arrives.
    await expect(page.getByRole('heading', { name: 'Add funds' })).toBeFocused();
    const address = (await page.locator('#funds-address').textContent()) ?? '';
    expect(address).toMatch(/^c[A-Za-z0-9]{40,}$/);
    const phrase = words.join(' ');
    expect(
      new Keyring({ type: 'sr25519', ss58Format: 11330 }).addFromMnemonic(phrase).address,
    ).toBe(address);
    await expect(page.locator('#funds-balance')).toHaveText('Balance: 0 TCESS');
    await expect(page.locator('#funds-needed')).toContainText('costs');
    await fundFromAlice(address, 1000n * TCESS);
    await expect(page.locator('#funds-balance')).toHaveText('Balance: 1000 TCESS', {
      timeout: 30_000,
    });
    await expect(page.locator('#funds-needed')).toContainText('That is enough');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(15, 18, 22)',
    );
    await screenshot(page, 'onboarding-funds-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Continue' }).click();

    // --- Territory: none yet; the cost is shown before minting.
    await expect(page.getByRole('heading', { name: 'Storage space' })).toBeFocused();
    await expect(page.getByText('You have no territory on this network yet')).toBeVisible();
    await page.getByLabel('Name', { exact: true }).fill('onboarded');
    await page.getByLabel('Size (GiB)').fill('2');
    await expect(page.locator('#mint-quote')).toContainText(
      /^Cost: [\d.]+ TCESS for 2 GiB during 30 days \(plus a small fee\)\. Your balance: 1000 TCESS\.$/,
    );
    const cost = /Cost: ([\d.]+ TCESS)/.exec(
      (await page.locator('#mint-quote').textContent()) ?? '',
    )![1]!;
    const mint = page.getByRole('button', { name: `Mint for ${cost}` });
    await expect(mint).toBeEnabled();
    await screenshot(page, 'onboarding-territory');
    await mint.click();

    // --- Gateway: the network's gateway, authorized by a transaction.
    await expect(page.getByRole('heading', { name: 'Authorize a gateway' })).toBeFocused();
    const ours = page.locator('label.choice', { hasText: "your network's gateway" });
    await expect(ours).toContainText(env('E2E_GATEWAY_URL'));
    await expect(ours.getByRole('radio')).toBeChecked();
    await screenshot(page, 'onboarding-gateway');
    await page.getByRole('button', { name: 'Authorize' }).click();

    // --- Folders: a relative path is explained; the real one is added; finish.
    await expect(page.getByRole('heading', { name: 'Folders to sync' })).toBeFocused();
    const folderInput = page.getByLabel(/Folder path/);
    await folderInput.fill('My Sync');
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect(page.locator('#folder-error')).toContainText('full path');
    await folderInput.fill(folder);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect(page.locator('#folder-list')).toContainText(folder);
    await page.getByLabel('Name of this device').fill('onboarded-laptop');
    await screenshot(page, 'onboarding-folders');
    await page.getByRole('button', { name: 'Finish setup' }).click();

    // --- Done: set up, same port and token; the passphrase is needed at the next start.
    await expect(page.getByRole('heading', { name: 'All set' })).toBeFocused();
    await expect(page.locator('#done-text')).toContainText(`cess-sync is set up for ${address}`);
    await expect(page.locator('#done-passphrase')).toBeVisible();
    await screenshot(page, 'onboarding-done');
    expect(daemon.setUp).toBe(true);
    await daemon.ready;

    await page.getByRole('link', { name: 'Open cess-sync' }).click();
    await expect(page).toHaveURL(/\/index\.html$/);
    await expect(page.locator('#account')).toHaveText(address);
    const uploaded = page
      .locator('#activity li', { hasText: 'first.txt' })
      .filter({ hasText: 'Uploaded' });
    await expect(uploaded).toBeVisible({ timeout: 90_000 });
    await expect(page.locator('.folder', { hasText: folder })).toBeVisible();
    await screenshot(page, 'onboarding-first-sync');

    const live = await page.request.get(`${url}/api/v1/status`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(live.status()).toBe(200);
    expect((await live.json()).account).toBe(address);

    // On disk: the configuration names the account, the key file is encrypted, no phrase anywhere.
    const config = await loadConfig(stateDir);
    expect(config).toMatchObject({
      network: { name: 'local', chain: [env('E2E_CHAIN_URL')], gateway: env('E2E_GATEWAY_URL') },
      account: address,
      territory: 'onboarded',
      deviceName: 'onboarded-laptop',
      keyStore: 'file',
    });
    expect((await stat(keyFilePath(stateDir))).mode & 0o777).toBe(0o600);
    const threeWords = words.slice(0, -2).map((_, i) => words.slice(i, i + 3).join(' '));
    for (const file of [configPath(stateDir), keyFilePath(stateDir)]) {
      const text = await readFile(file, 'utf8');
      expect(threeWords.some((w) => text.includes(w))).toBe(false);
      expect(text).not.toContain(passphrase);
    }
    for (const line of logs) {
      expect(
        threeWords.some((w) => line.includes(w)),
        line,
      ).toBe(false);
      expect(line).not.toContain(passphrase);
    }
    expect(errors).toEqual([]);
  } finally {
    await daemon?.stop();
    daemon = null;
    if (process.env.E2E_DAEMON_LOG === '1') console.log(logs.join('\n'));
  }
});
