import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { decompress as zstdDecompress } from 'zstd-napi';
import zstdBinding from 'zstd-napi/binding.js';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { listBackups } from '../../electron/core/catalog/catalog.js';
import { BackupCancelledError, runBackup, type BackupResult } from '../../electron/core/engine/backup-engine.js';
import { openBackupSource, readBackupFile, verifyBackup } from '../../electron/core/engine/backup-reader.js';
import { resolveEncryptionKey } from '../../electron/core/engine/encryption-config.js';
import { createEncodeTransforms, type FileCodecOptions } from '../../electron/core/format/file-codec.js';
import { Particle, type BackupRecord, type SecondaryIndex, type UdfModule } from '../../electron/core/model/record.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import type { BackupStorage } from '../../electron/core/storage/storage.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { BackupRequestSchema, type BackupRequestInput } from '../../shared/schemas/backup-request.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { UDF_NAME, UDF_SOURCE, writeDataset, type DatasetCounts } from '../helpers/dataset.js';

const KEY_PEM = 'test/data/asbackup/key.pem';

function canonical(r: BackupRecord): string {
  const bins = [...r.bins].sort((a, b) => a.name.localeCompare(b.name)).map((b) => [b.name, b.type, b.data.toString('base64')]);
  const key = r.key ? [r.key.type, typeof r.key.value === 'bigint' ? r.key.value.toString() : Buffer.isBuffer(r.key.value) ? r.key.value.toString('base64') : r.key.value] : null;
  return JSON.stringify([r.namespace, r.digest.toString('hex'), r.set, key, r.generation, r.voidTime, bins]);
}

async function sourceRecords(cluster: AerospikeCluster, ns: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of scanRecords(cluster, { namespace: ns }, partitionStates([...Array(N_PARTITIONS).keys()]))) out.set(r.digest.toString('hex'), canonical(r));
  return out;
}

interface Decoded {
  records: Map<string, string>;
  raw: BackupRecord[];
  indexes: SecondaryIndex[];
  udfs: UdfModule[];
}

async function decodeBackup(storage: BackupStorage, key: string, codec: FileCodecOptions): Promise<Decoded> {
  const source = await openBackupSource(storage, key);
  const out: Decoded = { records: new Map(), raw: [], indexes: [], udfs: [] };
  for (const f of source.files) {
    for await (const item of readBackupFile(storage, f.path, codec, f.entry)) {
      if (item.kind === 'record') {
        const k = item.record.digest.toString('hex');
        assert.ok(!out.records.has(k), `record ${k} appears twice in the backup`);
        out.records.set(k, canonical(item.record));
        out.raw.push(item.record);
      } else if (item.kind === 'sindex') out.indexes.push(item.index);
      else if (item.kind === 'udf') out.udfs.push(item.udf);
    }
  }
  return out;
}

function request(over: Partial<BackupRequestInput>): ReturnType<typeof BackupRequestSchema.parse> {
  return BackupRequestSchema.parse({ routine: 'daily', namespaces: ['test'], ...over });
}

async function backup(cluster: AerospikeCluster, storage: BackupStorage, over: Partial<BackupRequestInput>, opts = {}): Promise<BackupResult> {
  const req = request(over);
  const key = await resolveEncryptionKey(req.encryption);
  const codec: FileCodecOptions = { compression: req.compression.mode, encryption: req.encryption.mode, ...(key ? { key } : {}) };
  return runBackup({ cluster, storage, encodeStages: () => createEncodeTransforms(codec), toolVersion: 'test' }, req, opts);
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name).slice(dir.length + 1));
    }
  };
  try {
    walk(dir);
  } catch {
    /* missing folder: no files */
  }
  return out.sort();
}

