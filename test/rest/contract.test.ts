/**
 * The REST API against a live `tidemark serve` child process: the flows of ABS's API examples
 * (seed 000) as they are shown there — trigger with delay, progress via currentBackup, full and
 * incremental lists, restore by key, restore to a timestamp, restore jobs filtered by status
 * (with `!`), cancel — on local and S3 storage, plus config CRUD, Tidemark's jobs, schedule,
 * metrics and the live event stream. Every answer is checked against the served OpenAPI document.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Aerospike from 'aerospike';
import type { Job } from '../../shared/schemas/job.js';
import type { BackupDetails, RestoreJobStatus } from '../../shared/schemas/rest.js';
import { http } from './helpers.js';
import { RECORDS, startStack, type Stack } from './stack.js';

let s: Stack;

before(async () => {
  s = await startStack();
});

after(async () => {
  await s?.close();
});

const job = (a: { json: unknown }): Job => a.json as Job;

describe('ABS flows of the API examples (seed 000)', () => {
  let fullKey = '';
  let fullTimestamp = 0;
  const restoreIds: number[] = [];

  test('the document lists every ABS endpoint, and /api-docs has a browsable page', async () => {
    const paths = Object.keys(s.doc.paths);
    for (const p of [
      '/v1/backups/full/{name}',
      '/v1/backups/incremental/{name}',
      '/v1/backups/schedule/{name}',
      '/v1/backups/cancel/{name}',
      '/v1/backups/currentBackup/{name}',
      '/v1/backups/full',
      '/v1/backups/incremental',
      '/v1/restore/full',
      '/v1/restore/incremental',
      '/v1/restore/timestamp',
      '/v1/restore/status/{jobId}',
      '/v1/restore/cancel/{jobId}',
      '/v1/restore/jobs',
      '/v1/config',
      '/v1/config/apply',
      '/v1/config/clusters/{name}',
      '/v1/config/storage/{name}',
      '/v1/config/policies/{name}',
      '/v1/config/routines/{name}',
      '/v1/config/routines/{name}/enable',
      '/v1/config/routines/{name}/disable',
      '/version',
      '/health',
      '/ready',
      '/metrics',
      '/v1/jobs',
      '/v1/events',
    ]) {
      assert.ok(paths.includes(p), `${p} is documented`);
    }
    const page = await http(s.serve.base, 'GET', '/api-docs/', { token: null });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
  });

  test('trigger a full backup with a delay: 202 at once, pending, then done', async () => {
    const a = await s.call('POST', '/v1/backups/full/daily?delay=300');
    assert.equal(a.status, 202);
    assert.equal(job(a).status, 'pending');
    assert.equal(job(a)['backup-type'], 'full');
    const pending = await s.call('GET', '/v1/backups/currentBackup/daily');
    assert.equal(pending.status, 200);
    assert.deepEqual(pending.json, {}, 'a backup waiting for its delay has no progress yet');
    const final = await s.events.finished(job(a).id);
    assert.equal(final.status, 'success', String(final.error));
    assert.ok(Number((final.stats as Record<string, number>).records) >= RECORDS);
  });

  test('progress via currentBackup while a backup runs, then cancel per routine removes it', async () => {
    const a = await s.call('POST', '/v1/backups/full/slow');
    assert.equal(a.status, 202);
    const id = job(a).id;
    await s.events.next((e) => e.event === 'job-progress' && (e.data as Job).id === id && ((e.data as Job).progress?.['done-records'] ?? 0) > 0);
    const cur = await s.call('GET', '/v1/backups/currentBackup/slow');
    assert.equal(cur.status, 200);
    const full = (cur.json as { full?: Record<string, unknown> }).full;
    assert.ok(full, 'the running full backup is shown');
    assert.ok(Number(full['done-records']) > 0 && Number(full['done-records']) <= Number(full['total-records']));
    assert.equal(typeof full['percentage-done'], 'number');
    assert.equal(typeof full['start-time'], 'string');
    const cancel = await s.call('POST', '/v1/backups/cancel/slow');
    assert.equal(cancel.status, 202);
    assert.deepEqual((cancel.json as { canceled: Job[] }).canceled.map((j) => j.id), [id]);
    const final = await s.events.finished(id);
    assert.equal(final.status, 'canceled');
    const list = await s.call('GET', '/v1/backups/full/slow');
    assert.deepEqual(list.json, [], 'a cancelled backup leaves nothing in the list');
    assert.deepEqual((await s.call('GET', '/v1/backups/currentBackup/slow')).json, {});
  });

  test('incremental with ?wait=true answers when it ends; lists per routine and for all, with from/to', async () => {
    await s.client.put(new Aerospike.Key('test', 'people', 'rest-changed'), { v: 1 });
    const inc = await s.call('POST', '/v1/backups/incremental/daily?wait=true&label=after%20change');
    assert.equal(inc.status, 200);
    assert.equal(job(inc).status, 'success', job(inc).error);
    assert.equal(job(inc).label, 'after change');
    assert.ok((job(inc).stats?.records ?? 0) >= 1 && (job(inc).stats?.records ?? 0) < RECORDS);

    const all = await s.call('GET', '/v1/backups/full');
    assert.equal(all.status, 200);
    const byRoutine = all.json as Record<string, BackupDetails[]>;
    assert.deepEqual(Object.keys(byRoutine).sort(), ['cloud', 'daily', 'slow']);
    assert.equal(byRoutine.daily!.length, 1);
    const b = byRoutine.daily![0]!;
    assert.equal(b.namespace, 'test');
    assert.ok(b['record-count'] >= RECORDS);
    assert.match(b.key, /^daily\/backup\/\d+\/data\/test$/);
    assert.deepEqual(b.storage, { 'local-storage': { path: 'backups' } });
    fullKey = b.key;
    fullTimestamp = b.timestamp;

    const incs = await s.call('GET', '/v1/backups/incremental/daily');
    const incList = incs.json as BackupDetails[];
    assert.equal(incList.length, 1);
    assert.equal(incList[0]!.label, 'after change');
    assert.ok(incList[0]!.from, 'an incremental says where it starts');
    assert.deepEqual(((await s.call('GET', '/v1/backups/incremental')).json as Record<string, BackupDetails[]>).daily, incList);

    assert.equal(((await s.call('GET', `/v1/backups/full/daily?from=${fullTimestamp}&to=${fullTimestamp}`)).json as unknown[]).length, 1);
    assert.deepEqual((await s.call('GET', `/v1/backups/full/daily?from=${fullTimestamp + 1}`)).json, []);
    assert.deepEqual((await s.call('GET', `/v1/backups/full/daily?to=${fullTimestamp - 1}`)).json, []);
    assert.equal((await s.call('GET', '/v1/backups/full/nope')).status, 404);
    assert.equal((await s.call('GET', '/v1/backups/full/daily?from=5&to=4')).status, 400);
  });

  test('restore by key (the request body of the example) → job id, status Done with statistics', async () => {
    const body = {
      destination: { 'seed-nodes': [{ 'host-name': s.host, port: s.port }] },
      policy: { 'no-generation': true, namespace: { source: 'test', destination: 'bar' } },
      source: { 'local-storage': { path: 'backups' } },
      'backup-data-path': fullKey,
    };
    const a = await s.call('POST', '/v1/restore/full', { body });
    assert.equal(a.status, 202);
    assert.equal(typeof a.json, 'number');
    const n = a.json as number;
    restoreIds.push(n);
    const first = (await s.call('GET', `/v1/restore/status/${n}`)).json as RestoreJobStatus;
    await s.events.finished(first['job-id']);
    const st = await s.call('GET', `/v1/restore/status/${n}`);
    assert.equal(st.status, 200);
    const status = st.json as RestoreJobStatus;
    assert.equal(status.status, 'Done', status.error);
    assert.ok(status['read-records'] >= RECORDS);
    assert.equal(status['inserted-records'] + status['existed-records'] + status['fresher-records'] + status['skipped-records'] + status['expired-records'] + status['ignored-records'], status['read-records']);
    const rec = await s.client.get(new Aerospike.Key('bar', 'people', 7));
    assert.equal(rec.bins.i, 7, 'the record is in the destination namespace');
  });

  test('restore to a timestamp with the minimal body, and the jobs list with status filters', async () => {
    const a = await s.call('POST', '/v1/restore/timestamp', { body: { routine: 'daily', time: Date.now() } });
    assert.equal(a.status, 202);
    const n = a.json as number;
    restoreIds.push(n);
    const id = ((await s.call('GET', `/v1/restore/status/${n}`)).json as RestoreJobStatus)['job-id'];
    const final = await s.events.finished(id);
    assert.equal(final.status, 'success', String(final.error));
    assert.deepEqual((final.details as { keys: string[] }).keys.length, 2, 'the full backup and its incremental');

    const jobs = async (q: string): Promise<string[]> => Object.keys((await s.call('GET', `/v1/restore/jobs${q}`)).json as object).sort();
    const both = restoreIds.map(String).sort();
    assert.deepEqual(await jobs(''), both);
    assert.deepEqual(await jobs('?status=Done'), both);
    assert.deepEqual(await jobs('?status=success'), both);
    assert.deepEqual(await jobs('?status=!Failed,Canceled'), both);
    assert.deepEqual(await jobs('?status=!Done'), []);
    assert.deepEqual(await jobs('?status=Running,Failed'), []);
    assert.deepEqual(await jobs(`?from=${Date.now() + 60_000}`), []);
    const one = (await s.call('GET', '/v1/restore/jobs?status=Done')).json as Record<string, RestoreJobStatus>;
    assert.equal(one[String(restoreIds[0])]!.status, 'Done');
    assert.equal((await s.call('GET', '/v1/restore/jobs?status=Bogus')).status, 400);
  });

  test('cancel a running restore: POST /v1/restore/cancel/{jobId}, then it is Canceled and filtered so', async () => {
    const a = await s.call('POST', '/v1/restore/timestamp', { body: { routine: 'daily', time: Date.now(), policy: { tps: 10, parallel: 1, namespace: { source: 'test', destination: 'bar' } } } });
    assert.equal(a.status, 202);
    const n = a.json as number;
    const id = ((await s.call('GET', `/v1/restore/status/${n}`)).json as RestoreJobStatus)['job-id'];
    await s.events.next((e) => e.event === 'job-progress' && (e.data as Job).id === id);
    const c = await s.call('POST', `/v1/restore/cancel/${n}`);
    assert.equal(c.status, 202);
    await s.events.finished(id);
    assert.equal(((await s.call('GET', `/v1/restore/status/${n}`)).json as RestoreJobStatus).status, 'Canceled');
    assert.deepEqual(Object.keys((await s.call('GET', '/v1/restore/jobs?status=Canceled')).json as object), [String(n)]);
    assert.ok(!Object.keys((await s.call('GET', '/v1/restore/jobs?status=!canceled')).json as object).includes(String(n)));
    assert.equal((await s.call('POST', '/v1/restore/cancel/123')).status, 404);
    assert.equal((await s.call('GET', '/v1/restore/status/123')).status, 404);
  });

  test('the deprecated schedule alias triggers a full backup', async () => {
    const a = await s.call('POST', '/v1/backups/schedule/daily?wait=true');
    assert.equal(a.status, 200);
    assert.equal(job(a)['backup-type'], 'full');
    assert.equal(job(a).status, 'success', job(a).error);
    assert.equal(((await s.call('GET', '/v1/backups/full/daily')).json as unknown[]).length, 2);
  });
});

describe('S3 storage through the API', () => {
  test('backup to S3, list it with the storage masked, restore it by key from the listed source', async () => {
    const a = await s.call('POST', '/v1/backups/full/cloud?wait=true');
    assert.equal(job(a).status, 'success', job(a).error);
    const list = (await s.call('GET', '/v1/backups/full/cloud')).json as BackupDetails[];
    assert.equal(list.length, 1);
    const storage = list[0]!.storage['s3-storage']!;
    assert.equal(storage.bucket, s.s3.bucket);
    assert.equal(storage['s3-secret-access-key'], '********');
    assert.ok(!JSON.stringify(list).includes(s.s3.credentials.secretAccessKey === 'S3RVER' ? '"S3RVER"' : s.s3.credentials.secretAccessKey));
    const r = await s.call('POST', '/v1/restore/full', {
      body: { 'destination-name': 'tb', source: list[0]!.storage, 'backup-data-path': list[0]!.key, policy: { namespace: { source: 'test', destination: 'bar' }, 'no-generation': true } },
    });
    assert.equal(r.status, 202, r.text);
    const id = ((await s.call('GET', `/v1/restore/status/${String(r.json)}`)).json as RestoreJobStatus)['job-id'];
    const final = await s.events.finished(id);
    assert.equal(final.status, 'success', String(final.error));
  });

  test('a source that is no configured storage is a 404 naming the field', async () => {
    const r = await s.call('POST', '/v1/restore/full', { body: { 'destination-name': 'tb', source: { 'local-storage': { path: '/elsewhere' } }, 'backup-data-path': 'x/backup/1/test' } });
    assert.equal(r.status, 404);
    assert.deepEqual((r.json as { issues: Array<{ path: string[] }> }).issues[0]!.path, ['source']);
  });
});

describe('configuration CRUD', () => {
  test('clusters, storage, policies, routines: create, conflict, read, update, in use, delete', async () => {
    const cluster = { 'seed-nodes': [{ 'host-name': '127.0.0.1', port: 3999 }] };
    assert.equal((await s.call('POST', '/v1/config/clusters/extra', { body: cluster })).status, 201);
    const dup = await s.call('POST', '/v1/config/clusters/extra', { body: cluster });
    assert.equal(dup.status, 409);
    assert.deepEqual((dup.json as { issues: Array<{ path: string[] }> }).issues[0]!.path, ['aerospike-clusters', 'extra']);
    assert.deepEqual((await s.call('GET', '/v1/config/clusters/extra')).json, cluster);
    assert.equal((await s.call('PUT', '/v1/config/clusters/extra', { body: { ...cluster, label: 'spare' } })).status, 200);
    assert.equal(((await s.call('GET', '/v1/config/clusters')).json as Record<string, { label?: string }>).extra!.label, 'spare');
    assert.equal((await s.call('PUT', '/v1/config/clusters/missing', { body: cluster })).status, 404);
    assert.equal((await s.call('POST', '/v1/config/storage/more', { body: { 'local-storage': { path: 'more' } } })).status, 201);
    assert.equal((await s.call('POST', '/v1/config/policies/p2', { body: { parallel: 1, compression: { mode: 'ZSTD' } } })).status, 201);
    const routine = { 'source-cluster': 'extra', storage: 'more', 'backup-policy': 'p2', 'interval-cron': '@daily', namespaces: ['test'] };
    assert.equal((await s.call('POST', '/v1/config/routines/r2', { body: routine })).status, 201);
    const inUse = await s.call('DELETE', '/v1/config/clusters/extra');
    assert.equal(inUse.status, 409);
    assert.match((inUse.json as { error: string }).error, /used by routine 'r2'/);
    const badRef = await s.call('PUT', '/v1/config/routines/r2', { body: { ...routine, storage: 'ghost' } });
    assert.equal(badRef.status, 400);
    assert.deepEqual((badRef.json as { issues: Array<{ path: string[] }> }).issues[0]!.path, ['backup-routines', 'r2', 'storage']);

    assert.equal((await s.call('PUT', '/v1/config/routines/r2/disable')).status, 200);
    const sched = (await s.call('GET', '/v1/schedule')).json as Array<{ routine: string; disabled: boolean }>;
    assert.equal(sched.find((r) => r.routine === 'r2')?.disabled, true);
    assert.equal(((await s.call('PUT', '/v1/config/routines/r2/enable')).json as { disabled?: boolean }).disabled, undefined);

    for (const [seg, name] of [
      ['routines', 'r2'],
      ['policies', 'p2'],
      ['storage', 'more'],
      ['clusters', 'extra'],
    ] as const) {
      assert.equal((await s.call('DELETE', `/v1/config/${seg}/${name}`)).status, 204);
      assert.equal((await s.call('GET', `/v1/config/${seg}/${name}`)).status, 404);
    }
  });

  test('GET /v1/config masks secrets; PUT it back unchanged keeps them; apply re-reads the file', async () => {
    const c = await s.call('GET', '/v1/config');
    assert.equal(c.status, 200);
    const doc = c.json as { storage: { s3: { 's3-storage': Record<string, string> } } };
    assert.equal(doc.storage.s3['s3-storage']['s3-secret-access-key'], '********');
    assert.equal((await s.call('PUT', '/v1/config', { body: doc })).status, 200);
    const again = await s.call('POST', '/v1/backups/full/cloud?wait=true');
    assert.equal(job(again).status, 'success', 'the masked value stood for the real secret');
    const applied = await s.call('POST', '/v1/config/apply');
    assert.equal(applied.status, 200);
    assert.deepEqual(applied.json, c.json);
  });
});

describe('catalog endpoints', () => {
  test('list, timeline with a restore chain, verify as a job, delete with its confirmation step', async () => {
    const page = await s.call('GET', '/v1/catalog/backups?routine=daily&refresh=true');
    assert.equal(page.status, 200, page.text);
    const backups = (page.json as { total: number; backups: Array<{ key: string; kind: string; storage: string; timestamp: number }> }).backups;
    const abs = [...((await s.call('GET', '/v1/backups/full/daily')).json as BackupDetails[]), ...((await s.call('GET', '/v1/backups/incremental/daily')).json as BackupDetails[])];
    assert.deepEqual(backups.map((b) => b.key).sort(), abs.map((b) => b.key).sort(), 'the catalog and the ABS lists agree');

    const tl = await s.call('GET', `/v1/catalog/timeline/daily?time=${Date.now()}`);
    assert.equal(tl.status, 200, tl.text);
    const timeline = tl.json as { points: unknown[]; plan?: { steps: Array<{ key: string }> } };
    assert.equal(timeline.points.length, backups.length);
    assert.ok(timeline.plan && timeline.plan.steps.length >= 1);

    const inc = backups.find((b) => b.kind === 'incremental')!;
    const v = await s.call('POST', '/v1/catalog/verify?wait=true', { body: { storage: 'local', key: inc.key } });
    assert.equal(v.status, 200, v.text);
    assert.equal(job(v).status, 'success', job(v).error);
    assert.equal((await s.call('POST', '/v1/catalog/verify', { body: { storage: 'local', key: 'daily/backup/1/data/none' } })).status, 404);

    const plan = await s.call('POST', '/v1/catalog/delete-plan', { body: { storage: 'local', key: inc.key } });
    assert.equal(plan.status, 200, plan.text);
    const p = plan.json as { confirmation: string; backups: Array<{ key: string }> };
    assert.deepEqual(p.backups.map((b) => b.key), [inc.key]);
    const wrong = await s.call('POST', '/v1/catalog/delete', { body: { storage: 'local', key: inc.key, confirmation: 'not-it' } });
    assert.equal(wrong.status, 409);
    assert.deepEqual((wrong.json as { issues: Array<{ path: string[] }> }).issues[0]!.path, ['confirmation']);
    const del = await s.call('POST', '/v1/catalog/delete?wait=true', { body: { storage: 'local', key: inc.key, confirmation: p.confirmation } });
    assert.equal(del.status, 200, del.text);
    assert.equal(job(del).status, 'success', job(del).error);
    assert.deepEqual((await s.call('GET', '/v1/backups/incremental/daily')).json, []);
  });
});

describe('Tidemark additions', () => {
  test('jobs with selectors, one job by id, schedule pause and resume', async () => {
    const backups = (await s.call('GET', '/v1/jobs?type=backup&routine=daily&status=success')).json as Job[];
    assert.ok(backups.length >= 3 && backups.every((j) => j.type === 'backup' && j.routine === 'daily' && j.status === 'success'));
    const notOk = (await s.call('GET', '/v1/jobs?status=!success,skipped')).json as Job[];
    assert.ok(notOk.length >= 2 && notOk.every((j) => j.status !== 'success' && j.status !== 'skipped'));
    const one = await s.call('GET', `/v1/jobs/${backups[0]!.id}`);
    assert.deepEqual((one.json as Job).id, backups[0]!.id);
    assert.equal((await s.call('GET', '/v1/jobs/00000000-0000-4000-8000-000000000000')).status, 404);
    const log = await s.call('GET', `/v1/jobs/${backups[0]!.id}/log`);
    assert.equal(log.status, 200);
    assert.ok((log.json as { lines: Array<{ message: string }> }).lines.some((l) => l.message.includes(backups[0]!.id)), 'the job log names the job');
    assert.equal((await s.call('GET', '/v1/jobs/00000000-0000-4000-8000-000000000000/log')).status, 404);
    const paused = (await s.call('POST', '/v1/schedule/pause?routine=daily')).json as Array<{ routine: string; paused: boolean }>;
    assert.equal(paused.find((r) => r.routine === 'daily')?.paused, true);
    const resumed = (await s.call('POST', '/v1/schedule/resume?routine=daily')).json as Array<{ routine: string; paused: boolean }>;
    assert.equal(resumed.find((r) => r.routine === 'daily')?.paused, false);
    assert.equal((await s.call('POST', '/v1/schedule/pause?routine=ghost')).status, 404);
  });

  test('the event stream carried every state change and growing progress of a backup', async () => {
    const a = await s.call('POST', '/v1/backups/full/daily');
    const id = job(a).id;
    await s.events.finished(id);
    const mine = s.events.all().filter((e) => (e.data as { id?: string }).id === id);
    const names = mine.map((e) => e.event);
    assert.equal(names[0], 'job-created');
    assert.ok(names.includes('job-started'));
    assert.equal(names.at(-1), 'job-finished');
    const done = mine.filter((e) => e.event === 'job-progress').map((e) => (e.data as Job).progress!['done-records']);
    assert.ok(done.length > 0);
    assert.deepEqual(done, [...done].sort((x, y) => x - y), 'progress only grows');
  });

  test('metrics count what happened, per routine and type', async () => {
    const m = await s.call('GET', '/metrics');
    assert.equal(m.status, 200);
    const value = (line: string): number => Number(new RegExp(`^${line.replace(/[{}"=,.]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(m.text)?.[1]);
    const daily = (await s.call('GET', '/v1/jobs?type=backup&routine=daily&status=success')).json as Job[];
    const fulls = daily.filter((j) => j['backup-type'] === 'full').length;
    assert.equal(value('tidemark_jobs_finished_total{job_type="backup",routine="daily",backup_type="full",status="success"}'), fulls);
    assert.equal(value('tidemark_jobs_finished_total{job_type="backup",routine="slow",backup_type="full",status="canceled"}'), 1);
    assert.equal(value('tidemark_jobs_in_progress{job_type="backup",routine="daily",backup_type="full"}'), 0);
    const newest = Math.max(...daily.filter((j) => j['backup-type'] === 'full').map((j) => j['finished-at']!));
    assert.equal(value('tidemark_last_successful_backup_timestamp_seconds{routine="daily",backup_type="full"}'), newest / 1000);
    assert.ok(value('tidemark_job_records_total{job_type="backup",routine="daily",backup_type="full"}') >= fulls * RECORDS);
    assert.ok(value('tidemark_jobs_finished_total{job_type="restore",routine="daily",backup_type="",status="success"}') >= 1);
    assert.match(m.text, /tidemark_job_duration_seconds_bucket\{le="1",job_type="backup"/);
  });

  test('version, health and ready', async () => {
    const v = (await s.call('GET', '/version')).json as Record<string, string>;
    assert.equal(v.version, JSON.parse(await import('node:fs').then((f) => f.readFileSync('package.json', 'utf8'))).version);
    assert.equal(typeof v['build-time'], 'string');
    assert.equal(typeof v.commit, 'string');
    assert.equal((await s.call('GET', '/health', { token: null })).text, 'Ok');
    assert.equal((await s.call('GET', '/ready', { token: null })).status, 200);
  });

  test('every answer matched the served OpenAPI document', () => {
    assert.deepEqual(s.contractErrors, []);
  });
});
