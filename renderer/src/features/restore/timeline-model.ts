/**
 * The restore timeline as pure functions: marks from the catalog's restore points and the backup
 * jobs that left none, the chain a restore to a time applies (the server's plan is preferred
 * when it sent one; this one draws the highlight while the cursor moves), cursor stepping for
 * the keyboard, zoom ranges and the time ↔ pixel mapping.
 */
import type { CatalogBackup, ChainPlan, ChainWarning, TimelineMark } from '../../../../shared/schemas/catalog.js';

export type MarkKind = 'full' | 'incremental' | 'failed' | 'canceled' | 'skipped';

export interface Mark {
  id: string;
  kind: MarkKind;
  time: number;
  namespace?: string;
  /** Restore points only. */
  backup?: CatalogBackup;
  /** Runs that left no restore point. */
  run?: TimelineMark;
}

export function isRestorePoint(m: Mark): m is Mark & { backup: CatalogBackup } {
  return m.backup !== undefined;
}

/** Every mark, oldest first; `namespace` keeps only that namespace's restore points. */
export function buildMarks(points: readonly CatalogBackup[], runs: readonly TimelineMark[], namespace?: string): Mark[] {
  const marks: Mark[] = [];
  for (const b of points) {
    if (namespace !== undefined && b.namespace !== namespace) continue;
    marks.push({ id: `${b.storage}:${b.key}`, kind: b.kind, time: b.timestamp, namespace: b.namespace, backup: b });
  }
  for (const r of runs) {
    marks.push({ id: `job:${r['job-id']}`, kind: r.status === 'failure' ? 'failed' : r.status, time: r.time, run: r });
  }
  return marks.sort((a, b) => a.time - b.time || rank(a.kind) - rank(b.kind) || a.id.localeCompare(b.id));
}

const rank = (k: MarkKind): number => ['full', 'incremental', 'failed', 'canceled', 'skipped'].indexOf(k);

/** The distinct times a restore can reproduce, oldest first. */
export function restorePoints(marks: readonly Mark[]): number[] {
  const out: number[] = [];
  for (const m of marks) if (isRestorePoint(m) && out[out.length - 1] !== m.time) out.push(m.time);
  return out;
}

export interface Chain {
  requested: number;
  /** Start of the newest backup applied; undefined when nothing can be restored. */
  effective?: number;
  /** In the order they are applied, per namespace: its full first, then its incrementals. */
  steps: CatalogBackup[];
  records: number;
  bytes: number;
  warnings: ChainWarning[];
  /** Why nothing can be restored to `requested`. */
  error?: string;
}

/**
 * What a restore of a routine to `time` applies: for each namespace, the newest full backup at or
 * before it, then that namespace's incrementals after the full up to `time`.
 */
export function chainAt(points: readonly CatalogBackup[], time: number, namespace?: string): Chain {
  const byNs = new Map<string, CatalogBackup[]>();
  for (const b of points) {
    if (b.timestamp > time || (namespace !== undefined && b.namespace !== namespace)) continue;
    const list = byNs.get(b.namespace) ?? [];
    list.push(b);
    byNs.set(b.namespace, list);
  }
  const steps: CatalogBackup[] = [];
  const warnings: ChainWarning[] = [];
  for (const ns of [...byNs.keys()].sort()) {
    const list = byNs.get(ns)!.sort((a, b) => a.timestamp - b.timestamp);
    let fullAt = -1;
    list.forEach((b, i) => {
      if (b.kind === 'full') fullAt = i;
    });
    if (fullAt < 0) continue;
    const chain = list.slice(fullAt);
    steps.push(...chain);
    for (const b of chain) {
      if (b.verification && !b.verification.ok) warnings.push({ code: 'verification-failed', key: b.key, message: `${b.kind} backup of ${fmtIso(b.timestamp)} (${b.namespace}) failed verification${b.verification.message ? `: ${b.verification.message}` : ''}` });
    }
  }
  if (steps.length === 0) {
    const first = points.filter((b) => b.kind === 'full' && (namespace === undefined || b.namespace === namespace)).sort((a, b) => a.timestamp - b.timestamp)[0];
    return { requested: time, steps: [], records: 0, bytes: 0, warnings: [], error: first ? `there is no full backup at or before this time; the first one is from ${fmtIso(first.timestamp)}` : 'there is no full backup yet' };
  }
  const unverified = steps.filter((b) => !b.verification).length;
  if (unverified > 0) warnings.push({ code: 'unverified', key: steps.find((b) => !b.verification)!.key, message: `${unverified} of ${steps.length} backups in this chain ${unverified === 1 ? 'has' : 'have'} not been verified` });
  return {
    requested: time,
    effective: Math.max(...steps.map((b) => b.timestamp)),
    steps,
    records: steps.reduce((n, b) => n + (b['record-count'] ?? 0), 0),
    bytes: steps.reduce((n, b) => n + (b['byte-count'] ?? 0), 0),
    warnings,
  };
}

