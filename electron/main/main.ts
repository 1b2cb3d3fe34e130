/**
 * The desktop app's main process: one instance; the service core (config in electron-store,
 * secrets in the OS keychain via safeStorage, power and wake-up from powerMonitor), the
 * scheduler, the IPC contract for the window, the tray, notifications and the optional localhost
 * REST server. Closing the window keeps Tidemark in the tray; Quit stops it, cancelling running
 * jobs within the grace period (what they wrote is removed). Everything decided here is a pure
 * function elsewhere in electron/main/, tested without Electron.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, powerMonitor, safeStorage, type BrowserWindow as Window } from 'electron';
import { IPC_EVENT_CHANNEL } from '../../shared/ipc/channels.js';
import { appRoot } from '../core/app-root.js';
import { createCoreApi } from '../core/api/core-api.js';
import { UI_DIR } from '../core/rest/routes/ui.js';
import { desktopSettings } from '../core/service/desktop-settings.js';
import { TidemarkService } from '../core/service/tidemark-service.js';
import { electronConfigStore } from './adapters/config-store.js';
import { safeStorageKeychain } from './adapters/keychain.js';
import { watchPower } from './adapters/power.js';
import { autostartDesktopEntry, loginItemSettings, onWindowClose, showWindowAtStart } from './desktop/lifecycle.js';
import { RestServerControl } from './desktop/rest-control.js';
import { forwardEvents } from './ipc/event-messages.js';
import { createIpcRouter } from './ipc/ipc-router.js';
import { registerIpc } from './ipc/register-ipc.js';
import { Notifier } from './notifications/notifier.js';
import { TidemarkTray } from './tray/tray.js';
import { TrayController } from './tray/tray-controller.js';
import type { TrayAction } from './tray/tray-model.js';
import { createMainWindow, hardenAllContents, registerAppScheme, serveApp } from './window/main-window.js';

/** Running jobs get this long to cancel cleanly when the app quits. */
const QUIT_GRACE_MS = 10_000;

registerAppScheme();
hardenAllContents(app);

if (!app.requestSingleInstanceLock()) {
  // Another Tidemark runs: it shows its window (second-instance) and this one leaves.
  app.quit();
} else {
  void app.whenReady().then(start, (err: unknown) => fatal(err));
}

function fatal(err: unknown): void {
  console.error('Tidemark could not start:', err);
  app.exit(1);
}

async function start(): Promise<void> {
  const dataDir = app.getPath('userData');
  const configPath = process.env.TIDEMARK_CONFIG ?? join(dataDir, 'config.json');
  const assetsDir = join(appRoot(), 'assets');
  const preload = join(appRoot(), 'dist', 'main', 'preload.cjs');
  const icon = join(assetsDir, 'icon.png');

  let onWake = (): void => undefined;
  const power = watchPower(powerMonitor, () => onWake());
  const service = await TidemarkService.open({ configPath, dataDir, keychain: safeStorageKeychain(safeStorage), power, configStore: electronConfigStore(configPath) });
  const settings = () => desktopSettings(service.config.config);

  serveApp(UI_DIR);
  const unregisterIpc = registerIpc(ipcMain, createIpcRouter(createCoreApi(service, { dataDir, ...(process.env.TIDEMARK_COMMIT ? { commit: process.env.TIDEMARK_COMMIT } : {}) }), service.log));

  let win: Window | undefined;
  let quitting = false;
  const showWindow = (route?: string): void => {
    if (win && !win.isDestroyed()) {
      if (route !== undefined) void win.loadURL(`tidemark://app/ui/${route}`);
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
      return;
    }
    win = createMainWindow({ preload, icon, ...(route !== undefined ? { route } : {}) });
    win.on('close', (event) => {
      if (onWindowClose(settings(), quitting) === 'hide') {
        event.preventDefault();
        win?.hide();
      }
    });
    win.on('closed', () => (win = undefined));
  };
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  // The app lives in the tray: closing every window does not quit it.
  app.on('window-all-closed', () => undefined);

  const stopForwarding = forwardEvents(
    (fn) => service.subscribe(fn),
    (m) => {
      for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(IPC_EVENT_CHANNEL, m);
    },
  );

  const notifier = new Notifier({ onClick: (jobId) => showWindow(`jobs?job=${encodeURIComponent(jobId)}`), settings: () => settings().notifications, icon });
  const stopNotifying = service.subscribe((e) => {
    if ('job' in e) notifier.handle(e);
  });

  const act = (a: TrayAction): void => {
    switch (a.kind) {
      case 'open':
        return showWindow();
      case 'open-job':
        return showWindow(`jobs?job=${encodeURIComponent(a.jobId)}`);
      case 'backup':
        try {
          service.triggerBackup(a.routine, { type: a.type });
        } catch (err) {
          service.log.error({ err, routine: a.routine }, 'backup from the tray could not start');
        }
        return;
      case 'pause-all':
        return service.pause();
      case 'resume-all':
        return service.resume();
      case 'quit':
        app.quit();
        return;
    }
  };
  const tray = new TidemarkTray({ assetsDir, onAction: act });
  const trayController = new TrayController(service, tray);
  onWake = (): void => {
    service.wake();
    trayController.refresh();
  };

  const rest = new RestServerControl(service);
  const applySettings = (): void => {
    const s = settings();
    void rest.apply({ enabled: s['rest-server'], port: s['rest-port'] });
    if (app.isPackaged) setStartAtLogin(s['start-at-login']);
  };
  const setStartAtLogin = (on: boolean): void => {
    if (process.platform !== 'linux') return app.setLoginItemSettings(loginItemSettings({ 'start-at-login': on }));
    const dir = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'autostart');
    const file = join(dir, 'tidemark.desktop');
    try {
      if (on) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, autostartDesktopEntry(process.env.APPIMAGE ?? process.execPath));
      } else rmSync(file, { force: true });
    } catch (err) {
      service.log.error({ err, file }, 'start at login could not be changed');
    }
  };
  const stopSettings = service.subscribe((e) => {
    if (e.type === 'config-changed') applySettings();
  });

  service.start();
  applySettings();
  if (showWindowAtStart(process.argv, app.getLoginItemSettings().wasOpenedAtLogin)) showWindow();

  let stopped = false;
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void (async () => {
      stopSettings();
      stopNotifying();
      stopForwarding();
      trayController.dispose();
      tray.destroy();
      notifier.dispose();
      power.dispose();
      unregisterIpc();
      await rest.stop().catch(() => undefined);
      await service.close(QUIT_GRACE_MS).catch((err: unknown) => console.error('closing the service failed', err));
      stopped = true;
      app.quit();
    })();
  });
}
