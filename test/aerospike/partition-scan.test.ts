import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { inSets, modifiedWindow } from '../../electron/core/aerospike/filter-exp.js';
import { partitionStates, scanPartitions, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { Particle, type BackupRecord } from '../../electron/core/model/record.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';

const all = (): number[] => [...Array(N_PARTITIONS).keys()];

async function drain(gen: AsyncIterable<BackupRecord>): Promise<BackupRecord[]> {
  const out: BackupRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe('partition scans through the engine wire client', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test'], nodes: 2 });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    const policy = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
    await client.put(new Aerospike.Key('test', 'types', 'k1'), {
      i: 42,
      neg: -7,
      d: new Aerospike.Double(5),
      s: 'héllo',
      b: Buffer.from([0, 1, 2, 255]),
      t: true,
      l: [1, 'x'],
      m: new Map([['k', 'v']]),
      g: new Aerospike.GeoJSON({ type: 'Point', coordinates: [1.5, 2.5] }),
    }, {}, policy);
    await client.put(new Aerospike.Key('test', 'types', 7), { only: 1 }, { ttl: 1000 });
    for (let i = 0; i < 2000; i++) await client.put(new Aerospike.Key('test', i % 2 ? 'odd' : 'even', i), { i });
    // Enough bytes for full-size response frames, which are the ones a scan can reuse.
    const rows = Array.from({ length: 4000 }, (_, i) => ({ type: Aerospike.batchType.BATCH_WRITE, key: new Aerospike.Key('test', 'wide', i), ops: [Aerospike.operations.write('s', `${i}:`.padEnd(300, 'x'))] }));
    await client.batchWrite(rows);
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
  });
  after(async () => {
    cluster?.close();
    await client?.close();
    await tb?.close();
  });

  test('discovers every node from one seed and maps every partition to a master', () => {
    assert.equal(cluster.nodes.length, 2);
    for (let p = 0; p < N_PARTITIONS; p++) assert.ok(cluster.masterOf('test', p), `partition ${p} has a master`);
    assert.deepEqual(cluster.namespaces(), ['test']);
  });

  test('values arrive in wire form: whole doubles stay doubles, lists and maps stay raw msgpack', async () => {
    const recs = await drain(scanRecords(cluster, { namespace: 'test', set: 'types' }, partitionStates(all())));
    assert.equal(recs.length, 2);
    const r = recs.find((x) => x.key?.type === 'string')!;
    assert.deepEqual(r.key, { type: 'string', value: Buffer.from('k1') });
    assert.equal(r.set, 'types');
    assert.equal(r.generation, 1);
    assert.equal(r.voidTime, 0);
    const bin = (n: string) => r.bins.find((b) => b.name === n)!;
    assert.equal(bin('i').type, Particle.INTEGER);
    assert.equal(bin('i').data.readBigInt64BE(0), 42n);
    assert.equal(bin('neg').data.readBigInt64BE(0), -7n);
    assert.equal(bin('d').type, Particle.FLOAT);
    assert.equal(bin('d').data.readDoubleBE(0), 5);
    assert.equal(bin('s').data.toString(), 'héllo');
    assert.deepEqual(bin('b'), { name: 'b', type: Particle.BLOB, data: Buffer.from([0, 1, 2, 255]) });
    assert.equal(bin('t').type, Particle.BOOL);
    assert.deepEqual(bin('l').data, Buffer.from('9201a20378', 'hex'));
    assert.equal(bin('l').type, Particle.LIST);
    assert.equal(bin('m').type, Particle.MAP);
    assert.equal(bin('g').type, Particle.GEOJSON);
    assert.deepEqual(JSON.parse(bin('g').data.toString()), { type: 'Point', coordinates: [1.5, 2.5] });
    const withTtl = recs.find((x) => x !== r)!;
    assert.equal(withTtl.key, null, 'key not sent, so not stored');
    const nowCl = Math.floor(Date.now() / 1000) - 1262304000;
    assert.ok(Math.abs(withTtl.voidTime - (nowCl + 1000)) <= 2);
  });

  test('set and time-window filters select exactly the matching records', async () => {
    const sets = await drain(scanRecords(cluster, { namespace: 'test', filter: inSets(['odd', 'types'])! }, partitionStates(all())));
    assert.equal(sets.length, 1002);
    const future = await drain(scanRecords(cluster, { namespace: 'test', filter: modifiedWindow(Date.now() + 60_000)! }, partitionStates(all())));
    assert.equal(future.length, 0);
    const past = await drain(scanRecords(cluster, { namespace: 'test', filter: modifiedWindow(0, Date.now() + 60_000)! }, partitionStates(all())));
    assert.equal(past.length, 6002);
  });

  test('a dropped connection resumes each partition after its last digest: no loss, no duplicates', async () => {
    await client.infoAny('testbed-fault:drop-scan-after=150;drop-scan-times=3');
    const retries: string[] = [];
    const recs = await drain(scanRecords(cluster, { namespace: 'test', set: 'even', retryDelayMs: 1, onRetry: (e) => retries.push(e.message) }, partitionStates(all())));
    await client.infoAny('testbed-fault:clear');
    assert.equal(recs.length, 1000);
    assert.equal(new Set(recs.map((r) => r.digest.toString('hex'))).size, 1000);
    assert.ok(retries.length >= 1, 'the scan had to retry');
  });

  test('reusing response buffers: each batch is intact until the next, and resume points survive reuse', async () => {
    const summary = (r: BackupRecord): string => `${r.digest.toString('hex')} ${r.bins[0]!.data.toString()}`;
    const expected = new Set((await drain(scanRecords(cluster, { namespace: 'test', set: 'wide' }, partitionStates(all())))).map(summary));
    assert.equal(expected.size, 4000);
    await client.infoAny('testbed-fault:drop-scan-after=1500;drop-scan-times=2');
    const seen: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let reused = 0;
    let retries = 0;
    try {
      for await (const batch of scanPartitions(cluster, { namespace: 'test', set: 'wide', reuseBuffers: true, retryDelayMs: 1, onRetry: () => retries++ }, partitionStates(all()))) {
        const backing = batch[0]!.digest.buffer;
        if (buffers.has(backing)) reused++;
        buffers.add(backing);
        for (const r of batch) seen.push(summary(r));
      }
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
    assert.ok(retries >= 1, 'the scan had to resume');
    assert.ok(reused > 0, 'later batches were decoded into recycled buffers');
    assert.equal(seen.length, 4000, 'no record lost or delivered twice');
    assert.deepEqual(new Set(seen), expected);
  });

  test('an abort signal stops the scan with a cancelled error', async () => {
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _r of scanRecords(cluster, { namespace: 'test', signal: ac.signal }, partitionStates(all()))) {
          if (++n === 10) ac.abort();
        }
      })(),
      /cancelled/,
    );
    assert.equal(n, 10);
  });

  test('a wrong namespace is a clear error', async () => {
    await assert.rejects(drain(scanRecords(cluster, { namespace: 'nope' }, partitionStates([1]))), /namespace 'nope' not found/);
  });
});

describe('engine wire client with security', () => {
  test('logs in with the right password and is refused with the wrong one', async () => {
    const tb = await startTestbedWorker({ port: 0, namespaces: ['test'], user: 'admin', password: 's3cret' });
    try {
      const c = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed), user: 'admin', password: 's3cret' });
      assert.equal(c.nodes.length, 1);
      assert.deepEqual(await drain(scanRecords(c, { namespace: 'test' }, partitionStates(all()))), []);
      c.close();
      await assert.rejects(AerospikeCluster.connect({ hosts: parseHosts(tb.seed), user: 'admin', password: 'wrong' }), /wrong password/);
    } finally {
      await tb.close();
    }
  });
});
