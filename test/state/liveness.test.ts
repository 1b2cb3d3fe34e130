import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Clock, ManualClock } from '../../electron/core/service/clock.js';
import type { InstanceInfo } from '../../electron/core/state/liveness.js';
import { type StateDatabaseOptions, openStateDatabase } from '../../electron/core/state/state-db.js';
import { StateProcess, job, problemLog, tempFolder } from './helpers.js';

const T0 = 1_700_000_000_000;

function open(t: TestContext, path: string, clock: Clock, options: StateDatabaseOptions = {}) {
  const db = openStateDatabase(path, clock, options);
  t.after(() => db.close());
  return db;
}

test('liveness: the heartbeat refreshes last-seen through the clock; stop() unregisters and cancels it', (t) => {
  const clock = new ManualClock(T0);
  const db = open(t, join(tempFolder(t), 'state.db'), clock);
  const me = db.instances.register();
  assert.deepEqual({ ...me, id: 'x' }, { id: 'x', pid: process.pid, hostname: me.hostname, 'started-at': T0, 'last-seen': T0 });
  assert.match(me.id, /^[0-9a-f-]{36}$/);
  clock.advance(5_000);
  assert.equal(db.instances.get(me.id)?.['last-seen'], T0 + 5_000);
  clock.advance(12_000);
  assert.equal(db.instances.get(me.id)?.['last-seen'], T0 + 15_000);
  assert.equal(clock.pending(), 1);
  db.instances.stop();
  assert.equal(db.instances.get(me.id), undefined);
  assert.equal(clock.pending(), 0);
  assert.throws(() => db.jobs.insert(job('late'), me), /owner: instance .* is not registered/);
});

test('liveness: a live process on this host with a fresh heartbeat is never marked', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const ownerClock = new ManualClock(T0);
  const owner = open(t, path, ownerClock);
  const readerClock = new ManualClock(T0);
  const reader = open(t, path, readerClock);
  owner.jobs.insert(job('j', { 'created-at': T0 }), owner.instances.register());
  for (let i = 0; i < 30; i++) {
    ownerClock.advance(5_000);
    readerClock.advance(5_000);
    assert.equal(reader.jobs.get('j')?.status, 'running');
  }
  assert.deepEqual(reader.jobs.sweepInterrupted(), []);
});

test('liveness: a heartbeat older than the stale limit marks the jobs, even while the pid exists (pid reuse)', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const owner = open(t, path, new ManualClock(T0));
  const readerClock = new ManualClock(T0);
  const reader = open(t, path, readerClock, { staleMs: 30_000 });
  const me = owner.instances.register();
  owner.jobs.insert(job('run', { routine: 'r', 'created-at': T0, 'started-at': T0 }), me);
  owner.jobs.insert(job('wait', { routine: 'r', status: 'pending', 'created-at': T0 }), me);
  owner.jobs.insert(job('done', { routine: 'r', status: 'success', 'created-at': T0 - 10 }), me);
  readerClock.advance(30_000);
  assert.equal(reader.jobs.get('run')?.status, 'running', 'exactly at the limit is still alive');
  readerClock.advance(1);
  assert.deepEqual(reader.jobs.sweepInterrupted().sort(), ['run', 'wait']);
  assert.deepEqual(reader.jobs.get('run'), {
    ...job('run', { routine: 'r', 'created-at': T0, 'started-at': T0 }),
    status: 'failure',
    interrupted: true,
    'finished-at': T0,
    error: `interrupted: the process running this job (pid ${process.pid}) stopped responding (no heartbeat for 30 s) before it finished`,
  });
  assert.match(reader.jobs.get('wait')?.error ?? '', /the process that was to run this job .* before it started/);
  assert.equal(reader.jobs.get('done')?.status, 'success', 'finished jobs are never touched');
  assert.equal(reader.instances.get(me.id), undefined, 'the dead instance is retired');
  assert.deepEqual(
    reader.events.list({ kind: 'job-interrupted' }).map((e) => [e.jobId, e.routine]).sort(),
    [['run', 'r'], ['wait', 'r']],
  );
});

test('liveness: on this host a vanished pid is dead at once; on another host only the heartbeat counts', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const gonePid = 999_999_001;
  const local = open(t, path, new ManualClock(T0), { pid: gonePid });
  const remote = open(t, path, new ManualClock(T0), { pid: gonePid, hostname: 'far-away' });
  const readerClock = new ManualClock(T0);
  const reader = open(t, path, readerClock, { isProcessAlive: (pid) => pid !== gonePid });
  local.jobs.insert(job('local'), local.instances.register());
  remote.jobs.insert(job('remote'), remote.instances.register());
  assert.equal(reader.jobs.get('local')?.status, 'failure');
  assert.match(reader.jobs.get('local')?.error ?? '', new RegExp(`pid ${gonePid}\\) stopped before it finished`));
  assert.equal(reader.jobs.get('remote')?.status, 'running');
  readerClock.advance(60_001);
  assert.match(reader.jobs.get('remote')?.error ?? '', new RegExp(`pid ${gonePid} on far-away\\) stopped responding`));
});

