/**
 * A routine's timeline: restore points from the index, runs that left none from the job
 * history, and for a chosen time the chain `planChain` (the restore engine's planner) picks,
 * with what it reads and what could make it restore less than the user expects.
 */
import type { CatalogBackup, ChainPlan, ChainWarning, Timeline, TimelineMark } from '../../../shared/schemas/catalog.js';
import type { Job } from '../../../shared/schemas/job.js';
import { planChain, RestorePlanError } from './restore-plan.js';

export interface TimelineInput {
  routine: string;
  storage: string;
  /** Every indexed backup of the routine on the storage (all namespaces), oldest first. */
  all: CatalogBackup[];
  /** The routine's failed, canceled and skipped backup jobs. */
  jobs: Job[];
  namespace?: string;
  atMs?: number;
}

function toMark(j: Job): TimelineMark | undefined {
  if (j.status !== 'failure' && j.status !== 'canceled' && j.status !== 'skipped') return undefined;
  const m: TimelineMark = { 'job-id': j.id, status: j.status, time: j['started-at'] ?? j['created-at'], trigger: j.trigger };
  if (j['backup-type']) m['backup-type'] = j['backup-type'];
  const message = j.error ?? j.reason;
  if (message !== undefined) m.message = message;
  return m;
}

/**
 * Warnings for a chain: an incremental whose lower bound is no backup's start (the incremental
 * that covered the gap is gone, so its changes will be missing), and backups that are not
 * known to be good.
 */
export function chainWarnings(steps: readonly CatalogBackup[], all: readonly CatalogBackup[]): ChainWarning[] {
  const warnings: ChainWarning[] = [];
  // An incremental starts where the routine's previous run started, whichever namespace it wrote.
  const starts = new Set(all.map((b) => b.timestamp));
  steps.forEach((b, i) => {
    const prev = steps[i - 1];
    if (b.kind === 'incremental' && prev && prev.namespace === b.namespace && b.from !== undefined) {
      const fromMs = Date.parse(b.from);
      if (!Number.isNaN(fromMs) && fromMs > prev.timestamp && !starts.has(fromMs)) {
        warnings.push({
          code: 'missing-incremental',
          key: b.key,
          message: `${b.key} holds the changes since ${b.from}, but the backup that started then is missing: changes between ${prev.created} and ${b.from} will not be restored`,
        });
      }
    }
    if (!b.verification) warnings.push({ code: 'unverified', key: b.key, message: `${b.key} has not been verified` });
    else if (!b.verification.ok) {
      const where = b.verification.file ? ` (${b.verification.file}${b.verification.line ? `:${b.verification.line}` : ''})` : '';
      warnings.push({ code: 'verification-failed', key: b.key, message: `${b.key} failed verification${where}: ${b.verification.message ?? ''}`.trimEnd() });
    }
  });
  return warnings;
}

/** The chain a restore to `atMs` applies, from the indexed backups. Throws RestorePlanError when there is none. */
export function chainAt(points: readonly CatalogBackup[], all: readonly CatalogBackup[], atMs: number, routine: string, storage: string): ChainPlan {
  const entries = points.map((b) => ({ kind: b.kind, createdMs: b.timestamp, namespace: b.namespace, key: b.key, backup: b }));
  const plan = planChain(entries, atMs, routine, `storage '${storage}'`);
  const steps = plan.steps.map((s) => s.backup);
  return {
    requested: plan.requestedMs,
    effective: plan.effectiveMs,
    steps,
    records: steps.reduce((a, b) => a + (b['record-count'] ?? 0), 0),
    bytes: steps.reduce((a, b) => a + (b['byte-count'] ?? 0), 0),
    warnings: chainWarnings(steps, all),
  };
}

export function buildTimeline(input: TimelineInput): Timeline {
  const { routine, storage, all, namespace, atMs } = input;
  const points = namespace === undefined ? all : all.filter((b) => b.namespace === namespace);
  const marks = input.jobs
    .map(toMark)
    .filter((m): m is TimelineMark => m !== undefined)
    .sort((a, b) => a.time - b.time);
  const t: Timeline = { routine, storage, points, marks };
  if (namespace !== undefined) t.namespace = namespace;
  if (atMs !== undefined) {
    try {
      t.plan = chainAt(points, all, atMs, routine, storage);
    } catch (err) {
      if (!(err instanceof RestorePlanError)) throw err;
      t['plan-error'] = err.message;
    }
  }
  return t;
}
