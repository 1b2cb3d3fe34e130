/**
 * Measured workloads, each run in its own process so its peak RSS is its own:
 *   scan   <seed> <set>                           raw official-client scan (the baseline)
 *   backup <seed> <set> <dir> <none|zstd> <parallel>  Tidemark backup of the same set
 *   rawwrite <seed> <dir> <key> <namespace>      the backup's records, decoded beforehand, written
 *                                                with the engine's record writer (the restore baseline)
 *   restore <seed> <dir> <key> <namespace> [max-async-batches]
 *                                                Tidemark restore of that backup (codec detected)
 * Prints one JSON line: { records, ms, cpuS, maxRssMb, … }.
 */
import { readFileSync } from 'node:fs';
import { AerospikeCluster, parseHosts } from '../electron/core/aerospike/cluster.js';
import { runBackup } from '../electron/core/engine/backup-engine.js';
import { createEncodeTransforms } from '../electron/core/format/file-codec.js';
import { LocalStorage } from '../electron/core/storage/local-storage.js';
import { RecordWriter } from '../electron/core/aerospike/record-writer.js';
import { openBackupSource, readBackupFile } from '../electron/core/engine/backup-reader.js';
import { runRestore } from '../electron/core/engine/restore-engine.js';
import type { BackupRecord } from '../electron/core/model/record.js';
import { RestorePolicySchema } from '../shared/schemas/restore-request.js';
import { BackupRequestSchema } from '../shared/schemas/backup-request.js';

const [mode, seed, ...rest] = process.argv.slice(2);

// Peak committed JS heap and Buffer memory, sampled, to tell a growing heap from retained Buffers;
// peak RSS as a fallback where the kernel's own high-water mark is not readable.
const peak = { heapUsed: 0, external: 0, rss: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak.heapUsed = Math.max(peak.heapUsed, m.heapTotal);
  peak.external = Math.max(peak.external, m.external);
  peak.rss = Math.max(peak.rss, m.rss);
}, 100);
sampler.unref();

/**
 * This process's own peak RSS. Not `resourceUsage().maxRSS`: Linux carries the parent's RSS
 * over into a spawned child's maxrss (it is taken from the forked address space at exec), so a
 * child of the benchmark — whose testbed holds every record — would report the parent's size.
 * VmHWM belongs to the address space the child runs in.
 */
function peakRssBytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux
  }
  return Math.max(peak.rss, process.memoryUsage().rss);
}

const mem = (): { maxRssMb: number; heapMb: number; externalMb: number } => ({
  maxRssMb: Math.round(peakRssBytes() / 1048576),
  heapMb: Math.round(peak.heapUsed / 1048576),
  externalMb: Math.round(peak.external / 1048576),
});
const [set, dir, compression, parallel] = rest;
// rawwrite/restore take <storage root> <backup key> <destination namespace> [max-async-batches].
const [root, key, destination, maxAsyncBatches] = rest;

async function scan(): Promise<number> {
  // Loaded here only: the official client's native library would add to every other workload's RSS.
  const { default: Aerospike } = await import('aerospike');
  const client = await Aerospike.connect({ hosts: seed!, log: { level: Aerospike.log.OFF } });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    const s = client.scan('test', set!).foreach({ totalTimeout: 0, socketTimeout: 60000 });
    s.on('data', () => n++);
    s.on('error', reject);
    s.on('end', () => resolve());
  });
  await client.close();
  return n;
}

async function backup(): Promise<number> {
  const cluster = await AerospikeCluster.connect({ hosts: parseHosts(seed!) });
  const req = BackupRequestSchema.parse({
    routine: 'bench',
    namespaces: ['test'],
    'set-list': [set!],
    parallel: Number(parallel),
    compression: { mode: compression },
  });
  const codec = { compression: req.compression.mode, encryption: 'none' as const };
  const r = await runBackup({ cluster, storage: new LocalStorage(dir!), encodeStages: () => createEncodeTransforms(codec), toolVersion: 'bench' }, req);
  cluster.close();
  return r.namespaces[0]!.metadata['record-count'] ?? 0;
}

async function withCluster<T>(fn: (c: AerospikeCluster) => Promise<T>): Promise<T> {
  const cluster = await AerospikeCluster.connect({ hosts: parseHosts(seed!) });
  try {
    return await fn(cluster);
  } finally {
    cluster.close();
  }
}

/** Decodes every record first (untimed), so only the writing is measured. */
async function rawWrite(): Promise<{ records: number; ms: number }> {
  const storage = new LocalStorage(root!);
  const source = await openBackupSource(storage, key!);
  const records: BackupRecord[] = [];
  for (const f of source.files) {
    for await (const item of readBackupFile(storage, f.path, { compression: 'none', encryption: 'none' }, f.entry)) if (item.kind === 'record') records.push(item.record);
  }
  return withCluster(async (cluster) => {
    const t0 = performance.now();
    const w = new RecordWriter(cluster, { namespace: destination! });
    for (const r of records) await w.write(r);
    await w.flush();
    return { records: w.stats().inserted, ms: performance.now() - t0 };
  });
}

async function restore(): Promise<{ records: number; ms: number }> {
  return withCluster(async (cluster) => {
    const t0 = performance.now();
    // The codec (zstd or none) is detected from the files.
    const r = await runRestore({ cluster, storage: new LocalStorage(root!) }, { key: key! }, RestorePolicySchema.parse({ namespace: { source: 'test', destination: destination! }, ...(maxAsyncBatches ? { 'max-async-batches': Number(maxAsyncBatches) } : {}) }), { skipVerify: true });
    return { records: r.stats['inserted-records'], ms: performance.now() - t0 };
  });
}

// CPU seconds (user + sys) of the measured work alone, without Node's and tsx's start-up.
const cpu0 = process.cpuUsage();
const cpuS = (): number => {
  const c = process.cpuUsage(cpu0);
  return (c.user + c.system) / 1e6;
};

if (mode === 'rawwrite' || mode === 'restore') {
  const r = mode === 'rawwrite' ? await rawWrite() : await restore();
  process.stdout.write(`${JSON.stringify({ ...r, cpuS: cpuS(), ...mem() })}\n`);
  process.exit(0);
}

const t = performance.now();
const records = mode === 'scan' ? await scan() : await backup();
const ms = performance.now() - t;
process.stdout.write(`${JSON.stringify({ records, ms, cpuS: cpuS(), ...mem() })}\n`);
