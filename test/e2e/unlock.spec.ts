/**
 * Locked mode in the page (docs/ui.md, "Locked mode"): a device whose account key is in the
 * encrypted key file, its daemon started without CESS_SYNC_PASSPHRASE. The page shows the unlock
 * view instead of the main one; a wrong passphrase gets a plain-words error and the form stays for
 * a retry; show/hide flips the field; the right passphrase reaches the main view with the account.
 * The device is a copy of global-setup's (its config and key file, a fresh state otherwise) so the
 * worker's shared daemon is untouched.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { configPath, keyFilePath } from '../../src/daemon/config.js';
import { runDaemon } from '../../src/daemon/run.js';
import { expect, screenshot, test } from './fixtures.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '')
    throw new Error(`${name} is not set: run through playwright.config.ts`);
  return v;
}

test('a locked daemon: wrong passphrase refused, the right one reaches the main view', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const passphrase = env('CESS_SYNC_PASSPHRASE'); // global-setup wrote the key file with it
  const source = env('E2E_STATE_DIR');
  const stateDir = path.join(env('E2E_WORK'), `locked-${randomBytes(4).toString('hex')}`);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await copyFile(configPath(source), configPath(stateDir));
  await copyFile(keyFilePath(source), keyFilePath(stateDir));
  const daemonEnv = { ...process.env };
  delete daemonEnv.CESS_SYNC_PASSPHRASE;
  const logs: string[] = [];
  const daemon = await runDaemon({
    stateDir,
    staticDir: env('E2E_STATIC_DIR'),
    env: daemonEnv,
    pollMs: 1500,
    log: (l) => logs.push(l),
  });
  try {
    expect(daemon.locked).toBe(true);
    await page.goto(`${daemon.url}/#token=${daemon.token}`);
    const view = page.locator('#unlock');
    await expect(view).toBeVisible();
    await expect(page.locator('#app')).toBeHidden();
    const field = page.getByLabel('Key file passphrase');
    await expect(field).toHaveAttribute('type', 'password');
    await expect(field).toBeFocused();

    // Empty: asked to type something, nothing sent.
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.locator('#unlock-message')).toHaveText('Enter the passphrase first.');

    // Show/hide.
    await field.fill('not-the-passphrase');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(field).toHaveAttribute('type', 'text');
    await expect(page.getByRole('button', { name: 'Hide' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await page.getByRole('button', { name: 'Hide' }).click();
    await expect(field).toHaveAttribute('type', 'password');

    // Wrong: a plain error, still locked, the form ready for a retry.
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.locator('#unlock-message')).toHaveText(
      /does not open the key file\. Check it/,
    );
    await expect(page.locator('#unlock-message')).toHaveClass(/error/);
    await expect(view).toBeVisible();
    expect(daemon.locked).toBe(true);
    await screenshot(page, 'unlock-wrong');

    // Right: the engine starts and the page reloads into the main view.
    await field.fill(passphrase);
    await field.press('Enter');
    await expect(page.locator('#app')).toBeVisible({ timeout: 60_000 });
    await expect(view).toBeHidden();
    await expect(page.locator('#account')).toHaveText(env('E2E_ACCOUNT'));
    expect(daemon.locked).toBe(false);
    await screenshot(page, 'unlock-done');
    for (const line of logs) expect(line).not.toContain(passphrase);
    expect(errors).toEqual([]);
  } finally {
    await daemon.stop();
  }
});
