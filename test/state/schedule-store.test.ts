import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ManualClock } from '../../electron/core/service/clock.js';
import { openStateDatabase } from '../../electron/core/state/state-db.js';
import { problemLog, tempFolder } from './helpers.js';

test('schedule: last runs, since, next runs and pauses persist across reopening', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const first = openStateDatabase(path, new ManualClock(0));
  const s = first.schedule;
  assert.equal(s.getLastRun('nightly', 'full'), undefined);
  assert.equal(s.getSince('nightly'), undefined);
  assert.equal(s.isPaused('nightly'), false);
  assert.equal(s.isGloballyPaused(), false);

  s.setLastRun('nightly', 'full', 1_000, 'success');
  s.setLastRun('nightly', 'incremental', 2_000, 'failure');
  s.setNextRun('nightly', 'full', 90_000);
  assert.equal(s.ensureSince('nightly', 500), 500);
  s.setPaused('nightly', true);
  s.setGloballyPaused(true);
  first.close();

  const again = openStateDatabase(path, new ManualClock(0));
  t.after(() => again.close());
  const r = again.schedule;
  assert.deepEqual(r.getLastRun('nightly', 'full'), { at: 1_000, status: 'success' });
  assert.deepEqual(r.getLastRun('nightly', 'incremental'), { at: 2_000, status: 'failure' });
  assert.equal(r.getNextRun('nightly', 'full'), 90_000);
  assert.equal(r.getNextRun('nightly', 'incremental'), undefined);
  assert.equal(r.getSince('nightly'), 500);
  assert.equal(r.isPaused('nightly'), true);
  assert.equal(r.isGloballyPaused(), true);
  assert.deepEqual(r.state('nightly'), {
    routine: 'nightly',
    since: 500,
    paused: true,
    full: { lastRun: { at: 1_000, status: 'success' }, nextRun: 90_000 },
    incremental: { lastRun: { at: 2_000, status: 'failure' } },
  });
});

test('schedule: ensureSince keeps the first time; later runs and unpausing overwrite', (t) => {
  const db = openStateDatabase(join(tempFolder(t), 'state.db'), new ManualClock(0));
  t.after(() => db.close());
  const s = db.schedule;
  s.setPaused('r', true); // a routine paused before it was ever scheduled
  assert.equal(s.getSince('r'), undefined);
  assert.equal(s.ensureSince('r', 100), 100);
  assert.equal(s.ensureSince('r', 900), 100);
  assert.equal(s.getSince('r'), 100);
  assert.equal(s.isPaused('r'), true, 'ensureSince leaves the pause alone');
  s.setPaused('r', false);
  assert.equal(s.isPaused('r'), false);
  s.setNextRun('r', 'full', 5_000);
  s.setLastRun('r', 'full', 3_000, 'skipped');
  s.setLastRun('r', 'full', 4_000, 'canceled');
  assert.deepEqual(s.getLastRun('r', 'full'), { at: 4_000, status: 'canceled' });
  assert.equal(s.getNextRun('r', 'full'), 5_000, 'recording a run keeps the next run');
  s.setNextRun('r', 'full', undefined);
  assert.equal(s.getNextRun('r', 'full'), undefined);
  s.setGloballyPaused(true);
  s.setGloballyPaused(false);
  assert.equal(s.isGloballyPaused(), false);
});

test('schedule: forget drops one routine and only that one', (t) => {
  const db = openStateDatabase(join(tempFolder(t), 'state.db'), new ManualClock(0));
  t.after(() => db.close());
  const s = db.schedule;
  for (const r of ['gone', 'kept']) {
    s.setLastRun(r, 'full', 1, 'success');
    s.ensureSince(r, 1);
    s.setPaused(r, true);
  }
  s.forget('gone');
  assert.deepEqual(s.state('gone'), { routine: 'gone', paused: false, full: {}, incremental: {} });
  assert.deepEqual(s.getLastRun('kept', 'full'), { at: 1, status: 'success' });
  assert.equal(s.isPaused('kept'), true);
});

test('schedule: two processes share the pauses', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const a = openStateDatabase(path, new ManualClock(0));
  const b = openStateDatabase(path, new ManualClock(0));
  t.after(() => {
    a.close();
    b.close();
  });
  a.schedule.setGloballyPaused(true);
  a.schedule.setPaused('r', true);
  assert.equal(b.schedule.isGloballyPaused(), true);
  assert.equal(b.schedule.isPaused('r'), true);
});

test('schedule: bad arguments are refused naming the argument', (t) => {
  const db = openStateDatabase(join(tempFolder(t), 'state.db'), new ManualClock(0));
  t.after(() => db.close());
  const s = db.schedule;
  assert.throws(() => s.setLastRun('', 'full', 1, 'success'), /routine: must be a non-empty routine name/);
  assert.throws(() => s.setLastRun('r', 'differential' as never, 1, 'success'), /type: Invalid option/);
  assert.throws(() => s.setLastRun('r', 'full', -1, 'success'), /ms: /);
  assert.throws(() => s.setLastRun('r', 'full', 1, 'fine' as never), /status: Invalid option/);
  assert.throws(() => s.ensureSince('r', 1.5), /ms: /);
  assert.throws(() => s.setPaused('r', 'yes' as never), /paused: /);
  assert.equal(s.getLastRun('r', 'full'), undefined);
});

test('schedule: an unreadable stored status still counts as a run, shown as failure and reported', (t) => {
  const log = problemLog();
  const db = openStateDatabase(join(tempFolder(t), 'state.db'), new ManualClock(0), { onProblem: log.onProblem });
  t.after(() => db.close());
  db.schedule.setLastRun('r', 'full', 7, 'success');
  db.connection.prepare("UPDATE schedule_runs SET last_status = 'weird'").run();
  assert.deepEqual(db.schedule.getLastRun('r', 'full'), { at: 7, status: 'failure' });
  assert.match(log.problems.join('\n'), /routine r: the last full run's status 'weird' is unreadable/);
});
