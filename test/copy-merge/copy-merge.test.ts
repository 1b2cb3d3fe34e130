/**
 * Copy and merge round trips on local and loopback S3 storage: a copied chain restores to the
 * same records as the original, a merged backup restores to the same records as the chain it
 * folds, and failures or cancels leave nothing at the destination.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { listBackups } from '../../electron/core/catalog/catalog.js';
import { copyBackup, CopyCancelledError } from '../../electron/core/catalog/copy-backup.js';
import { mergeBackups, MergeCancelledError, MergeError } from '../../electron/core/catalog/merge-backups.js';
import { runBackup, type BackupResult } from '../../electron/core/engine/backup-engine.js';
import { BackupIntegrityError } from '../../electron/core/engine/backup-reader.js';
import { runRestore } from '../../electron/core/engine/restore-engine.js';
import { createEncodeTransforms, type FileCodecOptions } from '../../electron/core/format/file-codec.js';
import type { BackupRecord } from '../../electron/core/model/record.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import type { BackupStorage } from '../../electron/core/storage/storage.js';
import { BackupRequestSchema } from '../../shared/schemas/backup-request.js';
import { RestorePolicySchema } from '../../shared/schemas/restore-request.js';
import { writeDataset } from '../helpers/dataset.js';
import { recordShape, scanNamespace } from '../helpers/records.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { listAll, onEveryWrite } from './storage-spy.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function assertSameRecords(got: Map<string, BackupRecord>, want: Map<string, BackupRecord>, what: string): void {
  assert.ok(want.size > 0, `${what}: something to compare`);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same records`);
  for (const [d, w] of want) {
    const g = got.get(d)!;
    assert.equal(recordShape(g), recordShape(w), `${what}: record ${d}`);
    assert.ok(w.voidTime === 0 ? g.voidTime === 0 : Math.abs(g.voidTime - w.voidTime) <= 1, `${what}: record ${d} void time`);
  }
}

describe('copy and merge', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;
  let s3: TestS3;
  let dir: string;
  let local: LocalStorage;
  const keyHash = randomBytes(32);
  const chains: Record<'plain' | 'enc', BackupResult[]> = { plain: [], enc: [] };
  const s3At = (prefix: string): S3Storage =>
    new S3Storage({ bucket: s3.bucket, prefix, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials, retry: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 50 } });
  const codecOf = (routine: 'plain' | 'enc'): FileCodecOptions => (routine === 'enc' ? { compression: 'zstd', encryption: 'aes256', key: keyHash } : { compression: 'none', encryption: 'none' });
  const backup = async (routine: 'plain' | 'enc', type: 'full' | 'incremental'): Promise<void> => {
    const chain = chains[routine];
    const last = chain[chain.length - 1];
    const enc = routine === 'enc';
    chain.push(
      await runBackup(
        { cluster, storage: local, encodeStages: () => createEncodeTransforms(codecOf(routine)), toolVersion: 'test' },
        BackupRequestSchema.parse({
          routine,
          type,
          namespaces: ['test'],
          ...(enc ? { compression: { mode: 'zstd' }, encryption: { mode: 'aes256', 'key-env': 'UNUSED_IN_TEST' } } : {}),
          ...(type === 'incremental' ? { 'modified-after': last!.createdMs } : {}),
        }),
      ),
    );
    await tick();
  };
  const restoreInto = async (storage: BackupStorage, what: { key: string } | { routine: string; time: number }, ns: string): Promise<Map<string, BackupRecord>> => {
    await runRestore({ cluster, storage, keyHash }, what, RestorePolicySchema.parse({ namespace: { source: 'test', destination: ns } }));
    return scanNamespace(cluster, ns);
  };
  const sendKey = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
  let chainState: Record<'plain' | 'enc', Map<string, BackupRecord>>;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'chain', 'encchain', 'copy', 'merged', 'encmerged', 'roundtrip'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    s3 = await startS3();
    dir = mkdtempSync(join(tmpdir(), 'tidemark-copy-merge-'));
    local = new LocalStorage(join(dir, 'local'));
    await writeDataset(client, 'test', 60);
    await backup('plain', 'full');
    await backup('enc', 'full');
    for (const i of [0, 1, 2]) await client.put(new Aerospike.Key('test', 'people', i), { i: 1000 + i, s: `changed once ${i}` }, {}, sendKey);
    for (const i of [0, 1, 2]) await client.put(new Aerospike.Key('test', 'fresh', i), { n: i }, {}, sendKey);
    await client.remove(new Aerospike.Key('test', 'people', 5));
    await tick();
    await backup('plain', 'incremental');
    await backup('enc', 'incremental');
    for (const i of [0, 6]) await client.put(new Aerospike.Key('test', 'people', i), { i: 2000 + i, s: `changed twice ${i}`, extra: [i] }, {}, sendKey);
    await client.put(new Aerospike.Key('test', 'fresh', 1), { n: 'one again' }, {}, sendKey);
    await tick();
    await backup('plain', 'incremental');
    await backup('enc', 'incremental');
    // What the chains restore to, before any merged backup joins the routine.
    chainState = {
      plain: await restoreInto(local, { routine: 'plain', time: Date.now() }, 'chain'),
      enc: await restoreInto(local, { routine: 'enc', time: Date.now() }, 'encchain'),
    };
  });
  after(async () => {
    cluster?.close();
    await client?.close();
    await tb?.close();
    await s3?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('copy local → S3 → local: the full with its incrementals, checked, restoring to the same records', async () => {
    const cloud = s3At('copies');
    const full = chains.plain[0]!.namespaces[0]!.key;
    const progress: number[] = [];
    const r = await copyBackup(local, cloud, full, { onProgress: (p) => progress.push(p['done-records']), progressIntervalMs: 5 });
    assert.deepEqual(r.keys, chains.plain.map((b) => b.namespaces[0]!.key));
    assert.deepEqual(r.unverified, []);
    assert.equal(r.records, chains.plain.reduce((a, b) => a + (b.namespaces[0]!.metadata['record-count'] ?? 0), 0));
    assert.equal(progress[progress.length - 1], r.records);
    assert.deepEqual(
      (await listBackups(cloud, 'plain')).map((e) => e.key),
      r.keys,
    );
    assertSameRecords(await restoreInto(cloud, { routine: 'plain', time: Date.now() }, 'copy'), chainState.plain, 'restore from the S3 copy');

    // And back to another local storage: byte for byte the original files.
    const back = new LocalStorage(join(dir, 'back'));
    await copyBackup(cloud, back, full);
    const original = await listAll(local, 'plain');
    assert.deepEqual(await listAll(back, 'plain'), original);
    for (const p of original) assert.ok(readFileSync(join(dir, 'back', p)).equals(readFileSync(join(dir, 'local', p))), `${p} is identical`);

    // One incremental alone, and a refusal to overwrite.
    const inc = chains.plain[2]!.namespaces[0]!.key;
    const single = new LocalStorage(join(dir, 'single'));
    assert.deepEqual((await copyBackup(local, single, inc)).keys, [inc]);
    await assert.rejects(copyBackup(local, single, inc), /destination: .* already exists/);
  });

  test('a corrupted source file fails the copy and leaves nothing at the destination', async () => {
    const bad = new LocalStorage(join(dir, 'bad'));
    await copyBackup(local, bad, chains.plain[0]!.namespaces[0]!.key);
    // Same size, one byte changed, in the last incremental (after the other files were copied).
    const victim = join(dir, 'bad', chains.plain[2]!.namespaces[0]!.key, chains.plain[2]!.namespaces[0]!.metadata.tidemark!.files[0]!.name);
    const bytes = readFileSync(victim);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 0x01, bytes.length - 2);
    writeFileSync(victim, bytes);
    const cloud = s3At('corrupt');
    await assert.rejects(copyBackup(bad, cloud, chains.plain[0]!.namespaces[0]!.key), (e: unknown) => e instanceof BackupIntegrityError && /does not match its metadata/.test(e.message));
    assert.deepEqual(await listAll(cloud), []);
  });

  test('a cancelled copy leaves nothing at the destination', async () => {
    const ctl = new AbortController();
    const target = new LocalStorage(join(dir, 'cancelled'));
    // Cancel once the second file has started: the first is already published by then.
    const spy = onEveryWrite(target, (_p, n) => {
      if (n === 2) ctl.abort();
    });
    await assert.rejects(copyBackup(local, spy, chains.plain[0]!.namespaces[0]!.key, { signal: ctl.signal }), CopyCancelledError);
    assert.deepEqual(await listAll(target), []);
  });

  test('merge on the same local storage: restores to exactly the chain, with its indexes and UDFs', async () => {
    const [full, , inc2] = chains.plain;
    const r = await mergeBackups({ from: local, to: local, toolVersion: 'test' }, { routine: 'plain', uptoMs: Date.now() });
    assert.equal(r.createdMs, inc2!.createdMs, 'the merged backup is dated at the effective time of the chain');
    const ns = r.namespaces[0]!;
    assert.deepEqual(ns.sources, chains.plain.map((b) => b.namespaces[0]!.key));
    const fm = full!.namespaces[0]!.metadata;
    assert.equal(ns.metadata['secondary-index-count'], fm['secondary-index-count']);
    assert.equal(ns.metadata['udf-count'], fm['udf-count']);
    assert.match(ns.metadata.tidemark!.label!, /^merged: full backup of .* \+ 2 incrementals/);
    assert.equal(ns.metadata['record-count'], chainState.plain.size);
    const listed = await listBackups(local, 'plain');
    assert.ok(listed.some((e) => e.kind === 'full' && e.key === ns.key), 'the merged backup is a full backup of the routine');
    const merged = await restoreInto(local, { key: ns.key }, 'merged');
    assertSameRecords(merged, chainState.plain, 'merged vs chain');
    // Indexes came along (the restore re-created the full's index on the destination).
    const indexes = await client.infoAny('sindex-list:ns=merged');
    assert.match(String(indexes), /merged|test_people_i/);
    // Merging again to the same place is refused; a lone full has nothing to merge.
    await assert.rejects(mergeBackups({ from: local, to: local, toolVersion: 'test' }, { routine: 'plain', uptoMs: inc2!.createdMs }), /destination: .* already exists/);
    await assert.rejects(mergeBackups({ from: local, to: local, toolVersion: 'test' }, { routine: 'plain', uptoMs: full!.createdMs }), (e: unknown) => e instanceof MergeError && /nothing to merge/.test(e.message));
  });

  test('merge of a compressed, encrypted chain onto S3 restores to exactly the chain', async () => {
    const cloud = s3At('merged');
    const r = await mergeBackups({ from: local, to: cloud, keyHash, toolVersion: 'test' }, { routine: 'enc', uptoMs: Date.now() });
    const ns = r.namespaces[0]!;
    assert.equal(ns.metadata.tidemark!.compression, 'zstd');
    assert.equal(ns.metadata.tidemark!.encryption, 'aes256');
    assertSameRecords(await restoreInto(cloud, { key: ns.key }, 'encmerged'), chainState.enc, 'encrypted merged vs chain');
  });

  test('a cancelled merge leaves nothing', async () => {
    const ctl = new AbortController();
    const target = s3At('merge-cancelled');
    const spy = onEveryWrite(target, (_p, n) => {
      if (n === 1) ctl.abort();
    });
    await assert.rejects(mergeBackups({ from: local, to: spy, toolVersion: 'test' }, { routine: 'plain', uptoMs: chains.plain[1]!.createdMs }, { signal: ctl.signal }), MergeCancelledError);
    assert.deepEqual(await listAll(target), []);
  });
});
