import type { MenuItemConstructorOptions } from 'electron';
import type { TrayAction, TrayMenuItem } from './tray-model.js';

/**
 * Turns the pure tray model into Electron's menu template. No Electron runtime is touched
 * (type import only), so it is tested under Node; main.ts passes the result to
 * Menu.buildFromTemplate.
 */
export function toMenuTemplate(
  items: readonly TrayMenuItem[],
  dispatch: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return {
          label: item.label,
          enabled: item.enabled,
          submenu: toMenuTemplate(item.items, dispatch),
        };
      case 'checkbox': {
        const action = item.action;
        return {
          type: 'checkbox',
          label: item.label,
          checked: item.checked,
          click: () => dispatch(action),
        };
      }
      case 'normal': {
        const action = item.action;
        return action === null
          ? { label: item.label, enabled: false }
          : { label: item.label, enabled: item.enabled, click: () => dispatch(action) };
      }
    }
  });
}
