/**
 * The service core seen through ABS's DTOs: backup listings as `BackupDetails`, restore jobs as
 * `RestoreJobStatus` under ABS's numeric job ids, and ABS restore requests (inline storage and
 * destination) resolved to the configured storage and cluster they name. The REST routes only
 * call these; the same mapping would serve any other ABS-speaking transport.
 */
import { resolve } from 'node:path';
import { listBackups, type CatalogEntry } from '../catalog/catalog.js';
import { ConfigError } from '../config/config-error.js';
import type { RestoreJobSpec } from '../jobs/restore-job.js';
import type { AerospikeClusterConfig, Config } from '../../../shared/schemas/config.js';
import type { Job } from '../../../shared/schemas/job.js';
import type { AbsRestorePolicy, AbsRestoreRequest, AbsRestoreTimestampRequest, BackupDetails, RestoreJobStatus } from '../../../shared/schemas/rest.js';
import type { RestorePolicyInput } from '../../../shared/schemas/restore-request.js';
import type { StorageConfig } from '../../../shared/schemas/storage.js';
import type { TidemarkService } from './tidemark-service.js';

/**
 * ABS names jobs by int64. A job's number is the first 48 bits of its UUID: random (v4), so two
 * jobs share one with negligible odds, and JSON numbers hold it exactly.
 */
export function absJobNumber(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

/** The job of `type` whose ABS number is `n` (history is bounded by `history-days`). */
export function findJobByNumber(service: TidemarkService, n: number, type: Job['type'] = 'restore'): Job | undefined {
  return service.listJobs({ type: [type], limit: 100_000 }).find((j) => absJobNumber(j.id) === n);
}

const ABS_STATUS: Record<Job['status'], RestoreJobStatus['status']> = {
  pending: 'Running',
  running: 'Running',
  success: 'Done',
  failure: 'Failed',
  canceled: 'Canceled',
  skipped: 'Failed',
};

const RESTORE_COUNTERS = [
  'read-records',
  'total-bytes',
  'expired-records',
  'skipped-records',
  'ignored-records',
  'inserted-records',
  'existed-records',
  'fresher-records',
  'index-count',
  'udf-count',
  'errors-in-doubt',
] as const;

export function restoreJobStatus(job: Job): RestoreJobStatus {
  const stats = job.stats ?? {};
  const counters = Object.fromEntries(RESTORE_COUNTERS.map((k) => [k, stats[k] ?? 0])) as Record<(typeof RESTORE_COUNTERS)[number], number>;
  const running = job.status === 'running' || job.status === 'pending';
  return {
    ...counters,
    ...(running && job.progress ? { 'current-job': job.progress } : {}),
    status: ABS_STATUS[job.status],
    ...(job.error ? { error: job.error } : job.reason ? { error: job.reason } : {}),
    'job-id': job.id,
  };
}

function details(entry: CatalogEntry, storage: StorageConfig): BackupDetails {
  const m = entry.metadata;
  const t = m.tidemark;
  return {
    created: m.created,
    timestamp: entry.createdMs,
    ...(m.from ? { from: m.from } : {}),
    namespace: entry.namespace,
    'record-count': m['record-count'] ?? 0,
    'byte-count': m['byte-count'] ?? 0,
    'file-count': m['file-count'] ?? 0,
    'secondary-index-count': m['secondary-index-count'] ?? 0,
    'udf-count': m['udf-count'] ?? 0,
    key: entry.key,
    storage,
    compression: t?.compression === 'zstd' ? 'ZSTD' : 'NONE',
    encryption: t?.encryption === 'aes128' ? 'AES128' : t?.encryption === 'aes256' ? 'AES256' : 'NONE',
    ...(t?.label ? { label: t.label } : {}),
  };
}

export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * ABS's backup lists: per routine, the backups of `kind` in the storage the routine names now
 * (as ABS does), started within [from, to]. The storage is shown masked.
 */
export async function backupsByRoutine(
  service: TidemarkService,
  kind: 'full' | 'incremental',
  range: { from?: number; to?: number },
  routine?: string,
): Promise<Record<string, BackupDetails[]>> {
  const config = service.config.config;
  const masked = service.config.masked();
  const names = routine !== undefined ? [routine] : Object.keys(config['backup-routines']);
  if (routine !== undefined) service.config.get('backup-routines', routine);
  const out: Record<string, BackupDetails[]> = {};
  for (const name of names) {
    const r = config['backup-routines'][name]!;
    let entries: CatalogEntry[];
    try {
      entries = await listBackups(await service.resources.openStorage(r.storage), name, [kind]);
    } catch (err) {
      throw new StorageUnavailableError(`routine '${name}': cannot list storage '${r.storage}': ${(err as Error).message}`);
    }
    out[name] = entries
      .filter((e) => (range.from === undefined || e.createdMs >= range.from) && (range.to === undefined || e.createdMs <= range.to))
      .map((e) => details(e, masked.storage[r.storage]!));
  }
  return out;
}

/** Whether an ABS `source` storage is the configured storage `configured` (same place). */
function sameStorage(given: StorageConfig, configured: StorageConfig, configDir: string): boolean {
  const gl = given['local-storage'];
  const cl = configured['local-storage'];
  if (gl && cl) return resolve(configDir, gl.path) === resolve(configDir, cl.path);
  const gs = given['s3-storage'];
  const cs = configured['s3-storage'];
  if (gs && cs) {
    const trim = (p: string | undefined): string => (p ?? '').replace(/^\/+|\/+$/g, '');
    return (
      gs.bucket === cs.bucket &&
      trim(gs.path) === trim(cs.path) &&
      (gs['s3-endpoint-override'] === undefined || gs['s3-endpoint-override'] === cs['s3-endpoint-override'])
    );
  }
  return false;
}

function storageNameFor(config: Config, given: StorageConfig, configDir: string): string {
  const match = Object.entries(config.storage).find(([, s]) => sameStorage(given, s, configDir));
  if (!match) {
    throw ConfigError.at('not-found', ['source'], `no configured storage is this location; add it with POST /v1/config/storage/{name} (configured: ${Object.keys(config.storage).join(', ') || 'none'})`);
  }
  return match[0];
}

/** A configured cluster with the same seed nodes (and user, when one is given). */
function clusterNameFor(config: Config, given: AerospikeClusterConfig, field: string): string {
  const seeds = (c: AerospikeClusterConfig): string => c['seed-nodes'].map((n) => `${n['host-name'].toLowerCase()}:${n.port}`).sort().join(',');
  const want = seeds(given);
  const match = Object.entries(config['aerospike-clusters']).find(
    ([, c]) => seeds(c) === want && (given.credentials?.user === undefined || given.credentials.user === c.credentials?.user),
  );
  if (!match) {
    throw ConfigError.at('not-found', [field, 'seed-nodes'], `no configured cluster has the seed nodes ${want}; add the cluster with POST /v1/config/clusters/{name} (its credentials stay in the config) or give destination-name`);
  }
  return match[0];
}

function destinationName(config: Config, r: { destination?: AerospikeClusterConfig | undefined; 'destination-name'?: string | undefined }): string | undefined {
  if (r['destination-name'] !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(config['aerospike-clusters'], r['destination-name'])) {
      throw ConfigError.at('not-found', ['destination-name'], `cluster '${r['destination-name']}' is not defined`);
    }
    return r['destination-name'];
  }
  return r.destination ? clusterNameFor(config, r.destination, 'destination') : undefined;
}

