/**
 * `tidemark://app/ui/…`: the built renderer (dist/renderer/) served to the window, with the
 * Content-Security-Policy on every answer. A custom standard scheme rather than file:// gives the
 * page a real origin (ES modules, fetch) and keeps the rest of the disk out of its reach: only
 * files inside the bundle are answered, anything else is a 404.
 */
import { extname, join } from 'node:path';
import { bundlePath, contentTypeOf, UI_PREFIX } from '../../core/rest/routes/ui.js';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security.js';

export type AppResource = { status: 200; file: string; headers: Record<string, string> } | { status: 404; reason: string };

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
});

/** What a request for `url` answers, from the bundle in `dir`. */
export function resolveAppResource(url: string, dir: string): AppResource {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 404, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { status: 404, reason: 'not the app' };
  if (!u.pathname.startsWith(UI_PREFIX)) return { status: 404, reason: 'outside the UI' };
  const rest = u.pathname.slice(UI_PREFIX.length);
  // Any path that is not a file is one of the UI's own routes: index.html, so a reload keeps the page.
  const file = rest && extname(rest) ? bundlePath(dir, rest) : join(dir, 'index.html');
  if (!file) return { status: 404, reason: 'outside the bundle' };
  return { status: 200, file, headers: { 'content-type': contentTypeOf(file), ...SECURITY_HEADERS } };
}
