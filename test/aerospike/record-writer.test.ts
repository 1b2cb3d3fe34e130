import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { AerospikeError } from '../../electron/core/aerospike/errors.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { RecordWriter, type RecordWriterOptions } from '../../electron/core/aerospike/record-writer.js';
import { CITRUSLEAF_EPOCH_SECONDS, Particle, type BackupRecord, type Bin, type UserKey } from '../../electron/core/model/record.js';
import { computeDigest, N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { MpWriter } from '../../electron/core/wire/msgpack.js';

const ALL = [...Array(N_PARTITIONS).keys()];
const nowCl = (): number => Math.floor(Date.now() / 1000) - CITRUSLEAF_EPOCH_SECONDS;
const HLL = Buffer.from(Array.from({ length: 48 }, (_, k) => (k * 37 + 11) & 0xff));
const MAX = 9223372036854775807n;

function keyDigestInput(k: UserKey): { type: number; bytes: Buffer } {
  switch (k.type) {
    case 'int': {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(k.value);
      return { type: Particle.INTEGER, bytes: b };
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(k.value);
      return { type: Particle.FLOAT, bytes: b };
    }
    case 'string':
      return { type: Particle.STRING, bytes: k.value };
    case 'bytes':
      return { type: k.particle ?? Particle.BLOB, bytes: k.value };
  }
}

interface RecOptions {
  namespace?: string;
  storeKey?: boolean;
  generation?: number;
  voidTime?: number;
}

function rec(set: string | null, key: UserKey, bins: Bin[], o: RecOptions = {}): BackupRecord {
  const d = keyDigestInput(key);
  return {
    namespace: o.namespace ?? 'test',
    digest: computeDigest(set ?? '', d.type, d.bytes),
    set,
    key: o.storeKey === false ? null : key,
    generation: o.generation ?? 1,
    voidTime: o.voidTime ?? 0,
    bins,
  };
}

const int64 = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
};
const dbl = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
};
const str = (name: string, s: string): Bin => ({ name, type: Particle.STRING, data: Buffer.from(s) });
const int = (name: string, v: number | bigint): Bin => ({ name, type: Particle.INTEGER, data: int64(BigInt(v)) });

/** One bin of every particle type the backup carries, in wire form. */
function typedBins(i: number): Bin[] {
  const list = new MpWriter().listHeader(2).int(i).string('x').toBuffer();
  // A key-ordered map: count + 1 entries, led by the (ext c7 00 01, nil) pair.
  const map = new MpWriter().mapHeader(3).encoded(Buffer.from('c70001', 'hex')).nil().string('a').int(i).string('b').int(2).toBuffer();
  return [
    int('i', i * 1000003 - 7),
    int('big', MAX),
    { name: 'd', type: Particle.FLOAT, data: dbl(i + 5) },
    { name: 'f', type: Particle.FLOAT, data: dbl(i + 0.25) },
    str('s', `héllo ${i} ☃`),
    { name: 'b', type: Particle.BLOB, data: Buffer.from([i & 0xff, 0, 0x0a, 0xff]) },
    { name: 't', type: Particle.BOOL, data: Buffer.of(i % 2) },
    { name: 'l', type: Particle.LIST, data: list },
    { name: 'm', type: Particle.MAP, data: map },
    { name: 'g', type: Particle.GEOJSON, data: Buffer.from(`{"type":"Point","coordinates":[${i},2.5]}`) },
    { name: 'h', type: Particle.HLL, data: HLL },
  ];
}

/** What the official client decodes `typedBins(i)` to. */
function clientView(i: number): Record<string, unknown> {
  return {
    i: i * 1000003 - 7,
    big: MAX,
    d: i + 5,
    f: i + 0.25,
    s: `héllo ${i} ☃`,
    b: Buffer.from([i & 0xff, 0, 0x0a, 0xff]),
    t: i % 2 === 1,
    l: [i, 'x'],
    m: { a: i, b: 2 },
    g: `{"type":"Point","coordinates":[${i},2.5]}`,
    h: HLL,
  };
}

