/**
 * Settings › Network in the page: the form shows the device's addresses, saves on its own, and a
 * refused change is shown in the daemon's words with nothing changed. (Accepting and applying a
 * change is covered against the devnet in test/integration/daemon-network.test.ts.)
 */
import { expect, test } from './fixtures.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
}

test('the network form shows the addresses and words a refusal', async ({ page, daemon }) => {
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#app')).toBeVisible();
  const form = page.locator('#network-form');
  await expect(form).toBeVisible();
  const chain = page.getByLabel('Chain nodes (ws:// or wss://, one a line)');
  const gateway = page.getByLabel('Gateway address (http:// or https://)');
  await expect(chain).toHaveValue(env('E2E_CHAIN_URL'));
  await expect(gateway).toHaveValue(env('E2E_GATEWAY_URL'));

  await chain.fill('https://not-a-chain.example');
  await page.getByRole('button', { name: 'Save network' }).click();
  await expect(page.locator('#network-message')).toHaveText(
    /^Not saved: a chain node address starts with ws:\/\/ or wss:\/\//,
  );
  await expect(page.locator('#network-message')).toHaveClass(/error/);

  await chain.fill('');
  await page.getByRole('button', { name: 'Save network' }).click();
  await expect(page.locator('#network-message')).toHaveText(/enter at least one chain node/);
  // The other settings form is untouched by this one.
  await expect(page.locator('#settings-message')).toHaveText('');
  expect(
    (await page.request
      .get(`${daemon.url}/api/v1/network`, {
        headers: { Authorization: `Bearer ${daemon.token}` },
      })
      .then((r) => r.json())) as unknown,
  ).toMatchObject({ chain: [env('E2E_CHAIN_URL')] });
});
