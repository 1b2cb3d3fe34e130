/**
 * Restore engine: round trip (backup → restore into another namespace and into another testbed,
 * record by record) and the effect of every restore policy on statistics and data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { runBackup, type BackupResult } from '../../electron/core/engine/backup-engine.js';
import { RestoreError, runRestore, type RestoreResult } from '../../electron/core/engine/restore-engine.js';
import { createEncodeTransforms } from '../../electron/core/format/file-codec.js';
import { CITRUSLEAF_EPOCH_SECONDS, Particle, type BackupRecord } from '../../electron/core/model/record.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { computeDigest, N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { BackupRequestSchema, type BackupRequestInput } from '../../shared/schemas/backup-request.js';
import { RestorePolicySchema, type RestorePolicyInput, type RestoreStats } from '../../shared/schemas/restore-request.js';
import { UDF_NAME, UDF_SOURCE, writeDataset, type DatasetCounts } from '../helpers/dataset.js';
import { recordShape, scanNamespace } from '../helpers/records.js';

const ALL = [...Array(N_PARTITIONS).keys()];
const nowCl = (): number => Math.floor(Date.now() / 1000) - CITRUSLEAF_EPOCH_SECONDS;



async function countNs(cluster: AerospikeCluster, ns: string): Promise<number> {
  let n = 0;
  for await (const _ of scanRecords(cluster, { namespace: ns, noBins: true }, partitionStates(ALL))) n++;
  return n;
}

/** Asserts that `got` holds exactly the records of `want`: same digests, sets, keys, bins; void times within a second; generation 1. */
function assertSameRecords(got: Map<string, BackupRecord>, want: Map<string, BackupRecord>, what: string, extraTtl = 0): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same digests`);
  for (const [d, w] of want) {
    const g = got.get(d)!;
    assert.equal(recordShape(g), recordShape(w), `${what}: record ${d}`);
    if (w.voidTime === 0) assert.equal(g.voidTime, 0, `${what}: record ${d} never expires`);
    else assert.ok(Math.abs(g.voidTime - (w.voidTime + extraTtl)) <= 1, `${what}: record ${d} expires at ${g.voidTime}, expected ${w.voidTime + extraTtl}`);
    // The generation is not preserved: a restored record is a new record and starts at 1.
    assert.equal(g.generation, 1, `${what}: record ${d} starts at generation 1`);
  }
}

function assertAddsUp(s: RestoreStats): void {
  assert.equal(
    s['read-records'],
    s['inserted-records'] + s['existed-records'] + s['fresher-records'] + s['ignored-records'] + s['skipped-records'] + s['expired-records'],
    `read = inserted + existed + fresher + ignored + skipped + expired (${JSON.stringify(s)})`,
  );
}

function stats(over: Partial<RestoreStats>): Partial<RestoreStats> {
  return {
    'existed-records': 0,
    'fresher-records': 0,
    'ignored-records': 0,
    'skipped-records': 0,
    'expired-records': 0,
    'errors-in-doubt': 0,
    ...over,
  };
}

/** The fields of `s` named in `want`. */
function pick(s: RestoreStats, want: Partial<RestoreStats>): Partial<RestoreStats> {
  return Object.fromEntries(Object.keys(want).map((k) => [k, s[k as keyof RestoreStats]]));
}

async function info(cluster: AerospikeCluster, cmd: string): Promise<string> {
  return (await cluster.infoAny([cmd])).get(cmd) ?? '';
}

describe('restore engine', () => {
  let tb: TestbedHandle;
  let tb2: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;
  let cluster2: AerospikeCluster;
  let counts: DatasetCounts;
  let total: number;
  let source: Map<string, BackupRecord>;
  let dir: string;
  let storage: LocalStorage;
  let full: BackupResult;
  /** Source records whose generation is above 1 (updated before the backup). */
  const UPDATED = [1, 2, 3];

  const backup = (over: Partial<BackupRequestInput>): Promise<BackupResult> =>
    runBackup({ cluster, storage, encodeStages: () => createEncodeTransforms({ compression: 'none', encryption: 'none' }), toolVersion: 'test' }, BackupRequestSchema.parse({ routine: 'rt', namespaces: ['test'], ...over }));
  const restore = (destination: string, over: RestorePolicyInput = {}, key = full.namespaces[0]!.key, c = cluster): Promise<RestoreResult> =>
    runRestore({ cluster: c, storage }, { key }, RestorePolicySchema.parse({ namespace: { source: 'test', destination }, ...over }));
  const peopleKey = (ns: string, i: number): Aerospike.Key => new Aerospike.Key(ns, 'people', i);
  const digestOf = (i: number): string => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(i));
    return computeDigest('people', Particle.INTEGER, b).toString('hex');
  };

  before(async () => {
    [tb, tb2] = await Promise.all([
      startTestbedWorker({
        port: 0,
        nodes: 2,
        namespaces: ['test', 'bar', 'gen', 'rep', 'upd', 'uniq', 'ttl', 'sets', 'bins', 'none', 'noidx', 'tps', 'p1', 'p2', 'p3', 'p4', 'expsrc', 'exp'],
      }),
      startTestbedWorker({ port: 0, namespaces: ['test'] }),
    ]);
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    counts = await writeDataset(client, 'test', 60);
    total = counts.people + counts.nokey + counts.noset;
    // A few records with a higher generation, to show the generation check at work.
    for (const i of UPDATED) for (let k = 0; k < 2; k++) await client.put(peopleKey('test', i), { i, upd: k });
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    cluster2 = await AerospikeCluster.connect({ hosts: parseHosts(tb2.seed) });
    source = await scanNamespace(cluster, 'test');
    dir = mkdtempSync(join(tmpdir(), 'tidemark-restore-'));
    storage = new LocalStorage(dir);
    // Small files, so parallel restores have several files to work on.
    full = await backup({ 'file-limit': 4096, parallel: 3 });
    assert.ok((full.namespaces[0]!.metadata['file-count'] ?? 0) >= 4, 'the backup has several files');
  });
  after(async () => {
    cluster?.close();
    cluster2?.close();
    await client?.close();
    await Promise.all([tb?.close(), tb2?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('round trip into another namespace and into another cluster: records, index and UDF', async () => {
    assert.equal(source.size, total);
    assert.equal(source.get(digestOf(1))!.generation, 3, 'the source record was written three times');
    const expected = stats({ 'read-records': total, 'inserted-records': total, 'index-count': 1, 'udf-count': 1 });

    const r1 = await restore('bar');
    assert.deepEqual(pick(r1.stats, expected), expected);
    assertAddsUp(r1.stats);
    assert.ok(r1.stats['total-bytes'] > 0);
    assert.deepEqual(r1.keys, [full.namespaces[0]!.key]);
    assertSameRecords(await scanNamespace(cluster, 'bar'), source, 'namespace bar');
    // Every particle type made it (the comparison above is byte for byte).
    const types = new Set([...source.values()].flatMap((r) => r.bins.map((b) => b.type)));
    for (const t of [Particle.INTEGER, Particle.FLOAT, Particle.STRING, Particle.BLOB, Particle.BOOL, Particle.HLL, Particle.MAP, Particle.LIST, Particle.GEOJSON]) assert.ok(types.has(t), `particle type ${t} is in the data`);
    assert.ok([...source.values()].some((r) => r.voidTime !== 0) && [...source.values()].some((r) => r.key === null) && [...source.values()].some((r) => r.set === null));
    assert.match(await info(cluster, 'sindex-list:namespace=bar;b64=true'), /ns=bar:indexname=test_people_i:set=people:bin=i:type=numeric:indextype=default/);

    const r2 = await runRestore({ cluster: cluster2, storage }, { key: full.namespaces[0]!.key }, RestorePolicySchema.parse({}));
    assert.deepEqual(pick(r2.stats, expected), expected);
    assertAddsUp(r2.stats);
    assertSameRecords(await scanNamespace(cluster2, 'test'), source, 'second cluster');
    assert.match(await info(cluster2, 'sindex-list:namespace=test;b64=true'), /ns=test:indexname=test_people_i:set=people:bin=i:type=numeric:indextype=default/);
    const udf = /content=([^;]*)/.exec(await info(cluster2, `udf-get:filename=${UDF_NAME}`));
    assert.ok(udf, 'the UDF is registered on the second cluster');
    assert.equal(Buffer.from(udf[1]!, 'base64').toString(), UDF_SOURCE);
  });

  test('generation: by default a record as new or newer on the cluster is kept and counted fresher; no-generation overwrites', async () => {
    await restore('gen');
    // Changed on the destination after the restore: now generation 2 there.
    await client.put(peopleKey('gen', 10), { i: -10 });
    const r = await restore('gen');
    // Restored records are at generation 1 (2 for people/10): only the records whose backed-up
    // generation (3) is greater are written again.
    assert.deepEqual(pick(r.stats, stats({ 'read-records': total, 'inserted-records': UPDATED.length, 'fresher-records': total - UPDATED.length })), stats({ 'read-records': total, 'inserted-records': UPDATED.length, 'fresher-records': total - UPDATED.length }));
    assertAddsUp(r.stats);
    const dest = await scanNamespace(cluster, 'gen');
    assert.equal(dest.get(digestOf(10))!.bins.find((b) => b.name === 'i')!.data.readBigInt64BE(0), -10n, 'the newer record on the cluster was kept');

    const r2 = await restore('gen', { 'no-generation': true });
    assert.deepEqual(pick(r2.stats, stats({ 'read-records': total, 'inserted-records': total })), stats({ 'read-records': total, 'inserted-records': total }));
    const dest2 = await scanNamespace(cluster, 'gen');
    assert.equal(recordShape(dest2.get(digestOf(10))!), recordShape(source.get(digestOf(10))!), 'no-generation overwrote it with the backed-up record');
  });

  test('exists policies: replace drops bins the backup does not have, update merges them, unique only creates', async () => {
    // Present on the destination before the restore, with a bin the backup does not have.
    for (const ns of ['rep', 'upd', 'uniq']) await client.put(peopleKey(ns, 1), { zz: 'only on the destination' });
    const rep = await restore('rep', { replace: true });
    assert.equal(rep.stats['inserted-records'], total);
    assert.equal(recordShape((await scanNamespace(cluster, 'rep')).get(digestOf(1))!), recordShape(source.get(digestOf(1))!), 'replace: exactly the backed-up bins');

    const upd = await restore('upd');
    assert.equal(upd.stats['inserted-records'], total);
    const merged = (await scanNamespace(cluster, 'upd')).get(digestOf(1))!;
    assert.deepEqual(merged.bins.map((b) => b.name).sort(), [...source.get(digestOf(1))!.bins.map((b) => b.name), 'zz'].sort(), 'update: bins merged');

    const uniq = await restore('uniq', { unique: true });
    const want = stats({ 'read-records': total, 'inserted-records': total - 1, 'existed-records': 1 });
    assert.deepEqual(pick(uniq.stats, want), want);
    assertAddsUp(uniq.stats);
    const kept = (await scanNamespace(cluster, 'uniq')).get(digestOf(1))!;
    assert.deepEqual(kept.bins.map((b) => [b.name, b.data.toString()]), [['zz', 'only on the destination']], 'unique: the existing record is untouched');
    const again = await restore('uniq', { unique: true });
    assert.deepEqual(pick(again.stats, stats({ 'inserted-records': 0, 'existed-records': total })), stats({ 'inserted-records': 0, 'existed-records': total }));
  });

  test('extra-ttl adds to the remaining TTL; records that never expire stay so', async () => {
    const r = await restore('ttl', { 'extra-ttl': 1000 });
    assert.equal(r.stats['inserted-records'], total);
    const dest = await scanNamespace(cluster, 'ttl');
    assertSameRecords(dest, source, 'extra-ttl', 1000);
    assert.equal([...dest.values()].filter((x) => x.voidTime !== 0).length, counts.ttl);
  });

  test('set-list restores only those sets (the others are skipped); bin-list writes only those bins (records left without bins are ignored)', async () => {
    const r = await restore('sets', { 'set-list': ['nokey'] });
    const want = stats({ 'read-records': total, 'inserted-records': counts.nokey, 'skipped-records': total - counts.nokey });
    assert.deepEqual(pick(r.stats, want), want);
    assertAddsUp(r.stats);
    const dest = await scanNamespace(cluster, 'sets');
    assertSameRecords(dest, new Map([...source].filter(([, x]) => x.set === 'nokey')), 'set-list');

    const b = await restore('bins', { 'bin-list': ['i', 'v'] });
    // people have 'i', nokey have 'v'; the no-set records only have 'blobkey'.
    const wantB = stats({ 'read-records': total, 'inserted-records': counts.people + counts.nokey, 'ignored-records': counts.noset });
    assert.deepEqual(pick(b.stats, wantB), wantB);
    assertAddsUp(b.stats);
    const destB = await scanNamespace(cluster, 'bins');
    const expectedB = new Map<string, BackupRecord>();
    for (const [d, x] of source) {
      const bins = x.bins.filter((bin) => bin.name === 'i' || bin.name === 'v');
      if (bins.length) expectedB.set(d, { ...x, bins });
    }
    assertSameRecords(destB, expectedB, 'bin-list');
  });

  test('no-records, no-indexes, no-udfs', async () => {
    await client.infoAny(`udf-remove:filename=${UDF_NAME}`);
    try {
      const r = await restore('none', { 'no-records': true, 'no-udfs': true });
      assert.deepEqual(pick(r.stats, { 'read-records': 0, 'inserted-records': 0, 'index-count': 1, 'udf-count': 0 }), { 'read-records': 0, 'inserted-records': 0, 'index-count': 1, 'udf-count': 0 });
      assert.equal(await countNs(cluster, 'none'), 0);
      assert.match(await info(cluster, 'sindex-list:namespace=none'), /indexname=test_people_i/);
      assert.doesNotMatch(await info(cluster, 'udf-list'), new RegExp(UDF_NAME.replace('.', '\\.')));

      const r2 = await restore('noidx', { 'no-indexes': true });
      assert.deepEqual(pick(r2.stats, { 'inserted-records': total, 'index-count': 0, 'udf-count': 1 }), { 'inserted-records': total, 'index-count': 0, 'udf-count': 1 });
      assert.equal(await info(cluster, 'sindex-list:namespace=noidx'), '');
      assert.match(await info(cluster, 'udf-list'), new RegExp(`filename=${UDF_NAME.replace('.', '\\.')}`));
    } finally {
      const b64 = Buffer.from(UDF_SOURCE).toString('base64');
      await client.infoAny(`udf-put:filename=${UDF_NAME};content=${b64};content-len=${b64.length};udf-type=LUA;`);
    }
  });

  test('namespace mapping: a mapping for another namespace, or a missing destination, fails before anything is written', async () => {
    await assert.rejects(
      runRestore({ cluster, storage }, { key: full.namespaces[0]!.key }, RestorePolicySchema.parse({ namespace: { source: 'other', destination: 'p1' } })),
      (e: RestoreError) => e instanceof RestoreError && /holds namespace 'test', but the namespace mapping is for 'other'/.test(e.message) && e.stats['read-records'] === 0,
    );
    await assert.rejects(restore('nowhere'), (e: RestoreError) => e instanceof RestoreError && /namespace 'nowhere' does not exist on the destination cluster/.test(e.message));
    assert.equal(await countNs(cluster, 'p1'), 0);
    assert.equal(await info(cluster, 'sindex-list:namespace=p1'), '');
  });

  test('tps: N records at T per second take at least about N/T seconds', async () => {
    const tps = 40;
    const started = Date.now();
    const seen: number[] = [];
    const r = await runRestore(
      { cluster, storage },
      { key: full.namespaces[0]!.key },
      RestorePolicySchema.parse({ namespace: { source: 'test', destination: 'tps' }, tps, 'batch-size': 8 }),
      { progressIntervalMs: 100, onProgress: (_job, stats) => seen.push(stats['inserted-records']) },
    );
    const took = Date.now() - started;
    assert.equal(r.stats['inserted-records'], total);
    // Progress reports what the writer has stored so far, not only at the end.
    assert.ok(seen.some((n) => n > 0 && n < total), `inserted counts seen during the restore: ${seen.join(',')}`);
    const floorMs = (total / tps) * 1000;
    // A lower bound only (a machine can always be slower); the limiter may let one small step through at once.
    assert.ok(took >= floorMs - 200, `${total} records at ${tps}/s took ${took} ms, expected at least ~${Math.round(floorMs)} ms`);
  });

  test('parallel, batch size and single-record writes give identical data', async () => {
    const variants: Array<[string, RestorePolicyInput]> = [
      ['p1', { parallel: 1, 'batch-size': 1 }],
      ['p2', { parallel: 8, 'disable-batch-writes': true }],
      ['p3', { parallel: 3, 'batch-size': 7, 'max-async-batches': 1 }],
      // Tiny batches, several in flight, four files at once: the writer's rows and the decoders'
      // record objects are reused many times over while other requests are still out.
      ['p4', { parallel: 4, 'batch-size': 2, 'max-async-batches': 3 }],
    ];
    for (const [ns, policy] of variants) {
      const r = await restore(ns, policy);
      assert.equal(r.stats['inserted-records'], total, ns);
      assertAddsUp(r.stats);
      assertSameRecords(await scanNamespace(cluster, ns), source, `${ns} ${JSON.stringify(policy)}`);
    }
  });

  test('records already expired in the backup are skipped and counted expired', async () => {
    // Written while the testbed clock is a day behind: their void time is in the past for
    // everyone else, but the testbed still serves them to the backup.
    await client.infoAny('testbed-clock:advance-ms=-86400000');
    try {
      for (let i = 0; i < 5; i++) await client.put(new Aerospike.Key('expsrc', 'old', i), { v: i }, { ttl: 3600 });
      for (let i = 0; i < 3; i++) await client.put(new Aerospike.Key('expsrc', 'keep', i), { v: i }, { ttl: -1 });
      const b = await backup({ routine: 'expired', namespaces: ['expsrc'] });
      assert.equal(b.namespaces[0]!.metadata['record-count'], 8);
      const key = b.namespaces[0]!.key;
      const r = await runRestore({ cluster, storage }, { key }, RestorePolicySchema.parse({ namespace: { source: 'expsrc', destination: 'exp' } }));
      const want = stats({ 'read-records': 8, 'inserted-records': 3, 'expired-records': 5 });
      assert.deepEqual(pick(r.stats, want), want);
      assertAddsUp(r.stats);
      const dest = await scanNamespace(cluster, 'exp');
      assert.deepEqual([...dest.values()].map((x) => x.set).sort(), ['keep', 'keep', 'keep']);
      assert.ok([...dest.values()].every((x) => x.voidTime === 0));
      // Extra TTL large enough to bring them back into the future: then they are written.
      const r2 = await runRestore({ cluster, storage }, { key }, RestorePolicySchema.parse({ namespace: { source: 'expsrc', destination: 'exp' }, 'extra-ttl': 2 * 86400, 'no-generation': true }));
      assert.equal(r2.stats['expired-records'], 0);
      assert.equal(r2.stats['inserted-records'], 8);
    } finally {
      await client.infoAny('testbed-clock:advance-ms=86400000');
    }
    assert.ok(nowCl() > 0);
  });
});
