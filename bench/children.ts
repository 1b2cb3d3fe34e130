/**
 * Measured workloads, each run in its own process so its peak RSS is its own:
 *   scan   <seed> <set>                           raw official-client scan (the baseline)
 *   backup <seed> <set> <dir> <none|zstd> <parallel>  Tidemark backup of the same set
 * Prints one JSON line: { records, ms, maxRssMb }.
 */
import Aerospike from 'aerospike';
import { AerospikeCluster, parseHosts } from '../electron/core/aerospike/cluster.js';
import { runBackup } from '../electron/core/engine/backup-engine.js';
import { createEncodeTransforms } from '../electron/core/format/file-codec.js';
import { LocalStorage } from '../electron/core/storage/local-storage.js';
import { BackupRequestSchema } from '../shared/schemas/backup-request.js';

const [mode, seed, set, dir, compression, parallel] = process.argv.slice(2);

async function scan(): Promise<number> {
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

const t = performance.now();
const records = mode === 'scan' ? await scan() : await backup();
const ms = performance.now() - t;
process.stdout.write(`${JSON.stringify({ records, ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
