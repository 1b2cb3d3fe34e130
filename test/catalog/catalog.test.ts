/**
 * The catalog over real parts: backups written by the engine through the service, a hand-built
 * ABS-layout folder and the asbackup fixtures registered as foreign, on local storage; changes
 * made underneath by another process; timeline, verify and delete jobs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { DeleteRefusedError } from '../../electron/core/catalog/catalog-service.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import type { CatalogBackup } from '../../shared/schemas/catalog.js';
import type { Job } from '../../shared/schemas/job.js';
import { writeDataset } from '../helpers/dataset.js';

const FIXTURES = 'test/data/asbackup';
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { recordCount: number };

function nextEvent(service: TidemarkService, pred: (j: Job, type: string) => boolean): Promise<Job> {
  return new Promise((resolve) => {
    const off = service.subscribe((e) => {
      if ('job' in e && pred(e.job, e.type)) {
        off();
        resolve(e.job);
      }
    });
  });
}

/** An ABS v2 backup folder as ABS writes it: metadata.yaml with ABS's keys only, a configuration file. */
function writeAbsBackup(root: string, routine: string, createdMs: number, asbFrom: string, records: number): string {
  const key = `${routine}/backup/${createdMs}/data/test`;
  mkdirSync(join(root, key), { recursive: true });
  mkdirSync(join(root, routine, 'backup', String(createdMs), 'configuration'), { recursive: true });
  writeFileSync(join(root, routine, 'backup', String(createdMs), 'configuration', 'aerospike_0.conf'), 'service {\n}\n');
  copyFileSync(asbFrom, join(root, key, 'test_1.asb'));
  const created = new Date(createdMs).toISOString().replace('Z', '+00:00');
  writeFileSync(join(root, key, 'metadata.yaml'), `created: ${created}\nnamespace: test\nrecord-count: ${records}\nbyte-count: 177150\nfile-count: 1\nsecondary-index-count: 1\nudf-count: 1\n`);
  return key;
}

