import { Command, InvalidArgumentError } from 'commander';
import { AerospikeCluster, parseHosts } from '../core/aerospike/cluster.js';
import { RestoreError, runRestore } from '../core/engine/restore-engine.js';
import { openStorageArg } from '../core/storage/storage-url.js';
import { RestorePolicySchema, type RestorePolicyInput, type RestoreStats } from '../../shared/schemas/restore-request.js';
import { describeIssues } from '../../shared/schemas/backup-request.js';
import { collect, int, parseTime } from './option-parsers.js';
import { ProgressView } from './progress-view.js';
import { addS3Options, keyHashFromOptions, s3Overrides, type S3CliOptions } from './storage-options.js';

function namespaceMap(v: string): { source: string; destination: string } {
  const m = /^([^=\s]+)=([^=\s]+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`--namespace-map takes source=destination, got '${v}'`);
  return { source: m[1]!, destination: m[2]! };
}

interface RestoreCliOptions extends S3CliOptions {
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

export function formatStats(s: RestoreStats): string {
  return [
    `read ${s['read-records']}`,
    `inserted ${s['inserted-records']}`,
    `existed ${s['existed-records']}`,
    `fresher ${s['fresher-records']}`,
    `ignored ${s['ignored-records']}`,
    `skipped ${s['skipped-records']}`,
    `expired ${s['expired-records']}`,
    `errors in doubt ${s['errors-in-doubt']}`,
    `indexes ${s['index-count']}`,
    `UDFs ${s['udf-count']}`,
    `${s['total-bytes']} bytes`,
  ].join(', ');
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
    process.exitCode = await restoreAction(o);
  });
}

async function restoreAction(o: RestoreCliOptions): Promise<number> {
  const fail = (m: string, code = 2): number => {
    process.stderr.write(`tidemark restore: ${m}\n`);
    return code;
  };
  if ((o.key === undefined) === (o.routine === undefined)) return fail('give either --key, or --routine with --time');
  if (o.routine !== undefined && o.time === undefined) return fail('--routine needs --time');
  const input: RestorePolicyInput = {
    parallel: o.parallel,
    'no-generation': !o.generation,
    replace: o.replace ?? false,
    unique: o.unique ?? false,
    'extra-ttl': o.extraTtl,
    ...(o.tps !== undefined ? { tps: o.tps } : {}),
    ...(o.bandwidth !== undefined ? { bandwidth: o.bandwidth } : {}),
    'batch-size': o.batchSize,
    'max-async-batches': o.maxAsyncBatches,
    'disable-batch-writes': !o.batchWrites,
    timeout: o.timeout,
    'socket-timeout': o.socketTimeout,
    'retry-policy': { baseTimeout: o.retryDelay, multiplier: 2, maxRetries: o.maxRetries },
    ...(o.namespaceMap ? { namespace: o.namespaceMap } : {}),
    'set-list': o.set ?? [],
    'bin-list': o.bin ?? [],
    'no-records': !o.records,
    'no-indexes': !o.indexes,
    'no-udfs': !o.udfs,
    'skip-bad-records': o.skipBadRecords ?? false,
  };
  const parsed = RestorePolicySchema.safeParse(input);
  if (!parsed.success) return fail(describeIssues(parsed.error));
  let password: string | undefined;
  if (o.passwordEnv) {
    password = process.env[o.passwordEnv];
    if (password === undefined) return fail(`--password-env: variable ${o.passwordEnv} is not set`);
  }
  if ((o.user === undefined) !== (password === undefined)) return fail('--user and --password-env go together');
  let cluster: AerospikeCluster | undefined;
  const view = new ProgressView(process.stderr, 'restore');
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const keyHash = await keyHashFromOptions(o);
    const storage = await openStorageArg(o.storage, s3Overrides(o));
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(o.cluster), ...(o.user !== undefined ? { user: o.user, password: password! } : {}) });
    const result = await runRestore(
      { cluster, storage, ...(keyHash ? { keyHash } : {}) },
      o.key !== undefined ? { key: o.key } : { routine: o.routine!, time: o.time! },
      parsed.data,
      { signal: ac.signal, onProgress: (j) => view.update(j), onBadRecord: (e) => process.stderr.write(`skipped a bad record: ${e.message}\n`) },
    );
    view.finish();
    if (result.plan) {
      process.stdout.write(`point in time ${new Date(result.plan.requestedMs).toISOString()}: restored the state of ${new Date(result.plan.effectiveMs).toISOString()} from\n`);
      for (const s of result.plan.steps) process.stdout.write(`  ${s.kind.padEnd(11)} ${s.key}\n`);
    }
    process.stdout.write(`restore complete: ${formatStats(result.stats)}\n`);
    return 0;
  } catch (err) {
    view.finish();
    if (err instanceof RestoreError) {
      process.stderr.write(`tidemark restore: ${err.message}\n  so far: ${formatStats(err.stats)}\n`);
      return err.cancelled ? 130 : 1;
    }
    return fail((err as Error).message, 1);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cluster?.close();
  }
}
