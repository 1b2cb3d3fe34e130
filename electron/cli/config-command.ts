/**
 * `tidemark config …`: show, validate and change the configuration without editing JSON. Every
 * change goes through the service core's ConfigService, so it is validated as a whole and written
 * atomically, exactly as a change from the UI or the REST API.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseHosts } from '../core/aerospike/cluster.js';
import { ConfigError } from '../core/config/config-error.js';
import { formatIssues, SECTIONS, type Section } from '../../shared/schemas/config.js';
import { collect, int } from './option-parsers.js';
import { action, addServiceOptions, configPathOf, openConfig, printJson, type ServiceCliOptions } from './service-options.js';

const KINDS: Record<string, Section> = { cluster: 'aerospike-clusters', storage: 'storage', policy: 'backup-policies', routine: 'backup-routines' };

type Obj = Record<string, unknown>;

/** Overlays the options that were given onto the existing entry, so `set-…` changes only those. */
function merged(existing: unknown, patch: Obj): Obj {
  const out: Obj = { ...((existing as Obj | undefined) ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = merged(out[k], v as Obj);
    else out[k] = v;
  }
  return out;
}

function put(o: ServiceCliOptions, section: Section, name: string, patch: Obj): number {
  const config = openConfig(o);
  const existing = config.has(section, name) ? config.config[section][name] : undefined;
  config.put(section, name, merged(existing, patch));
  process.stdout.write(`${existing ? 'updated' : 'created'} ${SECTIONS[section]} '${name}' in ${config.path}\n`);
  return 0;
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('Show, validate and change the configuration (clusters, storage, policies, routines)');

  addServiceOptions(config.command('show').description('Print the configuration (secrets masked)')).action(
    action('config show', async (o: ServiceCliOptions) => {
      const c = openConfig(o);
      if (o.json) printJson(c.masked());
      else {
        process.stdout.write(`# ${c.path}\n`);
        for (const [section, what] of Object.entries(SECTIONS)) {
          const names = Object.keys(c.config[section as Section]);
          process.stdout.write(`${section} (${names.length}): ${names.length ? names.join(', ') : `no ${what} yet`}\n`);
        }
      }
      return 0;
    }),
  );

  addServiceOptions(config.command('path').description('Print the config file path')).action(
    action('config path', async (o: ServiceCliOptions) => {
      process.stdout.write(`${configPathOf(o)}\n`);
      return 0;
    }),
  );

  addServiceOptions(config.command('validate').argument('[file]', 'a config file (JSON or YAML) to check instead of the current one').description('Check a configuration; exit code 2 names every problem')).action(
    action('config validate', async (o: ServiceCliOptions, file?: string) => {
      const c = openConfig(o);
      let doc: unknown;
      if (file) {
        const text = await readFile(file, 'utf8');
        try {
          doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
        } catch (err) {
          process.stderr.write(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}\n`);
          return 2;
        }
      } else if (c.problem) {
        process.stderr.write(`${c.problem.message}\n`);
        return 2;
      } else doc = c.config;
      const v = c.validate(doc);
      if (o.json) printJson(v.ok ? { ok: true } : { ok: false, issues: v.issues });
      else if (v.ok) process.stdout.write(`${file ?? c.path}: valid\n`);
      else process.stderr.write(`${file ?? c.path}: ${formatIssues(v.issues)}\n`);
      return v.ok ? 0 : 2;
    }),
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
    action('config set-cluster', async (o: ServiceCliOptions & { seeds?: string; user?: string; passwordEnv?: string; passwordPath?: string; maxParallelScans?: number; connTimeout?: number; label?: string }, name: string) => {
      const credentials = o.user ? { user: o.user, ...(o.passwordEnv ? { 'password-env': o.passwordEnv } : {}), ...(o.passwordPath ? { 'password-path': o.passwordPath } : {}) } : undefined;
      return put(o, 'aerospike-clusters', name, {
        ...(o.seeds ? { 'seed-nodes': parseHosts(o.seeds).map((h) => ({ 'host-name': h.host, port: h.port })) } : {}),
        credentials,
        'max-parallel-scans': o.maxParallelScans,
        'conn-timeout': o.connTimeout,
        label: o.label,
      });
    }),
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
    action('config set-storage', async (o: ServiceCliOptions & { path?: string; s3Bucket?: string; s3Path?: string; s3Region?: string; s3Profile?: string; s3Endpoint?: string; s3PathStyle?: boolean }, name: string) => {
      if (o.path !== undefined && o.s3Bucket !== undefined) throw ConfigError.at('invalid', ['storage', name], 'give --path or --s3-bucket, not both');
      const c = openConfig(o);
      const existing = c.has('storage', name) ? (c.config.storage[name] as Obj) : undefined;
      // Switching between local and S3 replaces the entry rather than mixing both kinds.
      const base = o.path !== undefined ? { 'local-storage': {} } : o.s3Bucket !== undefined && !existing?.['s3-storage'] ? {} : existing;
      const patch: Obj =
        o.path !== undefined
          ? { 'local-storage': { path: o.path } }
          : {
              's3-storage': {
                bucket: o.s3Bucket,
                path: o.s3Path,
                's3-region': o.s3Region,
                's3-profile': o.s3Profile,
                's3-endpoint-override': o.s3Endpoint,
                's3-force-path-style': o.s3PathStyle,
              },
            };
      c.put('storage', name, merged(base, patch));
      process.stdout.write(`${existing ? 'updated' : 'created'} storage '${name}' in ${c.path}\n`);
      return 0;
    }),
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
    action(
      'config set-policy',
      async (
        o: ServiceCliOptions & {
          parallel?: number;
          compress?: string;
          compressLevel?: number;
          encrypt?: string;
          keyFile?: string;
          keyEnv?: string;
          retentionFull?: number;
          retentionIncremental?: number;
          maxAge?: string;
          sealed?: boolean;
          fileLimit?: number;
          recordsPerSecond?: number;
          bandwidth?: number;
          indexes: boolean;
          udfs: boolean;
        },
        name: string,
      ) =>
        put(o, 'backup-policies', name, {
          parallel: o.parallel,
          ...(o.compress || o.compressLevel !== undefined ? { compression: { mode: o.compress?.toUpperCase(), level: o.compressLevel } } : {}),
          ...(o.encrypt || o.keyFile || o.keyEnv ? { encryption: { mode: o.encrypt?.toUpperCase(), 'key-file': o.keyFile, 'key-env': o.keyEnv } } : {}),
          ...(o.retentionFull !== undefined || o.retentionIncremental !== undefined ? { retention: { full: o.retentionFull, incremental: o.retentionIncremental } } : {}),
          'max-age': o.maxAge,
          sealed: o.sealed,
          'file-limit': o.fileLimit,
          'records-per-second': o.recordsPerSecond,
          bandwidth: o.bandwidth,
          'no-indexes': o.indexes === false ? true : undefined,
          'no-udfs': o.udfs === false ? true : undefined,
        }),
    ),
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
    action(
      'config set-routine',
      async (
        o: ServiceCliOptions & { cluster?: string; storage?: string; policy?: string; cron?: string; incrCron?: string; verifyCron?: string; namespace?: string[]; set?: string[]; bin?: string[]; partitions?: string; timezone?: string; skipOnBattery?: boolean; disable?: boolean; enable?: boolean },
        name: string,
      ) => {
        if (o.disable && o.enable) throw ConfigError.at('invalid', ['backup-routines', name, 'disabled'], 'give --disable or --enable, not both');
        const c = openConfig(o);
        const existing = c.has('backup-routines', name) ? ({ ...c.config['backup-routines'][name] } as Obj) : {};
        if (o.enable) delete existing.disabled;
        const next = merged(existing, {
          'source-cluster': o.cluster,
          storage: o.storage,
          'backup-policy': o.policy,
          'interval-cron': o.cron,
          'incr-interval-cron': o.incrCron,
          'verify-cron': o.verifyCron,
          namespaces: o.namespace,
          'set-list': o.set,
          'bin-list': o.bin,
          'partition-list': o.partitions,
          timezone: o.timezone,
          'skip-on-battery': o.skipOnBattery,
          disabled: o.disable ? true : undefined,
        });
        c.put('backup-routines', name, next);
        process.stdout.write(`${Object.keys(existing).length ? 'updated' : 'created'} routine '${name}' in ${c.path}\n`);
        return 0;
      },
    ),
  );

  addServiceOptions(
    config
      .command('delete')
      .argument('<kind>', 'cluster, storage, policy or routine')
      .argument('<name>')
      .description('Delete an entry (refused while a routine uses it)'),
  ).action(
    action('config delete', async (o: ServiceCliOptions, kind: string, name: string) => {
      const section = KINDS[kind];
      if (!section) throw ConfigError.at('invalid', ['kind'], `'${kind}' is not one of ${Object.keys(KINDS).join(', ')}`);
      const c = openConfig(o);
      c.remove(section, name);
      process.stdout.write(`deleted ${kind} '${name}' from ${c.path}\n`);
      return 0;
    }),
  );

  addServiceOptions(config.command('restore-last-good').description('Move a broken config file aside (kept) and go back to the last good copy')).action(
    action('config restore-last-good', async (o: ServiceCliOptions) => {
      const c = openConfig(o);
      if (!c.problem) {
        process.stdout.write(`${c.path} is fine: nothing to restore\n`);
        return 0;
      }
      const aside = c.restoreLastGood();
      process.stdout.write(`restored the last good configuration into ${c.path}${aside ? `; the broken file is kept as ${aside}` : ''}\n`);
      return 0;
    }),
  );
}
