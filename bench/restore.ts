/**
 * With a real server (`--cluster HOST:PORT`, or started from ../shared/aerospike/): Tidemark vs
 * asrestore restoring the same asbackup files, 1 and 3 nodes unless `--nodes N` (see real.ts).
 * Otherwise, or with `--testbed`: restore throughput against the engine's own record writer
 * writing the same records (decoded beforehand) on the testbed, measured in the same run, plus
 * the restore's peak RSS at two sizes. `--records N` (default 1,000,000; the small size is N/5),
 * `--rounds N` (real server: 3), `--max-async-batches N` (real server: the restore's, default
 * its own default).
 */
import Aerospike from 'aerospike';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { realServerUnavailable } from '../e2e/real-server.js';
import { restoreVsAsrestore } from './real.js';
import { startTestbedWorker } from '../e2e/testbed/index.js';
import { child, fmt, rate } from './child.js';
import { AerospikeCluster, parseHosts } from '../electron/core/aerospike/cluster.js';
import { runBackup } from '../electron/core/engine/backup-engine.js';
import { createEncodeTransforms } from '../electron/core/format/file-codec.js';
import { LocalStorage } from '../electron/core/storage/local-storage.js';
import { BackupRequestSchema } from '../shared/schemas/backup-request.js';


async function load(client: Aerospike.Client, set: string, count: number): Promise<void> {
  const policy = new Aerospike.BatchPolicy({ totalTimeout: 0, socketTimeout: 60000 });
  for (let i = 0; i < count; i += 5000) {
    const rows = [];
    for (let j = i; j < Math.min(count, i + 5000); j++) {
      rows.push({ type: Aerospike.batchType.BATCH_WRITE, key: new Aerospike.Key('test', set, j), ops: [Aerospike.operations.write('i', j), Aerospike.operations.write('s', `user-${j}@example.com`), Aerospike.operations.write('d', j * 0.5)] });
    }
    await client.batchWrite(rows, policy);
  }
}


/** Backups go to memory-backed storage when there is some: the engine is measured, not the disk. */
function benchDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '1000000' },
      nodes: { type: 'string' },
      cluster: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      testbed: { type: 'boolean', default: false },
      'max-async-batches': { type: 'string' },
    },
  });
  // A real server (given, or started from ../shared/aerospike/) and asrestore, unless told otherwise.
  const unavailable = values.cluster ? null : values.testbed ? '--testbed was given' : realServerUnavailable();
  if (unavailable === null) {
    const nodes = values.nodes ? [Number(values.nodes)] : [1, 3];
    const mab = values['max-async-batches'];
    await restoreVsAsrestore({ records: Number(values.records), rounds: Number(values.rounds), nodes, parallel: '4', ...(values.cluster ? { cluster: values.cluster } : {}), ...(mab ? { maxAsyncBatches: Number(mab) } : {}) });
    return;
  }
  console.log(`no real Aerospike server (${unavailable}): testbed baselines only`);
  const total = Number(values.records);
  const small = Math.floor(total / 5);
  const tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'raw', 'restored', 'smallns'] });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  const dir = mkdtempSync(join(benchDir(), 'tidemark-rbench-'));
  try {
    await load(client, 'small', small);
    await load(client, 'big', total);
    const cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    const storage = new LocalStorage(dir);
    const deps = { cluster, storage, toolVersion: 'bench', encodeStages: () => createEncodeTransforms({ compression: 'none', encryption: 'none' }) };
    const bigKey = (await runBackup(deps, BackupRequestSchema.parse({ routine: 'big', namespaces: ['test'], 'set-list': ['big'] }))).namespaces[0]!.key;
    const smallKey = (await runBackup(deps, BackupRequestSchema.parse({ routine: 'small', namespaces: ['test'], 'set-list': ['small'] }))).namespaces[0]!.key;
    cluster.close();
    const smallRestore = child(['restore', tb.seed, dir, smallKey, 'smallns']);
    const raw = child(['rawwrite', tb.seed, dir, bigKey, 'raw']);
    const restore = child(['restore', tb.seed, dir, bigKey, 'restored']);
    for (const m of [raw, restore]) if (m.records !== total) throw new Error(`a run wrote ${m.records} records, expected ${total}`);
    console.log(`restore benchmark: ${fmt(total)} records`);
    console.log(`  record writer, records decoded beforehand  ${fmt(rate(raw))} records/s   (baseline)`);
    console.log(`  restore from .asb files                    ${fmt(rate(restore))} records/s   ratio ${(rate(restore) / rate(raw)).toFixed(2)}  (target ≥ 0.85)`);
    console.log(`  peak RSS of a restore: ${fmt(small)} records ${smallRestore.maxRssMb} MB, ${fmt(total)} records ${restore.maxRssMb} MB  ratio ${(restore.maxRssMb / smallRestore.maxRssMb).toFixed(2)}  (target: flat, < 300 MB); peak heap ${smallRestore.heapMb} → ${restore.heapMb} MB, Buffers ${smallRestore.externalMb} → ${restore.externalMb} MB`);
  } finally {
    await client.close();
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
