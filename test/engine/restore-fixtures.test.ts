/**
 * Real asbackup 4.5.8 output (test/data/asbackup, every compression/encryption variant) restored
 * into a fresh testbed must equal expected.json record by record, with its index and UDF.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { runRestore } from '../../electron/core/engine/restore-engine.js';
import { keyHashFromPemFile } from '../../electron/core/format/encryption-key.js';
import { Particle, type BackupRecord } from '../../electron/core/model/record.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { RestorePolicySchema } from '../../shared/schemas/restore-request.js';

const ROOT = 'test/data/asbackup';
const ALL = [...Array(N_PARTITIONS).keys()];

interface ExpectedBin {
  name: string;
  type: 'int' | 'double' | 'string' | 'bool' | 'bytes' | 'geojson' | 'hll' | 'list' | 'map';
  value: unknown;
  msgpack?: string;
}
interface ExpectedRecord {
  digestHex: string;
  set: string | null;
  key: { type: 'int' | 'string' | 'bytes'; value: string } | null;
  voidTime: number;
  bins: ExpectedBin[];
}
interface Expected {
  namespace: string;
  recordCount: number;
  sindexes: Array<{ namespace: string; set: string | null; name: string; bin: string; line: string }>;
  udfs: Array<{ name: string; content: string; size: number; sha256: string }>;
  records: ExpectedRecord[];
}

const expected = JSON.parse(readFileSync(`${ROOT}/expected.json`, 'utf8')) as Expected;

const PARTICLE: Record<ExpectedBin['type'], number> = {
  int: Particle.INTEGER,
  double: Particle.FLOAT,
  string: Particle.STRING,
  bool: Particle.BOOL,
  bytes: Particle.BLOB,
  geojson: Particle.GEOJSON,
  hll: Particle.HLL,
  list: Particle.LIST,
  map: Particle.MAP,
};

/** The bin's value in the expected.json form, from its wire bytes. */
function valueOf(type: ExpectedBin['type'], data: Buffer): unknown {
  switch (type) {
    case 'int':
      assert.equal(data.length, 8);
      return data.readBigInt64BE(0).toString();
    case 'double':
      assert.equal(data.length, 8);
      return data.readDoubleBE(0);
    case 'string':
    case 'geojson':
      return data.toString('utf8');
    case 'bool':
      assert.equal(data.length, 1);
      return data[0] === 1;
    case 'bytes':
    case 'hll':
    case 'list':
    case 'map':
      return data.toString('base64');
  }
}

function checkRecord(got: BackupRecord, want: ExpectedRecord): void {
  const where = `record ${want.digestHex}`;
  assert.equal(got.set, want.set, `${where}: set`);
  if (want.key === null) assert.equal(got.key, null, `${where}: digest only`);
  else {
    const k = got.key;
    assert.ok(k, `${where}: stored key`);
    assert.equal(k.type, want.key.type, `${where}: key type`);
    if (k.type === 'int') assert.equal(k.value.toString(), want.key.value);
    else if (k.type === 'string') assert.equal(k.value.toString('utf8'), want.key.value);
    else if (k.type === 'bytes') assert.equal(k.value.toString('base64'), want.key.value);
  }
  // The TTL sent is computed from the wall clock at restore time: the void time comes back to within a second.
  if (want.voidTime === 0) assert.equal(got.voidTime, 0, `${where}: never expires`);
  else assert.ok(Math.abs(got.voidTime - want.voidTime) <= 1, `${where}: void time ${got.voidTime}, expected ${want.voidTime}`);
  assert.equal(got.bins.length, want.bins.length, `${where}: bin count`);
  const byName = new Map(got.bins.map((b) => [b.name, b]));
  for (const wb of want.bins) {
    const gb = byName.get(wb.name);
    assert.ok(gb, `${where}: bin ${JSON.stringify(wb.name)} is there`);
    assert.equal(gb.type, PARTICLE[wb.type], `${where}: bin ${JSON.stringify(wb.name)} type`);
    const want = wb.type === 'list' || wb.type === 'map' ? wb.msgpack : wb.value;
    assert.deepEqual(valueOf(wb.type, gb.data), want, `${where}: bin ${JSON.stringify(wb.name)} value`);
  }
}