/** A clock that can sleep: time jumps and nothing fires until it wakes, as on a suspended laptop. */
class SleepyClock implements Clock {
  private timers: Array<{ at: number; fn: () => void }> = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }
  sleep(ms: number): void {
    this.t += ms;
  }
  /** Awake time passing: overdue timers fire first, at the current time, then the rest in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }
}

test('liveness: after the machine sleeps, nobody is judged by heartbeats that could not beat', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const ownerClock = new ManualClock(T0);
  const owner = open(t, path, ownerClock);
  const readerClock = new SleepyClock(T0);
  const reader = open(t, path, readerClock);
  reader.instances.register();
  owner.jobs.insert(job('j', { 'created-at': T0 }), owner.instances.register());
  // Ten minutes of sleep; the reader reads before any timer (its own or the owner's) has fired.
  readerClock.sleep(600_000);
  assert.equal(reader.jobs.get('j')?.status, 'running');
  readerClock.advance(60_000);
  assert.equal(reader.jobs.get('j')?.status, 'running', 'a full stale limit from the wake');
  // The owner never beat again after the wake: it is dead after all.
  readerClock.advance(1);
  assert.equal(reader.jobs.get('j')?.status, 'failure');
});

test('liveness: a process declared dead while alive re-registers on its next heartbeat and says so', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const log = problemLog();
  const ownerClock = new ManualClock(T0);
  const owner = open(t, path, ownerClock, { onProblem: log.onProblem });
  const readerClock = new ManualClock(T0 + 120_000);
  const reader = open(t, path, readerClock);
  const me = owner.instances.register();
  owner.jobs.insert(job('j', { 'created-at': T0 }), me);
  assert.deepEqual(reader.jobs.sweepInterrupted(), ['j']);
  ownerClock.set(T0 + 120_000);
  assert.equal(reader.instances.get(me.id)?.['last-seen'], T0 + 120_000);
  assert.equal(log.problems.length, 1);
  assert.match(log.problems[0]!, /declared dead by another process.*registered again/);
  owner.jobs.insert(job('k', { 'created-at': T0 + 120_000 }), me);
  assert.equal(reader.jobs.get('k')?.status, 'running');
});

test('liveness: a clean stop interrupts this process’s unfinished jobs and releases its locks', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const owner = openStateDatabase(path, new ManualClock(T0 + 50));
  const reader = open(t, path, new ManualClock(T0 + 50));
  const me = owner.instances.register();
  owner.jobs.insert(job('run', { routine: 'r', 'created-at': T0 }), me);
  owner.jobs.insert(job('wait', { routine: 'r', status: 'pending', 'created-at': T0 }), me);
  assert.equal(owner.locks.tryLockRoutine('r', 'run', me), true);
  owner.close();
  assert.deepEqual(reader.jobs.get('run'), {
    ...job('run', { routine: 'r', 'created-at': T0 }),
    status: 'failure',
    interrupted: true,
    'finished-at': T0 + 50,
    error: `interrupted: the process running this job (pid ${process.pid}) exited before it finished`,
  });
  assert.match(reader.jobs.get('wait')?.error ?? '', /exited before it started/);
  assert.equal(reader.locks.holder('r'), undefined);
});

test('liveness: an unfinished job whose owner record is missing is interrupted', (t) => {
  const db = open(t, join(tempFolder(t), 'state.db'), new ManualClock(T0));
  db.connection
    .prepare("INSERT INTO jobs (id, type, trigger, status, created_at, owner_pid) VALUES ('orphan', 'backup', 'schedule', 'running', ?, 4242)")
    .run(T0 - 5);
  assert.deepEqual(db.jobs.sweepInterrupted(), ['orphan']);
  assert.match(db.jobs.get('orphan')?.error ?? '', /pid 4242\) stopped before it finished/);
});

test('liveness: a real process killed with SIGKILL — alive it is left alone, dead its job is interrupted', async (t) => {
  const path = join(tempFolder(t), 'state.db');
  const db = open(t, path, new ManualClock(Date.now()));
  const me = db.instances.register();
  const child = new StateProcess(t, ['own', path, 'child-job', 'nightly']);
  const { instance, locked } = await child.next<{ instance: InstanceInfo; locked: boolean }>();
  assert.equal(locked, true);
  assert.equal(instance.pid, child.child.pid);

  assert.equal(db.jobs.get('child-job')?.status, 'running');
  assert.deepEqual(db.jobs.running().map((j) => j.id), ['child-job']);
  assert.equal(db.locks.tryLockRoutine('nightly', 'my-job', me), false, 'the live child holds the routine');
  assert.equal(db.instances.isDead(instance), false);

  await child.kill();

  const interrupted = db.jobs.get('child-job');
  assert.equal(interrupted?.status, 'failure');
  assert.equal(interrupted?.interrupted, true);
  assert.equal(interrupted?.error, `interrupted: the process running this job (pid ${instance.pid}) stopped before it finished`);
  assert.ok(interrupted?.['finished-at'] !== undefined && interrupted['finished-at'] >= interrupted['created-at']);
  assert.deepEqual(db.jobs.running(), []);
  assert.equal(db.instances.get(instance.id), undefined);
  assert.equal(db.locks.tryLockRoutine('nightly', 'my-job', me), true, 'the dead child’s lock is taken over');
});
