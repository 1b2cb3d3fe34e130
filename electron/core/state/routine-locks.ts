import type Database from 'better-sqlite3';
import type { Clock } from '../service/clock.js';
import { FINISHED_STATUSES } from '../../../shared/schemas/job.js';
import type { Instances } from './instances.js';
import type { InstanceInfo } from './liveness.js';
import { StateDatabaseError } from './state-error.js';

export interface RoutineLock {
  routine: string;
  jobId: string;
  ownerId: string;
  /** Unix ms. */
  lockedAt: number;
}

interface LockRow {
  routine: string;
  job_id: string;
  owner_id: string;
  locked_at: number;
}

/**
 * "A routine runs one backup at a time", across every process on the database. A lock is held
 * by a job of a live instance; it is taken over when its instance is dead, or when its job is
 * already finished (the owner forgot to unlock, e.g. a crash between finishing and unlocking).
 */
export class RoutineLocks {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    private readonly instances: Instances,
  ) {
    this.stmt = {
      get: db.prepare('SELECT * FROM routine_locks WHERE routine = ?'),
      put: db.prepare(
        `INSERT INTO routine_locks (routine, job_id, owner_id, locked_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (routine) DO UPDATE SET job_id = excluded.job_id, owner_id = excluded.owner_id, locked_at = excluded.locked_at`,
      ),
      remove: db.prepare('DELETE FROM routine_locks WHERE routine = ? AND job_id = ?'),
      jobStatus: db.prepare('SELECT status FROM jobs WHERE id = ?'),
    };
  }

  /** True when `jobId` now holds the routine (also when it already did); false while another live job does. */
  tryLockRoutine(routine: string, jobId: string, owner: InstanceInfo): boolean {
    requireName('routine', routine);
    requireName('jobId', jobId);
    // IMMEDIATE takes the write lock before reading, so two processes cannot both see it free.
    return this.db
      .transaction(() => {
        this.instances.assertRegistered(owner);
        const held = this.stmt.get.get(routine) as LockRow | undefined;
        if (held) {
          const same = held.job_id === jobId && held.owner_id === owner.id;
          if (!same && !this.releasable(held)) return false;
        }
        this.stmt.put.run(routine, jobId, owner.id, this.clock.now());
        return true;
      })
      .immediate();
  }

  /** Releases the routine if `jobId` holds it; false when it did not (already released or taken over). */
  unlockRoutine(routine: string, jobId: string): boolean {
    return this.stmt.remove.run(routine, jobId).changes > 0;
  }

  holder(routine: string): RoutineLock | undefined {
    const row = this.stmt.get.get(routine) as LockRow | undefined;
    return row && { routine: row.routine, jobId: row.job_id, ownerId: row.owner_id, lockedAt: row.locked_at };
  }

  private releasable(held: LockRow): boolean {
    const job = this.stmt.jobStatus.get(held.job_id) as { status: string } | undefined;
    if (job && (FINISHED_STATUSES as readonly string[]).includes(job.status)) return true;
    return this.instances.reapIfDead(held.owner_id);
  }
}

function requireName(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new StateDatabaseError(`${field}: must be a non-empty string`);
}
