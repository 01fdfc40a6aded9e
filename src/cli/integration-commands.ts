/**
 * `cess-sync integrations [list | install <id> | remove <id>]`: the file-manager entries
 * ("Share with CESS…") the daemon installs for this user (src/integrations, docs/sharing.md).
 */
import type { DaemonClient } from '../daemon/client.js';
import { integrationIdSchema, type Integration } from '../sync/api/schema.js';
import { UsageError, type CliIO } from './commands.js';
import { safeText } from './format.js';

const WHERE: Record<Integration['id'], string> = {
  nautilus: 'right-click an item in GNOME Files, then Scripts > Share with CESS…',
  nemo: 'right-click an item in Nemo, then Share with CESS…',
  dolphin: 'right-click an item in Dolphin, then Share with CESS… (reopen Dolphin if it was open)',
  macos: 'right-click an item in Finder, then Quick Actions > Share with CESS…',
};

function line(i: Integration): string {
  if (i.available === false)
    return `${i.id.padEnd(9)} ${'unavailable'.padEnd(14)} ${i.label}\n          ${safeText(i.unavailableReason ?? '')}`;
  return `${i.id.padEnd(9)} ${(i.installed ? 'installed' : 'not installed').padEnd(14)} ${i.label}\n${i.files.map((f) => `          ${safeText(f)}`).join('\n')}`;
}

export async function integrationsCommand(
  client: DaemonClient,
  io: CliIO,
  action: string | undefined,
  id: string | undefined,
): Promise<number> {
  const verb = action ?? 'list';
  if (verb === 'list') {
    if (id !== undefined) throw new UsageError('integrations list takes no argument');
    const { integrations } = await client.integrations();
    if (io.json === true) io.out(JSON.stringify(integrations, null, 2));
    else if (integrations.length === 0)
      io.out(
        'No file-manager entries to install here: on Windows the installer adds Explorer\'s "Share with CESS…", on macOS see docs/sharing.md.',
      );
    else io.out(integrations.map(line).join('\n'));
    return 0;
  }
  if (verb !== 'install' && verb !== 'remove')
    throw new UsageError(`unknown action ${JSON.stringify(verb)}: use list, install or remove`);
  const parsed = integrationIdSchema.safeParse(id);
  if (!parsed.success)
    throw new UsageError(
      `integrations ${verb} needs one of: ${integrationIdSchema.options.join(', ')}`,
    );
  const { integrations } = await client.setIntegration({
    id: parsed.data,
    install: verb === 'install',
  });
  const now = integrations.find((i) => i.id === parsed.data);
  if (io.json === true) {
    io.out(JSON.stringify(now ?? null, null, 2));
    return 0;
  }
  if (now === undefined) return 0;
  io.out(
    verb === 'install'
      ? `Installed "Share with CESS…" for ${now.label}: ${WHERE[now.id]}.\nWrote ${now.files.map(safeText).join(', ')}`
      : `Removed "Share with CESS…" from ${now.label} (${now.files.map(safeText).join(', ')}).`,
  );
  return 0;
}
