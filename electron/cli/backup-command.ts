import { Command, Option } from 'commander';
import { collect, int, parseTime } from './option-parsers.js';
import { AerospikeCluster, parseHosts } from '../core/aerospike/cluster.js';
import { lastBackupStart } from '../core/catalog/catalog.js';
import { BackupCancelledError, runBackup } from '../core/engine/backup-engine.js';
import { createEncodeTransforms } from '../core/format/file-codec.js';
import { resolveEncryptionKey } from '../core/engine/encryption-config.js';
import { openStorageArg } from '../core/storage/storage-url.js';
import { BackupRequestSchema, describeIssues, type BackupRequestInput } from '../../shared/schemas/backup-request.js';
import { TOOL_VERSION } from '../core/version.js';
import { ProgressView } from './progress-view.js';

interface BackupCliOptions {
  cluster: string;
  user?: string;
  passwordEnv?: string;
  namespace: string[];
  storage: string;
  routine: string;
  incremental?: boolean;
  modifiedAfter?: number;
  modifiedBefore?: number;
  set?: string[];
  bin?: string[];
  partitions?: string[];
  parallel: number;
  compress: 'none' | 'zstd';
  compressLevel?: number;
  encrypt?: 'aes128' | 'aes256';
  keyFile?: string;
  keyEnv?: string;
  fileLimit: number;
  rps?: number;
  bandwidth?: number;
  maxRecords?: number;
  noRecords?: boolean;
  noIndexes?: boolean;
  noUdfs?: boolean;
  socketTimeout: number;
  maxRetries: number;
  s3Endpoint?: string;
  s3Region?: string;
  s3Profile?: string;
  s3PathStyle?: boolean;
}

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('Back up namespaces of a cluster into the ABS layout (.asb files + metadata.yaml)')
    .requiredOption('--cluster <host:port>', 'seed node(s), comma-separated')
    .option('--user <user>', 'user for clusters with security enabled')
    .option('--password-env <VAR>', 'environment variable holding the password')
    .requiredOption('--namespace <ns>', 'namespace to back up (repeat or comma-separate for several)', collect)
    .requiredOption('--storage <dir|s3://bucket/prefix>', 'where backups are stored')
    .option('--routine <name>', 'routine name: the first folder level of the layout', 'manual')
    .option('--incremental', 'only records changed since the routine\'s previous backup')
    .option('--modified-after <ms|ISO>', 'only records last updated at or after this time', parseTime('--modified-after'))
    .option('--modified-before <ms|ISO>', 'only records last updated before this time', parseTime('--modified-before'))
    .option('--set <set>', 'only these sets (repeat or comma-separate)', collect)
    .option('--bin <bin>', 'only these bins (repeat or comma-separate)', collect)
    .option('--partitions <list>', 'partition ids or ranges, e.g. 0-1023,2048', collect)
    .option('--parallel <n>', 'parallel partition workers', int('--parallel', 1), 4)
    .addOption(new Option('--compress <mode>', 'compression').choices(['none', 'zstd']).default('none'))
    .option('--compress-level <n>', 'zstd level', int('--compress-level', 1))
    .addOption(new Option('--encrypt <mode>', 'encryption').choices(['aes128', 'aes256']))
    .option('--key-file <file>', 'PEM private key the AES key is derived from (as asbackup --encryption-key-file)')
    .option('--key-env <VAR>', 'environment variable holding the key (as asbackup --encryption-key-env)')
    .option('--file-limit <MiB>', 'start a new file after this many MiB', int('--file-limit', 0), 250)
    .option('--rps <n>', 'records per second limit', int('--rps', 1))
    .option('--bandwidth <bytes/s>', 'storage write limit in bytes per second', int('--bandwidth', 1))
    .option('--max-records <n>', 'stop after this many records', int('--max-records', 1))
    .option('--no-records', 'only indexes and UDFs')
    .option('--no-indexes', 'skip secondary-index definitions')
    .option('--no-udfs', 'skip UDF modules')
    .option('--socket-timeout <ms>', 'socket idle timeout', int('--socket-timeout', 0), 30000)
    .option('--max-retries <n>', 'retries of a failed partition scan', int('--max-retries', 0), 5)
    .option('--s3-endpoint <url>', 'S3 endpoint override (e.g. a local S3 server)')
    .option('--s3-region <region>', 'S3 region')
    .option('--s3-profile <name>', 'AWS credentials profile')
    .option('--s3-path-style', 'use path-style S3 addressing')
    .action(async (o: BackupCliOptions & { records: boolean; indexes: boolean; udfs: boolean }) => {
      const code = await backupAction(o);
      if (code !== 0) process.exitCode = code;
    });
}

