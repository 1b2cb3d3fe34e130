import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { computeDigest, KeyType, N_PARTITIONS, partitionId } from '../../electron/core/wire/digest.js';

const RECORDS = 1_000_000;
const NODES = 3;

function statsOf(info: string): Record<string, number> {
  const body = info.split('\t')[1] ?? info;
  return Object.fromEntries(body.trim().split(';').map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
}

describe(`a ${NODES}-node testbed holding ${RECORDS.toLocaleString('en')} records`, () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  const written = new Uint32Array(N_PARTITIONS);

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'], nodes: NODES });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    const keyBytes = Buffer.alloc(8);
    const chunk = 5000;
    let inflight: Array<Promise<unknown>> = [];
    for (let i = 0; i < RECORDS; i += chunk) {
      const rows = [];
      for (let j = i; j < Math.min(RECORDS, i + chunk); j++) {
        rows.push({ type: Aerospike.batchType.BATCH_WRITE, key: new Aerospike.Key('test', 'big', j), ops: [Aerospike.operations.write('v', j)] });
        keyBytes.writeBigInt64BE(BigInt(j));
        written[partitionId(computeDigest('big', KeyType.INTEGER, keyBytes))]!++;
      }
      inflight.push(client.batchWrite(rows, new Aerospike.BatchPolicy({ totalTimeout: 0, socketTimeout: 60000 })));
      if (inflight.length >= 4) {
        await Promise.all(inflight);
        inflight = [];
      }
    }
    await Promise.all(inflight);
  });

  after(async () => {
    await client?.close();
    await tb?.close();
  });

  test('the client learned every node from one seed and routed each write to its partition owner', async () => {
    const nodes = client.getNodes();
    assert.equal(nodes.length, NODES);
    let total = 0;
    for (const [i, host] of tb.hosts.entries()) {
      const s = statsOf(await client.info('testbed-stats', host));
      // The testbed deals partitions round-robin: node i masters p where p % NODES === i.
      let expected = 0;
      for (let p = i; p < N_PARTITIONS; p += NODES) expected += written[p]!;
      assert.equal(s.writes, expected, `writes on node ${i}`);
      total += s.writes!;
    }
    assert.equal(total, RECORDS);
  });

  test('a scan through the official client sees, per partition, exactly what was written', async () => {
    const seen = new Uint32Array(N_PARTITIONS);
    const before = await Promise.all(tb.hosts.map(async (h) => statsOf(await client.info('testbed-stats', h))));
    await new Promise<void>((resolve, reject) => {
      const stream = client.scan('test', 'big').foreach({ totalTimeout: 0, socketTimeout: 30000 });
      stream.on('data', (r) => {
        seen[partitionId(r.key.digest as Buffer)]!++;
      });
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    assert.deepEqual(seen, written);
    for (const [i, h] of tb.hosts.entries()) {
      const s = statsOf(await client.info('testbed-stats', h));
      assert.ok(s.scanRequests! > before[i]!.scanRequests!, `node ${i} served the scan`);
      assert.equal(s.partitionsScanned! - before[i]!.partitionsScanned!, Math.ceil((N_PARTITIONS - i) / NODES), `node ${i} scanned only its own partitions`);
    }
  });

  test('master object counts, summed over the nodes, equal the records written', async () => {
    let objects = 0;
    for (const h of tb.hosts) objects += statsOf((await client.info('namespace/test', h)).replace(/^namespace\/test\t/, '')).master_objects!;
    assert.equal(objects, RECORDS);
  });
});