describe('restoring real asbackup files', () => {
  let keyHash: Buffer;
  const storage = new LocalStorage(ROOT);
  let tb: TestbedHandle | undefined;
  let cluster: AerospikeCluster | undefined;

  before(async () => {
    keyHash = await keyHashFromPemFile(`${ROOT}/key.pem`);
    assert.equal(expected.records.length, 300);
  });
  after(async () => {
    cluster?.close();
    await tb?.close();
  });

  for (const variant of ['plain', 'zstd', 'aes128', 'aes256', 'zstd-aes256', 'split', 'zstd-aes128-multiframe']) {
    test(`${variant}: every record, the index and the UDF`, async () => {
      cluster?.close();
      await tb?.close();
      tb = await startTestbedWorker({ port: 0, namespaces: ['test'], nodes: 2 });
      cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
      const r = await runRestore({ cluster, storage, keyHash }, { key: variant }, RestorePolicySchema.parse({ parallel: 2 }));
      const s = r.stats;
      assert.deepEqual(
        [s['read-records'], s['inserted-records'], s['existed-records'], s['fresher-records'], s['expired-records'], s['skipped-records'], s['ignored-records'], s['errors-in-doubt']],
        [300, 300, 0, 0, 0, 0, 0, 0],
      );
      assert.equal(s['index-count'], 1);
      assert.equal(s['udf-count'], 1);

      const got = new Map<string, BackupRecord>();
      for await (const rec of scanRecords(cluster, { namespace: 'test' }, partitionStates(ALL))) got.set(rec.digest.toString('hex'), { ...rec, bins: rec.bins.map((b) => ({ ...b, data: Buffer.from(b.data) })) });
      assert.deepEqual([...got.keys()].sort(), expected.records.map((x) => x.digestHex).sort());
      for (const want of expected.records) checkRecord(got.get(want.digestHex)!, want);
      // The comparison notices a single changed byte, a changed type or a lost key.
      const sample = got.get(expected.records[0]!.digestHex)!;
      const flipped = { ...sample, bins: sample.bins.map((b, i) => (i === 0 ? { ...b, data: Buffer.from(b.data.map((x, j) => (j === b.data.length - 1 ? x ^ 1 : x))) } : b)) };
      assert.throws(() => checkRecord(flipped, expected.records[0]!), assert.AssertionError);
      assert.throws(() => checkRecord({ ...sample, bins: sample.bins.map((b) => ({ ...b, type: Particle.BLOB })) }, expected.records[0]!), assert.AssertionError);
      assert.throws(() => checkRecord({ ...sample, key: null }, expected.records[0]!), assert.AssertionError);

      // The index, as the `* i` line describes it: test fx_users fx_users_i_idx N 1 i N.
      const [idx] = expected.sindexes;
      assert.equal(idx!.line, '* i test fx_users fx_users_i_idx N 1 i N');
      const list = (await cluster.infoAny(['sindex-list:namespace=test;b64=true'])).get('sindex-list:namespace=test;b64=true') ?? '';
      assert.match(list, /^ns=test:indexname=fx_users_i_idx:set=fx_users:bin=i:type=numeric:indextype=default:context=NULL:exp=NULL:state=RW;$/);
      const [udf] = expected.udfs;
      const cmd = `udf-get:filename=${udf!.name}`;
      const answer = (await cluster.infoAny([cmd])).get(cmd) ?? '';
      const content = Buffer.from(/content=([^;]*)/.exec(answer)?.[1] ?? '', 'base64');
      assert.equal(content.length, udf!.size);
      assert.equal(createHash('sha256').update(content).digest('hex'), udf!.sha256);
      assert.equal(content.toString('utf8'), udf!.content);
    });
  }
});
