/**
 * The UI against a real daemon on the local CESS network (docs/ui.md, "End-to-end tests").
 * Tests run in order in one worker and share the daemon; each one that needs a synced folder
 * makes sure it exists, so any of them can run alone (`-g`).
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureFolder, expect, screenshot, test } from './fixtures.js';

test('without the token the API refuses requests and the page says "Not authorized"', async ({
  page,
  request,
  daemon,
}) => {
  const bare = await request.get(`${daemon.url}/api/v1/status`);
  expect(bare.status()).toBe(401);
  const wrong = await request.get(`${daemon.url}/api/v1/status`, {
    headers: { Authorization: `Bearer ${'x'.repeat(43)}` },
  });
  expect(wrong.status()).toBe(401);

  await page.goto(`${daemon.url}/`);
  await expect(page.getByRole('heading', { name: 'Not authorized' })).toBeVisible();
  await expect(page.getByText("opened without the sync engine's access token")).toBeVisible();
  await expect(page.locator('#app')).toBeHidden();
  await screenshot(page, 'not-authorized');

  // A wrong token is refused by the daemon and said so.
  await page.goto(`${daemon.url}/#token=${'A'.repeat(43)}`);
  await expect(page.getByRole('heading', { name: 'Not authorized' })).toBeVisible();
  await expect(page.getByText("refused this page's token")).toBeVisible();
});

test('with the token the page shows the account and the state, and drops the token from the address', async ({
  page,
  daemon,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#account')).toHaveText(daemon.account);
  await expect(
    page.getByRole('status').filter({ hasText: /Synced|No folders yet|Syncing/ }),
  ).toBeVisible();
  expect(new URL(page.url()).hash).toBe('');
  expect(page.url()).not.toContain(daemon.token);
  // Reloading keeps working: the token is in this tab's sessionStorage, not the URL.
  await page.reload();
  await expect(page.locator('#account')).toHaveText(daemon.account);
  await screenshot(page, 'overview');
  expect(errors).toEqual([]);
});

test('adding a folder from the UI; a file written into it shows up as uploaded', async ({
  page,
  daemon,
}) => {
  await page.goto(daemon.uiUrl);
  const already = (await daemon.client.status()).folders.some((f) => f.root === daemon.folderPath);
  if (!already) {
    await page.getByLabel(/Add a folder/).fill(daemon.folderPath);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect(page.locator('#add-folder-message')).toContainText(`Added ${daemon.folderPath}`);
  }
  const card = page.locator('.folder', { hasText: daemon.folderPath });
  await expect(card).toBeVisible();

  // A nonsense path is explained, not swallowed.
  await page.getByLabel(/Add a folder/).fill('relative/path');
  await page.getByRole('button', { name: 'Add folder' }).click();
  await expect(page.locator('#add-folder-message')).toContainText('Could not add the folder');

  await writeFile(
    path.join(daemon.folderPath, 'hello.txt'),
    `hello from the e2e test ${Date.now()}\n`,
  );
  const uploaded = page
    .locator('#activity li', { hasText: 'hello.txt' })
    .filter({ hasText: 'Uploaded' });
  await expect(uploaded).toBeVisible({ timeout: 60_000 });
  await expect(card.locator('.badge')).toHaveText('Synced', { timeout: 30_000 });
  await expect(card.getByText('Files')).toBeVisible();
  expect(
    (await daemon.client.status()).folders.find((f) => f.root === daemon.folderPath)?.files,
  ).toBeGreaterThanOrEqual(1);
  await screenshot(page, 'folder-synced');
});

test('pause and resume from the UI (keyboard) reach the daemon', async ({ page, daemon }) => {
  await ensureFolder(daemon);
  await page.goto(daemon.uiUrl);
  const pause = page.getByRole('button', { name: 'Pause syncing' });
  await pause.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#state-text')).toHaveText('Paused');
  await expect.poll(async () => (await daemon.client.status()).state).toBe('paused');
  await expect(page.locator('.folder .badge').first()).toHaveText('Paused');
  await screenshot(page, 'paused');

  const resume = page.getByRole('button', { name: 'Resume syncing' });
  await expect(resume).toHaveAttribute('aria-pressed', 'true');
  await resume.focus();
  await page.keyboard.press('Space');
  await expect.poll(async () => (await daemon.client.status()).state).not.toBe('paused');
  await expect(page.locator('#state-text')).not.toHaveText('Paused');
  await expect(page.getByRole('button', { name: 'Pause syncing' })).toBeVisible();
});

test('a held mass delete is shown as a problem and confirmed from the UI', async ({
  page,
  daemon,
}) => {
  await ensureFolder(daemon);
  await page.goto(daemon.uiUrl);
  // Lower the cap through the settings form.
  await page.getByLabel('Most deletions in one pass before asking').fill('2');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#settings-message')).toHaveText('Settings saved.');
  expect((await daemon.client.getSettings()).maxDeletesPerPass).toBe(2);

  const names = ['bulk-1.txt', 'bulk-2.txt', 'bulk-3.txt', 'bulk-4.txt'];
  for (const n of names) await writeFile(path.join(daemon.folderPath, n), `${n} ${Date.now()}\n`);
  for (const n of names) {
    await expect(
      page.locator('#activity li', { hasText: n }).filter({ hasText: 'Uploaded' }),
    ).toBeVisible({ timeout: 60_000 });
  }
  for (const n of names) await rm(path.join(daemon.folderPath, n));

  const problem = page.locator('.problem', { hasText: 'Deletions held for confirmation' });
  await expect(problem).toBeVisible({ timeout: 60_000 });
  await expect(problem).toContainText('4 deletions are waiting for your confirmation');
  await expect(page.locator('#problem-count')).toHaveText(/^[1-9]\d*$/);
  await expect(problem.getByRole('button', { name: 'Refuse: restore the files' })).toBeVisible();
  await screenshot(page, 'problem-held-deletes');

  await problem.getByRole('button', { name: 'Confirm deletes' }).click();
  await expect(problem).toBeHidden({ timeout: 30_000 });
  for (const n of names) {
    await expect(
      page.locator('#activity li', { hasText: n }).filter({ hasText: 'Deleted' }),
    ).toBeVisible({ timeout: 60_000 });
  }
  await expect
    .poll(async () =>
      (await daemon.client.status()).problems.filter((p) => p.kind === 'heldDeletes'),
    )
    .toEqual([]);
  await expect(page.getByText('Nothing needs your attention.')).toBeVisible();
});

test('a larger upload shows the progress bar, then the file as uploaded', async ({
  page,
  daemon,
}) => {
  await ensureFolder(daemon);
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#state-text')).toHaveText(/Synced/);
  await writeFile(path.join(daemon.folderPath, 'big.bin'), randomBytes(12 * 1024 * 1024));
  await expect(page.locator('#state-text')).toHaveText(/^Syncing/, { timeout: 30_000 });
  await expect(page.locator('#progress')).toBeVisible();
  await expect(page.locator('#progress-text')).toContainText(' of ');
  await screenshot(page, 'syncing');
  await expect(
    page.locator('#activity li', { hasText: 'big.bin' }).filter({ hasText: 'Uploaded' }),
  ).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#progress')).toBeHidden({ timeout: 30_000 });
});

test('settings saved in the form survive a daemon restart', async ({ page, daemon }) => {
  await page.goto(daemon.uiUrl);
  await page.getByLabel('Upload limit (KiB/s)').fill('512');
  await page.getByLabel('Download limit (KiB/s)').fill('2048');
  await page.getByLabel('Most deletions in one pass before asking').fill('7');
  await page.getByLabel('Full rescan every (seconds)').fill('600');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#settings-message')).toHaveText('Settings saved.');

  await daemon.restart();
  expect(await daemon.client.getSettings()).toEqual({
    uploadLimitBytesPerSec: 512 * 1024,
    downloadLimitBytesPerSec: 2048 * 1024,
    maxDeletesPerPass: 7,
    rescanIntervalSec: 600,
  });
  // The old page's token died with the old daemon; the page says so instead of spinning.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Not authorized' })).toBeVisible();

  await page.goto(daemon.uiUrl);
  await expect(page.getByLabel('Upload limit (KiB/s)')).toHaveValue('512');
  await expect(page.getByLabel('Download limit (KiB/s)')).toHaveValue('2048');
  await expect(page.getByLabel('Most deletions in one pass before asking')).toHaveValue('7');
  await expect(page.getByLabel('Full rescan every (seconds)')).toHaveValue('600');
  await page.locator('#settings').scrollIntoViewIfNeeded();
  await screenshot(page, 'settings');

  // Invalid input is explained and not sent.
  await page.getByLabel('Upload limit (KiB/s)').fill('fast');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('#settings-message')).toContainText('Not saved');
  expect((await daemon.client.getSettings()).uploadLimitBytesPerSec).toBe(512 * 1024);
});

test('no layout break at 360 px; dark theme', async ({ page, daemon }) => {
  await ensureFolder(daemon);
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#account')).toHaveText(daemon.account);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'narrow-360');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1100, height: 900 });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(15, 18, 22)');
  await screenshot(page, 'dark');
});
