/**
 * One restore: a backup by key from a named storage, or a routine to a point in time, into a
 * named cluster (by default the routine's own source cluster, as ABS's timestamp restore does).
 * An encrypted backup's key comes from the request, else from the routine's policy.
 */
import { AerospikeCluster } from '../aerospike/cluster.js';
import { runRestore, type RestoreResult } from '../engine/restore-engine.js';
import { keyHashFromEnv, keyHashFromPemFile } from '../format/encryption-key.js';
import type { Config } from '../../../shared/schemas/config.js';
import type { RunningJob } from '../../../shared/schemas/progress.js';
import { RestorePolicySchema, type RestorePolicyInput, type RestoreStats } from '../../../shared/schemas/restore-request.js';
import { describeIssues } from '../../../shared/schemas/backup-request.js';
import type { Resources } from './resources.js';

export interface RestoreJobSpec {
  source: { storage: string; key: string } | { routine: string; time: number };
  /** Cluster name; the routine's source cluster when absent. */
  destination?: string;
  policy?: RestorePolicyInput;
  encryption?: { 'key-file'?: string; 'key-env'?: string };
}

export interface RestoreJobContext {
  signal: AbortSignal;
  onProgress(job: RunningJob, stats: RestoreStats): void;
  /** Storage paths the restore reads, known once planned (deletes and retention keep off them). */
  onUses(storage: string, keys: string[]): void;
}

export function restoreStorageName(config: Config, spec: RestoreJobSpec): string {
  if ('key' in spec.source) return spec.source.storage;
  const routine = config['backup-routines'][spec.source.routine];
  if (!routine) throw new Error(`routine '${spec.source.routine}' is not defined`);
  return routine.storage;
}

export async function executeRestore(config: Config, resources: Resources, spec: RestoreJobSpec, ctx: RestoreJobContext): Promise<RestoreResult> {
  const parsed = RestorePolicySchema.safeParse(spec.policy ?? {});
  if (!parsed.success) throw new Error(`policy: ${describeIssues(parsed.error)}`);
  const routine = 'routine' in spec.source ? config['backup-routines'][spec.source.routine] : undefined;
  const destination = spec.destination ?? routine?.['source-cluster'];
  if (!destination) throw new Error('destination: name the cluster to restore into');
  const storageName = restoreStorageName(config, spec);
  const storage = await resources.openStorage(storageName);
  const enc = spec.encryption ?? (routine ? config['backup-policies'][routine['backup-policy']]?.encryption : undefined);
  const keyHash = enc?.['key-file'] ? await keyHashFromPemFile(resources.resolvePath(enc['key-file'])) : enc?.['key-env'] ? keyHashFromEnv(enc['key-env']) : undefined;
  if ('key' in spec.source) ctx.onUses(storageName, [spec.source.key]);
  const cluster: AerospikeCluster = await resources.connect(destination);
  try {
    return await runRestore(
      { cluster, storage, ...(keyHash ? { keyHash } : {}) },
      'key' in spec.source ? { key: spec.source.key } : { routine: spec.source.routine, time: spec.source.time },
      parsed.data,
      { signal: ctx.signal, onProgress: ctx.onProgress, onPlan: (keys: string[]) => ctx.onUses(storageName, keys) },
    );
  } finally {
    cluster.close();
  }
}
