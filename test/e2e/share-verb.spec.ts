/**
 * "Share with CESS…" from outside the app (docs/sharing.md, "Right-click in the file manager"):
 * with the UI open on the daemon, `cess-sync share <file>` opens the page's share dialog
 * (`#share-dialog`, the item's name in `#share-item-name`); and the Settings block installs the
 * Nautilus entry, which, run the way GNOME Files runs it, opens the same dialog.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { runCli } from '../../src/cli/program.js';
import { NAUTILUS_SCRIPT } from '../../src/integrations/linux.js';
import { ensureFolder, expect, screenshot, test, type TestDaemon } from './fixtures.js';
import { runChild } from '../support/run-child.js';

const NO_UI = 'no cess-sync window is open';

/** Runs the verb in-process, as the CLI would; retried while the page's socket is not up yet. */
async function shareVerb(daemon: TestDaemon, file: string): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--state-dir', daemon.stateDir, 'share', file], {
      io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: '/', now: () => Date.now() },
      notify: async () => undefined,
    });
    if (code === 0) return out;
    if (!err.join('\n').includes(NO_UI) || attempt > 40) throw new Error(err.join('\n'));
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function openUi(page: Page, daemon: TestDaemon): Promise<void> {
  await page.goto(daemon.uiUrl);
  await expect(page.locator('#account')).toHaveText(daemon.account);
}

test('cess-sync share <file> opens the share dialog in the open UI', async ({ page, daemon }) => {
  await ensureFolder(daemon);
  const name = `verb ${Date.now()} $(x) it's.txt`;
  await writeFile(path.join(daemon.folderPath, name), 'shared from the file manager');
  await openUi(page, daemon);
  await expect(page.locator('#share-dialog')).toBeHidden();

  expect(await shareVerb(daemon, path.join(daemon.folderPath, name))).toEqual([
    `The share dialog is open in cess-sync for ${name}.`,
  ]);
  await expect(page.locator('#share-dialog')).toBeVisible();
  await expect(page.locator('#share-item-name')).toHaveText(name);
  await screenshot(page, 'share-verb-dialog');
  await page.keyboard.press('Escape');
  await expect(page.locator('#share-dialog')).toBeHidden();
});

test('Settings installs the Nautilus entry; run as GNOME Files runs it, it opens the dialog', async ({
  page,
  daemon,
}) => {
  await ensureFolder(daemon);
  const name = `nautilus-${Date.now()}.txt`;
  await writeFile(path.join(daemon.folderPath, name), 'right-clicked');
  // The daemon runs in this worker and reads XDG_DATA_HOME at each call.
  const saved = process.env.XDG_DATA_HOME;
  const dataHome = await mkdtemp(path.join(tmpdir(), 'cess-sync-e2e-xdg-'));
  process.env.XDG_DATA_HOME = dataHome;
  try {
    await openUi(page, daemon);
    const block = page.locator('#integrations');
    await expect(
      block.getByRole('heading', { name: 'Right-click in your file manager' }),
    ).toBeVisible();
    const card = block.locator('article[data-integration="nautilus"]');
    await expect(card).toContainText('GNOME Files (Nautilus)');
    await expect(card).toContainText('Not installed');
    await card.getByRole('button', { name: 'Install' }).click();
    await expect(page.locator('#integrations-message')).toContainText(
      'Installed for GNOME Files (Nautilus)',
    );
    await expect(card).toContainText('Installed');
    await expect(card.getByRole('button', { name: 'Remove' })).toBeFocused();
    await screenshot(page, 'settings-integrations');

    const script = path.join(dataHome, NAUTILUS_SCRIPT);
    expect((await stat(script)).mode & 0o777).toBe(0o755);
    // GNOME Files: working directory = the folder shown, the selection as relative names.
    const r = await runChild(script, [name], {
      cwd: daemon.folderPath,
      env: { ...process.env, PWD: '/' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`The share dialog is open in cess-sync for ${name}.\n`);
    await expect(page.locator('#share-dialog')).toBeVisible();
    await expect(page.locator('#share-item-name')).toHaveText(name);
    await page.keyboard.press('Escape');

    await card.getByRole('button', { name: 'Remove' }).click();
    await expect(page.locator('#integrations-message')).toContainText(
      'Removed from GNOME Files (Nautilus)',
    );
    await expect(card).toContainText('Not installed');
    expect(existsSync(script)).toBe(false);
  } finally {
    if (saved === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = saved;
    await rm(dataHome, { recursive: true, force: true });
  }
});
