import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ManualClock } from '../../electron/core/service/clock.js';
import { type StateDatabase, openStateDatabase } from '../../electron/core/state/state-db.js';
import { StateDatabaseError } from '../../electron/core/state/state-error.js';
import type { InstanceInfo } from '../../electron/core/state/liveness.js';
import type { Job } from '../../shared/schemas/job.js';
import { job, problemLog, tempFolder } from './helpers.js';
import type { TestContext } from 'node:test';

function setup(t: TestContext): { db: StateDatabase; me: InstanceInfo; problems: string[] } {
  const log = problemLog();
  const db = openStateDatabase(join(tempFolder(t), 'state.db'), new ManualClock(50_000), { onProblem: log.onProblem });
  t.after(() => db.close());
  return { db, me: db.instances.register(), problems: log.problems };
}

const FULL: Job = {
  id: 'full-1',
  type: 'backup',
  'backup-type': 'full',
  routine: 'nightly',
  trigger: 'catch-up',
  status: 'running',
  label: 'before the upgrade',
  'created-at': 1_000,
  'started-at': 1_500,
  progress: {
    'total-records': 1000,
    'done-records': 250,
    'start-time': '2025-01-01T00:00:00Z',
    'percentage-done': 25,
    metrics: { 'records-per-second': 12.5, 'kilobytes-per-second': 3.25, pipeline: 4 },
  },
  stats: { records: 250, bytes: 65536.5 },
  details: { key: 'nightly/backup/1000', nested: { list: [1, 'two', null] } },
  hooks: [{ event: 'start', kind: 'webhook', target: 'https://example.test/hook', ok: false, 'http-status': 500, 'duration-ms': 40, message: 'server error' }],
};

test('jobs: every field survives insert and get, JSON fields included', (t) => {
  const { db, me } = setup(t);
  assert.deepEqual(db.jobs.insert(FULL, me), FULL);
  assert.deepEqual(db.jobs.get('full-1'), FULL);
  assert.equal(db.jobs.get('missing'), undefined);
});

test('jobs: an invalid job is refused naming the field; duplicates and unregistered owners too', (t) => {
  const { db, me } = setup(t);
  assert.throws(() => db.jobs.insert({ ...FULL, status: 'exploded' } as unknown as Job, me), /job: status: Invalid option/);
  assert.throws(() => db.jobs.insert({ ...FULL, 'created-at': 1.5 }, me), /job: created-at: /);
  db.jobs.insert(FULL, me);
  assert.throws(() => db.jobs.insert(FULL, me), /job full-1: a job with this id already exists/);
  const stranger: InstanceInfo = { ...me, id: 'not-registered' };
  assert.throws(() => db.jobs.insert(job('j2'), stranger), (e: unknown) => e instanceof StateDatabaseError && /owner: instance not-registered/.test(e.message));
});

test('jobs: update writes only the given fields; undefined clears an optional one', (t) => {
  const { db, me } = setup(t);
  db.jobs.insert(FULL, me);
  const progress = { ...FULL.progress!, 'done-records': 900, 'percentage-done': 90 };
  db.jobs.update('full-1', { progress });
  assert.deepEqual(db.jobs.get('full-1'), { ...FULL, progress });
  db.jobs.update('full-1', { status: 'success', 'finished-at': 9_000, label: undefined, progress: undefined });
  const { label: _label, progress: _progress, ...rest } = FULL;
  assert.deepEqual(db.jobs.get('full-1'), { ...rest, status: 'success', 'finished-at': 9_000 });
});

test('jobs: bad updates are refused with the field named and change nothing', (t) => {
  const { db, me } = setup(t);
  db.jobs.insert(FULL, me);
  assert.throws(() => db.jobs.update('full-1', { stauts: 'success' } as never), /Unrecognized key: "stauts"/);
  assert.throws(() => db.jobs.update('full-1', { status: undefined }), /job full-1: status: cannot be cleared/);
  assert.throws(() => db.jobs.update('full-1', { progress: { ...FULL.progress!, 'percentage-done': 101 } }), /progress\.percentage-done/);
  assert.throws(() => db.jobs.update('nope', { status: 'success' }), /job nope: not found/);
  assert.deepEqual(db.jobs.get('full-1'), FULL);
});

test('jobs: query filters by type, routine, status (ABS spellings, ! excludes) and created-at range', (t) => {
  const { db, me } = setup(t);
  const rows: Job[] = [
    job('a', { routine: 'r1', status: 'success', 'created-at': 100 }),
    job('b', { routine: 'r1', status: 'failure', 'created-at': 200, type: 'restore' }),
    job('c', { routine: 'r2', status: 'canceled', 'created-at': 300 }),
    job('d', { routine: 'r2', status: 'running', 'created-at': 400, type: 'verify' }),
    job('e', { status: 'skipped', 'created-at': 500, type: 'retention' }),
    job('f', { routine: 'r1', status: 'pending', 'created-at': 500 }),
  ];
  for (const r of rows) db.jobs.insert(r, me);
  const ids = (q: Parameters<typeof db.jobs.query>[0]): string[] => db.jobs.query(q).map((j) => j.id);
  assert.deepEqual(ids({}), ['f', 'e', 'd', 'c', 'b', 'a'], 'newest first; equal times newest inserted first');
  assert.deepEqual(ids({ type: ['restore', 'verify'] }), ['d', 'b']);
  assert.deepEqual(ids({ routine: 'r1' }), ['f', 'b', 'a']);
  assert.deepEqual(ids({ status: 'Done, Failed' }), ['b', 'a']);
  assert.deepEqual(ids({ status: '!success,failure,skipped' }), ['f', 'd', 'c']);
  assert.deepEqual(ids({ from: 200, to: 400 }), ['d', 'c', 'b'], 'both ends inclusive');
  assert.deepEqual(ids({ routine: 'r1', status: '!pending', limit: 1 }), ['b']);
  assert.deepEqual(ids({ limit: 2 }), ['f', 'e']);
});

