/** `tidemark restore`: its options here; what it does is in restore-action.ts, loaded when it runs. */
import { Command, InvalidArgumentError } from 'commander';
import { collect, int, parseTime } from './option-parsers.js';
import { addS3Options, type S3CliOptions } from './storage-options.js';

function namespaceMap(v: string): { source: string; destination: string } {
  const m = /^([^=\s]+)=([^=\s]+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`--namespace-map takes source=destination, got '${v}'`);
  return { source: m[1]!, destination: m[2]! };
}

export interface RestoreCliOptions extends S3CliOptions {
  cluster: string;
  user?: string;
  passwordEnv?: string;
  storage: string;
  key?: string;
  routine?: string;
  time?: number;
  namespaceMap?: { source: string; destination: string };
  keyFile?: string;
  keyEnv?: string;
  parallel: number;
  generation: boolean;
  replace?: boolean;
  unique?: boolean;
  extraTtl: number;
  tps?: number;
  bandwidth?: number;
  batchSize: number;
  maxAsyncBatches: number;
  batchWrites: boolean;
  timeout: number;
  socketTimeout: number;
  maxRetries: number;
  retryDelay: number;
  set?: string[];
  bin?: string[];
  records: boolean;
  indexes: boolean;
  udfs: boolean;
  skipBadRecords?: boolean;
}

export function registerRestoreCommand(program: Command): void {
  const cmd = program
    .command('restore')
    .description('Restore a backup, or a routine to a point in time, into a cluster')
    .requiredOption('--cluster <host:port>', 'seed node(s) of the destination, comma-separated')
    .option('--user <user>', 'user for clusters with security enabled')
    .option('--password-env <VAR>', 'environment variable holding the password')
    .requiredOption('--storage <dir|s3://bucket/prefix>', 'where the backups are')
    .option('--key <key>', 'backup to restore, relative to the storage: an ABS backup folder, an asbackup folder or one .asb file')
    .option('--routine <name>', 'restore this routine to --time')
    .option('--time <ms|ISO>', 'point in time: the newest full backup at or before it, then its incrementals up to it', parseTime('--time'))
    .option('--namespace-map <src=dst>', 'restore namespace src into namespace dst', namespaceMap)
    .option('--key-file <file>', 'PEM private key of an encrypted backup')
    .option('--key-env <VAR>', 'environment variable holding the key')
    .option('--parallel <n>', 'files restored at once', int('--parallel', 1), 4)
    .option('--no-generation', 'overwrite records even when the cluster holds a newer generation')
    .option('--replace', 'replace whole records instead of merging bins')
    .option('--unique', 'only create records that do not exist yet')
    .option('--extra-ttl <s>', 'seconds added to every record\'s remaining TTL', int('--extra-ttl', 0), 0)
    .option('--tps <n>', 'records per second limit', int('--tps', 1))
    .option('--bandwidth <bytes/s>', 'storage read limit in bytes per second', int('--bandwidth', 1))
    .option('--batch-size <n>', 'records per batch write', int('--batch-size', 1), 128)
    .option('--max-async-batches <n>', 'batch writes in flight', int('--max-async-batches', 1), 8)
    .option('--no-batch-writes', 'write records one by one')
    .option('--timeout <ms>', 'total timeout of one write', int('--timeout', 0), 10000)
    .option('--socket-timeout <ms>', 'socket idle timeout', int('--socket-timeout', 0), 10000)
    .option('--max-retries <n>', 'retries of a failed write', int('--max-retries', 0), 5)
    .option('--retry-delay <ms>', 'first retry delay (doubles each time)', int('--retry-delay', 0), 100)
    .option('--set <set>', 'only these sets', collect)
    .option('--bin <bin>', 'only these bins', collect)
    .option('--no-records', 'only indexes and UDFs')
    .option('--no-indexes', 'skip secondary indexes')
    .option('--no-udfs', 'skip UDF modules')
    .option('--skip-bad-records', 'skip records that cannot be decoded (counted as skipped) instead of stopping');
  addS3Options(cmd).action(async (o: RestoreCliOptions) => {
    const { restoreAction } = await import('./restore-action.js');
    process.exitCode = await restoreAction(o);
  });
}
