/**
 * A desktop notification for `cess-sync share --notify`: a file manager shows nothing of what
 * its entry prints, so an error (the app is not running, the item is not in a synced folder)
 * would otherwise vanish. Best effort: notify-send on Linux, osascript on macOS, nothing
 * elsewhere; arguments go as argv, never through a shell.
 */
import { execFile } from 'node:child_process';

export type Notifier = (title: string, body: string) => Promise<void>;

/** notify-send bodies may be read as markup by the notification server. */
function markupText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((done) => {
    execFile(file, args, { timeout: 5_000 }, () => done());
  });
}

export function desktopNotifier(platform: NodeJS.Platform = process.platform): Notifier {
  return async (title, body) => {
    if (platform === 'linux') {
      await run('notify-send', [
        '--app-name=cess-sync',
        '--icon=dialog-error',
        '--',
        title,
        markupText(body),
      ]);
    } else if (platform === 'darwin') {
      await run('/usr/bin/osascript', [
        '-e',
        'on run argv',
        '-e',
        'display notification (item 2 of argv) with title (item 1 of argv)',
        '-e',
        'end run',
        title,
        body,
      ]);
    }
  };
}