/** A mix of keys: int, string, blob, double keys, stored or digest-only, with and without set. */
function dataset(n: number): BackupRecord[] {
  const out: BackupRecord[] = [];
  for (let i = 0; i < n; i++) {
    const set = i % 3 === 0 ? null : `set${i % 2}`;
    let key: UserKey;
    if (i % 4 === 0) key = { type: 'int', value: BigInt(i) };
    else if (i % 4 === 1) key = { type: 'string', value: Buffer.from(`user-${i}`) };
    else if (i % 4 === 2) key = { type: 'bytes', value: Buffer.from([1, 2, i >> 8, i & 0xff]) };
    else key = { type: 'double', value: i + 0.5 };
    out.push(rec(set, key, typedBins(i), { storeKey: i % 5 !== 0 }));
  }
  return out;
}

async function scanAll(cluster: AerospikeCluster, namespace: string): Promise<Map<string, BackupRecord>> {
  const out = new Map<string, BackupRecord>();
  for await (const r of scanRecords(cluster, { namespace }, partitionStates(ALL))) {
    // Copy: scanned records reference the response buffer.
    out.set(r.digest.toString('hex'), { ...r, digest: Buffer.from(r.digest), bins: r.bins.map((b) => ({ ...b, data: Buffer.from(b.data) })) });
  }
  return out;
}

const byName = (a: Bin, b: Bin): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Asserts that the cluster holds exactly `records` (in `namespace`), byte for byte. */
function assertSame(got: Map<string, BackupRecord>, records: BackupRecord[], namespace: string): void {
  assert.equal(got.size, records.length);
  for (const r of records) {
    const g = got.get(r.digest.toString('hex'));
    assert.ok(g, `record ${r.digest.toString('hex')} is on the cluster`);
    assert.equal(g.namespace, namespace);
    assert.equal(g.set, r.set);
    assert.deepEqual(g.key, r.key);
    assert.deepEqual([...g.bins].sort(byName), [...r.bins].sort(byName));
    if (r.voidTime === 0) assert.equal(g.voidTime, 0);
    else assert.ok(Math.abs(g.voidTime - r.voidTime) <= 2, `void time ${g.voidTime} vs ${r.voidTime}`);
  }
}

function clientKey(ns: string, r: BackupRecord): Aerospike.Key {
  return new Aerospike.Key(ns, r.set as string, null as unknown as string, r.digest);
}

async function writeAll(cluster: AerospikeCluster, records: BackupRecord[], options: RecordWriterOptions = {}): Promise<RecordWriter> {
  const w = new RecordWriter(cluster, options);
  for (const r of records) await w.write(r);
  await w.flush();
  return w;
}

