/** What `tidemark serve` does (serve-command.ts defines its options); the demo serves the same way. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UI_DIR, UI_PREFIX } from '../core/rest/routes/ui.js';
import { DEFAULT_HOST, createRestServer, resolveBinding } from '../core/rest/server.js';
import { checkBinding, isLoopbackHost } from '../core/rest/security.js';
import { apiAccess, ensureApiToken, rotateApiToken, TOKEN_ENV } from '../core/service/api-access.js';
import type { TidemarkService } from '../core/service/tidemark-service.js';
import { openService } from './service-open.js';
import type { ServiceCliOptions } from './service-options.js';

export interface ServeOptions extends ServiceCliOptions {
  port?: number;
  host?: string;
  allowRemote?: boolean;
  graceMs: number;
  rotateToken?: boolean;
}

/** Extra time after the grace period for closing the database and the server. */
const CLOSE_MARGIN_MS = 5000;

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function serveCommand(o: ServeOptions): Promise<number> {
  return serveUntilStopped(await openService(o), o);
}

/**
 * Runs the scheduler and the REST API on an open service until SIGINT/SIGTERM, then shuts down
 * cleanly (the demo runs the same). Closes the service.
 */
export async function serveUntilStopped(service: TidemarkService, o: ServeOptions): Promise<number> {
  let server: Awaited<ReturnType<typeof createRestServer>> | undefined;
  let closed = false;
  try {
    const binding = resolveBinding(service, { ...(o.host !== undefined ? { host: o.host } : {}), ...(o.port !== undefined ? { port: o.port } : {}) });
    // An imported ABS config usually says 0.0.0.0: that alone never exposes the API.
    if (o.host === undefined && !o.allowRemote && !isLoopbackHost(binding.host)) {
      process.stderr.write(`warning: config service.http.address ${binding.host} is not a loopback address; listening on ${DEFAULT_HOST} (pass --allow-remote to use it)\n`);
      binding.host = DEFAULT_HOST;
    }
    const security = { host: binding.host, allowRemote: o.allowRemote ?? false };
    checkBinding(service, security);
    const authOn = apiAccess(service.config.config).auth !== false;
    const token = !authOn ? undefined : o.rotateToken && !process.env[TOKEN_ENV] ? { token: rotateApiToken(service.config, service.dataDir), source: 'generated' as const, file: '' } : ensureApiToken(service.config, service.dataDir);
    server = await createRestServer(service, security);
    await server.app.listen({ host: binding.host, port: binding.port });
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : binding.port;
    service.start();
    if (!token) process.stdout.write('API credentials are off (tidemark.api.auth is false)\n');
    else if (token.source === 'generated') process.stdout.write(`API token (shown once; also in ${token.file || 'the data folder\'s api-token file'}): ${token.token}\n`);
    else if (token.source === 'environment') process.stdout.write(`API token: from ${TOKEN_ENV}\n`);
    else if (token.source === 'file') process.stdout.write(`API token: in ${token.file}\n`);
    else process.stdout.write(`API token: set, but ${token.file} does not hold it; run 'tidemark serve --rotate-token' for a new one\n`);
    if (existsSync(join(UI_DIR, 'index.html'))) {
      process.stdout.write(`web UI: ${urlOf(binding.host, port)}${UI_PREFIX}${token?.token ? `#token=${token.token}` : ''}\n`);
    } else process.stdout.write('web UI: not built (run `npm run build`)\n');
    // Last: the listening line tells scripts and tests that the server is ready.
    process.stdout.write(`listening on ${urlOf(binding.host, port)}\n`);
    service.log.info({ host: binding.host, port }, 'REST API listening');

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    const running = service.jobs.running().length;
    process.stderr.write(`${signal}: shutting down${running ? `, cancelling ${running} running job${running === 1 ? '' : 's'} (up to ${o.graceMs} ms)` : ''}\n`);
    // Whatever hangs, the process ends: a second signal or the grace period plus a margin.
    const force = setTimeout(() => {
      process.stderr.write('shutdown took too long: exiting; the next start cleans up what is left\n');
      process.exit(1);
    }, o.graceMs + CLOSE_MARGIN_MS);
    force.unref();
    const again = (): void => process.exit(130);
    process.once('SIGINT', again);
    process.once('SIGTERM', again);
    server.beginClosing();
    await service.close(o.graceMs);
    closed = true;
    await server.app.close();
    server = undefined;
    process.stderr.write('stopped\n');
    return 0;
  } finally {
    if (server) await server.app.close();
    if (!closed) await service.close(o.graceMs);
  }
}
