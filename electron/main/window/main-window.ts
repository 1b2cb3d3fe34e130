/**
 * Electron glue for the window: the app scheme serving the renderer bundle, the hardening of
 * every web contents (navigation, new windows, webviews, permissions), and the main window
 * itself. The decisions are in security.ts and app-protocol.ts, tested without Electron.
 */
import { readFile } from 'node:fs/promises';
import { BrowserWindow, protocol, session, shell, type App, type WebContents } from 'electron';
import { resolveAppResource } from './app-protocol.js';
import { APP_ENTRY, APP_SCHEME, mainWindowOptions, navigationDecision, permissionGranted } from './security.js';

/** Before the app is ready: the scheme gets a real origin (standard, secure, fetch, ES modules). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

/** Once ready: answers the scheme from the bundle in `uiDir`, and refuses every permission. */
export function serveApp(uiDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppResource(request.url, uiDir);
    if (r.status === 404) return new Response(`not found: ${r.reason}`, { status: 404, headers: { 'content-type': 'text/plain' } });
    try {
      return new Response(await readFile(r.file), { status: 200, headers: r.headers });
    } catch {
      return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
  });
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionGranted(permission)));
  s.setPermissionCheckHandler((_wc, permission) => permissionGranted(permission));
  s.setDevicePermissionHandler(() => false);
}

function harden(contents: WebContents): void {
  const guard = (event: { preventDefault(): void }, url: string): void => {
    const d = navigationDecision(url, 'navigate');
    if (d.action === 'allow') return;
    event.preventDefault();
    if (d.action === 'open-in-browser') void shell.openExternal(d.url);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const d = navigationDecision(url, 'new-window');
    if (d.action === 'open-in-browser') void shell.openExternal(d.url);
    return { action: 'deny' };
  });
}

/** Every web contents the app ever creates is hardened, not only the main window's. */
export function hardenAllContents(app: App): void {
  app.on('web-contents-created', (_e, contents) => harden(contents));
}

export function createMainWindow(o: { preload: string; icon?: string; route?: string }): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(o));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ENTRY}${o.route ?? ''}`);
  return win;
}