test('jobs: bad queries are refused with the field named', (t) => {
  const { db } = setup(t);
  assert.throws(() => db.jobs.query({ status: 'Running,Borked' }), /status: 'Borked' is not a job status/);
  assert.throws(() => db.jobs.query({ limit: 0 }), /job query: limit: /);
  assert.throws(() => db.jobs.query({ type: ['snapshot' as never] }), /job query: type\.0: /);
  assert.throws(() => db.jobs.query({ from: 10, to: 5 }), /from \(10\) is after to \(5\)/);
});

test('jobs: running() lists unfinished (running and pending) jobs, per routine if asked', (t) => {
  const { db, me } = setup(t);
  db.jobs.insert(job('r1-run', { routine: 'r1', 'created-at': 1 }), me);
  db.jobs.insert(job('r2-run', { routine: 'r2', 'created-at': 2 }), me);
  db.jobs.insert(job('r1-pending', { routine: 'r1', status: 'pending', 'created-at': 3 }), me);
  db.jobs.insert(job('r1-done', { routine: 'r1', status: 'success', 'created-at': 4 }), me);
  db.jobs.insert(job('r1-skipped', { routine: 'r1', status: 'skipped', 'created-at': 5 }), me);
  assert.deepEqual(db.jobs.running().map((j) => j.id), ['r1-pending', 'r2-run', 'r1-run']);
  assert.deepEqual(db.jobs.running({ routine: 'r1' }).map((j) => j.id), ['r1-pending', 'r1-run']);
  db.jobs.update('r1-run', { status: 'success' });
  db.jobs.update('r1-pending', { status: 'canceled' });
  assert.deepEqual(db.jobs.running({ routine: 'r1' }), []);
});

test('jobs: another process can ask for a cancel; the running process finds it by polling', (t) => {
  const { db, me } = setup(t);
  const other = openStateDatabase(db.path, new ManualClock(60_000));
  t.after(() => other.close());
  db.jobs.insert(job('run'), me);
  db.jobs.insert(job('wait', { status: 'pending' }), me);
  db.jobs.insert(job('done', { status: 'success' }), me);
  assert.deepEqual(db.jobs.cancelRequests(['run', 'wait']), []);
  assert.equal(other.jobs.requestCancel('run'), true);
  assert.equal(other.jobs.requestCancel('run'), true, 'asking twice is harmless');
  assert.equal(other.jobs.requestCancel('done'), false, 'a finished job has nothing to cancel');
  assert.equal(other.jobs.requestCancel('missing'), false);
  assert.deepEqual(db.jobs.cancelRequests(['run', 'wait', 'done']), ['run']);
  assert.deepEqual(db.jobs.cancelRequests([]), []);
  const stamp = db.connection.prepare("SELECT cancel_requested_at AS at FROM jobs WHERE id = 'run'").get() as { at: number };
  assert.equal(stamp.at, 60_000, 'the first request’s time is kept');
});

test('jobs: an unreadable optional field is left out and reported once; the job still lists', (t) => {
  const { db, me, problems } = setup(t);
  db.jobs.insert(FULL, me);
  db.connection.prepare("UPDATE jobs SET progress = '{\"total-records\": ', stats = '{\"records\": \"many\"}' WHERE id = 'full-1'").run();
  const { progress: _p, stats: _s, ...readable } = FULL;
  assert.deepEqual(db.jobs.query({}), [readable]);
  assert.deepEqual(db.jobs.get('full-1'), readable);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /job full-1 .*progress: not valid JSON.*stats\.records: .*unreadable fields are left out/);
  // The row is kept as it is, for inspection or repair.
  assert.equal((db.connection.prepare("SELECT progress FROM jobs WHERE id = 'full-1'").get() as { progress: string }).progress, '{"total-records": ');
});

test('jobs: a row whose required fields are unreadable is left out of listings, and get says so', (t) => {
  const { db, me, problems } = setup(t);
  db.jobs.insert(job('good', { 'created-at': 1 }), me);
  db.jobs.insert(job('bad', { 'created-at': 2, status: 'success' }), me);
  db.connection.prepare("UPDATE jobs SET status = 'exploded' WHERE id = 'bad'").run();
  assert.deepEqual(db.jobs.query({}).map((j) => j.id), ['good']);
  assert.throws(() => db.jobs.get('bad'), /job bad: the stored record is unreadable/);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /job bad .*status: .*left out of job listings/);
});

test('history retention deletes finished jobs created before the cut, never unfinished ones', (t) => {
  const { db, me } = setup(t);
  db.jobs.insert(job('old-done', { status: 'success', 'created-at': 100 }), me);
  db.jobs.insert(job('old-running', { status: 'running', 'created-at': 100 }), me);
  db.jobs.insert(job('new-done', { status: 'failure', 'created-at': 900 }), me);
  assert.equal(db.jobs.pruneFinished(500), 1);
  assert.deepEqual(db.jobs.query().map((j) => j.id).sort(), ['new-done', 'old-running']);
});
