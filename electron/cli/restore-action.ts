/** What `tidemark restore` does (restore-command.ts defines its options). */
import { AerospikeCluster, parseHosts } from '../core/aerospike/cluster.js';
import { RestoreError, runRestore } from '../core/engine/restore-engine.js';
import { openStorageArg } from '../core/storage/storage-url.js';
import { RestorePolicySchema, type RestorePolicyInput, type RestoreStats } from '../../shared/schemas/restore-request.js';
import { describeIssues } from '../../shared/schemas/backup-request.js';
import { ProgressView } from './progress-view.js';
import type { RestoreCliOptions } from './restore-command.js';
import { keyHashFromOptions, s3Overrides } from './storage-options.js';

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

export async function restoreAction(o: RestoreCliOptions): Promise<number> {
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
