/**
 * Retention in ABS v3's shape: after a successful full backup, keep the newest `full` full
 * backups and the incrementals of the newest `incremental` of them; Tidemark's `max-age` also
 * removes whole chains (a full and its incrementals) once even their newest backup is older than
 * the limit. Chains are removed whole because an incremental is useless without its full, and a
 * full without some of its incrementals silently restores to an older time than the user picked.
 *
 * Never removed: the newest full backup, and any backup a running job reads or writes.
 */
import { METADATA_FILE } from '../catalog/layout.js';
import type { CatalogEntry } from '../catalog/catalog.js';
import type { BackupStorage } from '../storage/storage.js';
import { durationMs, type BackupPolicyConfig } from '../../../shared/schemas/config.js';

export interface RetentionRule {
  /** Full backups kept; undefined keeps all. */
  full?: number;
  /** Fulls (newest first) whose incrementals are kept; undefined keeps all. */
  incremental?: number;
  maxAgeMs?: number;
}

/** One backup run: every namespace it wrote, under `<routine>/<backup|incremental>/<ms>`. */
export interface BackupRun {
  kind: 'full' | 'incremental';
  createdMs: number;
  root: string;
  keys: string[];
}

export interface RetentionPlan {
  remove: Array<BackupRun & { reason: string }>;
  /** Runs that the rule would remove but that stay, and why. */
  spared: Array<BackupRun & { reason: string }>;
}

/** The rule a policy asks for, or undefined when it keeps everything. */
export function retentionRule(policy: BackupPolicyConfig): RetentionRule | undefined {
  const rule: RetentionRule = {};
  if (policy.retention?.full !== undefined) rule.full = policy.retention.full;
  if (policy.retention?.incremental !== undefined) rule.incremental = policy.retention.incremental;
  // ABS v2's remove-files, read as the retention it amounts to.
  if (policy['remove-files'] === 'RemoveAll') {
    rule.full = 1;
    rule.incremental = 0;
  } else if (policy['remove-files'] === 'RemoveIncremental') rule.incremental = 0;
  if (policy['max-age'] !== undefined) rule.maxAgeMs = durationMs(policy['max-age']);
  return Object.keys(rule).length ? rule : undefined;
}

export function groupRuns(entries: readonly CatalogEntry[]): BackupRun[] {
  const runs = new Map<string, BackupRun>();
  for (const e of entries) {
    const root = e.key.replace(/\/data\/[^/]+$/, '');
    let run = runs.get(root);
    if (!run) runs.set(root, (run = { kind: e.kind, createdMs: e.createdMs, root, keys: [] }));
    run.keys.push(e.key);
  }
  return [...runs.values()].sort((a, b) => a.createdMs - b.createdMs);
}

export function planRetention(entries: readonly CatalogEntry[], rule: RetentionRule, nowMs: number, inUse: (root: string) => boolean): RetentionPlan {
  const runs = groupRuns(entries);
  const fulls = runs.filter((r) => r.kind === 'full').reverse(); // newest first
  const plan: RetentionPlan = { remove: [], spared: [] };
  if (fulls.length === 0) return plan;
  // Each incremental belongs to the newest full at or before it; older ones have none.
  const chainOf = new Map<BackupRun, BackupRun[]>(fulls.map((f) => [f, []]));
  const orphans: BackupRun[] = [];
  for (const inc of runs.filter((r) => r.kind === 'incremental')) {
    const full = fulls.find((f) => f.createdMs <= inc.createdMs);
    if (full) chainOf.get(full)!.push(inc);
    else orphans.push(inc);
  }
  const cutoff = rule.maxAgeMs !== undefined ? nowMs - rule.maxAgeMs : undefined;
  const doomed = new Map<BackupRun, string>();
  fulls.forEach((full, i) => {
    const chain = chainOf.get(full)!;
    if (i === 0) {
      if (rule.incremental === 0) for (const inc of chain) doomed.set(inc, 'retention keeps the incrementals of no full backup');
      return;
    }
    const newest = Math.max(full.createdMs, ...chain.map((c) => c.createdMs));
    let reason: string | undefined;
    if (rule.full !== undefined && i >= rule.full) reason = `retention keeps the newest ${rule.full} full backup${rule.full === 1 ? '' : 's'}`;
    else if (cutoff !== undefined && newest < cutoff) reason = `older than max-age (${Math.round(rule.maxAgeMs! / 3_600_000)} h)`;
    if (reason) {
      doomed.set(full, reason);
      for (const inc of chain) doomed.set(inc, `${reason} (incremental of ${full.root})`);
    } else if (rule.incremental !== undefined && i >= rule.incremental) {
      for (const inc of chain) doomed.set(inc, `retention keeps the incrementals of the newest ${rule.incremental} full backup${rule.incremental === 1 ? '' : 's'}`);
    }
  });
  // Incrementals older than every full have lost their full: nothing can restore them.
  if (rule.full !== undefined) for (const o of orphans) doomed.set(o, 'incremental without a full backup before it');

  for (const [run, reason] of doomed) {
    if (inUse(run.root)) plan.spared.push({ ...run, reason: `in use by a running job (${reason})` });
    else plan.remove.push({ ...run, reason });
  }
  // A full whose incremental must stay (in use) stays too, so that incremental keeps its base.
  for (const spared of plan.spared.filter((s) => s.kind === 'incremental')) {
    const full = fulls.find((f) => f.createdMs <= spared.createdMs);
    const idx = full ? plan.remove.findIndex((r) => r.root === full.root) : -1;
    if (idx >= 0) plan.spared.push({ ...plan.remove.splice(idx, 1)[0]!, reason: `an incremental of it is in use by a running job` });
  }
  // Incrementals go before their full: a removal cut short never leaves incrementals without a base.
  plan.remove.sort((a, b) => (a.kind === b.kind ? a.createdMs - b.createdMs : a.kind === 'incremental' ? -1 : 1));
  return plan;
}

/**
 * Removes the planned runs. Each namespace's metadata.yaml goes first, so a removal interrupted
 * half way leaves folders that are no longer restore points rather than damaged ones.
 */
export async function applyRetention(storage: BackupStorage, plan: RetentionPlan): Promise<string[]> {
  const removed: string[] = [];
  for (const run of plan.remove) {
    for (const key of run.keys) await storage.remove(`${key}/${METADATA_FILE}`);
    await storage.removeTree(run.root);
    removed.push(run.root);
  }
  return removed;
}
