/** What every service-backed command shares: `--config`, `--json`, and opening the core. */
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfFileStore } from '../core/config/config-file.js';
import { ConfigError } from '../core/config/config-error.js';
import { ConfigService } from '../core/config/config-service.js';
import { defaultConfigPath } from '../core/service/paths.js';
import { TidemarkService } from '../core/service/tidemark-service.js';
import { formatIssues } from '../../shared/schemas/config.js';

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

/** The config alone, for commands that need no state database. */
export function openConfig(o: ServiceCliOptions): ConfigService {
  const path = configPathOf(o);
  const config = new ConfigService({ store: new ConfFileStore(path), lastGood: new ConfFileStore(join(dirname(path), 'config.last-good.json')) });
  const problem = config.load();
  if (problem) process.stderr.write(`warning: ${problem.message}\n  running on the ${problem.running === 'last-good' ? 'last good copy' : 'empty configuration'}; the file is kept as it is\n`);
  return config;
}

export async function openService(o: ServiceCliOptions): Promise<TidemarkService> {
  const service = await TidemarkService.open({ configPath: configPathOf(o) });
  const problem = service.config.problem;
  if (problem) process.stderr.write(`warning: ${problem.message}\n  running on the ${problem.running === 'last-good' ? 'last good copy' : 'empty configuration'}; the file is kept as it is\n`);
  return service;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reports a failure the way every command does, and returns the exit code. */
export function failure(command: string, err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`tidemark ${command}: ${err.code === 'invalid' || err.code === 'secret' ? 'refused' : err.code}: ${formatIssues(err.issues)}\n`);
    return 2;
  }
  process.stderr.write(`tidemark ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
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
