import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../electron/core/service/clock.js';
import { APPLICATION_ID, LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../electron/core/state/migrations.js';
import { openStateDatabase } from '../../electron/core/state/state-db.js';
import { StateDatabaseError } from '../../electron/core/state/state-error.js';
import type { Job } from '../../shared/schemas/job.js';
import { tempFolder } from './helpers.js';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('migrations: versions run 1..n in order and a fresh database ends at the latest', (t) => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  assert.ok(LATEST_VERSION >= 2);
  const path = join(tempFolder(t), 'state.db');
  openStateDatabase(path, new ManualClock(0)).close();
  const raw = new Database(path);
  assert.equal(schemaVersion(raw), LATEST_VERSION);
  assert.equal(raw.pragma('application_id', { simple: true }), APPLICATION_ID);
  raw.close();
});

test('migrations: a version-1 database with history is upgraded and its rows read back as Jobs', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const v1 = new Database(path);
  migrate(v1, MIGRATIONS.slice(0, 1));
  assert.equal(schemaVersion(v1), 1);
  assert.throws(() => v1.prepare('SELECT label FROM jobs').all(), /no such column: label/);
  // Rows exactly as version 1 wrote them: no label column yet.
  v1.prepare('INSERT INTO instances VALUES (?, ?, ?, ?, ?)').run('old-instance', 2_147_000_000, 'gone-host', 100, 200);
  const insert = v1.prepare(
    `INSERT INTO jobs (id, type, backup_type, routine, trigger, status, created_at, started_at, finished_at,
       progress, stats, details, error, interrupted, reason, hooks, owner_id, owner_pid, owner_host)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const hooks = [{ event: 'success', kind: 'command', target: 'notify.sh', ok: true, 'exit-code': 0, 'duration-ms': 12 }];
  insert.run('done', 'backup', 'full', 'nightly', 'schedule', 'success', 1_000, 1_001, 9_000, null,
    JSON.stringify({ records: 10, bytes: 2048 }), JSON.stringify({ key: 'nightly/backup/1000' }), null, null, null,
    JSON.stringify(hooks), 'old-instance', 2_147_000_000, 'gone-host');
  insert.run('skipped', 'backup', 'incremental', 'nightly', 'schedule', 'skipped', 2_000, null, 2_000, null, null, null,
    null, null, 'routine busy', null, 'old-instance', 2_147_000_000, 'gone-host');
  insert.run('was-running', 'restore', null, null, 'on-demand', 'running', 3_000, 3_001, null, null, null, null, null,
    null, null, null, 'old-instance', 2_147_000_000, 'gone-host');
  v1.prepare("INSERT INTO events (time, kind, message) VALUES (5, 'config-changed', 'v1 event')").run();
  v1.close();

  const db = openStateDatabase(path, new ManualClock(1_000_000));
  try {
    assert.equal(schemaVersion(db.connection), LATEST_VERSION);
    const expectedDone: Job = {
      id: 'done', type: 'backup', 'backup-type': 'full', routine: 'nightly', trigger: 'schedule', status: 'success',
      'created-at': 1_000, 'started-at': 1_001, 'finished-at': 9_000, stats: { records: 10, bytes: 2048 },
      details: { key: 'nightly/backup/1000' }, hooks: hooks as Job['hooks'],
    };
    assert.deepEqual(db.jobs.get('done'), expectedDone);
    assert.deepEqual(db.jobs.get('skipped'), {
      id: 'skipped', type: 'backup', 'backup-type': 'incremental', routine: 'nightly', trigger: 'schedule',
      status: 'skipped', 'created-at': 2_000, 'finished-at': 2_000, reason: 'routine busy',
    });
    // Its owner's heartbeat is ancient: the job a v1 process left running reads as interrupted.
    const interrupted = db.jobs.get('was-running');
    assert.equal(interrupted?.status, 'failure');
    assert.equal(interrupted?.interrupted, true);
    assert.match(interrupted?.error ?? '', /pid 2147000000 on gone-host\) stopped responding/);
    // The version-2 column works on the migrated rows.
    db.jobs.update('done', { label: 'before upgrade' });
    assert.equal(db.jobs.get('done')?.label, 'before upgrade');
    assert.deepEqual(db.events.list({ kind: 'config-changed' }).map((e) => e.message), ['v1 event']);
    const indexes = (db.connection.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all() as Array<{ name: string }>).map((r) => r.name);
    assert.deepEqual(indexes.sort(), ['events_routine_time', 'events_time']);
  } finally {
    db.close();
  }
});

test('migrations: a database from a newer Tidemark is refused and left byte-for-byte unchanged', (t) => {
  const path = join(tempFolder(t), 'state.db');
  openStateDatabase(path, new ManualClock(0)).close();
  const raw = new Database(path);
  raw.pragma('journal_mode = DELETE');
  raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
  raw.close();
  const before = sha(path);
  assert.throws(
    () => openStateDatabase(path, new ManualClock(0)),
    (err: unknown) =>
      err instanceof StateDatabaseError &&
      err.message.includes(`schema version ${LATEST_VERSION + 1} is newer than this Tidemark supports (${LATEST_VERSION})`) &&
      err.message.includes(path),
  );
  assert.equal(sha(path), before);
});

test('migrations: another application’s SQLite file is refused, not migrated', (t) => {
  const path = join(tempFolder(t), 'other.db');
  const raw = new Database(path);
  raw.exec('CREATE TABLE notes (body TEXT)');
  raw.close();
  const before = sha(path);
  assert.throws(() => openStateDatabase(path, new ManualClock(0)), /not a Tidemark state database/);
  assert.equal(sha(path), before);
});

test('migrations: a failing migration is rolled back whole and the version is not bumped', () => {
  const db = new Database(':memory:');
  migrate(db);
  const broken = [
    ...MIGRATIONS,
    {
      version: LATEST_VERSION + 1,
      description: 'fails half way',
      up(d: Database.Database) {
        d.exec('CREATE TABLE half_done (x INTEGER)');
        throw new Error('disk full');
      },
    },
  ];
  assert.throws(() => migrate(db, broken), /disk full/);
  assert.equal(schemaVersion(db), LATEST_VERSION);
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get() as { n: number }).n, 0);
  db.close();
});

test('migrations: a list with a gap is a programming error caught before touching the database', () => {
  const db = new Database(':memory:');
  assert.throws(() => migrate(db, [MIGRATIONS[1]!]), /entry 0 has version 2, expected 1/);
  assert.equal(schemaVersion(db), 0);
  db.close();
});

test('migrations: a version-2 database gains the catalog index (v3) with its job history intact', (t) => {
  const path = join(tempFolder(t), 'state.db');
  const v2 = new Database(path);
  migrate(v2, MIGRATIONS.slice(0, 2));
  v2.prepare(`INSERT INTO jobs (id, type, trigger, status, created_at, label) VALUES ('j', 'backup', 'on-demand', 'success', 1, 'kept')`).run();
  v2.close();
  const db = openStateDatabase(path, new ManualClock(1_000));
  try {
    assert.ok(schemaVersion(db.connection) >= 3);
    assert.equal(db.jobs.get('j')?.label, 'kept');
    const cols = (db.connection.prepare('PRAGMA table_info(catalog_backups)').all() as Array<{ name: string }>).map((c) => c.name);
    for (const c of ['storage', 'key', 'routine', 'kind', 'created_ms', 'meta_size', 'meta_mtime', 'verified_at', 'verify_file', 'verify_line']) assert.ok(cols.includes(c), `column ${c}`);
    const indexes = (db.connection.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'catalog_backups' AND sql IS NOT NULL").all() as Array<{ name: string }>).map((r) => r.name);
    assert.deepEqual(indexes.sort(), ['catalog_created', 'catalog_routine_created']);
    assert.throws(() => db.connection.prepare(`INSERT INTO catalog_backups (storage, key, routine, namespace, kind, created_ms, created, compression, encryption, meta_path, meta_size, meta_mtime) VALUES ('s', 'k', 'r', 'n', 'weekly', 1, 'x', 'none', 'none', 'm', 1, 1)`).run(), /CHECK constraint failed/);
  } finally {
    db.close();
  }
});
