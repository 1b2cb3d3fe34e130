/** What `tidemark backup` does (backup-command.ts defines its options). */
import { AerospikeCluster, parseHosts } from '../core/aerospike/cluster.js';
import { BackupCancelledError, runBackup } from '../core/engine/backup-engine.js';
import { createEncodeTransforms } from '../core/format/file-codec.js';
import { resolveEncryptionKey } from '../core/engine/encryption-config.js';
import { openStorageArg } from '../core/storage/storage-url.js';
import { BackupRequestSchema, describeIssues, type BackupRequestInput } from '../../shared/schemas/backup-request.js';
import { TOOL_VERSION } from '../core/version.js';
import type { BackupCliOptions } from './backup-command.js';
import { ProgressView } from './progress-view.js';

export async function backupAction(o: BackupCliOptions & { records: boolean; indexes: boolean; udfs: boolean }): Promise<number> {
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
      // Only incrementals read the catalog (and its metadata schemas): a full backup does not load it.
      const { lastBackupStart } = await import('../core/catalog/catalog.js');
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
