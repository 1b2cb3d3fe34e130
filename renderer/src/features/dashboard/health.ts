/**
 * "Am I protected right now?" per routine: the age of its newest restore point measured against
 * its schedule (amber when older than twice the interval), red when its last run failed.
 */
import type { RoutineConfig } from '../../../../shared/schemas/config.js';
import type { Job } from '../../../../shared/schemas/job.js';
import type { CatalogBackup } from '../../../../shared/schemas/catalog.js';
import { parseCron } from '../../../../electron/core/scheduler/cron.js';

export type Health = 'ok' | 'stale' | 'failed' | 'never' | 'disabled';

export interface RoutineHealth {
  name: string;
  health: Health;
  /** Start of the newest restore point (full or incremental). */
  newest?: number;
  /** Time between two runs of the most frequent schedule (incrementals when set). */
  intervalMs?: number;
  lastRun?: Job;
  /** Why it needs attention, in words. */
  reason: string;
  bytes: number;
  backups: number;
}

/** Time between the next two slots of a cron expression, or undefined when unreadable. */
export function cronIntervalMs(expr: string | undefined, now: number, timezone?: string): number | undefined {
  if (!expr) return undefined;
  try {
    const [a, b] = parseCron(expr, 'cron', timezone ? { timezone } : {}).nextN(now, 2);
    return a !== undefined && b !== undefined ? b - a : undefined;
  } catch {
    return undefined;
  }
}

export function routineHealth(name: string, r: RoutineConfig, backups: readonly CatalogBackup[], jobs: readonly Job[], now: number, fmtDuration: (ms: number) => string): RoutineHealth {
  const mine = backups.filter((b) => b.routine === name);
  const newest = mine.length ? Math.max(...mine.map((b) => b.timestamp)) : undefined;
  const intervals = [cronIntervalMs(r['interval-cron'], now, r.timezone), cronIntervalMs(r['incr-interval-cron'], now, r.timezone)].filter((x): x is number => x !== undefined);
  const intervalMs = intervals.length ? Math.min(...intervals) : undefined;
  const runs = jobs.filter((j) => j.type === 'backup' && j.routine === name && (j.status === 'success' || j.status === 'failure')).sort((a, b) => (b['finished-at'] ?? b['created-at']) - (a['finished-at'] ?? a['created-at']));
  const lastRun = runs[0];
  const base = { name, ...(newest !== undefined ? { newest } : {}), ...(intervalMs !== undefined ? { intervalMs } : {}), ...(lastRun ? { lastRun } : {}), bytes: mine.reduce((n, b) => n + (b['byte-count'] ?? 0), 0), backups: mine.length };
  if (lastRun?.status === 'failure') return { ...base, health: 'failed', reason: `The last backup failed${lastRun.error ? `: ${lastRun.error}` : ''}` };
  if (r.disabled) return { ...base, health: 'disabled', reason: 'Disabled: not scheduled' };
  if (newest === undefined) return { ...base, health: 'never', reason: 'No backup yet' };
  if (intervalMs !== undefined && now - newest > 2 * intervalMs) return { ...base, health: 'stale', reason: `The newest restore point is ${fmtDuration(now - newest)} old; the schedule runs every ${fmtDuration(intervalMs)}` };
  return { ...base, health: 'ok', reason: 'Protected' };
}

/** "All 4 routines protected" / "2 routines need attention". */
export function summary(all: readonly RoutineHealth[]): { ok: boolean; text: string } {
  const attention = all.filter((h) => h.health === 'failed' || h.health === 'stale' || h.health === 'never');
  if (all.length === 0) return { ok: false, text: 'No routines yet: set one up to protect a cluster' };
  if (attention.length === 0) return { ok: true, text: all.length === 1 ? 'The routine is protected' : `All ${all.length} routines protected` };
  return { ok: false, text: `${attention.length} routine${attention.length === 1 ? ' needs' : 's need'} attention` };
}