describe('RecordWriter: restore writes over the wire', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'single', 'ovr', 'pol', 'ttl', 'flt', 'misc'], nodes: 2 });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
  });
  after(async () => {
    cluster?.close();
    await client?.close();
    await tb?.close();
  });

  const records = dataset(300);

  test('batch writes: every particle type, keys and sets land byte for byte on both nodes', async () => {
    assert.equal(cluster.nodes.length, 2);
    const w = await writeAll(cluster, records, { batchSize: 16 });
    const s = w.stats();
    assert.equal(s.records, 300);
    assert.equal(s.inserted, 300);
    assert.equal(s.errors + s.fresher + s.existed + s.expired + s.ignored + s.retries, 0);
    assert.ok(s.bytes > 300 * 100);
    assertSame(await scanAll(cluster, 'test'), records, 'test');
    const stats = await Promise.all(cluster.nodes.map(async (n) => Object.fromEntries([...(await cluster.info(n, ['testbed-stats'])).values()][0]!.split(';').map((kv) => kv.split('=')))));
    for (const st of stats) assert.ok(Number(st.writes) > 100, 'both nodes received writes');

    // The official client reads the same values (whole doubles, ordered maps, GeoJSON, HLL...).
    for (const [i, r] of records.entries()) {
      if (i % 7 !== 0) continue;
      const got = await client.get(clientKey('test', r));
      assert.deepEqual(got.bins, clientView(i), `record ${i}`);
      assert.equal(got.gen, 1);
    }
    // The client's own scan sees the stored keys and sets.
    const scanned = await client.scan('test').results();
    assert.equal(scanned.length, records.length);
    const byDigest = new Map(records.map((r, i) => [r.digest.toString('hex'), i]));
    for (const s of scanned) {
      const i = byDigest.get(s.key.digest!.toString('hex'));
      assert.ok(i !== undefined);
      const r = records[i]!;
      assert.equal(s.key.set ?? null, r.set);
      const k = r.key;
      if (!k) assert.equal(s.key.key ?? null, null);
      else if (k.type === 'int') assert.equal(s.key.key, Number(k.value));
      else if (k.type === 'string') assert.equal(s.key.key, k.value.toString());
      else if (k.type === 'bytes') assert.deepEqual(s.key.key, k.value);
      // The C client has no double keys: it leaves them out (our scan shows them, see assertSame).
      else assert.equal(s.key.key, undefined);
      assert.deepEqual(s.bins, clientView(i));
    }
  });

  test('single-record puts give the same result as batches (and the namespace override)', async () => {
    const w = await writeAll(cluster, records, { disableBatchWrites: true, namespace: 'single' });
    assert.equal(w.stats().inserted, 300);
    const batch = await scanAll(cluster, 'test');
    const single = await scanAll(cluster, 'single');
    assert.equal(single.size, batch.size);
    for (const [d, b] of batch) assert.deepEqual({ ...single.get(d), namespace: 'test' }, { ...b, bins: b.bins, namespace: 'test' });
    const got = await client.get(clientKey('single', records[3]!));
    assert.deepEqual(got.bins, clientView(3));
  });

  test('namespace override writes into another namespace, nothing into the record\'s own', async () => {
    const some = dataset(20).map((r) => ({ ...r, namespace: 'elsewhere' }));
    const w = await writeAll(cluster, some, { namespace: 'ovr' });
    assert.equal(w.stats().inserted, 20);
    assertSame(await scanAll(cluster, 'ovr'), some, 'ovr');
  });

  test('an unknown namespace is a clear error (20)', async () => {
    const w = new RecordWriter(cluster, { namespace: 'nope' });
    await assert.rejects(w.write(records[0]!), (e: AerospikeError) => e.code === 20 && /namespace 'nope'/.test(e.message));
  });

  test('generation GT: a newer record on the cluster is kept and counted as fresher; noGeneration overwrites', async () => {
    const key = new Aerospike.Key('pol', 'g', 'k1');
    for (let i = 0; i < 3; i++) await client.put(key, { a: 'cluster', keep: 1 });
    const backup = (gen: number, a: string): BackupRecord => rec('g', { type: 'string', value: Buffer.from('k1') }, [str('a', a)], { namespace: 'pol', generation: gen });

    let w = await writeAll(cluster, [backup(2, 'old'), backup(3, 'same')]);
    assert.deepEqual({ ...w.stats(), bytes: 0 }, { records: 2, inserted: 0, existed: 0, fresher: 2, expired: 0, ignored: 0, errors: 0, errorsInDoubt: 0, retries: 0, bytes: 0 });
    assert.deepEqual((await client.get(key)).bins, { a: 'cluster', keep: 1 });

    // A newer backup generation wins, and 'update' merges the bins.
    w = await writeAll(cluster, [backup(9, 'newer')]);
    assert.equal(w.stats().inserted, 1);
    const after = await client.get(key);
    assert.deepEqual(after.bins, { a: 'newer', keep: 1 });
    assert.equal(after.gen, 4);

    w = await writeAll(cluster, [backup(1, 'forced')], { noGeneration: true });
    assert.equal(w.stats().inserted, 1);
    assert.equal(w.stats().fresher, 0);
    assert.deepEqual((await client.get(key)).bins, { a: 'forced', keep: 1 });
  });

  test('exists policies: replace drops other bins, create-only counts existed', async () => {
    const key = new Aerospike.Key('pol', 'x', 7);
    await client.put(key, { a: 'cluster', other: 2 });
    const backup = (id: number, a: string): BackupRecord => rec('x', { type: 'int', value: BigInt(id) }, [str('a', a)], { namespace: 'pol', generation: 50 });

    let w = await writeAll(cluster, [backup(7, 'replaced')], { exists: 'replace' });
    assert.equal(w.stats().inserted, 1);
    assert.deepEqual((await client.get(key)).bins, { a: 'replaced' });

    w = await writeAll(cluster, [backup(7, 'created?'), backup(8, 'new')], { exists: 'create' });
    assert.equal(w.stats().existed, 1);
    assert.equal(w.stats().inserted, 1);
    assert.equal(w.stats().errors, 0);
    assert.deepEqual((await client.get(key)).bins, { a: 'replaced' });
    assert.deepEqual((await client.get(new Aerospike.Key('pol', 'x', 8))).bins, { a: 'new' });

    // Same again through single-record puts.
    w = await writeAll(cluster, [backup(7, 'created?')], { exists: 'create', disableBatchWrites: true });
    assert.equal(w.stats().existed, 1);
    const stale = { ...backup(7, 'stale'), generation: 2 };
    w = await writeAll(cluster, [stale], { disableBatchWrites: true });
    assert.equal(w.stats().fresher, 1, 'the record has generation 2 on the cluster');
    assert.deepEqual((await client.get(key)).bins, { a: 'replaced' });
  });

  test('TTL: never, remaining, extraTtl; expired records skipped; bin list filter and ignored records', async () => {
    const now = nowCl();
    const k = (id: number): UserKey => ({ type: 'int', value: BigInt(id) });
    const never = rec('t', k(1), [int('v', 1)], { namespace: 'ttl' });
    const later = rec('t', k(2), [int('v', 2)], { namespace: 'ttl', voidTime: now + 1000 });
    const gone = rec('t', k(3), [int('v', 3)], { namespace: 'ttl', voidTime: now - 5 });
    const old = rec('t', k(4), [int('v', 4)], { namespace: 'ttl', voidTime: 1000 });
    let w = await writeAll(cluster, [never, later, gone, old]);
    assert.deepEqual({ inserted: w.stats().inserted, expired: w.stats().expired }, { inserted: 2, expired: 2 });
    assertSame(await scanAll(cluster, 'ttl'), [never, later], 'ttl');
    const ttl = (await client.get(new Aerospike.Key('ttl', 't', 2))).ttl;
    assert.ok(Math.abs(ttl - 1000) <= 2, `client sees ttl ${ttl}`);

    // extraTtl extends the remaining time, and rescues a record that just expired.
    const ext = { namespace: 'misc', extraTtl: 500 };
    const a = rec('t', k(5), [int('v', 5)], { namespace: 'ttl', voidTime: now + 1000 });
    const b = rec('t', k(6), [int('v', 6)], { namespace: 'ttl', voidTime: now - 100 });
    const c = rec('t', k(7), [int('v', 7)], { namespace: 'ttl' });
    w = await writeAll(cluster, [a, b, c], ext);
    assert.equal(w.stats().inserted, 3);
    const got = await scanAll(cluster, 'misc');
    assert.ok(Math.abs(got.get(a.digest.toString('hex'))!.voidTime - (now + 1500)) <= 2);
    assert.ok(Math.abs(got.get(b.digest.toString('hex'))!.voidTime - (now + 400)) <= 2);
    assert.equal(got.get(c.digest.toString('hex'))!.voidTime, 0, 'never-expiring records stay so');

    // Bin list: only the named bins are written; records left without bins are ignored.
    const two = rec('bl', k(1), [int('keep', 1), int('drop', 2)], { namespace: 'ttl' });
    const none = rec('bl', k(2), [int('drop', 3)], { namespace: 'ttl' });
    const empty = rec('bl', k(3), [], { namespace: 'ttl' });
    w = await writeAll(cluster, [two, none, empty], { binList: ['keep'] });
    assert.deepEqual({ inserted: w.stats().inserted, ignored: w.stats().ignored }, { inserted: 1, ignored: 2 });
    assert.deepEqual((await client.get(new Aerospike.Key('ttl', 'bl', 1))).bins, { keep: 1 });
    assert.equal((await client.exists(new Aerospike.Key('ttl', 'bl', 2))), false);
  });

  test('injected transient failures (18) are retried until everything lands', async () => {
    const recs = dataset(200).map((r) => ({ ...r, namespace: 'flt' }));
    await client.infoAny('testbed-fault:fail-write-fraction=0.3;fail-write-code=18');
    try {
      for (const single of [false, true]) {
        const w = await writeAll(cluster, recs, { retry: { maxRetries: 30, baseDelayMs: 1, multiplier: 1 }, disableBatchWrites: single, batchSize: 32, noGeneration: true });
        const s = w.stats();
        assert.equal(s.inserted, 200);
        assert.equal(s.errors, 0);
        assert.ok(s.retries > 20, `retries ${s.retries}`);
      }
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
    assertSame(await scanAll(cluster, 'flt'), recs, 'flt');
  });

  test('without retries the failure is reported with the code and the record; onRecordError counts and goes on', async () => {
    const recs = dataset(50).map((r) => ({ ...r, namespace: 'flt' }));
    await client.infoAny('testbed-fault:fail-write-fraction=0.5;fail-write-code=18');
    try {
      const w = new RecordWriter(cluster, { retry: { maxRetries: 0 }, noGeneration: true });
      for (const r of recs) await w.write(r);
      await assert.rejects(w.flush(), (e: AerospikeError) => {
        assert.ok(e instanceof AerospikeError);
        assert.equal(e.code, 18);
        assert.equal(e.inDoubt, false);
        assert.match(e.message, /write of record [0-9a-f]{40}.* in flt.*result code 18/);
        return true;
      });
      assert.ok(w.stats().errors > 0);
      await assert.rejects(w.write(recs[0]!), /result code 18/, 'a failed writer refuses more work');

      const seen: AerospikeError[] = [];
      const w2 = await writeAll(cluster, recs, { retry: { maxRetries: 0 }, noGeneration: true, onRecordError: (e) => seen.push(e) });
      const s = w2.stats();
      assert.equal(s.errors, seen.length);
      assert.ok(s.errors > 5 && s.inserted > 5, JSON.stringify(s));
      assert.equal(s.errors + s.inserted, 50);
      assert.ok(seen.every((e) => e.code === 18));

      // A non-retryable code fails at once, even with retries allowed.
      await client.infoAny('testbed-fault:fail-write-fraction=1;fail-write-code=4');
      const w3 = await writeAll(cluster, recs.slice(0, 3), { retry: { maxRetries: 5, baseDelayMs: 1 }, onRecordError: () => undefined, disableBatchWrites: true });
      assert.deepEqual({ errors: w3.stats().errors, retries: w3.stats().retries }, { errors: 3, retries: 0 });
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
  });

  test('answers slower than the socket timeout are counted as errors in doubt', async () => {
    const recs = dataset(10).map((r) => ({ ...r, namespace: 'misc', set: 'doubt', digest: Buffer.from(r.digest).reverse() }));
    await client.infoAny('testbed-fault:delay-ms=400');
    try {
      for (const single of [false, true]) {
        const errs: AerospikeError[] = [];
        const w = await writeAll(cluster, recs, { socketTimeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 1 }, disableBatchWrites: single, maxAsyncBatches: 16, onRecordError: (e) => errs.push(e) });
        const s = w.stats();
        assert.equal(s.errorsInDoubt, 10);
        assert.equal(s.errors, 10);
        assert.equal(s.retries, 10);
        assert.ok(errs.every((e) => e.inDoubt && e.code < 0 && /in doubt/.test(e.message)));
      }
      // Without onRecordError, flush rejects with an in-doubt error.
      const w = new RecordWriter(cluster, { socketTimeoutMs: 100, retry: { maxRetries: 0 } });
      await w.write(recs[0]!);
      await assert.rejects(w.flush(), (e: AerospikeError) => e.inDoubt === true);
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
    // Let the delayed requests finish on the testbed before the next test.
    await new Promise((r) => setTimeout(r, 600));
  });

  test('an abort signal stops writes and flush within a second', async () => {
    const recs = dataset(200).map((r) => ({ ...r, namespace: 'misc', set: 'abort' }));
    await client.infoAny('testbed-fault:delay-ms=3000');
    try {
      const ac = new AbortController();
      const w = new RecordWriter(cluster, { signal: ac.signal, batchSize: 4, maxAsyncBatches: 2 });
      const started = Date.now();
      setTimeout(() => ac.abort(), 100);
      await assert.rejects(
        (async () => {
          for (const r of recs) await w.write(r);
          await w.flush();
        })(),
        /cancelled/,
      );
      assert.ok(Date.now() - started < 1000, `stopped after ${Date.now() - started} ms`);
      await assert.rejects(w.flush(), /cancelled/);
      await assert.rejects(w.write(recs[0]!), /cancelled/);

      // Aborting while flush() waits for answers.
      const ac2 = new AbortController();
      const w2 = new RecordWriter(cluster, { signal: ac2.signal });
      for (const r of recs.slice(0, 20)) await w2.write(r);
      const t0 = Date.now();
      setTimeout(() => ac2.abort(), 100);
      await assert.rejects(w2.flush(), /cancelled/);
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
  });
});
