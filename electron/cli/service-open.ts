/** Opening the config or the service core for a command's action, and reporting its failure. */
import { dirname, join } from 'node:path';
import { ConfFileStore } from '../core/config/config-file.js';
import { ConfigError } from '../core/config/config-error.js';
import { ConfigService } from '../core/config/config-service.js';
import { TidemarkService } from '../core/service/tidemark-service.js';
import { formatIssues } from '../../shared/schemas/config.js';
import { configPathOf, type ServiceCliOptions } from './service-options.js';

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

/** Reports a failure the way every command does, and returns the exit code. */
export function failure(command: string, err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`tidemark ${command}: ${err.code === 'invalid' || err.code === 'secret' ? 'refused' : err.code}: ${formatIssues(err.issues)}\n`);
    return 2;
  }
  process.stderr.write(`tidemark ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
