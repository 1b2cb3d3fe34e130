import type Database from 'better-sqlite3';
import { StateDatabaseError } from './state-error.js';

/**
 * One schema step. `up` runs inside an IMMEDIATE transaction together with the `user_version`
 * bump, so a crash or a concurrent opener never sees a half-migrated database.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** 'TDMK': marks the file as Tidemark's so another application's SQLite file is never migrated. */
export const APPLICATION_ID = 0x54444d4b;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'instances, jobs, routine locks, schedule state, settings, events',
    up(db) {
      db.exec(`
        CREATE TABLE instances (
          id TEXT PRIMARY KEY,
          pid INTEGER NOT NULL,
          hostname TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          last_seen INTEGER NOT NULL
        ) STRICT;

        -- owner_pid/owner_host outlive the instance row so an interruption message can name the process.
        CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          type TEXT NOT NULL,
          backup_type TEXT,
          routine TEXT,
          trigger TEXT NOT NULL,
          status TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          progress TEXT,
          stats TEXT,
          details TEXT,
          error TEXT,
          interrupted INTEGER,
          reason TEXT,
          hooks TEXT,
          owner_id TEXT REFERENCES instances(id) ON DELETE SET NULL,
          owner_pid INTEGER,
          owner_host TEXT
        ) STRICT;
        CREATE INDEX jobs_created ON jobs(created_at);
        CREATE INDEX jobs_routine_created ON jobs(routine, created_at);
        -- The interruption sweep runs before every read; this keeps it to the few unfinished rows.
        CREATE INDEX jobs_unfinished ON jobs(owner_id) WHERE status IN ('pending', 'running');

        CREATE TABLE routine_locks (
          routine TEXT PRIMARY KEY,
          job_id TEXT NOT NULL,
          owner_id TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
          locked_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE schedule_runs (
          routine TEXT NOT NULL,
          backup_type TEXT NOT NULL CHECK (backup_type IN ('full', 'incremental')),
          last_run_at INTEGER,
          last_status TEXT,
          next_run_at INTEGER,
          PRIMARY KEY (routine, backup_type)
        ) STRICT;
        CREATE TABLE routine_schedule (
          routine TEXT PRIMARY KEY,
          since INTEGER,
          paused INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          time INTEGER NOT NULL,
          kind TEXT NOT NULL,
          routine TEXT,
          job_id TEXT,
          message TEXT NOT NULL,
          data TEXT
        ) STRICT;
      `);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: 'job labels; cancel requests across processes; event indexes for time-range and per-routine listing',
    up(db) {
      db.exec(`
        ALTER TABLE jobs ADD COLUMN label TEXT;
        -- Set by any process, acted on by the one running the job (which polls for it).
        ALTER TABLE jobs ADD COLUMN cancel_requested_at INTEGER;
        CREATE INDEX events_time ON events(time);
        CREATE INDEX events_routine_time ON events(routine, time);
      `);
    },
  },
  {
    version: 3,
    description: 'catalog index: one row per namespace backup per storage, with verification state',
    up(db) {
      db.exec(`
        -- Rebuilt from storage at any time (catalog-index.ts); only the verification columns are
        -- facts storage does not hold. meta_size/meta_mtime let a refresh skip unchanged metadata.
        CREATE TABLE catalog_backups (
          storage TEXT NOT NULL,
          key TEXT NOT NULL,
          routine TEXT NOT NULL,
          namespace TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
          created_ms INTEGER NOT NULL,
          created TEXT NOT NULL,
          from_text TEXT,
          from_ms INTEGER,
          finished_ms INTEGER,
          record_count INTEGER,
          byte_count INTEGER,
          file_count INTEGER,
          sindex_count INTEGER,
          udf_count INTEGER,
          compression TEXT NOT NULL,
          encryption TEXT NOT NULL,
          label TEXT,
          is_foreign INTEGER NOT NULL DEFAULT 0,
          meta_path TEXT NOT NULL,
          meta_size INTEGER NOT NULL,
          meta_mtime INTEGER NOT NULL,
          verified_at INTEGER,
          verify_ok INTEGER,
          verify_job TEXT,
          verify_file TEXT,
          verify_line INTEGER,
          verify_message TEXT,
          verify_records INTEGER,
          PRIMARY KEY (storage, key)
        ) STRICT;
        -- In listing order, so a listing reads the index instead of sorting the table.
        CREATE INDEX catalog_created ON catalog_backups(created_ms DESC, namespace, storage, key);
        CREATE INDEX catalog_routine_created ON catalog_backups(routine, namespace, created_ms);
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` up to the last of `migrations` (all of them by default). Refuses, without writing
 * anything, a database that is newer than the code or that belongs to another application.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, name = db.name): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations: entry ${i} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  const current = schemaVersion(db);
  refuseNewer(name, current, latest);
  refuseForeign(db, name, current);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Another process may have migrated between our read and taking the write lock.
      const now = schemaVersion(db);
      refuseNewer(name, now, latest);
      if (now >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

function refuseNewer(name: string, current: number, latest: number): void {
  if (current > latest) {
    throw new StateDatabaseError(
      `state database ${name}: schema version ${current} is newer than this Tidemark supports (${latest}); ` +
        'it was written by a newer Tidemark. Update Tidemark or use another data folder; the database was left unchanged.',
    );
  }
}

function refuseForeign(db: Database.Database, name: string, current: number): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  if (appId !== 0 || current !== 0 || tables > 0) {
    throw new StateDatabaseError(`state database ${name}: this SQLite file is not a Tidemark state database (application id ${appId}); it was left unchanged`);
  }
}
