/**
 * Opt-in (`npm run test:real`): the engine against a real Aerospike server from
 * `../shared/aerospike/`, and both directions of interop with asbackup/asrestore. Each describe
 * starts its own server and stops it, also when a test fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { ASBACKUP, ASRESTORE, runTool, startRealServer, type RealServer } from '../../e2e/real-server.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { runBackup, type BackupResult } from '../../electron/core/engine/backup-engine.js';
import { resolveEncryptionKey } from '../../electron/core/engine/encryption-config.js';
import { runRestore, type RestoreResult } from '../../electron/core/engine/restore-engine.js';
import { keyHashFromPemFile } from '../../electron/core/format/encryption-key.js';
import { createEncodeTransforms, type FileCodecOptions } from '../../electron/core/format/file-codec.js';
import type { BackupRecord } from '../../electron/core/model/record.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { BackupRequestSchema, type BackupRequestInput } from '../../shared/schemas/backup-request.js';
import { RestorePolicySchema, type RestorePolicyInput } from '../../shared/schemas/restore-request.js';
import { KEY_PEM } from '../format/fixtures.js';
import { UDF_NAME } from '../helpers/dataset.js';
import { writeDataset } from '../helpers/dataset.js';
import { recordShape, scanNamespace } from '../helpers/records.js';

/** Same digests, sets, keys and bins; void times within a second. */
function assertSameRecords(got: Map<string, BackupRecord>, want: Map<string, BackupRecord>, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same digests`);
  for (const [d, w] of want) {
    const g = got.get(d)!;
    assert.equal(recordShape(g), recordShape(w), `${what}: record ${d}`);
    if (w.voidTime === 0) assert.equal(g.voidTime, 0, `${what}: record ${d} never expires`);
    else assert.ok(Math.abs(g.voidTime - w.voidTime) <= 2, `${what}: record ${d} expires at ${g.voidTime}, expected ${w.voidTime}`);
  }
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One server with the dataset in `test`; helpers to back up, restore and empty `bar`. */
function realHarness(nodes: number, records: number) {
  const h = {
    server: undefined as RealServer | undefined,
    client: undefined as Aerospike.Client | undefined,
    cluster: undefined as unknown as AerospikeCluster,
    dir: '',
    storage: undefined as unknown as LocalStorage,
    source: new Map<string, BackupRecord>(),
    async backup(over: Partial<BackupRequestInput>): Promise<BackupResult> {
      const req = BackupRequestSchema.parse({ routine: 'real', namespaces: ['test'], ...over });
      const key = await resolveEncryptionKey(req.encryption);
      const codec: FileCodecOptions = { compression: req.compression.mode, encryption: req.encryption.mode, ...(key ? { key } : {}) };
      return runBackup({ cluster: h.cluster, storage: h.storage, encodeStages: () => createEncodeTransforms(codec), toolVersion: 'test' }, req);
    },
    async restore(what: { key: string } | { routine: string; time: number }, over: RestorePolicyInput = {}, keyHash?: Buffer): Promise<RestoreResult> {
      return runRestore({ cluster: h.cluster, storage: h.storage, ...(keyHash ? { keyHash } : {}) }, what, RestorePolicySchema.parse({ namespace: { source: 'test', destination: 'bar' }, ...over }));
    },
    /** Empties `bar` (records only; indexes and UDFs stay). */
    async emptyBar(): Promise<void> {
      await h.cluster.infoAny(['truncate-namespace:namespace=bar']);
      for (let i = 0; i < 200 && (await scanNamespace(h.cluster, 'bar')).size > 0; i++) await tick(50);
      assert.equal((await scanNamespace(h.cluster, 'bar')).size, 0, 'bar is empty after the truncate');
      // A record written in the truncate's own millisecond would count as truncated.
      await tick(20);
    },
  };
  before(async () => {
    h.server = await startRealServer({ nodes });
    h.client = await Aerospike.connect({ hosts: h.server.seed, log: { level: Aerospike.log.OFF } });
    await writeDataset(h.client, 'test', records, { hll: 'operations' });
    h.cluster = await AerospikeCluster.connect({ hosts: parseHosts(h.server.seed) });
    h.source = await scanNamespace(h.cluster, 'test');
    h.dir = mkdtempSync(join(tmpdir(), 'tidemark-real-'));
    h.storage = new LocalStorage(h.dir);
  });
  after(async () => {
    h.cluster?.close();
    await h.client?.close();
    await h.server?.stop();
    if (h.dir) rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}

describe('real Aerospike (1 node): engine round trips', () => {
  const h = realHarness(1, 150);

  test('plain: every particle type, keys, TTLs, sets, the index and the UDF come back', async () => {
    assert.ok(h.source.size > 200, `${h.source.size} records`);
    const full = await h.backup({});
    const r = await h.restore({ key: full.namespaces[0]!.key });
    assert.equal(r.stats['read-records'], h.source.size);
    assert.equal(r.stats['inserted-records'], h.source.size);
    assert.equal(r.stats['index-count'], 1);
    assert.equal(r.stats['udf-count'], 1);
    assertSameRecords(await scanNamespace(h.cluster, 'bar'), h.source, 'plain');
    const sindexes = (await h.cluster.infoAny(['sindex-list:ns=bar'])).get('sindex-list:ns=bar') ?? '';
    assert.match(sindexes, /indexname=test_people_i/);
    const udfs = (await h.cluster.infoAny(['udf-list'])).get('udf-list') ?? '';
    assert.ok(udfs.includes(UDF_NAME), udfs);
    // Restoring again: generation GT keeps every record (as fresh as the backup's).
    const again = await h.restore({ key: full.namespaces[0]!.key });
    assert.equal(again.stats['inserted-records'] + again.stats['fresher-records'], h.source.size);
  });

  test('zstd + AES-256: the same records', async () => {
    await h.emptyBar();
    const enc = await h.backup({ routine: 'enc', compression: { mode: 'zstd' }, encryption: { mode: 'aes256', 'key-file': KEY_PEM } });
    const r = await h.restore({ key: enc.namespaces[0]!.key }, {}, await keyHashFromPemFile(KEY_PEM));
    assert.equal(r.stats['inserted-records'], h.source.size);
    assertSameRecords(await scanNamespace(h.cluster, 'bar'), h.source, 'zstd + aes256');
  });

  test('incremental backups and restore to a point in time', async () => {
    const full = await h.backup({ routine: 'pit' });
    const atFull = await scanNamespace(h.cluster, 'test');
    await tick(50);
    const between = Date.now();
    await tick(50);
    const client = h.client!;
    for (let i = 0; i < 5; i++) await client.put(new Aerospike.Key('test', 'people', i), { i: 1000 + i, changed: 'yes' });
    for (let i = 0; i < 3; i++) await client.put(new Aerospike.Key('test', 'added', i), { v: i }, {}, new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND }));
    await tick(50);
    const inc = await h.backup({ routine: 'pit', type: 'incremental', 'modified-after': full.createdMs });
    assert.equal(inc.namespaces[0]!.metadata['record-count'], 8, 'the incremental holds the changed records only');
    const now = await scanNamespace(h.cluster, 'test');
    await tick(50);

    await h.emptyBar();
    await h.restore({ routine: 'pit', time: Date.now() });
    assertSameRecords(await scanNamespace(h.cluster, 'bar'), now, 'after the incremental');

    await h.emptyBar();
    await h.restore({ routine: 'pit', time: between });
    assertSameRecords(await scanNamespace(h.cluster, 'bar'), atFull, 'between the full and the incremental');
    h.source = now;
  });

  for (const mode of ['plain', 'zstd + aes256'] as const) {
    const toolArgs = mode === 'plain' ? [] : ['-z', 'zstd', '--encrypt', 'aes256', '--encryption-key-file', KEY_PEM];

    test(`Tidemark backup → asrestore: identical records (${mode})`, async () => {
      h.source = await scanNamespace(h.cluster, 'test');
      await h.emptyBar();
      const b = await h.backup(mode === 'plain' ? { routine: 'interop' } : { routine: 'interop-enc', compression: { mode: 'zstd' }, encryption: { mode: 'aes256', 'key-file': KEY_PEM } });
      const srv = h.server!;
      await runTool(ASRESTORE, ['-h', srv.host, '-p', String(srv.port), '-d', join(h.dir, b.namespaces[0]!.key), '--namespace', 'test,bar', ...toolArgs]);
      assertSameRecords(await scanNamespace(h.cluster, 'bar'), h.source, `asrestore of Tidemark's ${mode} backup`);
    });

    test(`asbackup → Tidemark restore: identical records (${mode})`, async () => {
      h.source = await scanNamespace(h.cluster, 'test');
      await h.emptyBar();
      const srv = h.server!;
      const name = `asb-${mode === 'plain' ? 'plain' : 'enc'}`;
      await runTool(ASBACKUP, ['-h', srv.host, '-p', String(srv.port), '-n', 'test', '-d', join(h.dir, name), ...toolArgs]);
      const r = await h.restore({ key: name }, {}, mode === 'plain' ? undefined : await keyHashFromPemFile(KEY_PEM));
      assert.equal(r.stats['inserted-records'], h.source.size);
      assert.equal(r.stats['index-count'], 1);
      assertSameRecords(await scanNamespace(h.cluster, 'bar'), h.source, `Tidemark restore of asbackup's ${mode} backup`);
    });
  }
});

describe('real Aerospike (3 nodes, replication 2): round trips', () => {
  const h = realHarness(3, 60);

  test('Tidemark backup → Tidemark restore, and asbackup → Tidemark restore', async () => {
    const full = await h.backup({ parallel: 3 });
    assert.equal(full.namespaces[0]!.metadata['record-count'], h.source.size);
    const r = await h.restore({ key: full.namespaces[0]!.key });
    assert.equal(r.stats['inserted-records'], h.source.size);
    assertSameRecords(await scanNamespace(h.cluster, 'bar'), h.source, '3 nodes');

    await h.emptyBar();
    const srv = h.server!;
    await runTool(ASBACKUP, ['-h', srv.host, '-p', String(srv.port), '-n', 'test', '-d', join(h.dir, 'asb')]);
    await h.restore({ key: 'asb' });
    assertSameRecords(await scanNamespace(h.cluster, 'bar'), h.source, '3 nodes, from asbackup');
  });
});
