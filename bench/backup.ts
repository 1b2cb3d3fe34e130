/**
 * With a real server (`--cluster HOST:PORT`, or started from ../shared/aerospike/): Tidemark vs
 * asbackup on the same records, 1 and 3 nodes unless `--nodes N` (see real.ts). Otherwise, or
 * with `--testbed`: backup throughput against the official client's raw scan of the same records
 * on the testbed, measured in the same run, plus the backup's peak RSS at two sizes (flat memory
 * means the same peak). `--records N` (default 1,000,000; the small size is N/5), `--nodes N`
 * (testbed: 1), `--parallel N` (4), `--rounds N` (real server: 3).
 */
import Aerospike from 'aerospike';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { realServerUnavailable } from '../e2e/real-server.js';
import { backupVsAsbackup } from './real.js';
import { startTestbedWorker } from '../e2e/testbed/index.js';
import { bestOf, child, fmt, rate, type Measure } from './child.js';


async function load(client: Aerospike.Client, set: string, from: number, to: number): Promise<void> {
  const chunk = 5000;
  let inflight: Array<Promise<unknown>> = [];
  for (let i = from; i < to; i += chunk) {
    const rows = [];
    for (let j = i; j < Math.min(to, i + chunk); j++) {
      rows.push({
        type: Aerospike.batchType.BATCH_WRITE,
        key: new Aerospike.Key('test', set, j),
        ops: [Aerospike.operations.write('i', j), Aerospike.operations.write('s', `user-${j}@example.com`), Aerospike.operations.write('d', j * 0.5)],
      });
    }
    inflight.push(client.batchWrite(rows, new Aerospike.BatchPolicy({ totalTimeout: 0, socketTimeout: 60000 })));
    if (inflight.length >= 4) {
      await Promise.all(inflight);
      inflight = [];
    }
  }
  await Promise.all(inflight);
}


/** Backups go to memory-backed storage when there is some: the engine is measured, not the disk. */
function benchDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { records: { type: 'string', default: '1000000' }, nodes: { type: 'string' }, parallel: { type: 'string', default: '4' }, cluster: { type: 'string' }, rounds: { type: 'string', default: '3' }, testbed: { type: 'boolean', default: false } },
  });
  // A real server (given, or started from ../shared/aerospike/) and asbackup, unless told otherwise.
  const unavailable = values.cluster ? null : values.testbed ? '--testbed was given' : realServerUnavailable();
  if (unavailable === null) {
    const nodes = values.nodes ? [Number(values.nodes)] : [1, 3];
    await backupVsAsbackup({ records: Number(values.records), rounds: Number(values.rounds), nodes, parallel: values.parallel!, ...(values.cluster ? { cluster: values.cluster } : {}) });
    return;
  }
  console.log(`no real Aerospike server (${unavailable}): testbed baselines only`);
  values.nodes ??= '1';
  const total = Number(values.records);
  const small = Math.floor(total / 5);
  const tb = await startTestbedWorker({ port: 0, namespaces: ['test'], nodes: Number(values.nodes) });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  const dir = mkdtempSync(join(benchDir(), 'tidemark-bench-'));
  try {
    await load(client, 'small', 0, small);
    await load(client, 'big', 0, total);
    const p = values.parallel!;
    const smallBackup = child(['backup', tb.seed, 'small', join(dir, 's'), 'none', p]);
    const smallZstd = child(['backup', tb.seed, 'small', join(dir, 'sz'), 'zstd', p]);
    const [scan, plain, zstd] = bestOf(2, [
      ['scan', tb.seed, 'big'],
      ['backup', tb.seed, 'big', join(dir, 'p'), 'none', p],
      ['backup', tb.seed, 'big', join(dir, 'z'), 'zstd', p],
    ]) as [Measure, Measure, Measure];
    for (const m of [scan, plain, zstd]) if (m.records !== total) throw new Error(`a run saw ${m.records} records, expected ${total}`);
    console.log(`backup benchmark: ${fmt(total)} records (${values.nodes} node(s)), parallel ${p}, best of 2 interleaved runs`);
    console.log(`  official client raw scan       ${fmt(rate(scan))} records/s   (baseline)`);
    console.log(`  backup, no compression         ${fmt(rate(plain))} records/s   ratio ${(rate(plain) / rate(scan)).toFixed(2)}  (target ≥ 0.85)`);
    console.log(`  backup, zstd                   ${fmt(rate(zstd))} records/s   ratio ${(rate(zstd) / rate(scan)).toFixed(2)}  (target ≥ 0.70)`);
    console.log(`  peak RSS of a backup: ${fmt(small)} records ${smallBackup.maxRssMb} MB, ${fmt(total)} records ${plain.maxRssMb} MB  ratio ${(plain.maxRssMb / smallBackup.maxRssMb).toFixed(2)}  (target ≤ 1.20, < 300 MB); peak heap ${smallBackup.heapMb} → ${plain.heapMb} MB, Buffers ${smallBackup.externalMb} → ${plain.externalMb} MB`);
    console.log(`  peak RSS of a zstd backup: ${fmt(small)} records ${smallZstd.maxRssMb} MB, ${fmt(total)} records ${zstd.maxRssMb} MB  ratio ${(zstd.maxRssMb / smallZstd.maxRssMb).toFixed(2)}; peak heap ${smallZstd.heapMb} → ${zstd.heapMb} MB, Buffers ${smallZstd.externalMb} → ${zstd.externalMb} MB`);
  } finally {
    await client.close();
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
