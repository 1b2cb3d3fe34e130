import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../electron/core/service/clock.js';
import { openStateDatabase } from '../../electron/core/state/state-db.js';
import { StateDatabaseError } from '../../electron/core/state/state-error.js';
import { StateProcess, job, tempFolder } from './helpers.js';

test('state-db: creates the missing folder; WAL, busy timeout and foreign keys are on', (t) => {
  const path = join(tempFolder(t), 'nested', 'deeper', 'state.db');
  const db = openStateDatabase(path, new ManualClock(0));
  try {
    assert.ok(existsSync(path));
    assert.equal(db.path, path);
    assert.equal(db.connection.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.connection.pragma('busy_timeout', { simple: true }), 5000);
    assert.equal(db.connection.pragma('foreign_keys', { simple: true }), 1);
  } finally {
    db.close();
  }
  // WAL is a property of the file: a plain connection opened later sees it too.
  const raw = new Database(path);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.close();
});

test('state-db: an in-memory database works for tests', () => {
  const db = openStateDatabase(':memory:', new ManualClock(0));
  const me = db.instances.register();
  db.jobs.insert(job('j1'), me);
  assert.equal(db.jobs.get('j1')?.status, 'running');
  db.close();
});

test('state-db: two handles on one file see each other’s jobs', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const a = openStateDatabase(path, new ManualClock(5_000));
  const b = openStateDatabase(path, new ManualClock(5_000));
  try {
    a.jobs.insert(job('from-a', { routine: 'r' }), a.instances.register());
    b.jobs.insert(job('from-b', { routine: 'r', 'created-at': 2_000 }), b.instances.register());
    assert.deepEqual(a.jobs.query({ routine: 'r' }).map((j) => j.id), ['from-b', 'from-a']);
    assert.deepEqual(b.jobs.query({ routine: 'r' }).map((j) => j.id), ['from-b', 'from-a']);
  } finally {
    a.close();
    b.close();
  }
});

test('state-db: a write waits for another process’s write transaction instead of failing', async (t) => {
  const path = join(tempFolder(t), 'state.db');
  const db = openStateDatabase(path, new ManualClock(10));
  const holder = new StateProcess(t, ['hold-write', path, '1000']);
  try {
    assert.deepEqual(await holder.next(), { locked: true });
    // Blocks (synchronously) until the other process commits.
    const mine = db.events.append({ kind: 'test', message: 'written after waiting' });
    const events = db.events.list({ kind: 'test' });
    assert.deepEqual(events.map((e) => e.message), ['written after waiting', 'written by the lock holder']);
    assert.ok(events[1]!.id < mine.id, 'the waiting write landed after the holder committed');
    await holder.finished();
  } finally {
    db.close();
  }
});

test('state-db: without a busy timeout the same write fails with SQLITE_BUSY', async (t) => {
  const path = join(tempFolder(t), 'state.db');
  const db = openStateDatabase(path, new ManualClock(10), { busyTimeoutMs: 0 });
  const holder = new StateProcess(t, ['hold-write', path, '1000']);
  try {
    await holder.next();
    assert.throws(() => db.events.append({ kind: 'test', message: 'x' }), (err: Error & { code?: string }) => err.code === 'SQLITE_BUSY');
    await holder.finished();
  } finally {
    db.close();
  }
});

test('state-db: a file that is not a database is refused naming the file', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const raw = new Database(path);
  raw.close();
  // SQLite only notices when it first reads the file.
  writeFileSync(path, 'these are my notes, not a database\n'.repeat(100));
  assert.throws(
    () => openStateDatabase(path, new ManualClock(0)),
    (err: unknown) => err instanceof StateDatabaseError && err.message.includes(path) && /not a database/.test(err.message),
  );
});

test('state-db: a folder that cannot be created is reported', (t) => {
  const dir = tempFolder(t);
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(
    () => openStateDatabase(join(dir, 'file', 'state.db'), new ManualClock(0)),
    (err: unknown) => err instanceof StateDatabaseError && /cannot create its folder/.test(err.message),
  );
});

test('state-db: close unregisters this process and is safe to call twice', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const clock = new ManualClock(0);
  const a = openStateDatabase(path, clock);
  const b = openStateDatabase(path, new ManualClock(0));
  const me = a.instances.register();
  assert.deepEqual(b.instances.list().map((i) => i.id), [me.id]);
  a.close();
  a.close();
  assert.deepEqual(b.instances.list(), []);
  assert.equal(clock.pending(), 0, 'heartbeat timer cancelled');
  b.close();
});

test('state-db: a stale limit too close to the heartbeat is refused before anything is judged by it', (t) => {
  const path = join(tempFolder(t), 'state.db');
  assert.throws(
    () => openStateDatabase(path, new ManualClock(0), { heartbeatMs: 5_000, staleMs: 8_000 }),
    /staleMs: must be at least twice heartbeatMs \(5000 ms\), got 8000/,
  );
});