async function backupAction(o: BackupCliOptions & { records: boolean; indexes: boolean; udfs: boolean }): Promise<number> {
  const input: BackupRequestInput = {
    routine: o.routine,
    type: o.incremental ? 'incremental' : 'full',
    namespaces: o.namespace,
    'set-list': o.set ?? [],
    'bin-list': o.bin ?? [],
    'partition-list': o.partitions ?? [],
    ...(o.modifiedAfter !== undefined ? { 'modified-after': o.modifiedAfter } : {}),
    ...(o.modifiedBefore !== undefined ? { 'modified-before': o.modifiedBefore } : {}),
    'no-records': !o.records,
    'no-indexes': !o.indexes,
    'no-udfs': !o.udfs,
    ...(o.maxRecords !== undefined ? { 'max-records': o.maxRecords } : {}),
    parallel: o.parallel,
    ...(o.rps !== undefined ? { 'records-per-second': o.rps } : {}),
    ...(o.bandwidth !== undefined ? { bandwidth: o.bandwidth } : {}),
    'socket-timeout': o.socketTimeout,
    'max-retries': o.maxRetries,
    'file-limit': o.fileLimit * 1024 * 1024,
    compression: { mode: o.compress, ...(o.compressLevel !== undefined ? { level: o.compressLevel } : {}) },
    encryption: { mode: o.encrypt ?? 'none', ...(o.keyFile ? { 'key-file': o.keyFile } : {}), ...(o.keyEnv ? { 'key-env': o.keyEnv } : {}) },
  };
  const parsed = BackupRequestSchema.safeParse(input);
  if (!parsed.success) {
    process.stderr.write(`tidemark backup: ${describeIssues(parsed.error)}\n`);
    return 2;
  }
  const req = parsed.data;
  let password: string | undefined;
  if (o.passwordEnv) {
    password = process.env[o.passwordEnv];
    if (password === undefined) {
      process.stderr.write(`tidemark backup: --password-env: variable ${o.passwordEnv} is not set\n`);
      return 2;
    }
  }
  if ((o.user === undefined) !== (password === undefined)) {
    process.stderr.write('tidemark backup: --user and --password-env go together\n');
    return 2;
  }
  const key = await resolveEncryptionKey(req.encryption);
  const storage = await openStorageArg(o.storage, { endpoint: o.s3Endpoint, region: o.s3Region, profile: o.s3Profile, forcePathStyle: o.s3PathStyle });
  const cluster = await AerospikeCluster.connect({ hosts: parseHosts(o.cluster), ...(o.user !== undefined ? { user: o.user, password: password! } : {}) });
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const view = new ProgressView(process.stderr, 'backup');
  try {
    if (req.type === 'incremental' && req['modified-after'] === undefined) {
      const last = await lastBackupStart(storage, req.routine);
      if (!last) throw new Error(`routine '${req.routine}' has no full backup in ${storage.describe()} yet: run a full backup first`);
      req['modified-after'] = last.lastMs;
    }
    const result = await runBackup(
      {
        cluster,
        storage,
        encodeStages: () => createEncodeTransforms({ compression: req.compression.mode, ...(req.compression.level !== undefined ? { level: req.compression.level } : {}), encryption: req.encryption.mode, ...(key ? { key } : {}) }),
        toolVersion: TOOL_VERSION,
      },
      req,
      { signal: ac.signal, onProgress: (j) => view.update(j), onWarning: (m) => process.stderr.write(`warning: ${m}\n`) },
    );
    view.finish();
    for (const ns of result.namespaces) {
      const m = ns.metadata;
      process.stdout.write(
        `backup ${ns.key}: ${m['record-count'] ?? 0} records, ${m['file-count'] ?? 0} files, ${m['byte-count'] ?? 0} bytes, ${m['secondary-index-count'] ?? 0} indexes, ${m['udf-count'] ?? 0} UDFs\n`,
      );
    }
    return 0;
  } catch (err) {
    view.finish();
    process.stderr.write(`tidemark backup: ${err instanceof BackupCancelledError ? err.message : `failed: ${(err as Error).message}`}\n`);
    return err instanceof BackupCancelledError ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cluster.close();
  }
}
