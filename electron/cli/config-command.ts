/**
 * `tidemark config …`: show, validate and change the configuration without editing JSON. Every
 * change goes through the service core's ConfigService, so it is validated as a whole and written
 * atomically, exactly as a change from the UI or the REST API. The options are defined here; what
 * the commands do is in config-actions.ts, loaded when one runs.
 */
import { Command, Option } from 'commander';
import type { SetClusterOptions, SetPolicyOptions, SetRoutineOptions, SetStorageOptions } from './config-actions.js';
import { collect, int } from './option-parsers.js';
import { action, addServiceOptions, configPathOf, type ServiceCliOptions } from './service-options.js';

const load = () => import('./config-actions.js');

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('Show, validate and change the configuration (clusters, storage, policies, routines)');

  addServiceOptions(config.command('show').description('Print the configuration (secrets masked)')).action(
    action('config show', async (o: ServiceCliOptions) => (await load()).showConfig(o)),
  );

  addServiceOptions(config.command('path').description('Print the config file path')).action(
    action('config path', async (o: ServiceCliOptions) => {
      process.stdout.write(`${configPathOf(o)}\n`);
      return 0;
    }),
  );

  addServiceOptions(config.command('validate').argument('[file]', 'a config file (JSON or YAML) to check instead of the current one').description('Check a configuration; exit code 2 names every problem')).action(
    action('config validate', async (o: ServiceCliOptions, file?: string) => (await load()).validateConfig(o, file)),
  );

  addServiceOptions(
    config
      .command('set-cluster')
      .argument('<name>')
      .description('Create or change a cluster')
      .option('--seeds <host:port,…>', 'seed nodes')
      .option('--user <user>', 'user, for clusters with security enabled')
      .option('--password-env <VAR>', 'environment variable holding the password')
      .option('--password-path <file>', 'file holding the password')
      .option('--max-parallel-scans <n>', 'scans all routines may run on this cluster at once', int('--max-parallel-scans', 1))
      .option('--conn-timeout <ms>', 'connection timeout', int('--conn-timeout', 1))
      .option('--label <text>', 'display name'),
  ).action(
    action('config set-cluster', async (o: SetClusterOptions, name: string) => (await load()).setCluster(o, name)),
  );

  addServiceOptions(
    config
      .command('set-storage')
      .argument('<name>')
      .description('Create or change a storage: a local folder or an S3 bucket')
      .option('--path <dir>', 'local folder (relative paths are taken from the config file\'s folder)')
      .option('--s3-bucket <bucket>', 'S3 bucket')
      .option('--s3-path <prefix>', 'key prefix inside the bucket')
      .option('--s3-region <region>', 'S3 region')
      .option('--s3-profile <name>', 'AWS credentials profile')
      .option('--s3-endpoint <url>', 'S3-compatible endpoint, e.g. http://127.0.0.1:9000')
      .option('--s3-path-style', 'path-style addressing'),
  ).action(
    action('config set-storage', async (o: SetStorageOptions, name: string) => (await load()).setStorage(o, name)),
  );

  addServiceOptions(
    config
      .command('set-policy')
      .argument('<name>')
      .description('Create or change a backup policy')
      .option('--parallel <n>', 'parallel scans', int('--parallel', 1))
      .addOption(new Option('--compress <mode>', 'compression').choices(['none', 'zstd']))
      .option('--compress-level <n>', 'zstd level', int('--compress-level', 1))
      .addOption(new Option('--encrypt <mode>', 'encryption').choices(['none', 'aes128', 'aes256']))
      .option('--key-file <file>', 'PEM private key the AES key is derived from')
      .option('--key-env <VAR>', 'environment variable holding the key')
      .option('--retention-full <n>', 'keep the newest N full backups', int('--retention-full', 1))
      .option('--retention-incremental <n>', 'keep the incrementals of the newest N full backups', int('--retention-incremental', 0))
      .option('--max-age <duration>', 'also remove backup chains older than this (30d, 12h, 2w)')
      .option('--sealed', 'only records changed before the backup started')
      .option('--file-limit <MiB>', 'start a new file after this many MiB', int('--file-limit', 0))
      .option('--records-per-second <n>', 'scan rate limit', int('--records-per-second', 0))
      .option('--bandwidth <MiB/s>', 'storage write limit in MiB/s', int('--bandwidth', 0))
      .option('--no-indexes', 'skip secondary-index definitions')
      .option('--no-udfs', 'skip UDF modules'),
  ).action(
    action('config set-policy', async (o: SetPolicyOptions, name: string) => (await load()).setPolicy(o, name)),
  );

  addServiceOptions(
    config
      .command('set-routine')
      .argument('<name>')
      .description('Create or change a backup routine')
      .option('--cluster <name>', 'source cluster')
      .option('--storage <name>', 'storage')
      .option('--policy <name>', 'backup policy')
      .option('--cron <expr>', 'full backups: cron with seconds, 5 fields or @daily-style')
      .option('--incr-cron <expr>', 'incremental backups (optional)')
      .option('--verify-cron <expr>', 'verify the current restore chain on this schedule (optional)')
      .option('--namespace <ns>', 'namespaces (repeat or comma-separate; none = all)', collect)
      .option('--set <set>', 'only these sets', collect)
      .option('--bin <bin>', 'only these bins', collect)
      .option('--partitions <list>', 'partition ids and ranges, e.g. 0-1023,2048')
      .option('--timezone <tz>', 'IANA time zone of the cron expressions')
      .option('--skip-on-battery', 'skip scheduled runs while on battery power')
      .option('--disable', 'keep the routine but do not schedule it')
      .option('--enable', 'schedule the routine again'),
  ).action(
    action('config set-routine', async (o: SetRoutineOptions, name: string) => (await load()).setRoutine(o, name)),
  );

  addServiceOptions(
    config
      .command('delete')
      .argument('<kind>', 'cluster, storage, policy or routine')
      .argument('<name>')
      .description('Delete an entry (refused while a routine uses it)'),
  ).action(
    action('config delete', async (o: ServiceCliOptions, kind: string, name: string) => (await load()).deleteEntry(o, kind, name)),
  );

  addServiceOptions(config.command('restore-last-good').description('Move a broken config file aside (kept) and go back to the last good copy')).action(
    action('config restore-last-good', async (o: ServiceCliOptions) => (await load()).restoreLastGood(o)),
  );
}
