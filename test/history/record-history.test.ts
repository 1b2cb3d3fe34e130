/**
 * Record history: one key followed through six backups of a routine (a full, four incrementals,
 * a second full), found by integer, string and bytes key and by digest, with and without the
 * record index, and one version written back to the testbed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { examineRecord, lookupDigest } from '../../electron/core/catalog/history/examine.js';
import { indexPath, writeRecordIndex } from '../../electron/core/catalog/history/record-index.js';
import { restoreRecordVersion } from '../../electron/core/catalog/history/restore-version.js';
import { runBackup, type BackupResult } from '../../electron/core/engine/backup-engine.js';
import { openBackupSource } from '../../electron/core/engine/backup-reader.js';
import { detectCodec } from '../../electron/core/engine/codec-detect.js';
import { createEncodeTransforms } from '../../electron/core/format/file-codec.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { BackupRequestSchema } from '../../shared/schemas/backup-request.js';
import type { RecordHistory, RecordLookupInput } from '../../shared/schemas/record-history.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('record history', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;
  let dir: string;
  let storage: LocalStorage;
  const backups: BackupResult[] = [];
  /** Bins of each written version, by version number. */
  const written = new Map<number, Record<string, unknown>>();
  const sendKey = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND });
  /** Each version replaces the whole record, so a version's bins are exactly what was written. */
  const replace = new Aerospike.WritePolicy({ key: Aerospike.policy.key.SEND, exists: Aerospike.policy.exists.CREATE_OR_REPLACE });
  const keys = [
    { set: 'people', key: 42, type: 'integer' as const, text: '42' },
    { set: 'people', key: 'ada@example.com', type: 'string' as const, text: 'ada@example.com' },
    { set: 'blobs', key: Buffer.from([0, 1, 0xfe, 0x0a]), type: 'bytes' as const, text: '0001fe0a' },
  ];

  const writeVersion = async (v: number): Promise<void> => {
    const bins: Record<string, unknown> = { v, name: `version ${v}`, tags: [v, `t${v}`], d: new Aerospike.Double(v) };
    // The third version adds a bin the others lack: restoring version 2 must remove it again.
    if (v === 3) bins.extra = 'only in v3';
    written.set(v, bins);
    for (const k of keys) await client.put(new Aerospike.Key('test', k.set, k.key), bins as Aerospike.AerospikeBins, {}, replace);
  };
  /** Something else changes, so an incremental without our key is not empty. */
  const churn = async (i: number): Promise<void> => {
    await client.put(new Aerospike.Key('test', 'other', `churn-${i}`), { i }, {}, sendKey);
  };
  const backup = async (type: 'full' | 'incremental', compression: 'none' | 'zstd' = 'none'): Promise<void> => {
    await tick();
    const last = backups[backups.length - 1];
    backups.push(
      await runBackup(
        { cluster, storage, encodeStages: () => createEncodeTransforms({ compression, encryption: 'none' }), toolVersion: 'test' },
        BackupRequestSchema.parse({ routine: 'hist', type, namespaces: ['test'], compression: { mode: compression }, ...(type === 'incremental' ? { 'modified-after': last!.createdMs } : {}) }),
      ),
    );
    await tick();
  };
  const lookup = (k: (typeof keys)[number], extra: Partial<RecordLookupInput> = {}): RecordLookupInput => ({ routine: 'hist', set: k.set, key: k.text, 'key-type': k.type, ...extra });
  const keyOf = (i: number): string => backups[i]!.namespaces[0]!.key;

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    dir = mkdtempSync(join(tmpdir(), 'tidemark-history-'));
    storage = new LocalStorage(dir);
    for (let i = 0; i < 50; i++) await client.put(new Aerospike.Key('test', 'other', i), { i, pad: 'x'.repeat(i) }, {}, sendKey);
    await writeVersion(1);
    await backup('full'); // 0: v1
    await writeVersion(2);
    await backup('incremental'); // 1: v2
    await churn(1);
    await backup('incremental'); // 2: unchanged
    await writeVersion(3);
    await backup('incremental'); // 3: v3
    await churn(2);
    await backup('incremental'); // 4: unchanged
    await writeVersion(4);
    await backup('full', 'zstd'); // 5: v4 (compressed)
    // Indexes for some backups only: the others are scanned.
    for (const i of [0, 2, 3, 5]) {
      const source = await openBackupSource(storage, keyOf(i));
      await writeRecordIndex(storage, source, await detectCodec(storage, source));
    }
  });
  after(async () => {
    cluster?.close();
    await client?.close();
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const checkHistory = (h: RecordHistory, label: string): void => {
    assert.deepEqual(
      h.versions.map((v) => v.backup),
      [5, 3, 1, 0].map(keyOf),
      `${label}: versions newest first, from the backups that hold the key`,
    );
    assert.deepEqual(
      h.versions.map((v) => v.bins.find((b) => b.name === 'v')?.value),
      [4, 3, 2, 1],
      `${label}: each version's bins`,
    );
    for (const v of h.versions) {
      const n = v.bins.find((b) => b.name === 'v')!.value as number;
      const want = written.get(n)!;
      assert.deepEqual(v.bins.map((b) => b.name).sort(), Object.keys(want).sort(), `${label}: bin names of v${n}`);
      assert.equal(v.bins.find((b) => b.name === 'name')?.value, want.name);
      assert.deepEqual(v.bins.find((b) => b.name === 'tags')?.value, [n, `t${n}`]);
      const d = v.bins.find((b) => b.name === 'd')!;
      assert.equal(d.type, 'double', `${label}: a whole double stays a double`);
      assert.equal(v['last-update'], null);
      assert.equal(v.expires, null);
      assert.ok(v['changed-before'] === v['backup-time']);
    }
    // Generations grow with each write.
    const gens = h.versions.map((v) => v.generation);
    assert.deepEqual(gens, [...gens].sort((a, b) => b - a));
    assert.ok(gens[0]! > gens[3]!);
    // Times: each incremental's window is bounded by the previous backup.
    assert.equal(h.versions[1]!['changed-after'], backups[2]!.createdMs);
    assert.equal(h.versions[0]!['changed-after'], undefined);
    assert.deepEqual(
      h.absent.map((a) => [a.backup, a.meaning]),
      [
        [keyOf(4), 'unchanged-in-incremental'],
        [keyOf(2), 'unchanged-in-incremental'],
      ],
      `${label}: the two incrementals without a change hold no version`,
    );
  };

  for (const k of keys) {
    test(`${k.type} key: four versions, newest first, with the right bins and times`, async () => {
      const { history } = await examineRecord(storage, lookup(k));
      checkHistory(history, `${k.type} key`);
      assert.equal(history.set, k.set);
      assert.deepEqual(history.searched, { indexed: 4, scanned: 2, 'stale-index': 0 });
      const kv = history.versions[0]!.key!;
      assert.equal(kv.type, k.type === 'integer' ? 'integer' : k.type);
      assert.equal(String(kv.value), k.type === 'bytes' ? k.text : String(k.key));
    });
  }

  test('lookup by digest gives the same history; without the index too', async () => {
    const k = keys[1]!;
    const digest = lookupDigest(lookup(k)).toString('hex');
    const byDigest = await examineRecord(storage, { routine: 'hist', digest });
    checkHistory(byDigest.history, 'by digest');
    const scanned = await examineRecord(storage, lookup(k), { useIndex: false });
    assert.deepEqual(scanned.history.searched, { indexed: 0, scanned: 6, 'stale-index': 0 });
    assert.deepEqual(scanned.history.versions, byDigest.history.versions);
  });

  test('a key that is in no backup shows no version, and every backup as absent', async () => {
    const { history } = await examineRecord(storage, { routine: 'hist', set: 'people', key: 'nobody', 'key-type': 'string' });
    assert.equal(history.versions.length, 0);
    assert.deepEqual(history.absent.map((a) => a.meaning), ['not-in-full', 'unchanged-in-incremental', 'unchanged-in-incremental', 'unchanged-in-incremental', 'unchanged-in-incremental', 'not-in-full']);
  });

  test('an index that does not match its backup is ignored: the backup is scanned', async () => {
    // Another backup's index put in place of backup 0's.
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(dir, indexPath(keyOf(3))), join(dir, indexPath(keyOf(0))));
    const { history } = await examineRecord(storage, lookup(keys[0]!));
    checkHistory(history, 'stale index');
    assert.equal(history.searched['stale-index'], 1);
  });

  test('bad lookups are refused with the field named', async () => {
    await assert.rejects(examineRecord(storage, { routine: 'hist', set: 'people' }), /key: give the user key/);
    await assert.rejects(examineRecord(storage, { routine: 'hist', digest: 'xyz' }), /digest: must be 40 hex digits/);
    await assert.rejects(examineRecord(storage, { routine: 'hist', set: 'p', key: '1.5', 'key-type': 'integer' }), /key: '1.5' is not a decimal integer/);
    await assert.rejects(examineRecord(storage, { routine: 'nope', set: 'p', key: 'a' }), /routine 'nope' has no backups/);
  });

  test('restoring one version writes exactly that version (read back through the official client)', async () => {
    const k = keys[0]!;
    const { history, records } = await examineRecord(storage, lookup(k));
    const v2 = history.versions.find((v) => v.bins.some((b) => b.name === 'v' && b.value === 2))!;
    // Into the same namespace, where the current record has a bin v2 lacks.
    await client.put(new Aerospike.Key('test', k.set, k.key), { stray: 'added after the backups' }, {}, sendKey);
    await restoreRecordVersion(cluster, records.get(v2.backup)!);
    const back = await client.get(new Aerospike.Key('test', k.set, k.key));
    assert.deepEqual(Object.keys(back.bins).sort(), Object.keys(written.get(2)!).sort(), 'no other bins survive');
    assert.equal(back.bins.v, 2);
    assert.equal(back.bins.name, 'version 2');
    assert.deepEqual(back.bins.tags, [2, 't2']);
    // Into another namespace.
    const v3 = history.versions.find((v) => v.bins.some((b) => b.name === 'v' && b.value === 3))!;
    await restoreRecordVersion(cluster, records.get(v3.backup)!, { namespace: 'bar' });
    const inBar = await client.get(new Aerospike.Key('bar', k.set, k.key));
    assert.deepEqual(inBar.bins, { v: 3, name: 'version 3', tags: [3, 't3'], d: 3, extra: 'only in v3' });
    await assert.rejects(restoreRecordVersion(cluster, records.get(v3.backup)!, { namespace: 'nosuch' }), /namespace: 'nosuch' does not exist/);
  });
});
