/**
 * Client throughput against the testbed: single puts, batch writes and a full scan, in records
 * per second, through the official client. `--records N` (default 1,000,000), `--nodes N` (3).
 */
import Aerospike from 'aerospike';
import { parseArgs } from 'node:util';
import { startTestbedWorker } from '../e2e/testbed/index.js';

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en')} records/s`;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { records: { type: 'string', default: '1000000' }, nodes: { type: 'string', default: '3' } } });
  const records = Number(values.records);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(records) || records < 1000) throw new Error(`--records must be an integer ≥ 1000, got '${values.records}'`);
  const tb = await startTestbedWorker({ port: 0, namespaces: ['test'], nodes });
  const client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
  try {
    const puts = Math.min(50_000, records);
    let t = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < puts) {
        const i = next++;
        await client.put(new Aerospike.Key('test', 'puts', i), { v: i, s: 'payload-0123456789' });
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    const putMs = performance.now() - t;

    t = performance.now();
    const chunk = 5000;
    let inflight: Array<Promise<unknown>> = [];
    for (let i = 0; i < records; i += chunk) {
      const rows = [];
      for (let j = i; j < Math.min(records, i + chunk); j++) {
        rows.push({ type: Aerospike.batchType.BATCH_WRITE, key: new Aerospike.Key('test', 'bench', j), ops: [Aerospike.operations.write('v', j), Aerospike.operations.write('s', 'payload-0123456789')] });
      }
      inflight.push(client.batchWrite(rows, new Aerospike.BatchPolicy({ totalTimeout: 0, socketTimeout: 60000 })));
      if (inflight.length >= 4) {
        await Promise.all(inflight);
        inflight = [];
      }
    }
    await Promise.all(inflight);
    const batchMs = performance.now() - t;

    t = performance.now();
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      const s = client.scan('test', 'bench').foreach({ totalTimeout: 0, socketTimeout: 60000 });
      s.on('data', () => seen++);
      s.on('error', reject);
      s.on('end', () => resolve());
    });
    const scanMs = performance.now() - t;
    if (seen !== records) throw new Error(`scan saw ${seen} records, ${records} were written`);

    console.log(`testbed benchmark: ${nodes} node(s), official aerospike client ${(await import('aerospike/package.json', { with: { type: 'json' } })).default.version}`);
    console.log(`  single put (64 in flight)  ${puts.toLocaleString('en')} records  ${rate(puts, putMs)}`);
    console.log(`  batch write (5000/batch)   ${records.toLocaleString('en')} records  ${rate(records, batchMs)}`);
    console.log(`  scan (whole set)           ${records.toLocaleString('en')} records  ${rate(records, scanMs)}`);
  } finally {
    await client.close();
    await tb.close();
  }
}
