/**
 * Point-in-time restore planning, as ABS does it: the newest full backup at or before the time,
 * then, per namespace, every incremental from that full up to the time, oldest first.
 *
 * `planChain` is the one implementation: the restore engine runs it on a routine's listing from
 * storage, the catalog's timeline on the indexed backups, so what the timeline shows is what a
 * restore applies.
 */
import type { BackupStorage } from '../storage/storage.js';
import { listBackups, type CatalogEntry } from './catalog.js';
import type { BackupKind } from './layout.js';

/** What the planner needs of a backup; catalog entries and index rows both have it. */
export interface PlanEntry {
  kind: BackupKind;
  createdMs: number;
  namespace: string;
  key: string;
}

export interface ChainPlanOf<T extends PlanEntry> {
  requestedMs: number;
  /** Start time of the newest backup used: the state the restore reproduces. */
  effectiveMs: number;
  /** In the order they must be applied. */
  steps: T[];
}

export type RestorePlan = ChainPlanOf<CatalogEntry>;

export class RestorePlanError extends Error {
  override name = 'RestorePlanError';
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Plans a restore to `timeMs` from a routine's backups (any order). `routine` and `where` only
 * name things in errors.
 */
export function planChain<T extends PlanEntry>(entries: readonly T[], timeMs: number, routine: string, where: string): ChainPlanOf<T> {
  const all = [...entries].sort((a, b) => a.createdMs - b.createdMs || a.namespace.localeCompare(b.namespace));
  const fulls = all.filter((e) => e.kind === 'full');
  if (fulls.length === 0) throw new RestorePlanError(`routine '${routine}' has no full backup in ${where}`);
  const eligible = fulls.filter((e) => e.createdMs <= timeMs);
  if (eligible.length === 0) {
    throw new RestorePlanError(`no full backup of routine '${routine}' at or before ${iso(timeMs)}: the first one was taken at ${iso(fulls[0]!.createdMs)}`);
  }
  const fullMs = eligible[eligible.length - 1]!.createdMs;
  const base = eligible.filter((e) => e.createdMs === fullMs);
  const steps: T[] = [];
  for (const full of base) {
    steps.push(full);
    steps.push(...all.filter((e) => e.kind === 'incremental' && e.namespace === full.namespace && e.createdMs >= fullMs && e.createdMs <= timeMs));
  }
  return { requestedMs: timeMs, effectiveMs: Math.max(...steps.map((s) => s.createdMs)), steps };
}

export async function planPointInTime(storage: BackupStorage, routine: string, timeMs: number): Promise<RestorePlan> {
  return planChain(await listBackups(storage, routine, undefined, { foreign: true }), timeMs, routine, storage.describe());
}