describe('backup engine', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;
  let counts: DatasetCounts;
  let source: Map<string, string>;
  let dir: string;
  let storage: LocalStorage;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'other'], nodes: 2 });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    counts = await writeDataset(client, 'test');
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    source = await sourceRecords(cluster, 'test');
    dir = mkdtempSync(join(tmpdir(), 'tidemark-backup-'));
    storage = new LocalStorage(dir);
  });
  after(async () => {
    cluster?.close();
    await client?.close();
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a full backup decodes to exactly the source records, with indexes and UDFs', async () => {
    const total = counts.people + counts.nokey + counts.noset;
    assert.equal(source.size, total);
    const progress: number[] = [];
    const result = await backup(cluster, storage, { parallel: 4, 'file-limit': 16 * 1024 }, { onProgress: (j: { 'done-records': number }) => progress.push(j['done-records']) });
    const ns = result.namespaces[0]!;
    assert.match(ns.key, /^daily\/backup\/\d+\/data\/test$/);
    assert.equal(ns.key, `daily/backup/${result.createdMs}/data/test`);
    const m = ns.metadata;
    assert.equal(m['record-count'], total);
    assert.equal(m['secondary-index-count'], 1);
    assert.equal(m['udf-count'], 1);
    assert.ok((m['file-count'] ?? 0) > 4, 'the 16 KiB file limit split the backup into several files');
    assert.equal(new Date(m.created).getTime(), result.createdMs);
    assert.equal(progress.at(-1), total, 'the last progress event counts every record');

    const decoded = await decodeBackup(storage, ns.key, { compression: 'none', encryption: 'none' });
    assert.deepEqual(decoded.records, source);
    assert.deepEqual(decoded.indexes, [{ namespace: 'test', set: 'people', name: 'test_people_i', indexType: 'N', bin: 'i', binType: 'N', context: null }]);
    assert.deepEqual(decoded.udfs.map((u) => [u.name, u.content.toString()]), [[UDF_NAME, UDF_SOURCE]]);

    // Spot checks against what the official client wrote, independent of our scanner.
    const rec = decoded.raw.find((r) => r.key?.type === 'int' && r.key.value === 5n)!;
    const bin = (n: string) => rec.bins.find((b) => b.name === n)!;
    assert.equal(bin('dw').type, Particle.FLOAT, 'Double(5) stays a double');
    assert.equal(bin('dw').data.readDoubleBE(0), 5);
    assert.equal(bin('big').data.readBigInt64BE(0), 9007199254740998n);
    assert.equal(bin('h').type, Particle.HLL);
    assert.equal(bin('g').type, Particle.GEOJSON);
    assert.deepEqual(JSON.parse(bin('g').data.toString()), { type: 'Point', coordinates: [0.5, -0.25] });
    assert.equal(bin('a b').data.toString(), 'space in the name');
    assert.equal(decoded.raw.filter((r) => r.set === 'nokey' && r.key === null).length, counts.nokey);
    assert.equal(decoded.raw.filter((r) => r.set === null && r.key?.type === 'bytes').length, counts.noset);
    assert.equal(decoded.raw.filter((r) => r.voidTime !== 0).length, counts.ttl);

    // The first file carries the globals and the # first-file mark; metadata.yaml is written last.
    const first = readFileSync(join(dir, ns.key, 'test_1.asb'), 'latin1');
    assert.match(first, /^Version 3\.1\n# namespace test\n# first-file\n\* i test people test_people_i N 1 i N\n\* u L tm_sample\.lua /);
    const report = await verifyBackup(storage, await openBackupSource(storage, ns.key), { compression: 'none', encryption: 'none' });
    assert.equal(report.records, total);
    assert.deepEqual((await listBackups(storage, 'daily')).map((e) => e.key), [ns.key]);
  });

  test('zstd + AES-256 files use the asbackup framing and decode to the same records', async () => {
    const result = await backup(cluster, storage, { routine: 'enc', compression: { mode: 'zstd' }, encryption: { mode: 'aes256', 'key-file': KEY_PEM } });
    const ns = result.namespaces[0]!;
    const raw = readFileSync(join(dir, ns.key, 'test_1.asb'));
    assert.notEqual(raw.subarray(0, 8).toString('latin1'), 'Version ');
    assert.notDeepEqual(raw.subarray(0, 4), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), 'encryption is the outer layer');
    const key = await resolveEncryptionKey({ mode: 'aes256', 'key-file': KEY_PEM });
    const decoded = await decodeBackup(storage, ns.key, { compression: 'zstd', encryption: 'aes256', key: key! });
    assert.deepEqual(decoded.records, source);
    await assert.rejects(decodeBackup(storage, ns.key, { compression: 'zstd', encryption: 'none' }));
  });

  test('a connection dropped mid-scan still yields an exact backup', async () => {
    await client.infoAny('testbed-fault:drop-scan-after=40;drop-scan-times=3');
    try {
      const result = await backup(cluster, storage, { routine: 'drops', parallel: 2, 'retry-delay': 1 });
      const decoded = await decodeBackup(storage, result.namespaces[0]!.key, { compression: 'none', encryption: 'none' });
      assert.deepEqual(decoded.records, source);
      assert.match(await client.infoAny('testbed-stats'), /droppedScans=[1-9]/);
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
  });

  test('cancelling mid-flight stops the workers and leaves no file behind', async () => {
    const ac = new AbortController();
    let abortedAt = 0;
    // Small files, so some are already committed when the cancel comes.
    const run = backup(cluster, storage, { routine: 'cancelled', parallel: 2, 'records-per-second': 400, 'file-limit': 4096 }, {
      signal: ac.signal,
      progressIntervalMs: 50,
      onProgress: (j: { 'done-records': number }) => {
        if (j['done-records'] >= 100 && !abortedAt) {
          abortedAt = Date.now();
          ac.abort();
        }
      },
    });
    await assert.rejects(run, BackupCancelledError);
    assert.ok(abortedAt > 0, 'the backup was under way when cancelled');
    assert.ok(Date.now() - abortedAt < 1000, `cancel took ${Date.now() - abortedAt} ms`);
    assert.deepEqual(files(join(dir, 'cancelled')), []);
  });

  test('a failed backup leaves no metadata.yaml and no data files', async () => {
    await client.infoAny('testbed-fault:drop-scan-after=5;drop-scan-times=1000');
    try {
      await assert.rejects(backup(cluster, storage, { routine: 'failed', 'max-retries': 1, 'retry-delay': 1 }), /failed after 1 retries/);
    } finally {
      await client.infoAny('testbed-fault:clear');
    }
    assert.deepEqual(files(join(dir, 'failed')), []);
    assert.deepEqual(await listBackups(storage, 'failed'), []);
  });

  test('an incremental backup holds exactly the changed and new records', async () => {
    const full = await backup(cluster, storage, { routine: 'inc' });
    const changed = [3, 7, 11];
    for (const i of changed) await client.put(new Aerospike.Key('test', 'people', i), { i: i + 1000 });
    const sendKey = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
    for (let i = 0; i < 4; i++) await client.put(new Aerospike.Key('test', 'fresh', i), { n: i }, {}, sendKey);
    await client.remove(new Aerospike.Key('test', 'people', 20));
    // Later tests compare against the namespace as it is now.
    source = await sourceRecords(cluster, 'test');
    const inc = await backup(cluster, storage, { routine: 'inc', type: 'incremental', 'modified-after': full.createdMs });
    const ns = inc.namespaces[0]!;
    assert.match(ns.key, /^inc\/incremental\/\d+\/data\/test$/);
    const decoded = await decodeBackup(storage, ns.key, { compression: 'none', encryption: 'none' });
    const got = decoded.raw.map((r) => `${r.set}:${r.key?.value}`).sort();
    assert.deepEqual(got, [...changed.map((i) => `people:${i}`), ...[0, 1, 2, 3].map((i) => `fresh:${i}`)].sort());
    assert.deepEqual(decoded.indexes, [], 'incrementals carry no indexes');
    assert.deepEqual(decoded.udfs, [], 'incrementals carry no UDFs');
    assert.equal(ns.metadata.from, new Date(full.createdMs).toISOString());
    const entries = await listBackups(storage, 'inc');
    assert.deepEqual(entries.map((e) => e.kind), ['full', 'incremental']);
  });

  test('scope: set list, bin list, partition list, max records, no-records', async () => {
    const r1 = await backup(cluster, storage, { routine: 'scope', 'set-list': ['nokey', 'fresh'], 'bin-list': ['v'] });
    const d1 = await decodeBackup(storage, r1.namespaces[0]!.key, { compression: 'none', encryption: 'none' });
    assert.equal(d1.raw.length, counts.nokey + 4);
    assert.ok(d1.raw.every((r) => r.bins.every((b) => b.name === 'v')));
    const r2 = await backup(cluster, storage, { routine: 'scope2', 'partition-list': ['0-1023'] });
    const d2 = await decodeBackup(storage, r2.namespaces[0]!.key, { compression: 'none', encryption: 'none' });
    const expected = [...source.keys()].filter((d) => (parseInt(d.slice(0, 2), 16) | (parseInt(d.slice(2, 4), 16) << 8)) % 4096 < 1024);
    assert.deepEqual([...d2.records.keys()].sort(), expected.sort());
    const r3 = await backup(cluster, storage, { routine: 'scope3', 'max-records': 17 });
    assert.equal(r3.namespaces[0]!.metadata['record-count'], 17);
    const r4 = await backup(cluster, storage, { routine: 'scope4', 'no-records': true });
    const d4 = await decodeBackup(storage, r4.namespaces[0]!.key, { compression: 'none', encryption: 'none' });
    assert.equal(d4.raw.length, 0);
    assert.equal(d4.indexes.length, 1);
  });

  test('a backup written in many small chunks through reused buffers decodes exactly', async () => {
    // Chunks and scan responses are recycled once storage and the encoder are done with them;
    // a buffer handed back too early would show up here as corrupted or repeated records.
    const rows = Array.from({ length: 6000 }, (_, i) => ({
      type: Aerospike.batchType.BATCH_WRITE,
      key: new Aerospike.Key('other', 'wide', i),
      ops: [Aerospike.operations.write('s', randomBytes(150 + (i % 97)).toString('base64')), Aerospike.operations.write('i', i)],
    }));
    await client.batchWrite(rows);
    const expected = await sourceRecords(cluster, 'other');
    for (const compression of ['none', 'zstd'] as const) {
      const r = await backup(cluster, storage, { routine: `chunks-${compression}`, namespaces: ['other'], parallel: 2, 'file-limit': 128 * 1024, compression: { mode: compression } });
      const ns = r.namespaces[0]!;
      assert.ok(ns.metadata['file-count']! > 4, `split into ${ns.metadata['file-count']} files`);
      const decoded = await decodeBackup(storage, ns.key, { compression, encryption: 'none' });
      assert.equal(decoded.records.size, 6000);
      assert.deepEqual(decoded.records, expected);
    }
  });

  test('zstd alone: a frame per chunk, compressed by the file sink, readable by any zstd decoder', async () => {
    // The namespace 'other' holds the 6000 records of the test before (about 1.8 MB of text).
    const expected = await sourceRecords(cluster, 'other');
    const r = await backup(cluster, storage, { routine: 'frames', namespaces: ['other'], parallel: 1, compression: { mode: 'zstd' } });
    const ns = r.namespaces[0]!;
    assert.equal(ns.metadata['file-count'], 1);
    const raw = readFileSync(join(dir, ns.key, 'other_1.asb'));
    assert.equal(raw.length, ns.metadata['byte-count'], 'the metadata counts the compressed bytes');
    // Frame by frame with libzstd's own one-shot decoder, independent of our stream code.
    const texts: Buffer[] = [];
    for (let rest = raw; rest.length > 0; ) {
      const n = zstdBinding.findFrameCompressedSize(rest);
      texts.push(zstdDecompress(rest.subarray(0, n)));
      rest = rest.subarray(n);
    }
    assert.ok(texts.length >= 6, `${texts.length} frames`);
    assert.ok(texts.slice(0, -1).every((t) => t.length >= 256 * 1024), 'every frame but the last holds a whole chunk');
    const text = Buffer.concat(texts);
    assert.ok(text.subarray(0, 30).toString('latin1').startsWith('Version 3.1\n# namespace other\n'), 'the header is in the first frame');
    const decoded = await decodeBackup(storage, ns.key, { compression: 'zstd', encryption: 'none' });
    assert.deepEqual(decoded.records, expected);
  });

  test('total timeout stops the backup and removes what it wrote', async () => {
    await assert.rejects(
      backup(cluster, storage, { routine: 'slow', 'records-per-second': 100, 'total-timeout': 300, 'file-limit': 4096 }),
      /exceeded its total timeout of 300 ms/,
    );
    assert.deepEqual(files(join(dir, 'slow')), []);
  });

  test('bandwidth limit: the backup cannot write faster than the limit', async () => {
    const started = Date.now();
    const r = await backup(cluster, storage, { routine: 'bw', bandwidth: 64 * 1024, 'set-list': ['people'] });
    const bytes = r.namespaces[0]!.metadata['byte-count']!;
    // The first second's budget is a burst; everything beyond it is paced.
    const minMs = ((bytes - 64 * 1024) / (64 * 1024)) * 1000;
    assert.ok(bytes > 64 * 1024, `enough data to be paced (${bytes} bytes)`);
    assert.ok(Date.now() - started >= minMs * 0.9, `took ${Date.now() - started} ms for ${bytes} bytes`);
  });

  test('an unknown namespace is refused before anything is written', async () => {
    await assert.rejects(backup(cluster, storage, { routine: 'nope', namespaces: ['missing'] }), /namespace 'missing' does not exist/);
    assert.deepEqual(files(join(dir, 'nope')), []);
  });

  describe('on S3', () => {
    let s3: TestS3;
    let s3storage: S3Storage;
    before(async () => {
      s3 = await startS3();
      s3storage = new S3Storage({ bucket: s3.bucket, prefix: 'team/tidemark', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials, partSize: 5 * 1024 * 1024, maxAttempts: 4 });
    });
    after(async () => {
      s3storage?.client.destroy();
      await s3?.close();
    });

    test('zstd + AES-256 backup to S3 decodes to the source records', async () => {
      const result = await backup(cluster, s3storage, { routine: 's3', compression: { mode: 'zstd' }, encryption: { mode: 'aes256', 'key-file': KEY_PEM } });
      const key = await resolveEncryptionKey({ mode: 'aes256', 'key-file': KEY_PEM });
      const decoded = await decodeBackup(s3storage, result.namespaces[0]!.key, { compression: 'zstd', encryption: 'aes256', key: key! });
      assert.deepEqual(decoded.records, source);
      assert.ok(s3.requests.some((r) => r.startsWith('PUT /backups/team/tidemark/s3/backup/')));
    });

    test('S3 throttling and server errors are retried', async () => {
      s3.faults = [
        { count: 2, status: 503, match: /^PUT / },
        { count: 1, status: 500, match: /^GET / },
      ];
      const before = s3.injected;
      const result = await backup(cluster, s3storage, { routine: 's3retry' });
      const decoded = await decodeBackup(s3storage, result.namespaces[0]!.key, { compression: 'none', encryption: 'none' });
      assert.deepEqual(decoded.records, source);
      assert.equal(s3.injected - before, 3);
    });

    test('a cancelled S3 backup leaves no object behind', async () => {
      const ac = new AbortController();
      await assert.rejects(
        backup(cluster, s3storage, { routine: 's3cancel', parallel: 2, 'records-per-second': 400, 'file-limit': 4096 }, {
          signal: ac.signal,
          progressIntervalMs: 50,
          onProgress: (j: { 'done-records': number }) => {
            if (j['done-records'] >= 100) ac.abort();
          },
        }),
        BackupCancelledError,
      );
      const left: string[] = [];
      for await (const e of s3storage.list('s3cancel', { recursive: true })) left.push(e.path);
      assert.deepEqual(left, []);
    });
  });
});
