import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Clock } from '../service/clock.js';
import { StateDatabaseError, describeIssues } from './state-error.js';

/** The kinds Tidemark writes; other kebab-case kinds are accepted so new ones need no schema change. */
export type EventKind =
  | 'job-started'
  | 'job-finished'
  | 'job-interrupted'
  | 'schedule-changed'
  | 'config-changed'
  | 'retention'
  | (string & {});

export interface StateEvent {
  id: number;
  /** Unix ms. */
  time: number;
  kind: EventKind;
  routine?: string;
  jobId?: string;
  message: string;
  data?: unknown;
}

export interface NewEvent {
  /** Unix ms; the clock's now when left out. */
  time?: number;
  kind: EventKind;
  routine?: string;
  jobId?: string;
  message: string;
  data?: unknown;
}

export interface EventQuery {
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, inclusive. */
  to?: number;
  kind?: EventKind | EventKind[];
  routine?: string;
  limit?: number;
}

const KindSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a kebab-case word such as job-finished');
const NewEventSchema = z.object({
  time: z.number().int().nonnegative().optional(),
  kind: KindSchema,
  routine: z.string().min(1).optional(),
  jobId: z.string().min(1).optional(),
  message: z.string(),
  data: z.unknown().optional(),
});
const EventQuerySchema = z.object({
  from: z.number().int().nonnegative().optional(),
  to: z.number().int().nonnegative().optional(),
  kind: z.union([KindSchema, z.array(KindSchema).min(1)]).optional(),
  routine: z.string().min(1).optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
});

interface EventRow {
  id: number;
  time: number;
  kind: string;
  routine: string | null;
  job_id: string | null;
  message: string;
  data: string | null;
}

/** Append-only history of what happened (jobs, schedule and config changes, retention). */
export class EventStore {
  private readonly insertStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.insertStmt = db.prepare(
      'INSERT INTO events (time, kind, routine, job_id, message, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    );
    this.pruneStmt = db.prepare('DELETE FROM events WHERE time < ?');
  }

  append(event: NewEvent): StateEvent {
    const parsed = NewEventSchema.safeParse(event);
    if (!parsed.success) throw new StateDatabaseError(`event: ${describeIssues(parsed.error.issues)}`);
    const e = parsed.data;
    let data: string | undefined;
    try {
      data = e.data === undefined ? undefined : JSON.stringify(e.data);
    } catch (err) {
      throw new StateDatabaseError(`event data: cannot be stored as JSON (${(err as Error).message})`);
    }
    const time = e.time ?? this.clock.now();
    const { id } = this.insertStmt.get(time, e.kind, e.routine ?? null, e.jobId ?? null, e.message, data ?? null) as { id: number };
    return toEvent({ id, time, kind: e.kind, routine: e.routine ?? null, job_id: e.jobId ?? null, message: e.message, data: data ?? null });
  }

  /** Newest first. */
  list(query: EventQuery = {}): StateEvent[] {
    const parsed = EventQuerySchema.safeParse(query);
    if (!parsed.success) throw new StateDatabaseError(`event query: ${describeIssues(parsed.error.issues)}`);
    const q = parsed.data;
    const where: string[] = [];
    const params: Array<string | number> = [];
    const add = (clause: string, ...values: Array<string | number>): void => {
      where.push(clause);
      params.push(...values);
    };
    if (q.from !== undefined) add('time >= ?', q.from);
    if (q.to !== undefined) add('time <= ?', q.to);
    if (q.routine !== undefined) add('routine = ?', q.routine);
    if (q.kind !== undefined) {
      const kinds = Array.isArray(q.kind) ? q.kind : [q.kind];
      add(`kind IN (${kinds.map(() => '?').join(', ')})`, ...kinds);
    }
    const sql =
      'SELECT * FROM events' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY time DESC, id DESC' +
      (q.limit !== undefined ? ` LIMIT ${q.limit}` : '');
    return (this.db.prepare(sql).all(...params) as EventRow[]).map(toEvent);
  }

  /** Deletes events more than `olderThanMs` old (by the clock); returns how many. */
  prune(olderThanMs: number): number {
    if (!Number.isInteger(olderThanMs) || olderThanMs < 0) {
      throw new StateDatabaseError(`olderThanMs: expected a non-negative whole number of milliseconds, got ${olderThanMs}`);
    }
    return this.pruneStmt.run(this.clock.now() - olderThanMs).changes;
  }
}

function toEvent(row: EventRow): StateEvent {
  const event: StateEvent = { id: row.id, time: row.time, kind: row.kind, message: row.message };
  if (row.routine !== null) event.routine = row.routine;
  if (row.job_id !== null) event.jobId = row.job_id;
  if (row.data !== null) {
    try {
      event.data = JSON.parse(row.data);
    } catch {
      // Written by hand or by a broken tool: show the text rather than drop it.
      event.data = row.data;
    }
  }
  return event;
}