/** The server's plan in the client's shape (the server decides what a restore applies). */
export function chainFromPlan(plan: ChainPlan): Chain {
  return { requested: plan.requested, effective: plan.effective, steps: plan.steps, records: plan.records, bytes: plan.bytes, warnings: plan.warnings };
}

export type Step = 'prev' | 'next' | 'first' | 'last';

/**
 * The cursor's next position for a key: ← → to the previous/next restore point, Home/End to the
 * first/last. Between points, ← goes to the point at or before the cursor's effective time.
 */
export function stepCursor(points: readonly number[], cursor: number, step: Step): number {
  if (points.length === 0) return cursor;
  if (step === 'first') return points[0]!;
  if (step === 'last') return points[points.length - 1]!;
  if (step === 'next') return points.find((p) => p > cursor) ?? points[points.length - 1]!;
  for (let i = points.length - 1; i >= 0; i--) if (points[i]! < cursor) return points[i]!;
  return points[0]!;
}

/** The restore point at or before `time` (what a cursor there reproduces), or undefined. */
export function pointAtOrBefore(points: readonly number[], time: number): number | undefined {
  let found: number | undefined;
  for (const p of points) {
    if (p > time) break;
    found = p;
  }
  return found;
}

export interface Range {
  from: number;
  to: number;
}

export const ZOOMS = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 hour', ms: 3_600_000 },
  { id: '6h', label: '6 hours', ms: 6 * 3_600_000 },
  { id: '1d', label: '1 day', ms: 86_400_000 },
  { id: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 days', ms: 30 * 86_400_000 },
  { id: '90d', label: '90 days', ms: 90 * 86_400_000 },
  { id: 'all', label: 'Fit all', ms: 0 },
] as const;
export type ZoomId = (typeof ZOOMS)[number]['id'];

/**
 * The visible span for a zoom level: `all` fits every mark (and now) with a margin; a fixed
 * span ends at now, or is centred on the cursor when the cursor would be off-screen.
 */
export function zoomRange(zoom: ZoomId, marks: readonly Mark[], now: number, cursor?: number): Range {
  const z = ZOOMS.find((x) => x.id === zoom)!;
  if (z.id === 'all') {
    const times = marks.map((m) => m.time);
    const from = times.length ? Math.min(...times) : now - 86_400_000;
    const to = Math.max(now, ...times);
    const span = Math.max(to - from, 60_000);
    return { from: from - span * 0.03, to: to + span * 0.03 };
  }
  let range = { from: now - z.ms, to: now + z.ms * 0.02 };
  if (cursor !== undefined && (cursor < range.from || cursor > range.to)) range = { from: cursor - z.ms / 2, to: cursor + z.ms / 2 };
  return range;
}

/** The smallest zoom whose span holds every restore point, for the first view. */
export function fittingZoom(marks: readonly Mark[], now: number): ZoomId {
  const oldest = marks.length ? Math.min(...marks.map((m) => m.time)) : now;
  return ZOOMS.find((z) => z.id !== 'all' && now - oldest <= z.ms * 0.95)?.id ?? 'all';
}

export function timeToX(t: number, r: Range, width: number): number {
  return ((t - r.from) / (r.to - r.from)) * width;
}

export function xToTime(x: number, r: Range, width: number): number {
  return Math.round(r.from + (Math.min(Math.max(x, 0), width) / width) * (r.to - r.from));
}

/** A dragged cursor within `snapPx` of a restore point lands on it. */
export function snapTime(t: number, points: readonly number[], r: Range, width: number, snapPx = 8): number {
  let best = t;
  let bestPx = snapPx + 1;
  for (const p of points) {
    const d = Math.abs(timeToX(p, r, width) - timeToX(t, r, width));
    if (d < bestPx) {
      best = p;
      bestPx = d;
    }
  }
  return bestPx <= snapPx ? best : t;
}

/** Tick marks for an axis: round times at a step that gives about `target` ticks. */
export function ticks(r: Range, target = 8): number[] {
  const steps = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000, 7 * 86_400_000, 14 * 86_400_000, 30 * 86_400_000, 91 * 86_400_000, 365 * 86_400_000];
  const span = r.to - r.from;
  const step = steps.find((s) => span / s <= target) ?? steps[steps.length - 1]!;
  // Align to the local day for day-sized steps, to the step otherwise.
  const offset = step >= 86_400_000 ? new Date(r.from).getTimezoneOffset() * 60_000 : 0;
  const out: number[] = [];
  for (let t = Math.ceil((r.from - offset) / step) * step + offset; t <= r.to; t += step) out.push(t);
  return out;
}

function fmtIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** "Restores the state as of 14:02:11 (the newest backup at or before 14:05:00)". */
export function effectiveSentence(chain: Chain, fmt: (ms: number) => string): string {
  if (chain.effective === undefined) return chain.error ?? 'Nothing to restore at this time';
  if (chain.effective === chain.requested) return `Restores the state as of ${fmt(chain.effective)} (a backup started exactly then)`;
  return `Restores the state as of ${fmt(chain.effective)} (the newest backup at or before ${fmt(chain.requested)})`;
}
