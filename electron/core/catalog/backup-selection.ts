/**
 * Which backups a catalog key names, for copy (and anything else that moves whole backups): a
 * namespace folder (`<routine>/<backup|incremental>/<ms>/data/<ns>`) or a whole run
 * (`<routine>/<backup|incremental>/<ms>`, every namespace). A full backup brings the incrementals
 * that build on it: those of its namespace from its start up to the next full backup, the same
 * rule the point-in-time planner uses to attach incrementals to a full.
 */
import type { BackupStorage } from '../storage/storage.js';
import { listBackups, type CatalogEntry } from './catalog.js';

export class BackupSelectionError extends Error {
  override name = 'BackupSelectionError';
}

export interface ParsedKey {
  routine: string;
  kind: 'full' | 'incremental';
  createdMs: number;
  namespace?: string;
}

export function parseBackupKey(key: string): ParsedKey {
  const m = /^(.+)\/(backup|incremental)\/(\d+)(?:\/data\/([^/]+))?\/?$/.exec(key);
  if (!m) throw new BackupSelectionError(`key: '${key}' is not a backup key (expected <routine>/backup/<ms>[/data/<namespace>] or <routine>/incremental/<ms>[/data/<namespace>])`);
  return { routine: m[1]!, kind: m[2] === 'backup' ? 'full' : 'incremental', createdMs: Number(m[3]), ...(m[4] !== undefined ? { namespace: m[4] } : {}) };
}

/** The backups a key names, oldest first (a full before its incrementals). */
export async function selectBackups(storage: BackupStorage, key: string, withIncrementals = true): Promise<CatalogEntry[]> {
  const k = parseBackupKey(key);
  const all = await listBackups(storage, k.routine);
  const named = all.filter((e) => e.kind === k.kind && e.createdMs === k.createdMs && (k.namespace === undefined || e.namespace === k.namespace));
  if (named.length === 0) throw new BackupSelectionError(`key: no backup '${key}' in ${storage.describe()} (a folder without metadata.yaml is no backup)`);
  if (k.kind === 'incremental' || !withIncrementals) return named;
  const out: CatalogEntry[] = [];
  for (const full of named) {
    const nextFull = all.find((e) => e.kind === 'full' && e.namespace === full.namespace && e.createdMs > full.createdMs);
    out.push(full, ...all.filter((e) => e.kind === 'incremental' && e.namespace === full.namespace && e.createdMs >= full.createdMs && (!nextFull || e.createdMs < nextFull.createdMs)));
  }
  return out.sort((a, b) => a.createdMs - b.createdMs || (a.kind === b.kind ? 0 : a.kind === 'full' ? -1 : 1) || a.namespace.localeCompare(b.namespace));
}
