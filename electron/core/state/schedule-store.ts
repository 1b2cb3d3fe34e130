import type Database from 'better-sqlite3';
import { z } from 'zod';
import { type JobStatus, JobStatusSchema } from '../../../shared/schemas/job.js';
import { StateDatabaseError, describeIssues } from './state-error.js';

export type ScheduledBackupType = 'full' | 'incremental';

export interface LastRun {
  /** Unix ms. */
  at: number;
  status: JobStatus;
}

/** Everything persisted about one routine's schedule, for display. */
export interface RoutineScheduleState {
  routine: string;
  since?: number;
  paused: boolean;
  full: { lastRun?: LastRun; nextRun?: number };
  incremental: { lastRun?: LastRun; nextRun?: number };
}

const RoutineSchema = z.string().min(1, 'must be a non-empty routine name');
const TypeSchema = z.enum(['full', 'incremental']);
const TimeSchema = z.number().int().nonnegative();
const GLOBAL_PAUSE_KEY = 'scheduler.paused';

interface RunRow {
  backup_type: ScheduledBackupType;
  last_run_at: number | null;
  last_status: string | null;
  next_run_at: number | null;
}

/** What the scheduler must remember across restarts: last runs, since, pauses. */
export class ScheduleStore {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    private readonly onProblem: (message: string) => void,
  ) {
    this.stmt = {
      getRun: db.prepare('SELECT * FROM schedule_runs WHERE routine = ? AND backup_type = ?'),
      runs: db.prepare('SELECT * FROM schedule_runs WHERE routine = ?'),
      setLast: db.prepare(
        `INSERT INTO schedule_runs (routine, backup_type, last_run_at, last_status) VALUES (?, ?, ?, ?)
         ON CONFLICT (routine, backup_type) DO UPDATE SET last_run_at = excluded.last_run_at, last_status = excluded.last_status`,
      ),
      setNext: db.prepare(
        `INSERT INTO schedule_runs (routine, backup_type, next_run_at) VALUES (?, ?, ?)
         ON CONFLICT (routine, backup_type) DO UPDATE SET next_run_at = excluded.next_run_at`,
      ),
      getRoutine: db.prepare('SELECT since, paused FROM routine_schedule WHERE routine = ?'),
      ensureSince: db.prepare(
        `INSERT INTO routine_schedule (routine, since) VALUES (?, ?)
         ON CONFLICT (routine) DO UPDATE SET since = coalesce(since, excluded.since) RETURNING since`,
      ),
      setPaused: db.prepare(
        `INSERT INTO routine_schedule (routine, paused) VALUES (?, ?)
         ON CONFLICT (routine) DO UPDATE SET paused = excluded.paused`,
      ),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      putSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      forgetRuns: db.prepare('DELETE FROM schedule_runs WHERE routine = ?'),
      forgetRoutine: db.prepare('DELETE FROM routine_schedule WHERE routine = ?'),
    };
  }

  getLastRun(routine: string, type: ScheduledBackupType): LastRun | undefined {
    const row = this.stmt.getRun.get(check('routine', RoutineSchema, routine), check('type', TypeSchema, type)) as RunRow | undefined;
    return row ? this.lastRunOf(routine, row) : undefined;
  }

  setLastRun(routine: string, type: ScheduledBackupType, ms: number, status: JobStatus): void {
    this.stmt.setLast.run(
      check('routine', RoutineSchema, routine),
      check('type', TypeSchema, type),
      check('ms', TimeSchema, ms),
      check('status', JobStatusSchema, status),
    );
  }

  /** Informational only: the scheduler recomputes due times from the cron and the last runs. */
  getNextRun(routine: string, type: ScheduledBackupType): number | undefined {
    const row = this.stmt.getRun.get(check('routine', RoutineSchema, routine), check('type', TypeSchema, type)) as RunRow | undefined;
    return row?.next_run_at ?? undefined;
  }

  setNextRun(routine: string, type: ScheduledBackupType, ms: number | undefined): void {
    this.stmt.setNext.run(
      check('routine', RoutineSchema, routine),
      check('type', TypeSchema, type),
      ms === undefined ? null : check('ms', TimeSchema, ms),
    );
  }

  getSince(routine: string): number | undefined {
    const row = this.stmt.getRoutine.get(check('routine', RoutineSchema, routine)) as { since: number | null } | undefined;
    return row?.since ?? undefined;
  }

  /** Records `ms` as when the routine was first scheduled unless already recorded; returns the recorded time. */
  ensureSince(routine: string, ms: number): number {
    const row = this.stmt.ensureSince.get(check('routine', RoutineSchema, routine), check('ms', TimeSchema, ms)) as { since: number };
    return row.since;
  }

  isPaused(routine: string): boolean {
    const row = this.stmt.getRoutine.get(check('routine', RoutineSchema, routine)) as { paused: number } | undefined;
    return row?.paused === 1;
  }

  setPaused(routine: string, paused: boolean): void {
    this.stmt.setPaused.run(check('routine', RoutineSchema, routine), check('paused', z.boolean(), paused) ? 1 : 0);
  }

  isGloballyPaused(): boolean {
    return (this.stmt.getSetting.get(GLOBAL_PAUSE_KEY) as { value: string } | undefined)?.value === 'true';
  }

  setGloballyPaused(paused: boolean): void {
    this.stmt.putSetting.run(GLOBAL_PAUSE_KEY, String(check('paused', z.boolean(), paused)));
  }

  state(routine: string): RoutineScheduleState {
    check('routine', RoutineSchema, routine);
    const r = this.stmt.getRoutine.get(routine) as { since: number | null; paused: number } | undefined;
    const state: RoutineScheduleState = { routine, paused: r?.paused === 1, full: {}, incremental: {} };
    if (r?.since != null) state.since = r.since;
    for (const row of this.stmt.runs.all(routine) as RunRow[]) {
      const slot = state[row.backup_type];
      const last = this.lastRunOf(routine, row);
      if (last) slot.lastRun = last;
      if (row.next_run_at !== null) slot.nextRun = row.next_run_at;
    }
    return state;
  }

  private lastRunOf(routine: string, row: RunRow): LastRun | undefined {
    if (row.last_run_at === null) return undefined;
    const status = JobStatusSchema.safeParse(row.last_status);
    if (status.success) return { at: row.last_run_at, status: status.data };
    // The run still happened, so the scheduler must not repeat it; only its outcome is unknown.
    this.onProblem(
      `state database: routine ${routine}: the last ${row.backup_type} run's status '${String(row.last_status)}' is unreadable; it is shown as failure`,
    );
    return { at: row.last_run_at, status: 'failure' };
  }

  /** The routine was deleted: drop everything the scheduler kept about it. */
  forget(routine: string): void {
    check('routine', RoutineSchema, routine);
    this.db.transaction(() => {
      this.stmt.forgetRuns.run(routine);
      this.stmt.forgetRoutine.run(routine);
    })();
  }
}


function check<T>(field: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new StateDatabaseError(describeIssues(r.error.issues, field));
  return r.data;
}
