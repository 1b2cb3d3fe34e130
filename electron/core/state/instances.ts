import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Clock } from '../service/clock.js';
import type { EventStore } from './event-store.js';
import { type DeathCause, type InstanceInfo, type LivenessOptions, deathCause } from './liveness.js';
import { StateDatabaseError } from './state-error.js';

export type { InstanceInfo } from './liveness.js';

interface InstanceRow {
  id: string;
  pid: number;
  hostname: string;
  started_at: number;
  last_seen: number;
}

interface OrphanRow {
  id: string;
  owner_pid: number | null;
  owner_host: string | null;
}

const UNFINISHED = "status IN ('pending', 'running')";

/**
 * The processes sharing this database. Each registered process beats a heartbeat; any reader
 * can then tell a dead owner from a live one and retire it: its unfinished jobs become
 * interrupted failures and its routine locks are released.
 */
export class Instances {
  private me: InstanceInfo | undefined;
  private cancelBeat: (() => void) | undefined;
  private lastBeat = 0;
  private judgeFrom = 0;
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly events: EventStore,
    private readonly opts: LivenessOptions,
    private readonly onProblem: (message: string) => void,
  ) {
    if (!(opts.heartbeatMs > 0) || !(opts.staleMs >= 2 * opts.heartbeatMs)) {
      throw new StateDatabaseError(`staleMs: must be at least twice heartbeatMs (${opts.heartbeatMs} ms), got ${opts.staleMs}`);
    }
    this.stmt = {
      insert: db.prepare('INSERT INTO instances (id, pid, hostname, started_at, last_seen) VALUES (?, ?, ?, ?, ?)'),
      beat: db.prepare('UPDATE instances SET last_seen = ? WHERE id = ?'),
      get: db.prepare('SELECT * FROM instances WHERE id = ?'),
      all: db.prepare('SELECT * FROM instances ORDER BY started_at'),
      remove: db.prepare('DELETE FROM instances WHERE id = ?'),
      orphans: db.prepare(
        `SELECT id, owner_pid, owner_host FROM jobs j WHERE ${UNFINISHED} AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = j.owner_id)`,
      ),
      interruptOwned: db.prepare(
        `UPDATE jobs SET status = 'failure', interrupted = 1, finished_at = max(?, coalesce(started_at, created_at)),
           error = CASE status WHEN 'pending' THEN ? ELSE ? END
         WHERE owner_id = ? AND ${UNFINISHED} RETURNING id, routine, error`,
      ),
      interruptOne: db.prepare(
        `UPDATE jobs SET status = 'failure', interrupted = 1, finished_at = max(?, coalesce(started_at, created_at)),
           error = CASE status WHEN 'pending' THEN ? ELSE ? END
         WHERE id = ? AND ${UNFINISHED} RETURNING id, routine, error`,
      ),
    };
  }

  /** Registers this process and starts its heartbeat. One instance per StateDatabase. */
  register(): InstanceInfo {
    if (this.me) throw new StateDatabaseError(`this database handle is already registered as instance ${this.me.id}`);
    const now = this.clock.now();
    const me: InstanceInfo = { id: randomUUID(), pid: this.opts.pid, hostname: this.opts.hostname, 'started-at': now, 'last-seen': now };
    this.stmt.insert.run(me.id, me.pid, me.hostname, now, now);
    this.me = me;
    this.lastBeat = now;
    this.arm();
    return { ...me };
  }

  self(): InstanceInfo | undefined {
    return this.me && { ...this.me };
  }

  get(id: string): InstanceInfo | undefined {
    const row = this.stmt.get.get(id) as InstanceRow | undefined;
    return row && toInfo(row);
  }

  list(): InstanceInfo[] {
    return (this.stmt.all.all() as InstanceRow[]).map(toInfo);
  }

  isDead(info: InstanceInfo): boolean {
    return this.causeOfDeath(info) !== undefined;
  }

  /** Throws unless `owner` is registered; this process's own instance is re-registered if it was retired. */
  assertRegistered(owner: InstanceInfo): void {
    if (this.stmt.get.get(owner.id)) return;
    if (this.me && owner.id === this.me.id) {
      this.reregister();
      return;
    }
    throw new StateDatabaseError(
      `owner: instance ${owner.id} (pid ${owner.pid}) is not registered (never registered, stopped, or declared dead)`,
    );
  }

  /**
   * Retires every dead instance and every unfinished job with no live owner record; returns the
   * ids of the jobs it marked interrupted. Cheap when nothing is dead: one small read, no write.
   */
  sweep(): string[] {
    // A timer that is overdue means this process (or the whole machine) slept: beat first, so
    // heartbeat ages are judged from now rather than from before the sleep.
    if (this.me && this.clock.now() - this.lastBeat > 2 * this.opts.heartbeatMs) this.beat();
    const suspects = this.list().filter((i) => this.isDead(i));
    const orphans = this.stmt.orphans.all() as OrphanRow[];
    if (suspects.length === 0 && orphans.length === 0) return [];
    return this.db
      .transaction(() => {
        const marked: string[] = [];
        for (const s of suspects) marked.push(...this.reapIfDeadNow(s.id));
        for (const o of this.stmt.orphans.all() as OrphanRow[]) marked.push(...this.interruptOrphan(o));
        return marked;
      })
      .immediate();
  }

  /** For lock takeover, inside the caller's transaction: retires `id` if dead. True when it no longer exists. */
  reapIfDead(id: string): boolean {
    if (!this.stmt.get.get(id)) return true;
    this.reapIfDeadNow(id);
    return !this.stmt.get.get(id);
  }

  /** Unregisters cleanly: this process's unfinished jobs are interrupted and its locks released. */
  stop(): void {
    const me = this.me;
    if (!me) return;
    this.cancelBeat?.();
    this.cancelBeat = undefined;
    this.db.transaction(() => this.retire(me, 'closed', this.clock.now())).immediate();
    this.me = undefined;
  }

  private causeOfDeath(info: InstanceInfo): DeathCause | undefined {
    if (this.me && info.id === this.me.id) return undefined;
    return deathCause(info, this.clock.now(), this.judgeFrom, this.opts);
  }

  /** Re-reads inside the write transaction: the instance may have beaten, or been retired, meanwhile. */
  private reapIfDeadNow(id: string): string[] {
    const row = this.stmt.get.get(id) as InstanceRow | undefined;
    if (!row) return [];
    const info = toInfo(row);
    const cause = this.causeOfDeath(info);
    // The last heartbeat is the last moment it was known to be running: the best end time we have.
    return cause ? this.retire(info, cause, info['last-seen']) : [];
  }

  private retire(info: InstanceInfo, cause: DeathCause | 'closed', endedAt: number): string[] {
    const where = info.hostname === this.opts.hostname ? '' : ` on ${info.hostname}`;
    const how =
      cause === 'closed'
        ? 'exited'
        : cause === 'exited'
          ? 'stopped'
          : `stopped responding (no heartbeat for ${Math.round((this.clock.now() - info['last-seen']) / 1000)} s)`;
    const rows = this.stmt.interruptOwned.all(
      endedAt,
      `interrupted: the process that was to run this job (pid ${info.pid}${where}) ${how} before it started`,
      `interrupted: the process running this job (pid ${info.pid}${where}) ${how} before it finished`,
      info.id,
    ) as Array<{ id: string; routine: string | null; error: string }>;
    this.stmt.remove.run(info.id);
    for (const r of rows) this.recordInterruption(r, info.pid, info.hostname);
    return rows.map((r) => r.id);
  }

  private interruptOrphan(o: OrphanRow): string[] {
    const who = `pid ${o.owner_pid ?? 'unknown'}${o.owner_host && o.owner_host !== this.opts.hostname ? ` on ${o.owner_host}` : ''}`;
    const rows = this.stmt.interruptOne.all(
      this.clock.now(),
      `interrupted: the process that was to run this job (${who}) stopped before it started`,
      `interrupted: the process running this job (${who}) stopped before it finished`,
      o.id,
    ) as Array<{ id: string; routine: string | null; error: string }>;
    for (const r of rows) this.recordInterruption(r, o.owner_pid, o.owner_host);
    return rows.map((r) => r.id);
  }

  private recordInterruption(r: { id: string; routine: string | null; error: string }, pid: number | null, hostname: string | null): void {
    this.events.append({
      kind: 'job-interrupted',
      jobId: r.id,
      ...(r.routine !== null && { routine: r.routine }),
      message: r.error,
      data: { pid, hostname },
    });
  }

  private arm(): void {
    this.cancelBeat = this.clock.setTimer(this.opts.heartbeatMs, () => {
      this.beat();
      if (this.me) this.arm();
    });
  }

  private beat(): void {
    const me = this.me;
    if (!me) return;
    const now = this.clock.now();
    if (now - this.lastBeat > 2 * this.opts.heartbeatMs) this.judgeFrom = now;
    this.lastBeat = now;
    try {
      if (this.stmt.beat.run(now, me.id).changes === 0) this.reregister();
      me['last-seen'] = now;
    } catch (err) {
      // A timer callback must not throw (it would crash the process); the next beat retries.
      this.onProblem(`state database: heartbeat of instance ${me.id} failed: ${(err as Error).message}`);
    }
  }

  /** Another process judged us dead (we slept or hung past staleMs) and retired us; we are evidently alive. */
  private reregister(): void {
    const me = this.me;
    if (!me) return;
    const now = this.clock.now();
    this.stmt.insert.run(me.id, me.pid, me.hostname, me['started-at'], now);
    me['last-seen'] = now;
    this.onProblem(
      `state database: instance ${me.id} (pid ${me.pid}) had been declared dead by another process after missing heartbeats; ` +
        'its unfinished jobs were marked interrupted and its routine locks released. It is registered again.',
    );
  }
}

function toInfo(row: InstanceRow): InstanceInfo {
  return { id: row.id, pid: row.pid, hostname: row.hostname, 'started-at': row.started_at, 'last-seen': row.last_seen };
}
