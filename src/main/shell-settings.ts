/**
 * The shell's own small settings file (`<userData>/shell-settings.json`). Everything about sync
 * lives in the daemon; this only holds what the shell decides alone. Missing or unreadable
 * means defaults: a broken file must never stop the app from starting.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { z } from 'zod';

export const SHELL_SETTINGS_FILE = 'shell-settings.json';

const shellSettingsSchema = z
  .object({
    version: z.literal(1),
    loginItem: z.object({ defaultApplied: z.boolean() }).strict(),
  })
  .strict();
export type ShellSettings = z.infer<typeof shellSettingsSchema>;

export const DEFAULT_SHELL_SETTINGS: ShellSettings = {
  version: 1,
  loginItem: { defaultApplied: false },
};

export async function loadShellSettings(dir: string): Promise<ShellSettings> {
  let text: string;
  try {
    text = await readFile(path.join(dir, SHELL_SETTINGS_FILE), 'utf8');
  } catch {
    return DEFAULT_SHELL_SETTINGS;
  }
  try {
    const parsed = shellSettingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : DEFAULT_SHELL_SETTINGS;
  } catch {
    return DEFAULT_SHELL_SETTINGS;
  }
}

export async function saveShellSettings(dir: string, settings: ShellSettings): Promise<void> {
  const valid = shellSettingsSchema.parse(settings);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, SHELL_SETTINGS_FILE);
  await writeFileAtomic(file, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
}
