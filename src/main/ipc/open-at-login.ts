/**
 * The page's "Start cess-sync when I log in" checkbox (Settings, docs/ui.md): the IPC handlers
 * behind IPC_CHANNELS.openAtLogin / setOpenAtLogin, kept free of Electron so they are tested
 * under Node. main.ts gives them the same login-item functions the tray uses. Only the app's own
 * top-level frame may call them, and `set` takes exactly one boolean: anything else is refused.
 */
import { isTrustedSender } from '../security/navigation.js';

/** The part of an IpcMainInvokeEvent the checks need. */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}

/** The same check the daemonConnection handler makes: the app's own top-level frame only. */
export function assertTrustedFrame(event: InvokeEventLike, appOrigin: string): void {
  const frame = event.senderFrame;
  if (frame === null || frame.parent !== null || !isTrustedSender(frame.url, appOrigin)) {
    throw new Error('cess-sync: IPC from an untrusted frame refused');
  }
}

export interface LoginItemAccess {
  /** null: this build cannot start at login (e.g. an unpackaged Linux run). */
  supported(): boolean;
  enabled(): Promise<boolean>;
  set(enabled: boolean): Promise<void>;
  /** After a change from the page: the tray's checkbox follows. */
  changed(enabled: boolean): void;
}

export function openAtLoginHandlers(
  appOrigin: string,
  login: LoginItemAccess,
): {
  get(event: InvokeEventLike): Promise<boolean | null>;
  set(event: InvokeEventLike, ...args: unknown[]): Promise<boolean | null>;
} {
  return {
    get: async (event) => {
      assertTrustedFrame(event, appOrigin);
      return login.supported() ? login.enabled() : null;
    },
    set: async (event, ...args) => {
      assertTrustedFrame(event, appOrigin);
      if (args.length !== 1 || typeof args[0] !== 'boolean') {
        throw new TypeError('cess-sync: setOpenAtLogin takes one boolean');
      }
      if (!login.supported()) return null;
      await login.set(args[0]);
      const now = await login.enabled();
      login.changed(now);
      return now;
    },
  };
}
