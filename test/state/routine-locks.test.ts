import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Clock, ManualClock } from '../../electron/core/service/clock.js';
import { openStateDatabase } from '../../electron/core/state/state-db.js';
import { StateProcess, job, tempFolder } from './helpers.js';

const T0 = 1_700_000_000_000;

function open(t: TestContext, path: string, clock: Clock) {
  const db = openStateDatabase(path, clock);
  t.after(() => db.close());
  return db;
}

test('locks: two databases on one file compete; only one job holds a routine at a time', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const a = open(t, path, new ManualClock(T0));
  const b = open(t, path, new ManualClock(T0));
  const ownerA = a.instances.register();
  const ownerB = b.instances.register();

  assert.equal(a.locks.tryLockRoutine('nightly', 'a1', ownerA), true);
  assert.equal(b.locks.tryLockRoutine('nightly', 'b1', ownerB), false);
  assert.equal(a.locks.tryLockRoutine('nightly', 'a2', ownerA), false, 'a second job of the same process waits too');
  assert.equal(a.locks.tryLockRoutine('nightly', 'a1', ownerA), true, 'the holder asking again still holds it');
  assert.equal(b.locks.tryLockRoutine('weekly', 'b2', ownerB), true, 'other routines are independent');
  assert.deepEqual(b.locks.holder('nightly'), { routine: 'nightly', jobId: 'a1', ownerId: ownerA.id, lockedAt: T0 });

  assert.equal(b.locks.unlockRoutine('nightly', 'b1'), false, 'a job that does not hold it cannot release it');
  assert.equal(a.locks.unlockRoutine('nightly', 'a1'), true);
  assert.equal(a.locks.unlockRoutine('nightly', 'a1'), false);
  assert.equal(b.locks.tryLockRoutine('nightly', 'b1', ownerB), true);
  assert.equal(a.locks.holder('nightly')?.jobId, 'b1');
});

test('locks: a dead owner’s lock is taken over, and its job marked interrupted', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const a = open(t, path, new ManualClock(T0));
  const bClock = new ManualClock(T0);
  const b = open(t, path, bClock);
  const ownerA = a.instances.register();
  const ownerB = b.instances.register();
  a.jobs.insert(job('a1', { routine: 'nightly', 'created-at': T0 }), ownerA);
  assert.equal(a.locks.tryLockRoutine('nightly', 'a1', ownerA), true);
  // A stops beating (its clock stands still); B's time moves past the stale limit.
  bClock.advance(60_001);
  assert.equal(b.locks.tryLockRoutine('nightly', 'b1', ownerB), true);
  assert.equal(b.locks.holder('nightly')?.ownerId, ownerB.id);
  assert.equal(b.jobs.get('a1')?.interrupted, true);
});

test('locks: a lock left behind by a job that already finished does not block the routine', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const a = open(t, path, new ManualClock(T0));
  const b = open(t, path, new ManualClock(T0));
  const ownerA = a.instances.register();
  const ownerB = b.instances.register();
  a.jobs.insert(job('a1', { routine: 'nightly' }), ownerA);
  a.locks.tryLockRoutine('nightly', 'a1', ownerA);
  assert.equal(b.locks.tryLockRoutine('nightly', 'b1', ownerB), false);
  a.jobs.update('a1', { status: 'success' });
  assert.equal(b.locks.tryLockRoutine('nightly', 'b1', ownerB), true);
});

test('locks: bad arguments and unregistered owners are refused', (t) => {
  const db = open(t, join(tempFolder(t), 'state.db'), new ManualClock(T0));
  const me = db.instances.register();
  assert.throws(() => db.locks.tryLockRoutine('', 'j', me), /routine: must be a non-empty string/);
  assert.throws(() => db.locks.tryLockRoutine('r', '', me), /jobId: must be a non-empty string/);
  assert.throws(() => db.locks.tryLockRoutine('r', 'j', { ...me, id: 'ghost' }), /owner: instance ghost/);
  assert.equal(db.locks.holder('r'), undefined);
});

test('locks: processes racing for the same routine — exactly one wins', async (t) => {
  const path = join(tempFolder(t), 'state.db');
  // Create and migrate the file first so the racers only race for the lock.
  openStateDatabase(path, new ManualClock(T0)).close();
  const racers = Array.from({ length: 4 }, () => new StateProcess(t, ['race', path, 'nightly']));
  for (const r of racers) assert.deepEqual(await r.next(), { ready: true });
  for (const r of racers) r.send('go');
  const results = await Promise.all(racers.map((r) => r.next<{ locked: boolean }>()));
  assert.equal(results.filter((r) => r.locked).length, 1, JSON.stringify(results));
  for (const r of racers) r.send('exit');
  await Promise.all(racers.map((r) => r.finished()));
});
