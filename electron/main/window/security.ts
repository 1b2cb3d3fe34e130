/**
 * The main window's security, as data and pure decisions (tested without Electron): the web
 * preferences, the Content-Security-Policy of every page the app serves, which URLs the window
 * may show, and the answer to every permission request. The renderer is the app's own bundle,
 * served from the privileged `tidemark://app` scheme; nothing else is ever loaded into it.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export const APP_SCHEME = 'tidemark';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The UI's entry page (the renderer bundle is built for /ui/, as `tidemark serve` hosts it). */
export const APP_ENTRY = `${APP_ORIGIN}/ui/`;

/**
 * Only the app's own scripts; styles inline too (Mantine sets CSS variables in style
 * attributes); images and fonts from the bundle or data: URLs; no network but the app itself.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "worker-src 'none'",
].join('; ');

export const WEB_PREFERENCES: Readonly<WebPreferences> = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  experimentalFeatures: false,
  enableBlinkFeatures: '',
  spellcheck: false,
  safeDialogs: true,
});

export function mainWindowOptions(o: { preload: string; icon?: string; show?: boolean }): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 1024,
    minHeight: 700,
    title: 'Tidemark',
    show: o.show ?? false,
    backgroundColor: '#0b1d2a',
    autoHideMenuBar: true,
    ...(o.icon ? { icon: o.icon } : {}),
    webPreferences: { ...WEB_PREFERENCES, preload: o.preload },
  };
}

/** A URL of the app itself: the only thing the window may show or send IPC from. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export type NavigationDecision = { action: 'allow' } | { action: 'deny' } | { action: 'open-in-browser'; url: string };

/**
 * `will-navigate`, `will-redirect` and `window.open`: the app's own pages stay (the UI routes
 * with the history API, so a real navigation is a reload); an https link (documentation) opens
 * in the user's browser, never in the app; everything else (file:, javascript:, data:, http:)
 * is refused.
 */
export function navigationDecision(url: string, kind: 'navigate' | 'new-window'): NavigationDecision {
  if (isAppUrl(url)) return kind === 'navigate' ? { action: 'allow' } : { action: 'deny' };
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' && u.username === '' && u.password === '') return { action: 'open-in-browser', url: u.toString() };
  } catch {
    // not a URL at all
  }
  return { action: 'deny' };
}

/** Camera, microphone, notifications from the page, geolocation, USB, clipboard, …: the UI needs none. */
export function permissionGranted(_permission: string): boolean {
  return false;
}

/** IPC is answered only for the app's own top frame. */
export function trustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}
