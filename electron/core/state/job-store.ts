import type Database from 'better-sqlite3';
import type { Clock } from '../service/clock.js';
import { type Job, type JobQuery, JobQuerySchema, JobSchema, parseStatusFilter } from '../../../shared/schemas/job.js';
import type { Instances } from './instances.js';
import { type JobField, type JobRow, type SqlValue, JOB_COLUMNS, JOB_FIELDS, REQUIRED_FIELDS, decodeJobRow, toColumn } from './job-row.js';
import type { InstanceInfo } from './liveness.js';
import { StateDatabaseError, describeIssues } from './state-error.js';

/** Any Job field but the id; a key present with `undefined` clears that (optional) field. */
export type JobPatch = Partial<Omit<Job, 'id'>>;

const PatchSchema = JobSchema.omit({ id: true }).partial().strict();

/**
 * Job history shared by every process on the database. Reads first sweep away jobs whose owning
 * process died, so no reader ever shows a dead process's job as still running.
 *
 * Corrupt rows: an unreadable optional field is dropped from the returned job; a row whose
 * id, type, trigger, status or created-at is unreadable is left out of listings and `get`
 * throws for it. Either way the problem is reported once through `onProblem` and the row
 * itself is never changed, so it can still be inspected or repaired.
 */
export class JobStore {
  private readonly insertStmt: Database.Statement;
  private readonly getStmt: Database.Statement;
  private readonly requestCancelStmt: Database.Statement;
  private readonly updateStmts = new Map<string, Database.Statement>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly instances: Instances,
    private readonly onProblem: (message: string) => void,
  ) {
    const columns = [...JOB_FIELDS.map((f) => JOB_COLUMNS[f][0]), 'owner_id', 'owner_pid', 'owner_host'];
    this.insertStmt = db.prepare(`INSERT INTO jobs (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    this.getStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.requestCancelStmt = db.prepare(
      "UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, ?) WHERE id = ? AND status IN ('pending', 'running')",
    );
  }

  /** Records a new job run by `owner` (a registered instance). */
  insert(job: Job, owner: InstanceInfo): Job {
    const parsed = JobSchema.safeParse(job);
    if (!parsed.success) throw new StateDatabaseError(`job: ${describeIssues(parsed.error.issues)}`);
    const j = parsed.data;
    this.db
      .transaction(() => {
        this.instances.assertRegistered(owner);
        if (this.getStmt.get(j.id)) throw new StateDatabaseError(`job ${j.id}: a job with this id already exists`);
        this.insertStmt.run(...JOB_FIELDS.map((f) => toColumn(f, j[f])), owner.id, owner.pid, owner.hostname);
      })
      .immediate();
    return j;
  }

  /**
   * Writes only the given fields. One prepared UPDATE per distinct set of fields, cached, so the
   * once-a-second progress update costs a validation and a single-row write.
   */
  update(id: string, patch: JobPatch): void {
    const parsed = PatchSchema.safeParse(patch);
    if (!parsed.success) throw new StateDatabaseError(`job ${id}: ${describeIssues(parsed.error.issues)}`);
    const fields = (Object.keys(patch) as JobField[]).sort();
    if (fields.length === 0) return;
    for (const f of fields) {
      if (REQUIRED_FIELDS.includes(f) && patch[f as keyof JobPatch] === undefined) {
        throw new StateDatabaseError(`job ${id}: ${f}: cannot be cleared`);
      }
    }
    const key = fields.join(',');
    let stmt = this.updateStmts.get(key);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE jobs SET ${fields.map((f) => `${JOB_COLUMNS[f][0]} = ?`).join(', ')} WHERE id = ?`);
      this.updateStmts.set(key, stmt);
    }
    const data = parsed.data as Record<string, unknown>;
    if (stmt.run(...fields.map((f) => toColumn(f, data[f])), id).changes === 0) {
      throw new StateDatabaseError(`job ${id}: not found`);
    }
  }

  get(id: string): Job | undefined {
    this.sweepInterrupted();
    const row = this.getStmt.get(id) as JobRow | undefined;
    if (!row) return undefined;
    const job = this.decode(row);
    if (!job) throw new StateDatabaseError(`job ${id}: the stored record is unreadable (see the reported problems)`);
    return job;
  }

  /** Newest first (by created-at). */
  query(q: JobQuery = {}): Job[] {
    const parsed = JobQuerySchema.safeParse(q);
    if (!parsed.success) throw new StateDatabaseError(`job query: ${describeIssues(parsed.error.issues)}`);
    const { type, routine, status, from, to, limit } = parsed.data;
    if (from !== undefined && to !== undefined && from > to) throw new StateDatabaseError(`job query: from (${from}) is after to (${to})`);
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, ...values: SqlValue[]): void => {
      where.push(clause);
      params.push(...values);
    };
    const marks = (values: readonly unknown[]): string => values.map(() => '?').join(', ');
    if (type && type.length > 0) add(`type IN (${marks(type)})`, ...type);
    if (routine !== undefined) add('routine = ?', routine);
    if (status !== undefined) {
      const filter = parseStatusFilter(status);
      add(`status ${filter.exclude ? 'NOT IN' : 'IN'} (${marks(filter.statuses)})`, ...filter.statuses);
    }
    if (from !== undefined) add('created_at >= ?', from);
    if (to !== undefined) add('created_at <= ?', to);
    return this.select(where, params, limit);
  }

  /** Unfinished (pending or running) jobs of live processes, newest first. */
  running(opts: { routine?: string } = {}): Job[] {
    // The condition is the partial index's, and the unary + in select() stops the planner
    // walking the whole history in created-at order instead of using that small index.
    const where = ["status IN ('pending', 'running')"];
    const params: SqlValue[] = [];
    if (opts.routine !== undefined) {
      where.push('routine = ?');
      params.push(opts.routine);
    }
    return this.select(where, params, undefined, '+created_at');
  }

  /**
   * Asks the process running `id` to cancel it; that process sees it through `cancelRequests`.
   * False when there is nothing to cancel (unknown or already finished).
   */
  requestCancel(id: string): boolean {
    return this.requestCancelStmt.run(this.clock.now(), id).changes > 0;
  }

  /** Which of `ids` (jobs this process runs) another process asked to cancel. Polled; kept cheap. */
  cancelRequests(ids: readonly string[]): string[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT id FROM jobs WHERE cancel_requested_at IS NOT NULL AND id IN (${ids.map(() => '?').join(', ')})`)
      .all(...ids) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Deletes finished jobs created before `beforeMs` (history retention); returns how many. */
  pruneFinished(beforeMs: number): number {
    return this.db.prepare(`DELETE FROM jobs WHERE created_at < ? AND status IN ('success', 'failure', 'canceled', 'skipped')`).run(beforeMs).changes;
  }

  /** Marks the unfinished jobs of dead processes as interrupted failures; returns their ids. */
  sweepInterrupted(): string[] {
    return this.instances.sweep();
  }

  private select(where: string[], params: SqlValue[], limit?: number, orderBy = 'created_at'): Job[] {
    this.sweepInterrupted();
    const sql =
      'SELECT * FROM jobs' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${orderBy} DESC, rowid DESC` +
      (limit !== undefined ? ` LIMIT ${limit}` : '');
    const jobs: Job[] = [];
    for (const row of this.db.prepare(sql).all(...params) as JobRow[]) {
      const job = this.decode(row);
      if (job) jobs.push(job);
    }
    return jobs;
  }

  private decode(row: JobRow): Job | undefined {
    const { job, problems } = decodeJobRow(row);
    if (problems.length > 0) {
      const message =
        `state database: job ${String(row.id)} has an unreadable stored record (${problems.join('; ')}); ` +
        (job ? 'the unreadable fields are left out' : 'it is left out of job listings');
      if (!this.reported.has(message)) {
        this.reported.add(message);
        this.onProblem(message);
      }
    }
    return job;
  }
}
