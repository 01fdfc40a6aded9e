/**
 * A device's configuration: which network, which account (its address only: the secret lives
 * in the key store), which territory, this device's name. `<stateDir>/config.json`, 0600.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const deviceConfigSchema = z
  .object({
    version: z.literal(1),
    network: z.object({
      name: z.string().min(1),
      chain: z.array(z.string().regex(/^wss?:\/\//)).min(1),
      gateway: z.string().regex(/^https?:\/\//),
    }),
    account: z.string().min(40),
    territory: z.string().min(1).max(63),
    deviceName: z.string().min(1).max(64),
    /** Where the key store keeps the secret: the OS keychain, or an encrypted file in stateDir. */
    keyStore: z.enum(['keychain', 'file']),
    /**
     * Who performs the PReT proxy step when sharing. 'device' (default): this device, so no
     * one else ever holds a re-key. 'gateway': CD²N /gateway/reencrypt, as CESS intends —
     * but a gateway colluding with a recipient can combine the re-key with the recipient's
     * secret into the owner's account key (docs/sharing.md), so it is opt-in.
     */
    sharingProxy: z.enum(['device', 'gateway']).default('device'),
  })
  .strict();
export type DeviceConfig = z.input<typeof deviceConfigSchema>;
export type LoadedDeviceConfig = z.output<typeof deviceConfigSchema>;

export function configPath(stateDir: string): string {
  return path.join(stateDir, 'config.json');
}

export function keyFilePath(stateDir: string): string {
  return path.join(stateDir, 'keys.json.enc');
}

export async function loadConfig(stateDir: string): Promise<LoadedDeviceConfig> {
  let text: string;
  try {
    text = await readFile(configPath(stateDir), 'utf8');
  } catch {
    throw new Error(
      `this device is not set up (no ${configPath(stateDir)}); run: cess-sync setup --help`,
    );
  }
  const parsed = deviceConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `${configPath(stateDir)} is not a valid configuration: ${parsed.error.message}`,
    );
  return parsed.data;
}

export async function saveConfig(stateDir: string, config: DeviceConfig): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = configPath(stateDir);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(deviceConfigSchema.parse(config), null, 2)}\n`, {
    mode: 0o600,
  });
  await rename(tmp, file);
}
