/** `tidemark backup`: its options here; what it does is in backup-action.ts, loaded when it runs. */
import { Command, Option } from 'commander';
import { collect, int, parseTime } from './option-parsers.js';

export interface BackupCliOptions {
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
      const { backupAction } = await import('./backup-action.js');
      const code = await backupAction(o);
      if (code !== 0) process.exitCode = code;
    });
}
