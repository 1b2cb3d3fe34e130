/**
 * The tray icon: thin Electron glue over tray-model.ts. The caller owns the service state; on each
 * core event it asks `trayNeedsRefresh`, builds a TrayState with `trayStateFrom` and calls
 * `update(state)`. Nothing here polls: the image, tooltip and menu change only when an update
 * (or the OS theme) changes them.
 *
 * Images: `<assetsDir>/tray/<state>-<light|dark>.png` (16 px) with `@2x` siblings (32 px) that
 * Electron picks for HiDPI screens. The light variant (dark mark) suits light menu bars and
 * taskbars, the dark variant (light mark) dark ones. On macOS the monochrome states (idle,
 * paused) are template images, which the menu bar tints itself; the coloured badges of running
 * and failed need the coloured image for the current appearance.
 */
import { join } from 'node:path';
import { Menu, Tray, nativeImage, nativeTheme, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { trayIcon, trayImageFile, trayMenu, type TrayAction, type TrayFormatOptions, type TrayIconState, type TrayIconVariant, type TrayMenuItem, type TrayState } from './tray-model.js';

export interface TidemarkTrayOptions {
  /** The folder holding `tray/` (the packaged app's `assets`). */
  assetsDir: string;
  /** Called with the action of a clicked menu item (and `open` for a click on the icon on Windows). */
  onAction: (action: TrayAction) => void;
  /** Clock times in menu and tooltip; default: the system's zone. */
  format?: TrayFormatOptions;
  platform?: NodeJS.Platform;
}

export class TidemarkTray {
  private readonly tray: Tray;
  private readonly platform: NodeJS.Platform;
  private state: TrayState | undefined;
  private shownImage = '';
  private shownTooltip = '';
  private shownMenu = '';
  private readonly onThemeUpdated = (): void => this.render();

  constructor(private readonly opts: TidemarkTrayOptions) {
    this.platform = opts.platform ?? process.platform;
    const first = this.imageFor('idle');
    this.tray = new Tray(first.image);
    this.shownImage = first.key;
    // Windows opens the context menu on right-click only; a left-click opens the app.
    if (this.platform === 'win32') this.tray.on('click', () => opts.onAction({ kind: 'open' }));
    nativeTheme.on('updated', this.onThemeUpdated);
  }

  /** Shows a new state; parts that did not change are left alone. */
  update(state: TrayState): void {
    this.state = state;
    this.render();
  }

  destroy(): void {
    nativeTheme.off('updated', this.onThemeUpdated);
    this.tray.destroy();
  }

  private render(): void {
    const state = this.state;
    if (!state || this.tray.isDestroyed()) return;
    const { icon, tooltip } = trayIcon(state, this.opts.format);
    const image = this.imageFor(icon);
    if (image.key !== this.shownImage) {
      this.tray.setImage(image.image);
      this.shownImage = image.key;
    }
    if (tooltip !== this.shownTooltip) {
      this.tray.setToolTip(tooltip);
      this.shownTooltip = tooltip;
    }
    const template = trayMenu(state, this.opts.format);
    const key = JSON.stringify(template);
    if (key !== this.shownMenu) {
      this.tray.setContextMenu(Menu.buildFromTemplate(template.map((item) => this.menuItem(item))));
      this.shownMenu = key;
    }
  }

  private menuItem(item: TrayMenuItem): MenuItemConstructorOptions {
    const out: MenuItemConstructorOptions = { label: item.label, type: item.type ?? (item.submenu ? 'submenu' : 'normal') };
    if (item.enabled !== undefined) out.enabled = item.enabled;
    if (item.checked !== undefined) out.checked = item.checked;
    if (item.submenu) out.submenu = item.submenu.map((sub) => this.menuItem(sub));
    const action = item.action;
    if (action) out.click = () => this.opts.onAction(action);
    return out;
  }

  private imageFor(icon: TrayIconState): { key: string; image: NativeImage } {
    const template = this.platform === 'darwin' && (icon === 'idle' || icon === 'paused');
    const dark =
      this.platform === 'win32'
        ? nativeTheme.shouldUseDarkColorsForSystemIntegratedUI // the taskbar follows the system theme, not the apps'
        : nativeTheme.shouldUseDarkColors;
    const variant: TrayIconVariant = template || !dark ? 'light' : 'dark';
    const key = `${icon}-${variant}${template ? '-template' : ''}`;
    // createFromPath also loads the `@2x` sibling for HiDPI screens.
    const image = nativeImage.createFromPath(join(this.opts.assetsDir, trayImageFile(icon, variant)));
    if (template) image.setTemplateImage(true);
    return { key, image };
  }
}