function policyOf(p: AbsRestorePolicy | undefined): { policy?: RestorePolicyInput; encryption?: RestoreJobSpec['encryption'] } {
  if (!p) return {};
  const { compression: _compression, encryption, ...policy } = p;
  const enc = encryption && encryption.mode !== 'NONE' && (encryption['key-file'] || encryption['key-env'])
    ? { ...(encryption['key-file'] ? { 'key-file': encryption['key-file'] } : {}), ...(encryption['key-env'] ? { 'key-env': encryption['key-env'] } : {}) }
    : undefined;
  return { policy, ...(enc ? { encryption: enc } : {}) };
}

/** ABS `POST /v1/restore/full|incremental` → the core's restore of one backup by key. */
export function restoreSpecFromAbs(config: Config, configDir: string, r: AbsRestoreRequest): RestoreJobSpec {
  const storage = storageNameFor(config, r.source, configDir);
  const destination = destinationName(config, r);
  return { source: { storage, key: r['backup-data-path'].replace(/^\/+|\/+$/g, '') }, ...(destination ? { destination } : {}), ...policyOf(r.policy) };
}

/** ABS `POST /v1/restore/timestamp` → the core's point-in-time restore of a routine. */
export function restoreSpecFromTimestamp(config: Config, r: AbsRestoreTimestampRequest): RestoreJobSpec {
  if (!Object.prototype.hasOwnProperty.call(config['backup-routines'], r.routine)) throw ConfigError.at('not-found', ['routine'], `routine '${r.routine}' is not defined`);
  const destination = destinationName(config, r);
  return { source: { routine: r.routine, time: r.time }, ...(destination ? { destination } : {}), ...policyOf(r.policy) };
}
