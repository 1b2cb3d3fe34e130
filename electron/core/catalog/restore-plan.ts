/**
 * Point-in-time restore planning, as ABS does it: the newest full backup at or before the time,
 * then, per namespace, every incremental from that full up to the time, oldest first.
 */
import type { BackupStorage } from '../storage/storage.js';
import { listBackups, type CatalogEntry } from './catalog.js';

export interface RestorePlan {
  requestedMs: number;
  /** Start time of the newest backup used: the state the restore reproduces. */
  effectiveMs: number;
  /** In the order they must be applied. */
  steps: CatalogEntry[];
}

export class RestorePlanError extends Error {
  override name = 'RestorePlanError';
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function planPointInTime(storage: BackupStorage, routine: string, timeMs: number): Promise<RestorePlan> {
  const all = await listBackups(storage, routine);
  const fulls = all.filter((e) => e.kind === 'full');
  if (fulls.length === 0) throw new RestorePlanError(`routine '${routine}' has no full backup in ${storage.describe()}`);
  const eligible = fulls.filter((e) => e.createdMs <= timeMs);
  if (eligible.length === 0) {
    throw new RestorePlanError(`no full backup of routine '${routine}' at or before ${iso(timeMs)}: the first one was taken at ${iso(fulls[0]!.createdMs)}`);
  }
  const fullMs = eligible[eligible.length - 1]!.createdMs;
  const base = eligible.filter((e) => e.createdMs === fullMs);
  const steps: CatalogEntry[] = [];
  for (const full of base) {
    steps.push(full);
    steps.push(...all.filter((e) => e.kind === 'incremental' && e.namespace === full.namespace && e.createdMs >= fullMs && e.createdMs <= timeMs));
  }
  return { requestedMs: timeMs, effectiveMs: Math.max(...steps.map((s) => s.createdMs)), steps };
}
