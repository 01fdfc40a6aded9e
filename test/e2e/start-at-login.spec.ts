/**
 * Settings, "Start cess-sync when I log in" (docs/ui.md): in a plain browser (headless mode) the
 * page shows a one-line note instead of a checkbox; inside the desktop app (here a stand-in
 * `window.cessSyncShell` injected before the page loads, offering the same bridge the preload
 * exposes) it shows the checkbox, reflects the shell's state and changes it through the bridge.
 */
import { expect, test } from './fixtures.js';

test('in a browser: a note on how, no checkbox', async ({ page, daemon }) => {
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#app')).toBeVisible();
  await expect(page.locator('#login-note')).toBeVisible();
  await expect(page.locator('#login-note')).toContainText('cess-sync daemon');
  await expect(page.locator('#login-setting')).toBeHidden();
  await expect(page.getByLabel('Start cess-sync when I log in')).toBeHidden();
});

test('in the desktop app: the checkbox follows and sets the login item', async ({
  page,
  daemon,
}) => {
  await page.addInitScript(
    ({ origin, token }) => {
      const calls: boolean[] = [];
      let enabled = true;
      (window as unknown as { __loginCalls: boolean[] }).__loginCalls = calls;
      (window as unknown as { cessSyncShell: unknown }).cessSyncShell = {
        daemonConnection: () => Promise.resolve({ origin, token }),
        onDeepLink: () => () => undefined,
        openAtLogin: () => Promise.resolve(enabled),
        setOpenAtLogin: (on: boolean) => {
          calls.push(on);
          enabled = on;
          return Promise.resolve(on);
        },
      };
    },
    { origin: daemon.url, token: daemon.token },
  );
  await page.goto(`${daemon.url}/index.html`);
  await expect(page.locator('#app')).toBeVisible();
  const box = page.getByLabel('Start cess-sync when I log in');
  await expect(box).toBeVisible();
  await expect(box).toBeChecked();
  await expect(page.locator('#login-note')).toBeHidden();
  await box.uncheck();
  await expect(page.locator('#login-message')).toHaveText('cess-sync will not start at login.');
  await box.check();
  await expect(page.locator('#login-message')).toHaveText('cess-sync will start when you log in.');
  expect(
    await page.evaluate(() => (window as unknown as { __loginCalls: boolean[] }).__loginCalls),
  ).toEqual([false, true]);
});
