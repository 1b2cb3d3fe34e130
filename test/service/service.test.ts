import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Aerospike from 'aerospike';
import { startTestbedWorker, type TestbedHandle } from '../../e2e/testbed/index.js';
import { listBackups } from '../../electron/core/catalog/catalog.js';
import { LocalStorage } from '../../electron/core/storage/local-storage.js';
import { S3Storage } from '../../electron/core/storage/s3-storage.js';
import { TidemarkService } from '../../electron/core/service/tidemark-service.js';
import type { Job } from '../../shared/schemas/job.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { writeDataset } from '../helpers/dataset.js';

/** Waits for the service to report a job event matching `pred` (no polling, no sleeping). */
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

describe('service core: routines, jobs, retention, hooks, restore', () => {
  let tb: TestbedHandle;
  let client: Aerospike.Client;
  let s3: TestS3;
  let dir: string;
  let configPath: string;
  let service: TidemarkService;
  let host: string;
  let port: number;

  const open = async (): Promise<TidemarkService> => TidemarkService.open({ configPath, logStdout: false });

  before(async () => {
    tb = await startTestbedWorker({ port: 0, namespaces: ['test', 'bar'] });
    client = await Aerospike.connect({ hosts: tb.seed, log: { level: Aerospike.log.OFF } });
    await writeDataset(client, 'test', 120);
    [host, port] = [tb.seed.split(':')[0]!, Number(tb.seed.split(':')[1])];
    s3 = await startS3();
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    dir = mkdtempSync(join(tmpdir(), 'tidemark-service-'));
    configPath = join(dir, 'config.json');
    service = await open();
    const c = service.config;
    c.put('aerospike-clusters', 'tb', { 'seed-nodes': [{ 'host-name': host, port }], 'max-parallel-scans': 8 });
    c.put('storage', 'local', { 'local-storage': { path: 'backups' } });
    c.put('storage', 's3', { 's3-storage': { bucket: s3.bucket, path: 'svc', 's3-region': 'us-east-1', 's3-endpoint-override': s3.endpoint, 's3-credentials-source': 'env' } });
    c.put('backup-policies', 'keep2', { parallel: 2, retention: { full: 2, incremental: 1 } });
    c.put('backup-policies', 'slow', { parallel: 1, 'records-per-second': 20 });
    c.put('backup-routines', 'daily', { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'keep2', 'interval-cron': '@daily', 'incr-interval-cron': '0 * * * *', namespaces: ['test'] });
    c.put('backup-routines', 'cloud', { 'source-cluster': 'tb', storage: 's3', 'backup-policy': 'keep2', 'interval-cron': '@daily', namespaces: ['test'] });
    c.put('backup-routines', 'slow', { 'source-cluster': 'tb', storage: 'local', 'backup-policy': 'slow', 'interval-cron': '@yearly', namespaces: ['test'] });
  });

  after(async () => {
    await service?.close();
    await client?.close();
    await tb?.close();
    await s3?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an on-demand full backup is a job with progress, statistics and a labelled backup on storage', async () => {
    const progress: number[] = [];
    const off = service.subscribe((e) => {
      if ('job' in e && e.type === 'progress' && e.job.progress) progress.push(e.job.progress['done-records']);
    });
    const { job, done } = service.triggerBackup('daily', { label: 'before upgrade' });
    assert.equal(job.status, 'running');
    assert.equal(job.trigger, 'on-demand');
    const final = await done;
    off();
    assert.equal(final.status, 'success', final.error);
    assert.ok((final.stats?.records ?? 0) >= 120);
    assert.ok(progress.length > 0 && progress.at(-1) === final.stats?.records);
    const backups = await listBackups(new LocalStorage(join(dir, 'backups')), 'daily');
    assert.equal(backups.length, 1);
    assert.equal(backups[0]!.metadata.tidemark?.label, 'before upgrade');
    assert.deepEqual(final.details?.keys, [backups[0]!.key]);
    assert.deepEqual(service.getJob(job.id)?.status, 'success');
    const log = service.jobLog(job.id)!.map((l) => l.message);
    assert.ok(log.some((m) => /started/.test(m)) && log.some((m) => /success/.test(m)), `the job's own log lines: ${log.join(' | ')}`);
  });

  test('an incremental takes what changed since the previous backup', async () => {
    await client.put(new Aerospike.Key('test', 'people', 'changed-1'), { v: 1 });
    const final = await service.triggerBackup('daily', { type: 'incremental' }).done;
    assert.equal(final.status, 'success', final.error);
    assert.equal(final['backup-type'], 'incremental');
    assert.ok((final.stats?.records ?? 0) >= 1 && (final.stats?.records ?? 0) < 120, `an incremental holds only the changes (${final.stats?.records})`);
  });

  test('a run that finds its routine busy is skipped and recorded; cancel by id removes what the backup wrote', async () => {
    const first = service.triggerBackup('slow');
    await nextEvent(service, (j, t) => j.id === first.job.id && t === 'progress' && (j.progress?.['done-records'] ?? 0) > 0);
    const second = await service.triggerBackup('slow').done;
    assert.equal(second.status, 'skipped');
    assert.match(second.reason ?? '', /routine 'slow' is busy/);
    assert.ok(service.currentBackups('slow').full, 'currentBackup shows the running full backup');
    service.cancelJob(first.job.id);
    const canceled = await first.done;
    assert.equal(canceled.status, 'canceled');
    assert.deepEqual(await listBackups(new LocalStorage(join(dir, 'backups')), 'slow'), []);
    const history = service.listJobs({ routine: 'slow' });
    assert.deepEqual(history.map((j) => j.status).sort(), ['canceled', 'skipped']);
    assert.deepEqual(service.listJobs({ routine: 'slow', status: '!skipped' }).map((j) => j.id), [first.job.id]);
    assert.deepEqual(service.listJobs({ routine: 'slow', status: 'Canceled,Done' }).map((j) => j.id), [first.job.id]);
  });

  test('cancel by routine, and a delayed run cancelled before it starts', async () => {
    const running = service.triggerBackup('slow');
    await nextEvent(service, (j, t) => j.id === running.job.id && t === 'progress');
    const delayed = service.triggerBackup('daily', { delayMs: 60_000 });
    assert.equal(delayed.job.status, 'pending');
    assert.deepEqual(service.cancelRoutine('slow').map((j) => j.id), [running.job.id]);
    assert.equal((await running.done).status, 'canceled');
    service.cancelJob(delayed.job.id);
    const d = await delayed.done;
    assert.equal(d.status, 'canceled');
    assert.equal(d['started-at'], undefined);
  });

  test('retention after each full keeps the newest fulls and records what it removed', async () => {
    const storage = new LocalStorage(join(dir, 'backups'));
    const before = (await listBackups(storage, 'daily')).filter((b) => b.kind === 'full');
    const r1 = await service.triggerBackup('daily').done;
    const r2 = await service.triggerBackup('daily').done;
    assert.equal(r1.status, 'success');
    assert.equal(r2.status, 'success');
    const fulls = (await listBackups(storage, 'daily')).filter((b) => b.kind === 'full');
    assert.equal(fulls.length, 2, 'keep2 keeps two full backups');
    const removed = (r2.details?.retention as { removed: Array<{ root: string }> }).removed.map((r) => r.root);
    assert.ok(removed.includes(before[0]!.key.replace(/\/data\/test$/, '')), 'the oldest full was removed and recorded');
    assert.equal((await listBackups(storage, 'daily')).filter((b) => b.kind === 'incremental').length, 0, 'its incremental went with it');
  });

  test('a backup to S3 storage through the same routine machinery', async () => {
    const final = await service.triggerBackup('cloud').done;
    assert.equal(final.status, 'success', final.error);
    const storage = new S3Storage({ bucket: s3.bucket, prefix: 'svc', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { source: 'static', ...s3.credentials } });
    const backups = await listBackups(storage, 'cloud');
    assert.equal(backups.length, 1);
    assert.equal(backups[0]!.metadata['record-count'], final.stats?.records);
  });

  test('hooks run on start and success with job facts; a failing hook is recorded and never fails the backup', async () => {
    const out = join(dir, 'hook.txt');
    service.config.put('backup-routines', 'hooked', {
      'source-cluster': 'tb',
      storage: 'local',
      'backup-policy': 'keep2',
      'interval-cron': '@daily',
      namespaces: ['test'],
      hooks: {
        'on-start': [{ command: [process.execPath, '-e', 'process.exit(3)'] }],
        'on-success': [{ command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(out)}, process.env.TIDEMARK_ROUTINE + ' ' + process.env.TIDEMARK_STATUS)`] }],
      },
    });
    const final = await service.triggerBackup('hooked').done;
    assert.equal(final.status, 'success');
    assert.equal(final.hooks?.length, 2);
    assert.equal(final.hooks?.[0]?.ok, false);
    assert.equal(final.hooks?.[0]?.['exit-code'], 3);
    assert.equal(final.hooks?.[1]?.ok, true);
    assert.equal(readFileSync(out, 'utf8'), 'hooked success');
    assert.equal(service.getJob(final.id)?.hooks?.length, 2, 'hook results are in the history');
  });

  test('restore of a routine to a point in time into another namespace, as a job', async () => {
    const final = await service.restore({ source: { routine: 'daily', time: Date.now() }, policy: { namespace: { source: 'test', destination: 'bar' } } }).done;
    assert.equal(final.status, 'success', final.error);
    assert.equal(final.type, 'restore');
    assert.ok((final.stats?.['inserted-records'] ?? 0) >= 120);
    const rec = await client.get(new Aerospike.Key('bar', 'people', 'changed-1'));
    assert.equal(rec.bins.v, 1);
  });

  test('the history survives a restart and is queryable by type, routine, status and time', async () => {
    const ids = service.listJobs().map((j) => j.id);
    await service.close();
    service = await open();
    assert.deepEqual(service.listJobs().map((j) => j.id), ids);
    assert.ok(service.listJobs({ type: ['restore'] }).length === 1);
    const t = service.listJobs({ routine: 'daily' }).at(-1)!['created-at'];
    assert.ok(service.listJobs({ routine: 'daily', from: t + 1 }).every((j) => j['created-at'] > t));
  });
});
