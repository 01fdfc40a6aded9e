/**
 * "Shared with me": opening what was received (docs/sharing.md, "Opening what was received").
 * The owner's daemon shares a folder and a launcher through the API; the recipient's daemon
 * receives them; in the recipient's page, Open / Show in folder go through the daemon's safe
 * opener (a recording script via CESS_SYNC_OPENER: both daemons run in this worker), and a
 * program is refused with the reason while revealing it works.
 */
import type { Browser, Page } from '@playwright/test';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ensureFolder,
  expect,
  screenshot,
  test,
  type RecipientDaemon,
  type TestDaemon,
} from './fixtures.js';
import { useRecordingOpener } from './helpers.js';

const { calls, clear: clearCalls } = useRecordingOpener();

/** Writes files under the owner's synced folder and waits until each is uploaded. */
async function synced(daemon: TestDaemon, files: Record<string, string>): Promise<void> {
  await ensureFolder(daemon);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(daemon.folderPath, rel)), { recursive: true });
    await writeFile(path.join(daemon.folderPath, rel), text);
  }
  await expect
    .poll(
      async () => {
        const done = new Set(
          (await daemon.client.recentActivity(300))
            .filter((a) => a.kind === 'uploaded')
            .map((a) => a.path),
        );
        return Object.keys(files).every((f) => done.has(f));
      },
      { timeout: 90_000, intervals: [500, 1000, 2000] },
    )
    .toBe(true);
}

/** Shares `rel` with the recipient and receives it there; returns the share id and saved path. */
async function shareAndReceive(
  daemon: TestDaemon,
  recipient: RecipientDaemon,
  rel: string,
): Promise<{ id: string; saved: string }> {
  const info = await daemon.client.share({
    path: path.join(daemon.folderPath, rel),
    recipient: recipient.account,
  });
  const got = await recipient.client.receiveShare({ link: info.link });
  expect(got.path).not.toBeNull();
  return { id: info.id, saved: got.path ?? '' };
}

async function recipientPage(browser: Browser, recipient: RecipientDaemon): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(recipient.uiUrl);
  await expect(page.locator('#account')).toHaveText(recipient.account);
  return page;
}

test('a received folder opens with the OS and shows in its folder', async ({
  browser,
  daemon,
  recipient,
}) => {
  const dir = `open-e2e-${Date.now()}`;
  await synced(daemon, { [`${dir}/notes.txt`]: 'notes\n', [`${dir}/sub/plan.md`]: '# plan\n' });
  const { id, saved } = await shareAndReceive(daemon, recipient, dir);
  expect(await readFile(path.join(saved, 'sub', 'plan.md'), 'utf8')).toBe('# plan\n');

  const page = await recipientPage(browser, recipient);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const item = page.locator(`#received-list li[data-share-id="${id}"]`).first();
  await expect(item).toContainText(saved);
  await screenshot(page, 'share-received-open');

  await item.getByRole('button', { name: 'Open folder' }).click();
  await expect.poll(calls).toBe(`${saved}\n--end--\n`);
  await item.getByRole('button', { name: 'Show in folder' }).click();
  await expect.poll(calls).toBe(`${saved}\n--end--\n--reveal\n${saved}\n--end--\n`);
  await expect(item.locator('.received-status')).toHaveText('');

  // The API opens a file inside it, and refuses a path out of it.
  await clearCalls();
  const post = (body: unknown) =>
    fetch(`${recipient.url}/api/v1/shares/received/open`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${recipient.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post({ id, path: 'sub/plan.md' })).status).toBe(204);
  await expect.poll(calls).toBe(`${path.join(saved, 'sub', 'plan.md')}\n--end--\n`);
  const out = await post({ id, path: '../../manifest.sqlite' });
  expect(out.status).toBe(400);
  expect(((await out.json()) as { error: { code: string } }).error.code).toBe('bad_path');
  expect(errors).toEqual([]);
  await page.context().close();
});

test('a received program is not run: the reason is shown, and it can be revealed', async ({
  browser,
  daemon,
  recipient,
}) => {
  const rel = `install-${Date.now()}.sh`;
  await synced(daemon, { [rel]: '#!/bin/sh\necho pwned\n' });
  const { id, saved } = await shareAndReceive(daemon, recipient, rel);
  await clearCalls();

  const page = await recipientPage(browser, recipient);
  const item = page.locator(`#received-list li[data-share-id="${id}"]`).first();
  await expect(item).toContainText(saved);
  await item.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(item.locator('.received-status')).toContainText(
    `${path.basename(saved)} is a program or launcher, so it is not opened from here`,
  );
  await screenshot(page, 'share-received-would-run');
  expect(await calls()).toBe('');
  await item.getByRole('button', { name: 'Show in folder' }).click();
  await expect.poll(calls).toBe(`--reveal\n${saved}\n--end--\n`);
  await expect(item.locator('.received-status')).toHaveText('');
  await page.context().close();
});
