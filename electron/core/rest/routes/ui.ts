/**
 * The web UI: the built renderer bundle (`npm run build` → dist/renderer/) under /ui/. Any path
 * under /ui/ that is not a file answers index.html, so the UI's own routes survive a reload. The
 * files need no credentials — they hold none; the UI signs in with the token from the URL
 * fragment (`/ui/#token=…`), which browsers never send to the server.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { appRoot } from '../../app-root.js';
import type { RouteModule } from '../context.js';
import { apiError, sendError } from '../errors.js';

/** dist/renderer/ of this package (the same from the sources, the CLI build or the app bundle). */
export const UI_DIR = join(appRoot(), 'dist', 'renderer') + sep;
export const UI_PREFIX = '/ui/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function contentTypeOf(path: string): string {
  return TYPES[extname(path)] ?? 'application/octet-stream';
}

/** The file a request path names inside the bundle, or undefined when it would leave it. */
export function bundlePath(root: string, urlPath: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const full = normalize(join(root, rel));
  return full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : undefined;
}

export function uiRoutes(dir = UI_DIR): RouteModule {
  return (app) => {
    app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect(UI_PREFIX, 308));
    app.get('/ui/*', { schema: { hide: true } }, async (req, reply) => {
      const rest = (req.url.split('?')[0] ?? '').slice(UI_PREFIX.length);
      const file = rest ? bundlePath(dir, rest) : undefined;
      const send = async (path: string): Promise<boolean> => {
        try {
          const body = await readFile(path);
          // Hashed asset names never change; index.html must always be fetched again.
          void reply
            .header('content-type', contentTypeOf(path))
            .header('cache-control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
            .header('x-content-type-options', 'nosniff')
            .send(body);
          return true;
        } catch {
          return false;
        }
      };
      if (file && extname(file)) {
        if (await send(file)) return reply;
        return sendError(reply, 404, apiError(`no file ${rest.slice(0, 200)} in the web UI`, [{ path: ['url'], message: 'not part of the built UI' }]));
      }
      if (await send(join(dir, 'index.html'))) return reply;
      return sendError(reply, 404, apiError('the web UI is not built: run `npm run build`', [{ path: ['url'], message: 'dist/renderer/index.html is missing' }]));
    });
  };
}
