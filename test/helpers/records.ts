/** Reading a namespace back in wire form, and comparing records the way a restore reproduces them. */
import type { AerospikeCluster } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import type { BackupRecord } from '../../electron/core/model/record.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';

const ALL = [...Array(N_PARTITIONS).keys()];

/** Digest, set, key and bins (sorted by name); generation and void time are compared separately. */
export function recordShape(r: BackupRecord): string {
  const bins = [...r.bins].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((b) => [b.name, b.type, b.data.toString('base64')]);
  const key = r.key ? [r.key.type, Buffer.isBuffer(r.key.value) ? r.key.value.toString('base64') : String(r.key.value)] : null;
  return JSON.stringify([r.digest.toString('hex'), r.set, key, bins]);
}

/** Every record of a namespace by digest (hex), copied out of the response buffers. */
export async function scanNamespace(cluster: AerospikeCluster, ns: string): Promise<Map<string, BackupRecord>> {
  const out = new Map<string, BackupRecord>();
  for await (const r of scanRecords(cluster, { namespace: ns }, partitionStates(ALL))) {
    out.set(r.digest.toString('hex'), { ...r, digest: Buffer.from(r.digest), bins: r.bins.map((b) => ({ ...b, data: Buffer.from(b.data) })) });
  }
  return out;
}
