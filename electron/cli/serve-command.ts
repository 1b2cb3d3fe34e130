/**
 * `tidemark serve`: the service core, its scheduler and the REST API, headless, until SIGINT or
 * SIGTERM. Shutdown refuses new requests (503), cancels running jobs — a cancelled backup removes
 * what it wrote — and waits up to `--grace-ms` for them, then closes; a job still running after
 * that is left to the next start, which marks it interrupted and removes its partial files. The
 * options are defined here; what the command does is in serve-action.ts, loaded when it runs.
 */
import { Command } from 'commander';
import { int } from './option-parsers.js';
import type { ServeOptions } from './serve-action.js';
import { action, addServiceOptions } from './service-options.js';

export function registerServeCommand(program: Command): void {
  addServiceOptions(
    program
      .command('serve')
      .description('Run the scheduler and the REST API (ABS-compatible) until stopped')
      .option('--port <n>', 'port (default: config service.http.port, else 8080; 0 picks a free one)', int('--port', 0))
      .option('--host <address>', 'address to listen on (default: config service.http.address, else 127.0.0.1)')
      .option('--allow-remote', 'allow a non-loopback address (the API then needs credentials)')
      .option('--grace-ms <ms>', 'on SIGTERM, how long running jobs get to cancel cleanly', int('--grace-ms', 0), 30_000)
      .option('--rotate-token', 'replace the API token before starting, and print the new one'),
  ).action(
    action('serve', async (o: ServeOptions) => (await import('./serve-action.js')).serveCommand(o)),
  );
}
