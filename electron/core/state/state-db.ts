import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../service/clock.js';
import { EventStore } from './event-store.js';
import { Instances } from './instances.js';
import { JobStore } from './job-store.js';
import { type LivenessOptions, defaultLiveness } from './liveness.js';
import { migrate } from './migrations.js';
import { RoutineLocks } from './routine-locks.js';
import { ScheduleStore } from './schedule-store.js';
import { StateDatabaseError } from './state-error.js';

export interface StateDatabaseOptions extends Partial<LivenessOptions> {
  /** How long a write waits for another process's write to finish before failing. */
  busyTimeoutMs?: number;
  /**
   * Problems that must be seen but must not fail the caller: corrupt rows, failed heartbeats.
   * Defaults to a process warning.
   */
  onProblem?: (message: string) => void;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** The state database of one data folder: job history, instances, routine locks, schedule, events. */
export class StateDatabase {
  readonly jobs: JobStore;
  readonly instances: Instances;
  readonly locks: RoutineLocks;
  readonly schedule: ScheduleStore;
  readonly events: EventStore;
  private closed = false;

  constructor(
    readonly path: string,
    /** The better-sqlite3 handle, for diagnostics; the stores own their tables. */
    readonly connection: Database.Database,
    clock: Clock,
    options: StateDatabaseOptions,
  ) {
    const onProblem = options.onProblem ?? ((m: string) => process.emitWarning(m, 'TidemarkStateWarning'));
    const liveness = { ...defaultLiveness(), ...definedOnly(options) };
    this.events = new EventStore(connection, clock);
    this.instances = new Instances(connection, clock, this.events, liveness, onProblem);
    this.jobs = new JobStore(connection, clock, this.instances, onProblem);
    this.locks = new RoutineLocks(connection, clock, this.instances);
    this.schedule = new ScheduleStore(connection, onProblem);
  }

  /** Unregisters this process's instance (interrupting its unfinished jobs) and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.instances.stop();
    } finally {
      this.connection.close();
    }
  }
}

/**
 * Opens (creating if needed) and migrates the state database at `path`, or `':memory:'`.
 * Several processes may open the same file: WAL lets readers run beside the one writer, and
 * writers wait up to `busyTimeoutMs` for each other instead of failing.
 */
export function openStateDatabase(path: string, clock: Clock, options: StateDatabaseOptions = {}): StateDatabase {
  const memory = path === ':memory:';
  const where = memory ? path : resolve(path);
  if (!memory) {
    try {
      mkdirSync(dirname(where), { recursive: true });
    } catch (err) {
      throw new StateDatabaseError(`state database ${where}: cannot create its folder: ${(err as Error).message}`);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(where);
  } catch (err) {
    throw new StateDatabaseError(`state database ${where}: cannot open: ${(err as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // Migrate (or refuse) before switching to WAL: refusing must leave the file untouched.
    migrate(db, undefined, where);
    if (!memory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new StateDatabaseError(`state database ${where}: cannot use WAL journaling (got ${String(mode)})`);
      // With WAL, NORMAL survives application crashes; only an OS crash can lose the last commits.
      db.pragma('synchronous = NORMAL');
    }
    return new StateDatabase(where, db, clock, options);
  } catch (err) {
    db.close();
    if (err instanceof StateDatabaseError) throw err;
    throw new StateDatabaseError(`state database ${where}: ${(err as Error).message}`);
  }
}

function definedOnly(o: StateDatabaseOptions): Partial<LivenessOptions> {
  const out: Partial<LivenessOptions> = {};
  if (o.heartbeatMs !== undefined) out.heartbeatMs = o.heartbeatMs;
  if (o.staleMs !== undefined) out.staleMs = o.staleMs;
  if (o.pid !== undefined) out.pid = o.pid;
  if (o.hostname !== undefined) out.hostname = o.hostname;
  if (o.isProcessAlive !== undefined) out.isProcessAlive = o.isProcessAlive;
  return out;
}
