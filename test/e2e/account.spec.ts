/**
 * Account and space (docs/ui.md) on the local CESS network: the section shows the account's
 * balance and territory meter as the chain holds them, and Expand… quotes, then pays on Confirm.
 */
import { ACCOUNT_ROUTES, accountInfoSchema } from '../../src/sync/api/account-schema.js';
import path from 'node:path';
import { expect, screenshot, SCREENSHOTS, test } from './fixtures.js';

const GIB = 1024 ** 3;

test('the Account section shows balance and territory; Expand quotes, then pays on Confirm', async ({
  page,
  daemon,
}) => {
  const before = await daemon.client.call('GET', ACCOUNT_ROUTES.info, accountInfoSchema);
  expect(before.territory).not.toBeNull();
  const total = before.territory!.totalBytes;

  await page.goto(daemon.uiUrl);
  const section = page.locator('#account-section');
  await expect(section.getByRole('heading', { name: 'Account and space' })).toBeVisible();
  await expect(section.locator('#account-address')).toHaveText(daemon.account);
  await expect(section.locator('#account-balance')).toHaveText(before.balance.formatted);
  await expect(section.locator('#account-balance')).toHaveAttribute(
    'title',
    `${before.balance.free} ${before.symbol}`,
  );
  const meter = section.getByRole('meter', { name: 'Territory space used' });
  await expect(meter).toHaveAttribute(
    'aria-valuetext',
    new RegExp(`remaining of ${total / GIB}(\\.0)? GiB$`),
  );
  await expect(section.locator('#account-gateway')).toContainText('authorized');
  await expect(section.locator('#account-authorize')).toBeHidden();
  await screenshot(page, 'account');

  // Keyboard: Expand… opens the form with focus in the amount.
  await section.getByRole('button', { name: 'Expand…' }).click();
  const amount = section.getByLabel('Add GiB');
  await expect(amount).toBeFocused();
  await amount.fill('0');
  await amount.press('Enter');
  await expect(section.locator('#account-expand-message')).toContainText('whole number');

  await amount.fill('1');
  await amount.press('Enter');
  const quote = section.locator('#account-expand-quote-text');
  await expect(quote).toContainText(/Adding 1 GiB .* costs \d/);
  const confirm = section.getByRole('button', { name: 'Confirm and pay' });
  await expect(confirm).toBeFocused();
  await screenshot(page, 'account-expand-quote');
  await confirm.click();
  await expect(section.locator('#account-expand-message')).toHaveText('Expanded: 1 GiB added.', {
    timeout: 60_000,
  });
  await expect(meter).toHaveAttribute(
    'aria-valuetext',
    new RegExp(`remaining of ${total / GIB + 1}(\\.0)? GiB$`),
  );
  const after = await daemon.client.call('GET', ACCOUNT_ROUTES.info, accountInfoSchema);
  expect(after.territory!.totalBytes).toBe(total + GIB);
  expect(BigInt(after.balance.freePlanck)).toBeLessThan(BigInt(before.balance.freePlanck));
});

test('Account and space fits 360 px and follows the dark theme', async ({ page, daemon }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(daemon.uiUrl);
  const section = page.locator('#account-section');
  await expect(section.locator('#account-address')).toHaveText(daemon.account);
  await section.getByRole('button', { name: 'Renew…' }).click();
  await expect(section.getByLabel('Add days')).toBeFocused();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: path.join(SCREENSHOTS, 'account-narrow-dark.png') });
});

test("a problem's Add space… button opens the Expand form instead of paying", async ({
  page,
  daemon,
}) => {
  // The real poller raises territoryLow only when a territory is nearly full (covered against the
  // chain in test/integration/account.test.ts); here the page's status (GET and socket events)
  // carries one, so the button's routing is what is tested: no problem action may reach the daemon.
  const problem = {
    id: 'account:territoryLow',
    folderId: null,
    kind: 'territoryLow',
    path: null,
    message:
      "Only 512 MiB of 6 GiB is left in the territory 'e2e'; add space so uploads do not stop.",
    actions: ['expandTerritory'],
  };
  await page.route('**/api/v1/status', async (route) => {
    const response = await route.fetch();
    const json = (await response.json()) as { problems: unknown[] };
    await route.fulfill({ response, json: { ...json, problems: [...json.problems, problem] } });
  });
  // Status events from the socket carry it too, or the next one would take the card away.
  await page.routeWebSocket(/\/api\/v1\/events$/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (typeof message === 'string') {
        const event = JSON.parse(message) as { type: string; status?: { problems: unknown[] } };
        if (event.type === 'status' && event.status !== undefined) {
          event.status.problems = [...event.status.problems, problem];
          ws.send(JSON.stringify(event));
          return;
        }
      }
      ws.send(message);
    });
  });
  const actions: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/problems/action')) actions.push(r.url());
  });
  await page.goto(daemon.uiUrl);
  const card = page.locator('[data-problem="account:territoryLow"]');
  await expect(card.getByRole('heading', { name: 'Storage space low' })).toBeVisible();
  await card.getByRole('button', { name: 'Add space…' }).click();
  const section = page.locator('#account-section');
  await expect(section.locator('#account-expand')).toBeVisible();
  await expect(section.getByLabel('Add GiB')).toBeFocused();
  await expect(section.getByRole('button', { name: 'Expand…' })).toHaveAttribute(
    'aria-expanded',
    'true',
  );
  expect(actions).toEqual([]);
});
