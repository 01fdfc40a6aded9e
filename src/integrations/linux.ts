/**
 * The Linux file-manager entries, as files under the XDG data directory ($XDG_DATA_HOME, default
 * ~/.local/share): a Nautilus script, a Nemo action and a Dolphin (KDE) service menu. Each runs
 * the share invocation (./command.ts) with the selected items as separate arguments; no file
 * name ever passes through a shell. docs/sharing.md, "Right-click in the file manager".
 */
import type { IntegrationId } from '../sync/api/schema.js';
import { execArg, keyFileValue, shellQuote } from './quote.js';

/** Every file an integration writes carries this line; only such files are rewritten or removed. */
export const MARKER = 'cess-sync-integration';
const MARKER_TEXT = `${MARKER}: written by cess-sync; install or remove it from cess-sync's settings`;

export const MENU_LABEL = 'Share with CESS…';
const TOOLTIP = "Open cess-sync's share dialog for the selected items";
const ICON = 'emblem-shared';

export interface GeneratedFile {
  /** Relative to the XDG data directory. */
  path: string;
  mode: number;
  content: string;
}

export interface LinuxIntegration {
  id: IntegrationId;
  label: string;
  /** `invocation`: the command with its fixed arguments; the selected paths follow it. */
  files(invocation: readonly string[]): GeneratedFile[];
}

/**
 * GNOME Files runs a script in the folder being viewed with the selected items as arguments,
 * relative to that folder (absolute in search results). Those come first: an argument carries
 * any name, while NAUTILUS_SCRIPT_SELECTED_FILE_PATHS is newline-separated and cannot carry a
 * name with a newline. The variable is the fallback when there are no arguments. sh keeps $PWD
 * true to the working directory even when the inherited PWD is stale.
 */
export function nautilusScript(invocation: readonly string[]): string {
  return `#!/bin/sh
# ${MARKER_TEXT}
# "${MENU_LABEL}" for GNOME Files (Nautilus): hands the selected items to the running cess-sync,
# which opens its share dialog.
n=$#
for f do
  case $f in
    /*) ;;
    *) f=$PWD/$f ;;
  esac
  set -- "$@" "$f"
done
shift "$n"
if [ "$#" -eq 0 ] && [ -n "\${NAUTILUS_SCRIPT_SELECTED_FILE_PATHS:-}" ]; then
  IFS='
'
  set -f
  set -- $NAUTILUS_SCRIPT_SELECTED_FILE_PATHS
  set +f
  unset IFS
fi
exec ${invocation.map(shellQuote).join(' ')} "$@"
`;
}

/** An Exec value: each fixed argument quoted per the Desktop Entry spec, then the field code. */
function execLine(invocation: readonly string[], fieldCode: string): string {
  return keyFileValue(`${invocation.map(execArg).join(' ')} ${fieldCode}`);
}

/**
 * Nemo pastes `%F` paths into the Exec text with only quote characters escaped and splits it
 * with g_shell_parse_argv, so a backslash or `"` in a name could change the arguments. `%U`
 * gives file:// URIs instead, percent-encoded except for characters that mean nothing inside
 * double quotes to g_shell_parse_argv (no `"`, `\`, space or newline), and `Quote=double`
 * wraps each one. The CLI turns the URIs back into paths.
 */
export function nemoAction(invocation: readonly string[]): string {
  return `# ${MARKER_TEXT}
[Nemo Action]
Active=true
Name=${MENU_LABEL}
Comment=${TOOLTIP}
Exec=${execLine(invocation, '%U')}
Icon-Name=${ICON}
Selection=notnone
Extensions=any;
Quote=double
`;
}

/**
 * KDE expands `%F` into one argument per local file (KIO::DesktopExecParser), so the paths are
 * passed as they are. KF6 only loads a service menu from a user directory if it is executable;
 * X-KDE-Protocols=file keeps it off remote folders (KIO would hand over temporary copies).
 */
export function dolphinServiceMenu(invocation: readonly string[]): string {
  return `# ${MARKER_TEXT}
[Desktop Entry]
Type=Service
MimeType=all/all;
X-KDE-ServiceTypes=KonqPopupMenu/Plugin
X-KDE-Protocols=file
X-KDE-Priority=TopLevel
Actions=cessSyncShare;

[Desktop Action cessSyncShare]
Name=${MENU_LABEL}
Icon=${ICON}
Exec=${execLine(invocation, '%F')}
`;
}

export const NAUTILUS_SCRIPT = `nautilus/scripts/${MENU_LABEL}`;
export const NEMO_ACTION = 'nemo/actions/cess-sync-share.nemo_action';
export const DOLPHIN_SERVICE_MENU = 'kio/servicemenus/cess-sync-share.desktop';

export const LINUX_INTEGRATIONS: readonly LinuxIntegration[] = [
  {
    id: 'nautilus',
    label: 'GNOME Files (Nautilus)',
    files: (inv) => [{ path: NAUTILUS_SCRIPT, mode: 0o755, content: nautilusScript(inv) }],
  },
  {
    id: 'nemo',
    label: 'Nemo (Cinnamon)',
    files: (inv) => [{ path: NEMO_ACTION, mode: 0o644, content: nemoAction(inv) }],
  },
  {
    id: 'dolphin',
    label: 'Dolphin (KDE)',
    files: (inv) => [{ path: DOLPHIN_SERVICE_MENU, mode: 0o755, content: dolphinServiceMenu(inv) }],
  },
];
