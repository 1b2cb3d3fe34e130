/**
 * Serves the built renderer (dist/renderer/) the way `tidemark serve` is meant to: the files,
 * `index.html` for any other GET that is not the API (SPA fallback), and the API proxied to a
 * running `tidemark serve`, streams (SSE) included. Used by the e2e test until the REST server
 * serves the bundle itself, and by `node --import tsx test/e2e/ui-server.ts` for a quick look.
 */
import { createServer, request, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2' };
const API = /^\/(v1|version|health|ready|api-docs|metrics)(\/|$|\?)/;

export async function startUiServer(o: { dir: string; api: string; port?: number }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const api = new URL(o.api);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (API.test(url)) {
      const up = request({ host: api.hostname, port: api.port, method: req.method, path: url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `Tidemark is not reachable: ${err.message}`, issues: [] }));
      });
      req.pipe(up);
      res.on('close', () => up.destroy());
      return;
    }
    const path = normalize(decodeURIComponent(url.split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, '');
    let file = join(o.dir, path);
    if (!file.startsWith(o.dir) || !existsSync(file) || statSync(file).isDirectory()) file = join(o.dir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('../../dist/renderer/', import.meta.url).pathname;
  const s = await startUiServer({ dir, api: process.env.TIDEMARK_API ?? 'http://127.0.0.1:8080', port: Number(process.env.PORT ?? 4173) });
  console.log(`UI on ${s.url} (API ${process.env.TIDEMARK_API ?? 'http://127.0.0.1:8080'})`);
}
