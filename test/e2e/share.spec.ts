/**
 * Sharing through the UI (docs/ui.md, "Sharing"; docs/sharing.md) with two UI instances: the
 * owner's daemon (the `daemon` fixture) shares a synced file from the Share dialog; the
 * recipient's daemon (the `recipient` fixture: a second account and device, made by
 * global-setup.ts) opens the link in its own page, previews it and downloads it, byte-identical.
 * Also: the link refused in the owner's own UI (not for this account), tampered, truncated and
 * expired links refused, the `#share=` address, and revoking from the Shares panel.
 * Tests run in order in one worker; each makes what it needs, so any of them can run alone.
 */
import type { Browser, Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../src/renderer/format.js';
import {
  ensureFolder,
  expect,
  screenshot,
  SCREENSHOTS,
  test,
  type RecipientDaemon,
  type TestDaemon,
} from './fixtures.js';

const LINK_PREFIX = 'cess-sync://share/v1/';
const MESSAGE = 'The Q3 numbers, as promised.';

/** A file synced by the owner's daemon, shared once (by the first test, or on demand). */
interface Shared {
  name: string;
  bytes: Buffer;
  link: string;
}
let shared: Shared | null = null;

/** Writes a file into the owner's synced folder and waits until it is uploaded. */
async function syncedFile(daemon: TestDaemon, name: string, size: number): Promise<Buffer> {
  await ensureFolder(daemon);
  const bytes = randomBytes(size);
  await writeFile(path.join(daemon.folderPath, name), bytes);
  await expect
    .poll(
      async () =>
        (await daemon.client.recentActivity(200)).some(
          (a) => a.kind === 'uploaded' && a.path === name,
        ),
      { timeout: 90_000, intervals: [500, 1000, 2000] },
    )
    .toBe(true);
  return bytes;
}

/** The first test's share, or one made through the API when that test did not run. */
async function ensureShared(daemon: TestDaemon, recipient: RecipientDaemon): Promise<Shared> {
  if (shared !== null) return shared;
  const name = `api-shared-${Date.now()}.bin`;
  const bytes = await syncedFile(daemon, name, 150_000);
  const info = await daemon.client.share({
    path: path.join(daemon.folderPath, name),
    recipient: recipient.account,
    message: MESSAGE,
  });
  shared = { name, bytes, link: info.link };
  return shared;
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** The names in a directory, sorted; none when it does not exist. */
function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Pastes a link into "Shared with me" and asks for the preview. */
async function preview(page: Page, link: string): Promise<void> {
  await page.getByLabel(/^Share link \(/).fill(link);
  await page.getByRole('button', { name: 'Preview' }).click();
}

test('Share… on a synced file makes a link; the recipient opens it and gets the file', async ({
  page,
  context,
  browser,
  daemon,
  recipient,
}) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const name = `report-${Date.now()}.bin`;
  const bytes = await syncedFile(daemon, name, 200_000);

  await page.goto(daemon.uiUrl);
  await expect(page.locator('#account')).toHaveText(daemon.account);
  // Right-click the file's row in the Files panel -> "Share…" (src/renderer/files dispatches
  // the `cess-sync:share` event the dialog listens for).
  const row = page.locator('tr.file-row', { hasText: name });
  await row.scrollIntoViewIfNeeded({ timeout: 30_000 });
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Share…' }).click();
  const dialog = page.locator('#share-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.locator('#share-item-name')).toHaveText(name);
  await expect(page.locator('#share-item-where')).toHaveText(path.join(daemon.folderPath, name));
  // The recipient field has the keyboard focus.
  await expect(page.getByLabel("Recipient's CESS address")).toBeFocused();

  // Checked in the page before anything is sent: a typo (checksum), the owner's own account.
  const address = page.getByLabel("Recipient's CESS address");
  const last = recipient.account.at(-1) === 'a' ? 'b' : 'a';
  await address.fill(recipient.account.slice(0, -1) + last);
  await page.getByRole('button', { name: 'Create link' }).click();
  await expect(page.locator('#share-recipient-error')).toContainText('checksum');
  await expect(address).toHaveAttribute('aria-invalid', 'true');
  await address.fill(daemon.account);
  await page.getByRole('button', { name: 'Create link' }).click();
  await expect(page.locator('#share-recipient-error')).toContainText('your own account');
  expect(await daemon.client.shares()).not.toContainEqual(expect.objectContaining({ name }));

  await address.fill(recipient.account);
  await page.getByLabel('Message (optional)').fill(MESSAGE);
  await page.getByLabel('The link expires').selectOption('7d');
  await expect(page.locator('#share-recipient-error')).toBeEmpty();
  await screenshot(page, 'share-dialog');
  await page.getByRole('button', { name: 'Create link' }).click();

  const linkField = page.getByLabel('Share link', { exact: true });
  await expect(linkField).toBeVisible({ timeout: 120_000 });
  const link = await linkField.inputValue();
  expect(link.startsWith(LINK_PREFIX)).toBe(true);
  await expect(dialog).toContainText(recipient.account);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.locator('#share-copy-status')).toHaveText('Link copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await screenshot(page, 'share-link');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  // The owner's list has it, with the recipient and an expiry a week out.
  const info = (await daemon.client.shares()).find((s) => s.link === link);
  expect(info).toMatchObject({ name, recipient: recipient.account, message: MESSAGE });
  expect(info?.expiresAt).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
  const card = page.locator(`.share[data-share-id="${info?.id}"]`);
  await expect(card).toContainText(name);
  await expect(card).toContainText(recipient.account);
  await expect(card.locator('.badge')).toHaveText('Active');
  shared = { name, bytes, link };

  // The recipient: another account's daemon and its own page.
  const rpage = await openPage(browser, recipient.uiUrl);
  await expect(rpage.locator('#account')).toHaveText(recipient.account);
  // The recipient daemon is shared with other specs: what it already received stays as is.
  const receivedDir = path.join(recipient.stateDir, 'Shared with me');
  const receivedBefore = entries(receivedDir);
  await preview(rpage, link);
  const card2 = rpage.locator('#receive-preview');
  await expect(card2).toBeVisible({ timeout: 60_000 });
  await expect(rpage.locator('#receive-name')).toHaveText(name);
  await expect(card2).toContainText(formatBytes(bytes.length));
  await expect(card2.locator('.receive-owner')).toHaveText(daemon.account);
  await expect(card2).toContainText(MESSAGE);
  // A preview writes nothing.
  expect(entries(receivedDir)).toEqual(receivedBefore);
  await screenshot(rpage, 'share-preview');

  await rpage.getByRole('button', { name: 'Download and decrypt' }).click();
  const saved = rpage.locator('#receive-result .receive-path');
  await expect(saved).not.toBeEmpty({ timeout: 60_000 });
  const savedPath = (await saved.textContent()) ?? '';
  expect(savedPath.startsWith(path.join(recipient.stateDir, 'Shared with me') + path.sep)).toBe(
    true,
  );
  expect(path.basename(savedPath)).toBe(name);
  expect((await readFile(savedPath)).equals(bytes)).toBe(true);
  await expect(rpage.locator('#received-list')).toContainText(name);
  await screenshot(rpage, 'share-received');
  // The recipient's device keeps the list (GET shares/received): a new page shows it.
  expect((await recipient.client.receivedShares())[0]).toMatchObject({
    name,
    owner: daemon.account,
    path: savedPath,
    size: bytes.length,
  });
  await rpage.reload();
  await expect(rpage.locator('#received-list')).toContainText(savedPath);
  await rpage.context().close();
  expect(errors).toEqual([]);
});

test("the link opened in the owner's own UI says it is not for this account", async ({
  page,
  daemon,
  recipient,
}) => {
  test.setTimeout(180_000);
  const { link } = await ensureShared(daemon, recipient);
  await page.goto(daemon.uiUrl);
  await preview(page, link);
  const error = page.locator('#receive-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toHaveAttribute('data-kind', 'not-for-account');
  await expect(error).toContainText('Not for this account');
  await expect(error).toContainText(recipient.account);
  await expect(page.locator('#receive-preview')).toBeHidden();
  expect(existsSync(path.join(daemon.stateDir, 'Shared with me'))).toBe(false);
  await screenshot(page, 'share-not-for-this-account');
});

test('tampered, truncated and non-links are refused as invalid', async ({
  browser,
  daemon,
  recipient,
}) => {
  test.setTimeout(180_000);
  const { link } = await ensureShared(daemon, recipient);
  const rpage = await openPage(browser, recipient.uiUrl);
  await expect(rpage.locator('#account')).toHaveText(recipient.account);
  const error = rpage.locator('#receive-error');

  // One character changed in the middle of the signed payload.
  const i = LINK_PREFIX.length + Math.floor((link.length - LINK_PREFIX.length) / 2);
  const tampered = link.slice(0, i) + (link[i] === 'A' ? 'B' : 'A') + link.slice(i + 1);
  await preview(rpage, tampered);
  await expect(error).toHaveAttribute('data-kind', 'invalid-link', { timeout: 30_000 });
  await expect(error).toContainText('Invalid or damaged link');
  await expect(rpage.locator('#receive-preview')).toBeHidden();
  await screenshot(rpage, 'share-invalid-link');

  await preview(rpage, link.slice(0, -10));
  await expect(error).toHaveAttribute('data-kind', 'invalid-link');
  await expect(error).toContainText('Invalid or damaged link');

  await preview(rpage, 'https://example.com/not-a-share');
  await expect(error).toContainText('Not a share link');
  expect(existsSync(path.join(recipient.stateDir, 'Shared with me', 'x'))).toBe(false);

  // The genuine link still previews in the same panel afterwards (errors are retryable).
  await preview(rpage, link);
  await expect(rpage.locator('#receive-preview')).toBeVisible({ timeout: 60_000 });
  await expect(error).toBeHidden();
  await rpage.context().close();
});

test('a link in the address (#share=) opens its preview and leaves the address bar', async ({
  browser,
  daemon,
  recipient,
}) => {
  test.setTimeout(180_000);
  const { link, name } = await ensureShared(daemon, recipient);
  const rpage = await openPage(browser, `${recipient.uiUrl}&share=${encodeURIComponent(link)}`);
  await expect(rpage.locator('#receive-name')).toHaveText(name, { timeout: 60_000 });
  await expect(rpage.getByLabel(/^Share link \(/)).toHaveValue(link);
  expect(new URL(rpage.url()).hash).toBe('');
  await rpage.context().close();
});

test('an expired share is refused', async ({ browser, daemon, recipient }) => {
  test.setTimeout(180_000);
  const name = `expiring-${Date.now()}.txt`;
  await syncedFile(daemon, name, 1000);
  const info = await daemon.client.share({
    path: path.join(daemon.folderPath, name),
    recipient: recipient.account,
    expiresAt: Date.now() + 25_000,
  });
  const rpage = await openPage(browser, recipient.uiUrl);
  await expect(rpage.locator('#account')).toHaveText(recipient.account);
  const wait = (info.expiresAt ?? 0) - Date.now();
  if (wait > 0) await rpage.waitForTimeout(wait + 500);
  await preview(rpage, info.link);
  const error = rpage.locator('#receive-error');
  await expect(error).toHaveAttribute('data-kind', 'expired', { timeout: 30_000 });
  await expect(error).toContainText('This share has expired');
  await rpage.context().close();
});

test('revoking from the Shares panel asks first, then shows the share revoked', async ({
  page,
  daemon,
  recipient,
}) => {
  test.setTimeout(180_000);
  const name = `to-revoke-${Date.now()}.txt`;
  await syncedFile(daemon, name, 2000);
  const info = await daemon.client.share({
    path: path.join(daemon.folderPath, name),
    recipient: recipient.account,
  });
  await page.goto(daemon.uiUrl);
  const card = page.locator(`.share[data-share-id="${info.id}"]`);
  await expect(card.locator('.badge')).toHaveText('Active');
  await expect(page.locator('#shares-section')).toContainText('cannot take back');

  await card.getByRole('button', { name: /^Revoke the share/ }).click();
  const confirm = page.locator('#share-revoke-dialog');
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(name);
  await expect(confirm).toContainText('cannot undo');
  // "Keep it" changes nothing.
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await expect(confirm).toBeHidden();
  expect((await daemon.client.shares()).find((s) => s.id === info.id)?.revokedAt).toBeNull();

  await card.getByRole('button', { name: /^Revoke the share/ }).click();
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(confirm).toBeHidden({ timeout: 60_000 });
  await expect(card.locator('.badge')).toHaveText(/^Revoked/);
  await expect(card.getByRole('button', { name: /^Revoke/ })).toHaveCount(0);
  await expect(page.locator('#shares-message')).toContainText(`Revoked the share of ${name}`);
  expect((await daemon.client.shares()).find((s) => s.id === info.id)?.revokedAt).not.toBeNull();
  await page.locator('#shares-section').scrollIntoViewIfNeeded();
  await screenshot(page, 'shares-panel');
});

test('`cess-sync share <path>` (a file manager) opens the same dialog in the open page', async ({
  page,
  daemon,
}) => {
  test.setTimeout(180_000);
  const name = `from-file-manager-${Date.now()}.txt`;
  await syncedFile(daemon, name, 500);
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#account')).toHaveText(daemon.account);
  // The page's WebSocket must be up before the daemon pushes the request.
  await expect(page.locator('#connection')).toBeHidden();
  await expect
    .poll(async () => {
      await daemon.client.requestShare(path.join(daemon.folderPath, name));
      return page.locator('#share-dialog').isVisible();
    })
    .toBe(true);
  await expect(page.locator('#share-item-name')).toHaveText(name);
  await expect(page.locator('#share-item-where')).toHaveText(path.join(daemon.folderPath, name));
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('#share-dialog')).toBeHidden();
});

test('the share screens fit 360 px and work in the dark theme', async ({ page, daemon }) => {
  const folderId = await ensureFolder(daemon);
  await page.setViewportSize({ width: 360, height: 780 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#account')).toHaveText(daemon.account);
  await expect(page.locator('#shares')).not.toContainText('Loading');
  const overflow = (): Promise<number> =>
    page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
  expect(await overflow()).toBeLessThanOrEqual(0);
  // The dialog for an item with a long name (not on disk: only the layout is checked).
  await page.evaluate(
    (detail) => document.dispatchEvent(new CustomEvent('cess-sync:share', { detail })),
    {
      folderId,
      path: 'a/long-name-that-should-wrap-without-breaking-the-layout.txt',
      name: 'long-name-that-should-wrap-without-breaking-the-layout.txt',
      kind: 'file' as const,
    },
  );
  const dialog = page.locator('#share-dialog');
  await expect(dialog).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box?.width).toBeLessThanOrEqual(360);
  expect(await overflow()).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'share-dialog-narrow-dark.png') });
  // Escape closes it (keyboard).
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await screenshot(page, 'share-narrow-dark');
});
