/**
 * What the daemon's /api/v1/integrations routes drive: the file-manager entries of this device,
 * listed with their state and installed or removed on request (from the settings panel or
 * `cess-sync integrations`). Linux entries follow the XDG Base Directory spec, read at each call;
 * the macOS Quick Action goes into ~/Library/Services, and is listed on other systems as not
 * available, with the reason, so the settings panel can say why.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import type { Integration, IntegrationList, IntegrationRequest } from '../sync/api/schema.js';
import { IntegrationError, defaultCliCommand, shareInvocation } from './command.js';
import { fileState, installFiles, removeFiles, type FileReport } from './install.js';
import { LINUX_INTEGRATIONS, type LinuxIntegration } from './linux.js';
import { installQuickAction, quickActionPaths, removeQuickAction } from './macos.js';

export const MACOS_LABEL = 'Finder (macOS Quick Action)';

export interface IntegrationService {
  list(): Promise<IntegrationList>;
  /** Installs or removes one integration; resolves to the new list. */
  apply(req: IntegrationRequest): Promise<IntegrationList>;
}

export interface IntegrationServiceOptions {
  /** The daemon's state directory: the entries name it, so they reach this daemon. */
  stateDir: string;
  /** The CLI to run (default: defaultCliCommand()). */
  command?: readonly string[];
  /** XDG_DATA_HOME and HOME are read from here at each call (default: process.env). */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Told what each install or removal did. */
  log?: (line: string) => void;
}

/** $XDG_DATA_HOME when it is absolute (relative values are invalid per the spec), else ~/.local/share. */
export function xdgDataHome(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.XDG_DATA_HOME;
  if (fromEnv !== undefined && path.isAbsolute(fromEnv)) return path.resolve(fromEnv);
  const home = env.HOME !== undefined && path.isAbsolute(env.HOME) ? env.HOME : homedir();
  return path.join(home, '.local', 'share');
}

/** $HOME when it is absolute, else the OS's idea of it. */
function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME !== undefined && path.isAbsolute(env.HOME) ? env.HOME : homedir();
}

const OS_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'Linux', win32: 'Windows' };

export function createIntegrationService(o: IntegrationServiceOptions): IntegrationService & {
  /** Like apply(), with what happened to each file. */
  applyWithReport(req: IntegrationRequest): Promise<FileReport[]>;
} {
  const env = o.env ?? process.env;
  const platform = o.platform ?? process.platform;
  // Only on Linux are the Linux file managers listed (Windows: the installer; macOS: below).
  const available = platform === 'linux' ? LINUX_INTEGRATIONS : [];

  const filesOf = (integration: LinuxIntegration) => {
    const base = xdgDataHome(env);
    const invocation = shareInvocation(o.command ?? defaultCliCommand(env), o.stateDir);
    return integration.files(invocation).map((f) => ({ ...f, path: path.join(base, f.path) }));
  };

  const pathsOf = (integration: LinuxIntegration): string[] => {
    const base = xdgDataHome(env);
    return integration.files([]).map((f) => path.join(base, f.path));
  };

  const describe = async (integration: LinuxIntegration): Promise<Integration> => {
    // Paths only: listing must work even when the command cannot be resolved.
    const paths = pathsOf(integration);
    const states = await Promise.all(paths.map((p) => fileState(p)));
    return {
      id: integration.id,
      label: integration.label,
      installed: states.every((s) => s === 'ours'),
      files: paths,
    };
  };

  const macosUnavailable =
    platform === 'darwin'
      ? null
      : `Finder Quick Actions exist only on macOS; this device runs ${OS_NAMES[platform] ?? platform}.`;

  const describeMacos = async (): Promise<Integration> => {
    if (macosUnavailable !== null)
      return {
        id: 'macos',
        label: MACOS_LABEL,
        installed: false,
        files: [],
        available: false,
        unavailableReason: macosUnavailable,
      };
    const paths = quickActionPaths(homeOf(env));
    const states = await Promise.all(paths.map((p) => fileState(p)));
    return {
      id: 'macos',
      label: MACOS_LABEL,
      installed: states.every((s) => s === 'ours'),
      files: paths,
      available: true,
    };
  };

  const list = async (): Promise<IntegrationList> => ({
    integrations: [...(await Promise.all(available.map(describe))), await describeMacos()],
  });

  const applyMacos = async (install: boolean): Promise<FileReport[]> => {
    if (macosUnavailable !== null) throw new IntegrationError(macosUnavailable, 400, 'unsupported');
    const home = homeOf(env);
    return install
      ? installQuickAction(shareInvocation(o.command ?? defaultCliCommand(env), o.stateDir), home)
      : removeQuickAction(home);
  };

  const applyWithReport = async (req: IntegrationRequest): Promise<FileReport[]> => {
    if (req.id === 'macos') {
      const reports = await applyMacos(req.install);
      for (const r of reports) o.log?.(`integration macos: ${r.action} ${r.path}`);
      return reports;
    }
    const integration = available.find((i) => i.id === req.id);
    if (integration === undefined)
      throw new IntegrationError(
        platform === 'linux'
          ? `unknown integration ${req.id}`
          : `${req.id} is a Linux file manager; on ${platform} the entry comes with the app's installer (docs/sharing.md)`,
        platform === 'linux' ? 404 : 400,
        'unsupported',
      );
    // Removal needs only the paths (it works even if the command no longer resolves), and
    // deletes only the files: directories such as nautilus/scripts may hold the user's own.
    const reports = req.install
      ? await installFiles(filesOf(integration))
      : await removeFiles(pathsOf(integration));
    for (const r of reports) o.log?.(`integration ${req.id}: ${r.action} ${r.path}`);
    return reports;
  };

  return {
    list,
    applyWithReport,
    apply: async (req) => {
      await applyWithReport(req);
      return list();
    },
  };
}