describe('catalog: index, foreign backups, timeline, verify, delete', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let dir: string;
  let backups: string;
  let service: TidemarkService;
  let full: Job;
  let inc1: Job;
  let inc2: Job;
  const keyOf = (j: Job): string => (j.details?.keys as string[])[0]!;
  const byKey = (key: string): CatalogBackup => service.catalog.find(key, 'local');

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    await writeDataset(client, 'test', 80);
    dir = mkdtempSync(join(tmpdir(), 'tidemark-catalog-'));
    backups = join(dir, 'backups');
    service = await TidemarkService.open({ configPath: join(dir, 'config.json'), logStdout: false });
    const [host, port] = tb.seed.split(':');
    const c = service.config;
    c.put('aerospike-clusters', 'tb', { 'seed-nodes': [{ 'host-name': host!, port: Number(port) }] });
    c.put('storage', 'local', { 'local-storage': { path: 'backups' } });
    c.put('backup-policies', 'p', { parallel: 2 });
    c.put('backup-routines', 'daily', { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'p', 'interval-cron': '@daily', namespaces: ['test'] });
    full = await service.triggerBackup('daily', { label: 'before the migration' }).done;
    assert.equal(full.status, 'success', full.error);
    await client.put(new Aerospike.Key('test', 'people', 'changed-1'), { v: 1 });
    inc1 = await service.triggerBackup('daily', { type: 'incremental' }).done;
    assert.equal(inc1.status, 'success', inc1.error);
    await client.put(new Aerospike.Key('test', 'people', 'changed-2'), { v: 2 });
    inc2 = await service.triggerBackup('daily', { type: 'incremental' }).done;
    assert.equal(inc2.status, 'success', inc2.error);
    // A run that failed leaves a mark on the timeline.
    service.jobs.recordSkipped({ type: 'backup', backupType: 'incremental', routine: 'daily', trigger: 'schedule' }, 'on battery');
  });

  after(async () => {
    await service?.close();
    await client?.close();
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('engine backups, an ABS-layout folder and registered asbackup output are listed side by side', async () => {
    const absKey = writeAbsBackup(backups, 'abs-routine', 1_700_000_000_000, join(FIXTURES, 'plain', 'test_00000.asb'), expected.recordCount);
    // A folder without metadata.yaml (an unfinished run) is no restore point.
    mkdirSync(join(backups, 'daily', 'backup', '1600000000000', 'data', 'test'), { recursive: true });
    copyFileSync(join(FIXTURES, 'plain', 'test_00000.asb'), join(backups, 'daily', 'backup', '1600000000000', 'data', 'test', 'test_1.asb'));
    mkdirSync(join(backups, 'imports', 'split'), { recursive: true });
    for (const f of readdirSync(join(FIXTURES, 'split'))) copyFileSync(join(FIXTURES, 'split', f), join(backups, 'imports', 'split', f));
    const before = readdirSync(join(backups, 'imports', 'split')).map((f) => readFileSync(join(backups, 'imports', 'split', f)));

    const r = await service.catalog.refresh('local');
    assert.equal(r.added, 1, 'the engine backups were indexed as their jobs finished; the ABS-made one is new');
    assert.deepEqual(r.problems, []);
    const foreign = await service.catalog.registerForeign('local', 'imports/split', 'legacy', { createdMs: 1_650_000_000_000 });
    assert.deepEqual(
      readdirSync(join(backups, 'imports', 'split')).map((f) => readFileSync(join(backups, 'imports', 'split', f))),
      before,
      'the asbackup files are untouched and nothing is added beside them',
    );

    const page = service.catalog.list();
    assert.equal(page.total, 5);
    assert.deepEqual(page.backups.map((b) => b.key), [keyOf(inc2), keyOf(inc1), keyOf(full), absKey, 'imports/split'], 'newest first');
    const f = byKey(keyOf(full));
    assert.equal(f.label, 'before the migration');
    assert.equal(f.kind, 'full');
    assert.equal(f['record-count'], full.stats?.records);
    assert.equal(f['byte-count'], full.stats?.bytes);
    assert.equal(f.compression, 'none');
    assert.equal(f.encryption, 'none');
    assert.ok(f.finished && f.duration !== undefined);
    assert.equal(byKey(keyOf(inc1)).from, new Date(f.timestamp).toISOString(), 'an incremental starts where the previous backup started');
    const abs = byKey(absKey);
    assert.deepEqual(
      { routine: abs.routine, kind: abs.kind, ts: abs.timestamp, records: abs['record-count'], idx: abs['secondary-index-count'], comp: abs.compression, foreign: abs.foreign },
      { routine: 'abs-routine', kind: 'full', ts: 1_700_000_000_000, records: expected.recordCount, idx: 1, comp: 'none', foreign: false },
    );
    assert.equal(foreign.foreign, true);
    assert.equal(foreign.routine, 'legacy');
    assert.equal(foreign.namespace, 'test', 'read from the files');
    assert.equal(foreign['record-count'], expected.recordCount, 'counted by decoding');
    assert.equal(foreign['file-count'], 4);
    assert.equal(foreign['byte-count'], before.reduce((a, b) => a + b.length, 0));
    assert.equal(foreign['secondary-index-count'], 1);
    assert.equal(foreign['udf-count'], 1);
    assert.deepEqual(service.catalog.list({ routine: 'daily', kind: 'incremental' }).backups.map((b) => b.key), [keyOf(inc2), keyOf(inc1)]);
    assert.deepEqual(service.catalog.list({ from: 1_600_000_000_000, to: 1_699_999_999_999 }).backups.map((b) => b.key), ['imports/split']);
    const paged = service.catalog.list({ limit: 2, offset: 2 });
    assert.equal(paged.total, 5);
    assert.deepEqual(paged.backups.map((b) => b.key), [keyOf(full), absKey]);
    assert.throws(() => service.catalog.list({ limit: 0 }), /catalog query: .*limit/);
  });

  test('a registered foreign backup restores by key, and the zstd fixture is detected as compressed', async () => {
    mkdirSync(join(backups, 'imports', 'zstd'), { recursive: true });
    copyFileSync(join(FIXTURES, 'zstd', 'test_00000.asb'), join(backups, 'imports', 'zstd', 'test_00000.asb'));
    const z = await service.catalog.registerForeign('local', 'imports/zstd', 'legacy', { createdMs: 1_660_000_000_000, namespace: 'test' });
    assert.equal(z.compression, 'zstd');
    assert.equal(z['record-count'], expected.recordCount);
    await assert.rejects(service.catalog.registerForeign('local', 'imports/zstd', 'legacy', { createdMs: 1_660_000_000_000 }), /already has a foreign backup/);
    await assert.rejects(service.catalog.registerForeign('local', keyOf(full), 'legacy'), /path: .* has a metadata.yaml/);
    const restored = await service.restore({ source: { storage: 'local', key: 'imports/split' }, destination: 'tb', policy: { namespace: { source: 'test', destination: 'bar' } } }).done;
    assert.equal(restored.status, 'success', restored.error);
    assert.equal(restored.stats?.['read-records'], expected.recordCount);
    // The routine's timeline starts with the foreign fulls, and a restore to a time plans from them.
    const tl = service.catalog.timeline('legacy', { storage: 'local', atMs: 1_665_000_000_000 });
    assert.deepEqual(tl.plan?.steps.map((s) => s.key), ['imports/zstd']);
  });

  test('backups deleted and added underneath by another process are seen on the next refresh; unchanged ones are not read', async () => {
    const quiet = await service.catalog.refresh('local');
    assert.equal(quiet['metadata-read'], 0);
    assert.equal(quiet.unchanged, 6);
    const script = `
      const fs = require('fs'), path = require('path');
      const root = process.argv[1];
      fs.rmSync(path.join(root, 'abs-routine/backup/1700000000000'), { recursive: true });
      const key = path.join(root, 'abs-routine/backup/1710000000000/data/test');
      fs.mkdirSync(key, { recursive: true });
      fs.copyFileSync(process.argv[2], path.join(key, 'test_1.asb'));
      fs.writeFileSync(path.join(key, 'metadata.yaml'), 'created: 2024-03-09T16:00:00Z\\nnamespace: test\\nrecord-count: 300\\n');
    `;
    execFileSync(process.execPath, ['-e', script, backups, join(FIXTURES, 'plain', 'test_00000.asb')]);
    const r = await service.catalog.refresh('local');
    assert.deepEqual({ added: r.added, removed: r.removed, read: r['metadata-read'], updated: r.updated }, { added: 1, removed: 1, read: 1, updated: 0 });
    assert.deepEqual(service.catalog.list({ routine: 'abs-routine' }).backups.map((b) => b.key), ['abs-routine/backup/1710000000000/data/test']);
    // A metadata file changed in place is read again.
    writeFileSync(join(backups, 'abs-routine/backup/1710000000000/data/test/metadata.yaml'), 'created: 2024-03-09T16:00:00Z\nnamespace: test\nrecord-count: 300\nudf-count: 1\n');
    const changed = await service.catalog.refresh('local');
    assert.equal(changed.updated, 1);
    assert.equal(byKey('abs-routine/backup/1710000000000/data/test')['udf-count'], 1);
    // Broken metadata is reported, not listed.
    writeFileSync(join(backups, 'abs-routine/backup/1710000000000/data/test/metadata.yaml'), 'created: [\n');
    const broken = await service.catalog.refresh('local');
    assert.equal(broken.removed, 1);
    assert.match(broken.problems[0]?.message ?? '', /not valid YAML/);
    rmSync(join(backups, 'abs-routine'), { recursive: true });
    await service.catalog.refresh('local');
  });

  test('timeline: chain and effective time before the first full, between incrementals, after the last backup', () => {
    const [tf, t1, t2] = [full, inc1, inc2].map((j) => byKey(keyOf(j)).timestamp) as [number, number, number];
    const before = service.catalog.timeline('daily', { atMs: tf - 1 });
    assert.equal(before.plan, undefined);
    assert.match(before['plan-error'] ?? '', /no full backup of routine 'daily' at or before/);
    assert.deepEqual(before.points.map((p) => p.key), [keyOf(full), keyOf(inc1), keyOf(inc2)]);
    assert.deepEqual(before.marks.map((m) => [m.status, m['backup-type'], m.message]), [['skipped', 'incremental', 'on battery']]);

    const between = service.catalog.timeline('daily', { atMs: Math.floor((t1 + t2) / 2), namespace: 'test' });
    assert.deepEqual(between.plan?.steps.map((s) => s.key), [keyOf(full), keyOf(inc1)]);
    assert.equal(between.plan?.effective, t1);
    assert.equal(between.plan?.records, (full.stats?.records ?? 0) + (inc1.stats?.records ?? 0));
    assert.equal(between.plan?.bytes, (full.stats?.bytes ?? 0) + (inc1.stats?.bytes ?? 0));
    assert.deepEqual(between.plan?.warnings.map((w) => w.code), ['unverified', 'unverified']);

    const latest = service.catalog.timeline('daily', { atMs: t2 + 60_000 });
    assert.deepEqual(latest.plan?.steps.map((s) => s.key), [keyOf(full), keyOf(inc1), keyOf(inc2)]);
    assert.equal(latest.plan?.effective, t2);
    assert.ok(!latest.plan?.warnings.some((w) => w.code === 'missing-incremental'));
  });

  test('verify as a job: ok is stored and shown; a flipped byte is found with its file', async () => {
    const ok = await service.catalog.verify('local', keyOf(full)).done;
    assert.equal(ok.status, 'success', ok.error);
    assert.equal(ok.type, 'verify');
    assert.equal(ok.stats?.records, full.stats?.records);
    const v = byKey(keyOf(full)).verification;
    assert.equal(v?.ok, true);
    assert.equal(v?.['job-id'], ok.id);
    assert.ok(service.catalog.list({ routine: 'daily' }).backups.find((b) => b.key === keyOf(full))?.verification?.ok);

    const target = join(backups, keyOf(inc2));
    const file = readdirSync(target).find((f) => f.endsWith('.asb'))!;
    const bytes = readFileSync(join(target, file));
    // One bit in the `# namespace` line: the decoder must name the file and the line.
    const nsAt = bytes.indexOf('# namespace') + 9;
    bytes[nsAt] = bytes[nsAt]! ^ 0x01;
    writeFileSync(join(target, file), bytes);
    const bad = await service.catalog.verify('local', keyOf(inc2)).done;
    assert.equal(bad.status, 'failure');
    const bv = byKey(keyOf(inc2)).verification;
    assert.equal(bv?.ok, false);
    assert.equal(bv?.file, `${keyOf(inc2)}/${file}`);
    assert.equal(bv?.line, 2);
    assert.match(bv?.message ?? '', /invalid meta data line/);
    const tl = service.catalog.timeline('daily', { atMs: Date.now() });
    assert.deepEqual(tl.plan?.warnings.map((w) => [w.code, w.key]), [['unverified', keyOf(inc1)], ['verification-failed', keyOf(inc2)]]);

    // The foreign backup is checked against the hashes taken when it was registered.
    const splitFile = join(backups, 'imports', 'split', 'test_00002.asb');
    const sb = readFileSync(splitFile);
    // A letter's case in a record's string value: still decodable, so only the checksum can tell.
    const at = sb.lastIndexOf('fx_users') + 3;
    sb[at] = sb[at]! ^ 0x20;
    writeFileSync(splitFile, sb);
    const fv = await service.catalog.verify('local', 'imports/split').done;
    assert.equal(fv.status, 'failure');
    assert.equal(byKey('imports/split').verification?.file, 'imports/split/test_00002.asb');
    assert.match(byKey('imports/split').verification?.message ?? '', /checksum mismatch/);
    sb[at] = sb[at]! ^ 0x20;
    writeFileSync(splitFile, sb);
    assert.equal((await service.catalog.verify('local', 'imports/split').done).status, 'success');
  });

  test('delete: refused while a restore reads the backup, refused on a wrong confirmation, a full goes with its incrementals', async () => {
    // Make the chain restorable again (the byte flipped above) so the restore runs, slowly.
    const started = nextEvent(service, (j, type) => j.type === 'restore' && type === 'progress');
    const restore = service.restore({ source: { storage: 'local', key: keyOf(full) }, destination: 'tb', policy: { tps: 20, namespace: { source: 'test', destination: 'bar' } } });
    await started;
    const plan = await service.catalog.planDelete('local', keyOf(full));
    assert.deepEqual(plan.backups.map((b) => b.key), [keyOf(full), keyOf(inc1), keyOf(inc2)]);
    await assert.rejects(service.catalog.delete('local', keyOf(full), plan.confirmation), (e: Error) => e instanceof DeleteRefusedError && /in use by a running job/.test(e.message));
    service.cancelJob(restore.job.id);
    assert.equal((await restore.done).status, 'canceled');

    await assert.rejects(service.catalog.delete('local', keyOf(full), undefined), /confirmation: missing/);
    await assert.rejects(service.catalog.delete('local', keyOf(full), 'deadbeefdeadbeef'), /does not match/);
    // The plan of one incremental is that incremental alone.
    assert.deepEqual((await service.catalog.planDelete('local', keyOf(inc1))).backups.map((b) => b.key), [keyOf(inc1)]);
    const { done } = await service.catalog.delete('local', keyOf(full), plan.confirmation);
    const del = await done;
    assert.equal(del.status, 'success', del.error);
    assert.equal(del.type, 'delete');
    assert.deepEqual(new Set(del.details?.deleted as string[]), new Set(plan.backups.map((b) => b.key)));
    for (const b of plan.backups) assert.equal(existsSync(join(backups, b.key.replace(/\/data\/test$/, ''))), false, `${b.key} is gone`);
    assert.equal(service.catalog.list({ routine: 'daily' }).total, 0);
    assert.equal(service.listJobs({ type: ['delete'] }).length, 1, 'recorded in the job history');
  });

  test('timeline across a deleted incremental warns that its changes are missing', async () => {
    const a = await service.triggerBackup('daily').done;
    const b = await service.triggerBackup('daily', { type: 'incremental' }).done;
    await client.put(new Aerospike.Key('test', 'people', 'changed-3'), { v: 3 });
    const c = await service.triggerBackup('daily', { type: 'incremental' }).done;
    for (const j of [a, b, c]) assert.equal(j.status, 'success', j.error);
    const plan = await service.catalog.planDelete('local', keyOf(b));
    assert.equal((await (await service.catalog.delete('local', keyOf(b), plan.confirmation)).done).status, 'success');
    const tl = service.catalog.timeline('daily', { atMs: Date.now() });
    assert.deepEqual(tl.plan?.steps.map((s) => s.key), [keyOf(a), keyOf(c)]);
    const missing = tl.plan?.warnings.filter((w) => w.code === 'missing-incremental') ?? [];
    assert.equal(missing.length, 1);
    assert.equal(missing[0]!.key, keyOf(c));
    assert.match(missing[0]!.message, /will not be restored/);
  });
});
