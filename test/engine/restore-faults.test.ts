/**
 * Restore under faults: failing writes (retried, or exhausted), answers slower than the socket
 * timeout (errors in doubt), damaged files, tampered or incomplete Tidemark backups (refused
 * before anything is written), and cancelling a slow restore.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { AerospikeCluster, parseHosts } from '../../electron/core/aerospike/cluster.js';
import { partitionStates, scanRecords } from '../../electron/core/aerospike/partition-scan.js';
import { runBackup, type BackupResult } from '../../electron/core/engine/backup-engine.js';
import { BackupIntegrityError } from '../../electron/core/engine/backup-reader.js';
import { RestoreError, runRestore } from '../../electron/core/engine/restore-engine.js';
import { createEncodeTransforms } from '../../electron/core/format/file-codec.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { N_PARTITIONS } from '../../electron/core/wire/digest.js';
import { BackupRequestSchema, type BackupRequestInput } from '../../shared/schemas/backup-request.js';
import { RestorePolicySchema, type RestorePolicyInput, type RestoreStats } from '../../shared/schemas/restore-request.js';
import { writeDataset } from '../helpers/dataset.js';
import { recordShape } from '../helpers/records.js';

const ALL = [...Array(N_PARTITIONS).keys()];
const FIXTURES = 'test/data/asbackup';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


async function shapes(cluster: AerospikeCluster, ns: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const r of scanRecords(cluster, { namespace: ns }, partitionStates(ALL))) out.set(r.digest.toString('hex'), recordShape(r));
  return out;
}

async function countNs(cluster: AerospikeCluster, ns: string): Promise<number> {
  let n = 0;
  for await (const _ of scanRecords(cluster, { namespace: ns, noBins: true }, partitionStates(ALL))) n++;
  return n;
}

const written = (s: RestoreStats): number => s['inserted-records'] + s['existed-records'] + s['fresher-records'] + s['ignored-records'] + s['skipped-records'] + s['expired-records'];

describe('restore faults', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let cluster: AerospikeCluster;
  let dir: string;
  let storage: LocalStorage;
  let full: BackupResult;
  let total: number;
  let source: Map<string, string>;

  const backup = (over: Partial<BackupRequestInput>): Promise<BackupResult> =>
    runBackup({ cluster, storage, encodeStages: () => createEncodeTransforms({ compression: 'none', encryption: 'none' }), toolVersion: 'test' }, BackupRequestSchema.parse({ routine: 'f', namespaces: ['test'], ...over }));
  const restore = (destination: string, over: RestorePolicyInput = {}, key = full.namespaces[0]!.key, signal?: AbortSignal) =>
    runRestore({ cluster, storage }, { key }, RestorePolicySchema.parse({ namespace: { source: 'test', destination }, ...over }), signal ? { signal } : {});
  const fault = async (spec: string): Promise<void> => {
    await client.infoAny(`testbed-fault:${spec}`);
  };
  const injected = async (): Promise<number> => {
    let n = 0;
    for (const node of cluster.nodes) n += Number(/injectedWriteFailures=(\d+)/.exec((await cluster.info(node, ['testbed-stats'])).get('testbed-stats') ?? '')?.[1] ?? 0);
    return n;
  };
  const indexesOn = async (ns: string): Promise<string> => (await cluster.infoAny([`sindex-list:namespace=${ns}`])).get(`sindex-list:namespace=${ns}`) ?? '';

  before(async () => {
    tb = await startTestbedWorker({ port: 0, nodes: 2, namespaces: ['test', 'retry', 'exhaust', 'doubt', 'trunc', 'corrupt', 'skipbad', 'tamper', 'missing', 'cancel', 'cancel2', 'cancel3'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    cluster = await AerospikeCluster.connect({ hosts: parseHosts(tb.seed) });
    const c = await writeDataset(client, 'test', 120);
    total = c.people + c.nokey + c.noset;
    source = await shapes(cluster, 'test');
    dir = mkdtempSync(join(tmpdir(), 'tidemark-restore-faults-'));
    storage = new LocalStorage(dir);
    full = await backup({ 'file-limit': 8192, parallel: 4 });
    assert.ok((full.namespaces[0]!.metadata['file-count'] ?? 0) >= 4);
  });
  after(async () => {
    await client?.infoAny('testbed-fault:clear').catch(() => undefined);
    cluster?.close();
    await client?.close();
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('failing writes are retried and the restore completes with exact data', async () => {
    const before = await injected();
    await fault('fail-write-fraction=0.3;fail-write-code=18');
    try {
      const r = await restore('retry', { 'retry-policy': { baseTimeout: 5, multiplier: 2, maxRetries: 10 }, 'batch-size': 16 });
      assert.equal(r.stats['inserted-records'], total);
      assert.equal(r.stats['read-records'], total);
    } finally {
      await fault('clear');
    }
    assert.ok((await injected()) - before >= 10, 'writes were failed and retried');
    assert.deepEqual(await shapes(cluster, 'retry'), source);
  });

  test('retries exhausted: RestoreError whose statistics are exactly what was written', async () => {
    await fault('fail-write-fraction=0.2;fail-write-code=18');
    let err: RestoreError | undefined;
    try {
      await restore('exhaust', { 'retry-policy': { baseTimeout: 1, multiplier: 1, maxRetries: 0 }, 'batch-size': 8, parallel: 4 });
    } catch (e) {
      err = e as RestoreError;
    } finally {
      await fault('clear');
    }
    assert.ok(err instanceof RestoreError, `expected a RestoreError, got ${String(err)}`);
    assert.equal(err.cancelled, false);
    assert.match(err.message, /restore failed: write of record [0-9a-f]{40} .*in exhaust.* failed: result code 18 \(after 0 retries\)/);
    const s = err.stats;
    await sleep(50);
    const inDest = await countNs(cluster, 'exhaust');
    assert.equal(s['inserted-records'], inDest, `stats ${JSON.stringify(s)} vs ${inDest} records in the destination`);
    assert.ok(s['inserted-records'] > 0 && s['inserted-records'] < total);
    assert.ok(s['read-records'] > written(s), 'the failed records are read but counted nowhere else');
    assert.equal(s['errors-in-doubt'], 0);
  });

  test('answers slower than the socket timeout count as errors in doubt', async () => {
    const small = await backup({ routine: 'small', 'max-records': 6, 'no-indexes': true, 'no-udfs': true });
    await fault('delay-ms=300');
    let err: RestoreError | undefined;
    try {
      await restore('doubt', { 'socket-timeout': 80, 'retry-policy': { baseTimeout: 1, multiplier: 1, maxRetries: 1 } }, small.namespaces[0]!.key);
    } catch (e) {
      err = e as RestoreError;
    } finally {
      await fault('clear');
    }
    assert.ok(err instanceof RestoreError, `expected a RestoreError, got ${String(err)}`);
    assert.match(err.message, /in doubt/);
    assert.equal(err.stats['read-records'], 6);
    assert.equal(err.stats['errors-in-doubt'], 6);
    assert.equal(err.stats['inserted-records'], 0);
    // The testbed applies the delayed writes after the client gave up: that is what "in doubt" means.
    await sleep(400);
  });

  describe('damaged files', () => {
    let damaged: string;
    let dstorage: LocalStorage;
    before(() => {
      damaged = mkdtempSync(join(tmpdir(), 'tidemark-damaged-'));
      dstorage = new LocalStorage(damaged);
    });
    after(() => rmSync(damaged, { recursive: true, force: true }));

    const restoreDamaged = (key: string, destination: string) =>
      runRestore({ cluster, storage: dstorage }, { key }, RestorePolicySchema.parse({ namespace: { source: 'test', destination }, 'no-udfs': true }));

    test('a truncated file: a clear error naming the file', async () => {
      cpSync(join(FIXTURES, 'plain'), join(damaged, 'cut'), { recursive: true });
      const file = join(damaged, 'cut', 'test_00000.asb');
      const size = readFileSync(file).length;
      truncateSync(file, Math.floor(size / 2));
      await assert.rejects(restoreDamaged('cut', 'trunc'), (e: RestoreError) => {
        assert.ok(e instanceof RestoreError);
        assert.match(e.message, /cut\/test_00000\.asb:\d+: unexpected end of file/);
        return true;
      });

      cpSync(join(FIXTURES, 'zstd'), join(damaged, 'cutz'), { recursive: true });
      const zfile = join(damaged, 'cutz', 'test_00000.asb');
      truncateSync(zfile, Math.floor(readFileSync(zfile).length / 2));
      await assert.rejects(restoreDamaged('cutz', 'trunc'), (e: RestoreError) => {
        assert.ok(e instanceof RestoreError);
        assert.match(e.message, /cutz\/test_00000\.asb/);
        return true;
      });
    });

    test('a corrupted record line: a clear error naming the file and the line', async () => {
      cpSync(join(FIXTURES, 'plain'), join(damaged, 'bad'), { recursive: true });
      const file = join(damaged, 'bad', 'test_00000.asb');
      const text = readFileSync(file, 'latin1');
      // The generation line of the 100th record.
      let at = -1;
      for (let i = 0; i < 100; i++) at = text.indexOf('\n+ g ', at + 1);
      const line = text.slice(0, at + 1).split('\n').length;
      writeFileSync(file, Buffer.from(`${text.slice(0, at + 1)}+ g x${text.slice(text.indexOf('\n', at + 1))}`, 'latin1'));
      await assert.rejects(restoreDamaged('bad', 'corrupt'), (e: RestoreError) => {
        assert.ok(e instanceof RestoreError);
        assert.match(e.message, new RegExp(`bad/test_00000\\.asb:${line}: `));
        return true;
      });
      // The records before the damage were restored (an asbackup folder has no checksums to check first).
      assert.ok((await countNs(cluster, 'corrupt')) > 0);
    });

    test('with skip-bad-records the damaged record is skipped and counted, the rest restored', async () => {
      const r = await runRestore(
        { cluster, storage: dstorage },
        { key: 'bad' },
        RestorePolicySchema.parse({ namespace: { source: 'test', destination: 'skipbad' }, 'no-udfs': true, 'skip-bad-records': true }),
      );
      const s = r.stats;
      assert.equal(s['read-records'], 300);
      assert.equal(s['skipped-records'], 1);
      assert.equal(s['inserted-records'], 299);
      assert.equal(s['read-records'], s['inserted-records'] + s['existed-records'] + s['fresher-records'] + s['ignored-records'] + s['skipped-records'] + s['expired-records']);
      assert.equal(await countNs(cluster, 'skipbad'), 299);
    });
  });

  test('a Tidemark backup with a tampered file is refused before anything is written', async () => {
    const b = await backup({ routine: 'tamper', 'file-limit': 8192, parallel: 2 });
    const entry = b.namespaces[0]!.metadata.tidemark!.files[1]!;
    const file = join(dir, b.namespaces[0]!.key, entry.name);
    const bytes = readFileSync(file);
    // Same size and still a valid file: one letter of a string bin changed ('name 7' → 'Name 7').
    const at = bytes.indexOf('name ', Math.floor(bytes.length / 2));
    assert.ok(at > 0);
    bytes[at] = 0x4e;
    writeFileSync(file, bytes);
    // Checked before the first write: the error is the integrity error itself (no statistics, nothing was written).
    await assert.rejects(restore('tamper', {}, b.namespaces[0]!.key), (e: Error) => {
      assert.ok(e instanceof BackupIntegrityError, String(e));
      assert.match(e.message, new RegExp(`/${entry.name.replace('.', '\\.')}: checksum mismatch \\(read ${entry.size} bytes, sha256 [0-9a-f]{64}; metadata says ${entry.size} bytes, ${entry.sha256}\\)`));
      return true;
    });
    assert.equal(await countNs(cluster, 'tamper'), 0);
    assert.equal(await indexesOn('tamper'), '', 'no index was created either');
  });

  test('a Tidemark backup with a missing listed file is refused before anything is written', async () => {
    const b = await backup({ routine: 'missing', 'file-limit': 8192, parallel: 2 });
    const entry = b.namespaces[0]!.metadata.tidemark!.files.at(-1)!;
    unlinkSync(join(dir, b.namespaces[0]!.key, entry.name));
    await assert.rejects(restore('missing', {}, b.namespaces[0]!.key), (e: Error) => e instanceof BackupIntegrityError && e.message.includes(`file ${entry.name} listed in metadata.yaml is missing`));
    assert.equal(await countNs(cluster, 'missing'), 0);
    assert.equal(await indexesOn('missing'), '');
  });

  for (const [ns, delay] of [
    ['cancel', 0],
    ['cancel2', 150],
  ] as const) {
    test(`cancelling a slow restore stops within a second; its statistics match the destination${delay ? ' (writes in flight)' : ''}`, async () => {
      if (delay) await fault(`delay-ms=${delay}`);
      const ac = new AbortController();
      let abortedAt = 0;
      const timer = setTimeout(() => {
        abortedAt = Date.now();
        ac.abort();
      }, 700);
      let err: RestoreError | undefined;
      try {
        await restore(ns, { tps: 100, 'batch-size': 4 }, undefined, ac.signal);
      } catch (e) {
        err = e as RestoreError;
      } finally {
        clearTimeout(timer);
        if (delay) await fault('clear');
      }
      const stoppedAfter = Date.now() - abortedAt;
      assert.ok(err instanceof RestoreError, `expected a RestoreError, got ${String(err)}`);
      assert.equal(err.cancelled, true);
      assert.match(err.message, /restore cancelled/);
      assert.ok(abortedAt > 0 && stoppedAfter < 1000, `stopped ${stoppedAfter} ms after the abort`);
      // Let anything the testbed still had in hand land before counting.
      await sleep(delay + 100);
      const inDest = await countNs(cluster, ns);
      const s = err.stats;
      assert.ok(s['read-records'] > 0 && s['read-records'] < total, `read ${s['read-records']}`);
      assert.ok(s['inserted-records'] > 0, 'some records were written before the cancel');
      assert.equal(s['inserted-records'], inDest, `stats ${JSON.stringify(s)} vs ${inDest} records in the destination`);
      assert.equal(s['errors-in-doubt'], 0);
    });
  }

  test('cancelling while writes hang: stops within a second, and the writes left unanswered count as errors in doubt', async () => {
    // Answers take longer than the grace given to writes in flight after a cancel (500 ms).
    await fault('delay-ms=900');
    const ac = new AbortController();
    let abortedAt = 0;
    const timer = setTimeout(() => {
      abortedAt = Date.now();
      ac.abort();
    }, 300);
    let err: RestoreError | undefined;
    try {
      await restore('cancel3', { 'batch-size': 4 }, undefined, ac.signal);
    } catch (e) {
      err = e as RestoreError;
    } finally {
      clearTimeout(timer);
      await fault('clear');
    }
    const stoppedAfter = Date.now() - abortedAt;
    assert.ok(err instanceof RestoreError && err.cancelled, String(err));
    assert.ok(stoppedAfter < 1000, `stopped ${stoppedAfter} ms after the abort`);
    const s = err.stats;
    assert.equal(s['inserted-records'], 0);
    assert.ok(s['errors-in-doubt'] > 0, JSON.stringify(s));
    // The testbed applies them after the delay: exactly the ones counted in doubt.
    await sleep(1000);
    assert.equal(await countNs(cluster, 'cancel3'), s['errors-in-doubt']);
  });
});
