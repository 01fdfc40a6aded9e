/**
 * A folder's Settings… dialog (docs/ui.md, "Selective sync and ignore rules") against the real
 * daemon: a subfolder excluded with the keyboard survives a reload, a rule saved in the dialog
 * keeps a matching new file from being uploaded, and a bad rule is shown with its line.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import {
  FOLDER_SETTINGS_ROUTES,
  folderSettingsSchema,
} from '../../src/sync/api/folder-settings-schema.js';
import {
  SCREENSHOTS,
  ensureFolder,
  expect,
  screenshot,
  test,
  type TestDaemon,
} from './fixtures.js';

const settingsOf = (daemon: TestDaemon, folderId: string) =>
  daemon.client.call(
    'GET',
    `${FOLDER_SETTINGS_ROUTES.settings}?folderId=${folderId}`,
    folderSettingsSchema,
  );

async function openSettings(page: Page, root: string): Promise<void> {
  await page.getByRole('button', { name: `Settings of ${root}` }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expect(page.getByRole('tree').getByRole('treeitem').first()).toBeFocused();
}

test('selective sync and ignore rules from the folder settings dialog', async ({
  page,
  daemon,
}) => {
  const folderId = await ensureFolder(daemon);
  const root = daemon.folderPath;
  await mkdir(path.join(root, 'fs-skip/inner'), { recursive: true });
  await mkdir(path.join(root, 'fs-keep'), { recursive: true });
  await writeFile(path.join(root, 'fs-skip/inner/big.bin'), 'not wanted here\n');
  await writeFile(path.join(root, 'fs-keep/a.txt'), 'kept\n');
  await daemon.client.syncNow(folderId);
  try {
    await page.goto(daemon.uiUrl);
    await openSettings(page, root);
    const tree = page.getByRole('tree');
    const skip = tree.getByRole('treeitem', { name: /^fs-skip/ });
    await expect(skip).toHaveAttribute('aria-checked', 'true');

    // Keyboard only: arrows down to fs-skip, Space unchecks it, Tab to Save, Enter.
    for (let i = 0; i < 30; i++) {
      if ((await skip.evaluate((el) => el === document.activeElement)) === true) break;
      await page.keyboard.press('ArrowDown');
    }
    await expect(skip).toBeFocused();
    await page.keyboard.press('ArrowRight'); // opens it: inner/ appears, checked
    await expect(tree.getByRole('treeitem', { name: /^inner/ })).toBeVisible();
    await page.keyboard.press('Space');
    await expect(skip).toHaveAttribute('aria-checked', 'false');
    await expect(tree.getByRole('treeitem', { name: /^inner/ })).toHaveAttribute(
      'aria-disabled',
      'true',
    );
    await page.getByRole('button', { name: 'Save selection' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#fs-tree-message')).toContainText('1 folder not synced here');
    expect((await settingsOf(daemon, folderId)).excluded).toEqual(['fs-skip']);
    await screenshot(page, 'folder-settings');

    // The choice survives a reload; the local files stay.
    await page.reload();
    await openSettings(page, root);
    await expect(
      page.getByRole('tree').getByRole('treeitem', { name: /^fs-skip/ }),
    ).toHaveAttribute('aria-checked', 'false');
    expect(await readFile(path.join(root, 'fs-skip/inner/big.bin'), 'utf8')).toBe(
      'not wanted here\n',
    );

    // A bad rule is shown with its line, and nothing is written.
    const rules = page.getByLabel(/Files matching these rules are not synced/);
    await rules.fill('*.log\nfoo[\n');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect(page.locator('#fs-ignore-errors')).toContainText('Line 2');
    await expect(rules).toHaveAttribute('aria-invalid', 'true');
    await screenshot(page, 'folder-settings-bad-rule');
    expect((await settingsOf(daemon, folderId)).ignoreRules).toBe('');

    // A good rule: a new matching file is not uploaded, a new other file is.
    await rules.fill('# e2e\n*.e2e-secret\n');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await expect(page.locator('#fs-ignore-message')).toContainText('Rules saved');
    await expect(rules).not.toHaveAttribute('aria-invalid', 'true');
    const stamp = Date.now();
    await writeFile(path.join(root, `diary-${stamp}.e2e-secret`), 'private\n');
    await writeFile(path.join(root, `visible-${stamp}.txt`), 'public\n');
    await daemon.client.syncNow(folderId);
    await expect
      .poll(async () =>
        (await daemon.client.recentActivity(500)).some(
          (a) => a.kind === 'uploaded' && a.path === `visible-${stamp}.txt`,
        ),
      )
      .toBe(true);
    const activity = await daemon.client.recentActivity(500);
    expect(activity.filter((a) => a.path.includes(`diary-${stamp}`))).toEqual([]);

    // The dialog fits a 360 px window.
    await page.setViewportSize({ width: 360, height: 780 });
    const box = await page.getByRole('dialog').boundingBox();
    expect(box?.width ?? 999).toBeLessThanOrEqual(360);
    // The window, not the full page: the dialog is what these show.
    await page.screenshot({ path: path.join(SCREENSHOTS, 'folder-settings-360.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'folder-settings-dark.png') });
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
  } finally {
    // The daemon is shared with the other specs: leave the folder as it was.
    await daemon.client.call('PUT', FOLDER_SETTINGS_ROUTES.settings, folderSettingsSchema, {
      folderId,
      excluded: [],
    });
    await daemon.client.call('PUT', FOLDER_SETTINGS_ROUTES.ignore, folderSettingsSchema, {
      folderId,
      rules: '',
    });
  }
});

test('the Settings… button keeps the focus when the folder list is drawn again', async ({
  page,
  daemon,
}) => {
  const folderId = await ensureFolder(daemon);
  await page.goto(daemon.uiUrl);
  const button = page.getByRole('button', { name: `Settings of ${daemon.folderPath}` });
  await button.focus();
  // Pausing the folder changes its card: the list is drawn anew and the button replaced.
  await daemon.client.pause(folderId);
  try {
    const card = page.locator(`li.card.folder[data-folder="${folderId}"]`);
    await expect(card.getByRole('button', { name: /Resume/ })).toBeVisible();
    await expect(button).toBeFocused();
    // Closing the dialog gives the focus back to the button that opened it.
    await button.press('Enter');
    await expect(page.getByRole('dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
    await expect(button).toBeFocused();
  } finally {
    await daemon.client.resume(folderId);
  }
});
