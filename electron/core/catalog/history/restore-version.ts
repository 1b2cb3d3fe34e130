/**
 * Writes one version of a record, exactly as a backup holds it, into a chosen namespace through
 * the engine's record writer (wire form: raw list/map msgpack, whole doubles and blob flavours go
 * back unchanged).
 *
 * "Exactly that version": the write replaces the whole record (bins the version lacks are
 * removed) and ignores the stored generation — an older version's generation is lower than the
 * cluster's, and asrestore's usual generation check would refuse it. The server then gives the
 * record a new generation; the generation itself cannot be written. The TTL left from the
 * version's void time is kept; a version whose void time has passed cannot be written and is
 * reported as expired rather than silently skipped.
 */
import type { AerospikeCluster } from '../../aerospike/cluster.js';
import { RecordWriter, type RecordWriterStats } from '../../aerospike/record-writer.js';
import { CITRUSLEAF_EPOCH_SECONDS, type BackupRecord } from '../../model/record.js';

export class RestoreVersionError extends Error {
  override name = 'RestoreVersionError';
}

export interface RestoreVersionOptions {
  /** Destination namespace (default: the version's own). */
  namespace?: string;
  signal?: AbortSignal;
  /** Unix ms now, to explain an expired version (default Date.now). */
  now?: () => number;
}

export async function restoreRecordVersion(cluster: AerospikeCluster, record: BackupRecord, opts: RestoreVersionOptions = {}): Promise<RecordWriterStats> {
  const namespace = opts.namespace ?? record.namespace;
  if (!cluster.namespaces().includes(namespace)) {
    throw new RestoreVersionError(`namespace: '${namespace}' does not exist on the destination cluster (it has: ${cluster.namespaces().join(', ')})`);
  }
  if (record.bins.length === 0) throw new RestoreVersionError('this version has no bins: a write without bins cannot create a record');
  const writer = new RecordWriter(cluster, { namespace, noGeneration: true, exists: 'replace', disableBatchWrites: true, ...(opts.signal ? { signal: opts.signal } : {}) });
  await writer.write(record);
  await writer.flush();
  await writer.settled();
  const stats = writer.stats();
  if (stats.expired > 0) {
    const when = new Date((record.voidTime + CITRUSLEAF_EPOCH_SECONDS) * 1000).toISOString();
    throw new RestoreVersionError(`this version expired at ${when} (now ${new Date((opts.now ?? Date.now)()).toISOString()}): there is nothing left of its TTL to write`);
  }
  if (stats.inserted !== 1) throw new RestoreVersionError(`the write was not applied (${JSON.stringify(stats)})`);
  return stats;
}
