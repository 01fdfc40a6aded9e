/**
 * The Files panel against the real daemon on the local CESS network (docs/ui.md, "Files"): the
 * list with each file's state, search, the context menu by mouse and keyboard, Open and Reveal
 * through the OS opener (a recording script via CESS_SYNC_OPENER), Share… handing over to the
 * share dialog, version history with restore, and an edit/edit conflict made with a second
 * device of the same account, shown in Problems and resolved from the UI.
 */
import { copyFile, mkdir, readFile, readdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { DaemonClient } from '../../src/daemon/client.js';
import { runDaemon } from '../../src/daemon/run.js';
import {
  SCREENSHOTS,
  ensureFolder,
  expect,
  screenshot,
  test,
  type TestDaemon,
} from './fixtures.js';
import { useRecordingOpener } from './helpers.js';

const DIR = 'files-e2e';
const opener = useRecordingOpener();

async function put(daemon: TestDaemon, rel: string, text: string): Promise<string> {
  const abs = path.join(daemon.folderPath, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, text);
  return abs;
}

function row(page: Page, name: string) {
  return page.locator('#files-list tr.file-row', {
    has: page.locator('.file-name', {
      hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(folder)?$`),
    }),
  });
}

/** Waits until the daemon lists `rel` as synced (the UI then shows the same on its refresh). */
async function waitSynced(daemon: TestDaemon, rel: string, timeout = 90_000): Promise<void> {
  await expect
    .poll(
      async () => (await daemon.client.files({ q: rel })).files.find((f) => f.path === rel)?.state,
      { timeout, intervals: [500, 1000] },
    )
    .toBe('synced');
}

async function search(page: Page, q: string): Promise<void> {
  await page.getByLabel('Search by name or path').fill(q);
}

test('files appear with their state once the folder syncs; search filters the list', async ({
  page,
  daemon,
}) => {
  await ensureFolder(daemon);
  await put(daemon, `${DIR}/alpha.txt`, 'alpha\n');
  await put(daemon, `${DIR}/beta notes.md`, '# beta\n');
  await put(daemon, `${DIR}/sub/gamma.bin`, 'g'.repeat(5000));
  await page.goto(daemon.uiUrl);
  await expect(page.getByRole('heading', { name: 'Files', exact: true })).toBeVisible();

  // Each state is a word on the badge, not only a colour.
  const alpha = row(page, 'alpha.txt');
  await expect(alpha.locator('.file-state')).toHaveText('Synced', { timeout: 90_000 });
  await expect(row(page, 'gamma.bin').locator('.file-state')).toHaveText('Synced');
  await expect(row(page, 'gamma.bin')).toContainText('4.9 KiB');
  await expect(row(page, 'sub')).toContainText('folder');
  await expect(alpha.locator('.file-where')).toHaveText(path.join(daemon.folderPath, DIR));

  // A new file shows up by itself (activity events refresh the list) and ends up synced.
  await put(daemon, `${DIR}/delta.txt`, 'delta\n');
  await expect(row(page, 'delta.txt').locator('.file-state')).toHaveText(
    /Waiting to sync|Uploading|Synced/,
    { timeout: 30_000 },
  );
  await expect(row(page, 'delta.txt').locator('.file-state')).toHaveText('Synced', {
    timeout: 90_000,
  });

  await search(page, 'BETA');
  await expect(page.locator('#files-list tr.file-row')).toHaveCount(1);
  await expect(row(page, 'beta notes.md')).toBeVisible();
  await expect(page.locator('#files-summary')).toContainText('matching “BETA”');
  await search(page, 'no file is called this');
  await expect(page.locator('#files-list tr.file-row')).toHaveCount(0);
  await expect(page.locator('#files-summary')).toHaveText(
    'No files match “no file is called this”.',
  );
  await search(page, `${DIR}/`);
  await expect(row(page, 'alpha.txt')).toBeVisible();
  await expect(page.locator('#files-list tr.file-row')).toHaveCount(5);

  // The folder filter lists the synced folder.
  const folderId = await ensureFolder(daemon);
  await page.locator('#files-folder').selectOption(folderId);
  await expect(page.locator('#files-list tr.file-row')).toHaveCount(5);
  await screenshot(page, 'files-panel');
});

test('the context menu: mouse and keyboard; Open and Reveal call the OS opener; Share… hands over', async ({
  page,
  daemon,
}) => {
  await ensureFolder(daemon);
  const abs = await realpath(await put(daemon, `${DIR}/open-me.txt`, 'open me\n'));
  await put(daemon, `${DIR}/run.sh`, '#!/bin/sh\necho hi\n');
  await waitSynced(daemon, `${DIR}/open-me.txt`);
  await waitSynced(daemon, `${DIR}/run.sh`);
  await page.goto(daemon.uiUrl);
  await search(page, 'open-me');
  const target = row(page, 'open-me.txt');
  await expect(target.locator('.file-state')).toHaveText('Synced');

  // Right click: the menu, with focus on its first item; Escape closes it and focus returns.
  await target.click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Actions for open-me.txt' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem')).toHaveText([
    'Open',
    'Reveal in folder',
    'Versions…',
    'Share…',
  ]);
  await expect(menu.getByRole('menuitem', { name: 'Open' })).toBeFocused();
  await screenshot(page, 'files-context-menu');
  await page.keyboard.press('ArrowUp'); // wraps to the last item
  await expect(menu.getByRole('menuitem', { name: 'Share…' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(target).toBeFocused();

  // Shift+F10 on the focused row, arrow down, Enter: Reveal in folder.
  await opener.clear();
  await page.keyboard.press('Shift+F10');
  await expect(menu.getByRole('menuitem', { name: 'Open' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Reveal in folder' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#files-message')).toHaveText('Showed “open-me.txt” in its folder.');
  await expect.poll(opener.calls).toBe(`--reveal\n${abs}\n--end--\n`);
  await expect(target).toBeFocused();

  // The ContextMenu key, then Open.
  await opener.clear();
  await page.keyboard.press('ContextMenu');
  await expect(menu.getByRole('menuitem', { name: 'Open' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#files-message')).toContainText('Opened “open-me.txt”');
  await expect.poll(opener.calls).toBe(`${abs}\n--end--\n`);

  // The visible "⋯" button opens the same menu; Share… dispatches the share dialog's event.
  await page.evaluate(() => {
    const w = window as unknown as { shareEvents: unknown[] };
    w.shareEvents = [];
    document.addEventListener('cess-sync:share', (e) =>
      w.shareEvents.push((e as CustomEvent<unknown>).detail),
    );
  });
  const more = target.getByRole('button', { name: 'Actions for open-me.txt' });
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await more.click();
  await expect(more).toHaveAttribute('aria-expanded', 'true');
  await menu.getByRole('menuitem', { name: 'Share…' }).click();
  await expect(menu).toBeHidden();
  const folderId = await ensureFolder(daemon);
  expect(
    await page.evaluate(() => (window as unknown as { shareEvents: unknown[] }).shareEvents),
  ).toEqual([
    {
      folderId,
      path: `${DIR}/open-me.txt`,
      name: 'open-me.txt',
      kind: 'file',
      absPath: path.join(daemon.folderPath, DIR, 'open-me.txt'),
    },
  ]);
  // The share dialog (src/renderer/share) takes it from there: it opens for this file.
  if ((await page.locator('#share-dialog').count()) > 0) {
    await expect(page.locator('#share-dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator('#share-dialog')).toBeHidden();
  }

  // A script is not launched from here, and the page says why.
  await opener.clear();
  await search(page, 'run.sh');
  await row(page, 'run.sh').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Open' }).click();
  await expect(page.locator('#files-message')).toContainText('is a program or launcher');
  await expect(page.locator('#files-message')).toHaveClass(/error/);
  expect(await opener.calls()).toBe('');
});

test('Versions… lists the versions after an edit; restoring the older one brings its bytes back', async ({
  page,
  daemon,
}) => {
  const folderId = await ensureFolder(daemon);
  const rel = `${DIR}/versioned.txt`;
  const abs = await put(daemon, rel, 'first version\n');
  await waitSynced(daemon, rel);
  await writeFile(abs, 'second version, edited\n');
  await expect
    .poll(async () => (await daemon.client.versions({ folderId, path: rel })).length, {
      timeout: 90_000,
      intervals: [1000],
    })
    .toBe(2);
  await waitSynced(daemon, rel);

  await page.goto(daemon.uiUrl);
  await search(page, 'versioned');
  const target = row(page, 'versioned.txt');
  await target.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Versions…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Versions of versioned.txt' });
  await expect(dialog).toBeVisible();
  const rows = dialog.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('Current');
  await expect(rows.nth(0)).toContainText('23 B');
  await expect(rows.nth(1)).toContainText('14 B');
  await screenshot(page, 'files-versions');

  // Restore asks first; Cancel changes nothing.
  await rows
    .nth(1)
    .getByRole('button', { name: /Restore the version of/ })
    .click();
  await expect(dialog.getByText(/goes to the folder's trash/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog.locator('#versions-confirm')).toBeHidden();
  expect(await readFile(abs, 'utf8')).toBe('second version, edited\n');

  await rows
    .nth(1)
    .getByRole('button', { name: /Restore the version of/ })
    .click();
  await dialog.getByRole('button', { name: 'Restore this version' }).click();
  await expect(dialog.locator('#versions-message')).toContainText('Restored the version of', {
    timeout: 90_000,
  });
  expect(await readFile(abs, 'utf8')).toBe('first version\n');
  // Listed again: the restored content is current, the replaced one stays in the history.
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('Current');
  await expect(rows.nth(0)).toContainText('14 B');
  await screenshot(page, 'files-versions-restored');

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(target).toBeFocused();
});

test('an edit/edit conflict with another device is shown in Problems and resolved from the UI', async ({
  page,
  daemon,
}) => {
  test.setTimeout(240_000);
  const folderId = await ensureFolder(daemon);
  const rel = `${DIR}/conflict.txt`;
  const absA = await put(daemon, rel, 'base version\n');
  await waitSynced(daemon, rel);

  // A second device of the same account: a copy of the device's configuration and encrypted
  // key file under another device name, with a folder of its own that joins the same folder id.
  const work = process.env.E2E_WORK as string;
  const stateB = path.join(work, 'files-second-device');
  const rootB = path.join(work, 'Desktop Sync');
  await mkdir(stateB, { recursive: true, mode: 0o700 });
  await mkdir(rootB, { recursive: true });
  const config = JSON.parse(
    await readFile(path.join(daemon.stateDir, 'config.json'), 'utf8'),
  ) as object;
  await writeFile(
    path.join(stateB, 'config.json'),
    JSON.stringify({ ...config, deviceName: 'e2e-desktop' }),
    { mode: 0o600 },
  );
  await copyFile(path.join(daemon.stateDir, 'keys.json.enc'), path.join(stateB, 'keys.json.enc'));
  const b = await runDaemon({ stateDir: stateB, pollMs: 0, log: () => undefined });
  try {
    const clientB = new DaemonClient({ url: b.url, token: b.token });
    const folderB = await clientB.addFolder({ root: rootB });
    expect(folderB.id).toBe(folderId);
    await clientB.syncNow();
    await expect
      .poll(() => readFile(path.join(rootB, rel), 'utf8').catch(() => ''), { timeout: 90_000 })
      .toBe('base version\n');

    // Both edit the file: this device while paused, the other one uploads first.
    await daemon.client.pause();
    await daemon.client.syncNow(); // returns once a pass already running has ended
    await writeFile(absA, 'laptop edit\n');
    await writeFile(path.join(rootB, rel), 'desktop edit\n');
    await clientB.syncNow();
    await expect
      .poll(
        async () => (await clientB.files({ q: rel })).files.find((f) => f.path === rel)?.state,
        {
          timeout: 60_000,
        },
      )
      .toBe('synced');
  } finally {
    await b.stop();
  }
  await page.goto(daemon.uiUrl);
  await daemon.client.resume();

  // The conflict: a problem card with its actions, and the file's state in the list.
  const card = page.locator('.problem.kind-conflict', { hasText: 'conflict.txt' });
  await expect(card).toBeVisible({ timeout: 90_000 });
  await expect(card.getByRole('heading', { name: 'Conflict' })).toBeVisible();
  await expect(card).toContainText('was changed on this device and on another one');
  await expect(card).toContainText('conflict (conflict from e2e-laptop');
  await expect(card.getByRole('button')).toHaveText([
    'Keep both',
    'Keep the conflict copy',
    'Discard the conflict copy',
  ]);
  expect(await readFile(absA, 'utf8')).toBe('desktop edit\n');
  const copies = (await readdir(path.dirname(absA))).filter((n) =>
    n.startsWith('conflict (conflict from e2e-laptop'),
  );
  expect(copies).toHaveLength(1);
  const copyAbs = path.join(path.dirname(absA), copies[0]!);
  expect(await readFile(copyAbs, 'utf8')).toBe('laptop edit\n');
  await search(page, 'conflict');
  await expect(row(page, 'conflict.txt').locator('.file-state')).toHaveText('Conflict', {
    timeout: 30_000,
  });
  await expect(row(page, copies[0]!).locator('.file-state')).toHaveText('Conflict', {
    timeout: 30_000,
  });
  await screenshot(page, 'files-conflict');

  // Keep this device's version: it replaces the file, the copy is gone, the problem too.
  await card.getByRole('button', { name: 'Keep the conflict copy' }).click();
  await expect(card).toBeHidden({ timeout: 90_000 });
  expect(await readFile(absA, 'utf8')).toBe('laptop edit\n');
  await expect(readFile(copyAbs, 'utf8')).rejects.toThrow();
  expect((await daemon.client.status()).problems.filter((p) => p.kind === 'conflict')).toEqual([]);
  await expect(row(page, 'conflict.txt').locator('.file-state')).toHaveText('Synced', {
    timeout: 90_000,
  });
  await expect(
    page.locator('#activity li', { hasText: 'resolved: the conflict copy replaced it' }),
  ).toContainText('conflict.txt');
});

test('at 360 px the Files panel and its menu fit; dark theme', async ({ page, daemon }) => {
  await ensureFolder(daemon);
  await put(
    daemon,
    `${DIR}/a rather long file name that has to wrap somewhere on a phone.txt`,
    'x',
  );
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(daemon.uiUrl);
  await search(page, DIR);
  await expect(row(page, 'alpha.txt')).toBeVisible({ timeout: 60_000 });
  await row(page, 'alpha.txt').getByRole('button', { name: 'Actions for alpha.txt' }).click();
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  const box = await menu.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(360);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'files-narrow-360');
  // What a phone shows: the viewport with the open menu next to its row.
  await page.screenshot({ path: path.join(SCREENSHOTS, 'files-narrow-360-menu.png') });
  await page.keyboard.press('Escape');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1100, height: 900 });
  await row(page, 'alpha.txt').click({ button: 'right' });
  await expect(page.getByRole('menu')).toBeVisible();
  const menuBg = await page.evaluate(
    () => getComputedStyle(document.getElementById('file-menu') as HTMLElement).backgroundColor,
  );
  expect(menuBg).toBe('rgb(23, 27, 33)');
  await screenshot(page, 'files-dark');
});
