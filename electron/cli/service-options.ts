/**
 * What every service-backed command shares: `--config`, `--json`, running an action and plain
 * output. Light on purpose — command definitions import it, and `--help` loads those — so opening
 * the config or the core is in service-open.ts, which actions load when they run.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultConfigPath } from '../core/service/paths.js';

export interface ServiceCliOptions {
  config?: string;
  json?: boolean;
}

export function addServiceOptions(cmd: Command): Command {
  return cmd.option('--config <file>', `config file (default: $TIDEMARK_CONFIG or ${defaultConfigPath()})`).option('--json', 'machine-readable output');
}

export function configPathOf(o: ServiceCliOptions): string {
  return resolve(o.config ?? defaultConfigPath());
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs an action with a service that is always closed, and sets the exit code. */
export function action<O extends ServiceCliOptions, A extends unknown[]>(command: string, fn: (o: O, ...args: A) => Promise<number>) {
  return async (...args: unknown[]): Promise<void> => {
    // commander passes the positional arguments first, then the options and the command.
    const opts = args[args.length - 2] as O;
    const positional = args.slice(0, -2) as A;
    try {
      const code = await fn(opts, ...positional);
      if (code !== 0) process.exitCode = code;
    } catch (err) {
      const { failure } = await import('./service-open.js');
      process.exitCode = failure(command, err);
    }
  };
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A plain text table: columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
