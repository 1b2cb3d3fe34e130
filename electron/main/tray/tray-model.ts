/**
 * The tray, as data. Everything the tray shows (its icon, tooltip and menu) is a pure function of
 * what the core offers: the jobs (recent and running), the schedule (next runs, pause flags) and
 * the routines of the config. No Electron and no I/O here, so every state is unit-tested; the
 * Electron glue (tray.ts) only turns the template into a Menu and the icon state into an image.
 *
 * Icon precedence (first that applies):
 *   1. `running` — some job (of any type) is running. Pending (delayed) jobs are listed in the
 *      menu but do not light the icon: nothing is happening yet.
 *   2. `failed`  — the config has a problem, or an enabled routine's latest failed backup run
 *      (status `failure`, including runs marked interrupted) has no later successful backup of
 *      that routine. Canceled and skipped runs neither fail a routine nor clear a failure.
 *      Disabled routines do not count: the user put them aside.
 *   3. `paused`  — all schedules are paused, or every enabled routine is paused on its own, so
 *      no scheduled backup will run.
 *   4. `idle`    — otherwise (including "no routines yet").
 *
 * The tray updates on core events, never on a timer: `trayNeedsRefresh` tells whether an event
 * changes what is shown (a progress tick only when a job's whole percent changes), and
 * `applyJobEvent` folds a job event into the caller's job list. Relative times ("in 2 h") are
 * therefore as fresh as the last event; absolute clock times are always shown beside them.
 */
import type { z } from 'zod';
import type { Job, JobStatus, JobType } from '../../../shared/schemas/job.js';
import type { ScheduleSchema } from '../../../shared/schemas/rest.js';
import { capitalize, clip, firstLine } from '../short-text.js';

export type Schedule = z.infer<typeof ScheduleSchema>;
export type BackupType = 'full' | 'incremental';

/** What the tray needs of a routine's config; `Config['backup-routines']` fits as it is. */
export interface TrayRoutineConfig {
  readonly disabled?: boolean | undefined;
}

export interface TrayInput {
  /** Recent jobs and the running ones, any order (the job registry's query + running). */
  jobs: readonly Job[];
  /** The scheduler's next runs (`GET /v1/schedule`); the global pause is read from its rows. */
  schedule: Schedule;
  /** The config's routines by name, in the config's order. */
  routines: Readonly<Record<string, TrayRoutineConfig>>;
  /** Unix ms. */
  now: number;
  /** The config could not be loaded as it is (the service runs on the last good one). */
  configProblem?: string | undefined;
  /**
   * Routines known to have a full backup in their storage (from the catalog). A successful full
   * backup job among `jobs` counts as well; pass this when `jobs` is only a recent window.
   */
  fullBackups?: readonly string[] | undefined;
}

export const TRAY_ICON_STATES = ['idle', 'running', 'failed', 'paused'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];
/** `light`: a dark mark for light menu bars and taskbars; `dark`: a light mark for dark ones. */
export type TrayIconVariant = 'light' | 'dark';

/** The tray image of a state, relative to the assets folder; Electron finds the `@2x` sibling itself. */
export function trayImageFile(icon: TrayIconState, variant: TrayIconVariant): string {
  return `tray/${icon}-${variant}.png`;
}

export interface TrayJob {
  id: string;
  type: JobType;
  backupType?: BackupType;
  routine?: string;
  status: JobStatus;
  /** Whole percent, when the job reports progress. */
  percent?: number;
  /** Unix ms: when it finished (or, for a running job, started). */
  at: number;
  interrupted: boolean;
  error?: string;
  reason?: string;
}

export interface TrayRoutine {
  name: string;
  disabled: boolean;
  /** Paused on its own (the global pause is `TrayState.globallyPaused`). */
  paused: boolean;
  nextFull?: number;
  nextIncremental?: number;
  /** The latest finished backup run of the routine (success, failure, canceled or skipped). */
  last?: TrayJob;
  /** The latest failed backup run, when no successful backup came after it. */
  failure?: TrayJob;
  /** Whether an on-demand incremental has a full backup to build on. */
  hasFullBackup: boolean;
  /** Its running and pending backups. */
  running: TrayJob[];
}

export interface TrayState {
  now: number;
  globallyPaused: boolean;
  routines: TrayRoutine[];
  /** Running and pending jobs of every type, oldest first. */
  running: TrayJob[];
  /** The next scheduled backup that will actually run (not paused, not disabled). */
  next?: { routine: string; type: BackupType; at: number };
  configProblem?: string;
}

export type TrayAction =
  | { kind: 'open' }
  | { kind: 'open-job'; jobId: string }
  | { kind: 'backup'; routine: string; type: BackupType }
  | { kind: 'pause-all' }
  | { kind: 'resume-all' }
  | { kind: 'quit' };

export interface TrayMenuItem {
  label: string;
  enabled?: boolean;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox';
  checked?: boolean;
  action?: TrayAction;
  submenu?: TrayMenuItem[];
}

export interface TrayFormatOptions {
  /** IANA zone for clock times; default: the system's. */
  timeZone?: string;
  /** Replaces the whole "when" text (clock time and relative time). */
  formatTime?: (at: number, now: number) => string;
}

export interface TrayIcon {
  icon: TrayIconState;
  tooltip: string;
}

/** Windows cuts tray tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;
/** Running jobs listed one by one; the rest are summed up. */
export const MAX_RUNNING_ITEMS = 8;
const ERROR_MAX = 60;

// ---- State ---------------------------------------------------------------------------------

export function trayStateFrom(input: TrayInput): TrayState {
  const scheduleByRoutine = new Map(input.schedule.map((row) => [row.routine, row]));
  const globallyPaused = input.schedule.some((row) => row.globallyPaused);
  const live = input.jobs.filter((j) => j.status === 'running' || j.status === 'pending');
  const running = live.map(trayJob).sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  const withFull = new Set(input.fullBackups ?? []);

  const routines: TrayRoutine[] = Object.entries(input.routines).map(([name, config]) => {
    const row = scheduleByRoutine.get(name);
    const disabled = config.disabled === true || row?.disabled === true;
    const finished = input.jobs
      .filter((j) => j.type === 'backup' && j.routine === name && j.status !== 'running' && j.status !== 'pending')
      .map(trayJob)
      .sort((a, b) => b.at - a.at || b.id.localeCompare(a.id));
    const last = finished[0];
    const lastFailure = finished.find((j) => j.status === 'failure');
    const lastSuccess = finished.find((j) => j.status === 'success');
    const failing = lastFailure !== undefined && (lastSuccess === undefined || lastSuccess.at < lastFailure.at);
    const hasFullBackup = withFull.has(name) || finished.some((j) => j.status === 'success' && j.backupType === 'full');
    const r: TrayRoutine = {
      name,
      disabled,
      paused: row?.paused === true,
      hasFullBackup,
      running: running.filter((j) => j.type === 'backup' && j.routine === name),
    };
    if (!disabled && row?.full !== undefined) r.nextFull = row.full;
    if (!disabled && row?.incremental !== undefined) r.nextIncremental = row.incremental;
    if (last) r.last = last;
    if (failing) r.failure = lastFailure;
    return r;
  });

  const state: TrayState = { now: input.now, globallyPaused, routines, running };
  const next = globallyPaused ? undefined : nextRun(routines);
  if (next) state.next = next;
  const problem = input.configProblem?.trim();
  if (problem) state.configProblem = problem;
  return state;
}

function trayJob(j: Job): TrayJob {
  const live = j.status === 'running' || j.status === 'pending';
  const t: TrayJob = {
    id: j.id,
    type: j.type,
    status: j.status,
    at: (live ? undefined : j['finished-at']) ?? j['started-at'] ?? j['created-at'],
    interrupted: j.interrupted === true,
  };
  if (j['backup-type']) t.backupType = j['backup-type'];
  if (j.routine !== undefined) t.routine = j.routine;
  const percent = j.progress?.['percentage-done'];
  if (percent !== undefined && Number.isFinite(percent)) t.percent = Math.min(100, Math.max(0, Math.floor(percent)));
  if (j.error) t.error = j.error;
  if (j.reason) t.reason = j.reason;
  return t;
}

/** The earliest slot of a routine that will run; a full wins a tie (the incremental is skipped then). */
function nextRun(routines: readonly TrayRoutine[]): TrayState['next'] {
  let best: TrayState['next'];
  for (const r of routines) {
    if (r.disabled || r.paused) continue;
    const candidates: Array<[BackupType, number | undefined]> = [
      ['full', r.nextFull],
      ['incremental', r.nextIncremental],
    ];
    for (const [type, at] of candidates) {
      if (at === undefined) continue;
      if (!best || at < best.at || (at === best.at && type === 'full' && best.type === 'incremental')) best = { routine: r.name, type, at };
    }
  }
  return best;
}

// ---- Icon and tooltip ----------------------------------------------------------------------

function isRoutineFailing(r: TrayRoutine): boolean {
  return !r.disabled && r.failure !== undefined;
}

/** Paused as the user sees it: nothing scheduled will run because of a pause. */
function everythingPaused(state: TrayState): boolean {
  if (state.globallyPaused) return true;
  const enabled = state.routines.filter((r) => !r.disabled);
  return enabled.length > 0 && enabled.every((r) => r.paused);
}

export function trayIconState(state: TrayState): TrayIconState {
  if (state.running.some((j) => j.status === 'running')) return 'running';
  if (state.configProblem || state.routines.some(isRoutineFailing)) return 'failed';
  if (everythingPaused(state)) return 'paused';
  return 'idle';
}

export function trayIcon(state: TrayState, opts: TrayFormatOptions = {}): TrayIcon {
  const icon = trayIconState(state);
  const lines = [`Tidemark — ${scheduleSummary(state, opts)}`];
  const failing = state.routines.filter(isRoutineFailing).map((r) => r.name);
  const active = state.running.filter((j) => j.status === 'running');
  if (active.length === 1) lines.push(`Running: ${jobLabel(active[0]!)}`);
  else if (active.length > 1) lines.push(`Running: ${active.length} jobs`);
  if (state.configProblem) lines.push(`Config problem: ${firstLine(state.configProblem)}`);
  if (failing.length === 1) lines.push(`Last backup of ${failing[0]} failed`);
  else if (failing.length > 1) lines.push(`Last backups of ${failing.length} routines failed`);
  return { icon, tooltip: clip(lines.join('\n'), TOOLTIP_MAX) };
}

/** "next backup: nightly full at 02:00 (in 2 h)", or why there is none. */
function scheduleSummary(state: TrayState, opts: TrayFormatOptions): string {
  if (state.routines.length === 0) return 'no backup routines yet';
  if (state.globallyPaused) return 'all schedules paused';
  if (state.next) return `next backup: ${state.next.routine} ${state.next.type} at ${formatWhen(state.next.at, state.now, opts)}`;
  const enabled = state.routines.filter((r) => !r.disabled);
  if (enabled.length === 0) return 'every routine is disabled';
  if (enabled.every((r) => r.paused)) return 'every routine is paused';
  return 'no backup scheduled';
}

// ---- Menu ----------------------------------------------------------------------------------

const SEPARATOR: TrayMenuItem = { label: '', type: 'separator' };

export function trayMenu(state: TrayState, opts: TrayFormatOptions = {}): TrayMenuItem[] {
  const items: TrayMenuItem[] = [];
  if (state.configProblem) items.push({ label: `Config problem: ${clip(firstLine(state.configProblem), ERROR_MAX)}`, action: { kind: 'open' } });

  if (state.routines.length === 0) {
    items.push({ label: 'No backup routines yet', enabled: false });
    items.push({ label: 'Set up a routine…', action: { kind: 'open' } });
  } else {
    items.push({ label: statusLine(state, opts), enabled: false });
    if (state.next && trayIconState(state) !== 'idle') items.push({ label: `Next: ${state.next.routine} ${state.next.type} ${formatWhen(state.next.at, state.now, opts)}`, enabled: false });
  }

  if (state.running.length > 0) {
    items.push(SEPARATOR);
    for (const j of state.running.slice(0, MAX_RUNNING_ITEMS)) items.push({ label: runningLabel(j, true), action: { kind: 'open-job', jobId: j.id } });
    const more = state.running.length - MAX_RUNNING_ITEMS;
    if (more > 0) items.push({ label: `… and ${more} more`, action: { kind: 'open' } });
  }

  if (state.routines.length > 0) {
    items.push(SEPARATOR);
    for (const r of state.routines) items.push({ label: routineLabel(r, state), type: 'submenu', submenu: routineMenu(r, state, opts) });
    items.push(SEPARATOR);
    items.push(state.globallyPaused ? { label: 'Resume all schedules', action: { kind: 'resume-all' } } : { label: 'Pause all schedules', action: { kind: 'pause-all' } });
  } else {
    items.push(SEPARATOR);
  }
  items.push({ label: 'Open Tidemark', action: { kind: 'open' } });
  items.push(SEPARATOR);
  items.push({ label: 'Quit Tidemark', action: { kind: 'quit' } });
  return items;
}

function statusLine(state: TrayState, opts: TrayFormatOptions): string {
  const icon = trayIconState(state);
  if (icon === 'running') {
    const n = state.running.filter((j) => j.status === 'running').length;
    return n === 1 ? '1 job running' : `${n} jobs running`;
  }
  const failing = state.routines.filter(isRoutineFailing).map((r) => r.name);
  if (failing.length === 1) return `Last backup failed: ${failing[0]}`;
  if (failing.length > 1) return clip(`Last backups failed: ${failing.join(', ')}`, ERROR_MAX);
  if (state.globallyPaused) return 'All schedules paused';
  if (icon === 'paused') return 'Every routine is paused';
  const summary = scheduleSummary(state, opts);
  return summary.charAt(0).toUpperCase() + summary.slice(1);
}

function routineLabel(r: TrayRoutine, state: TrayState): string {
  const active = r.running.find((j) => j.status === 'running');
  if (active) return `${r.name} — ${active.percent !== undefined ? `${active.percent}%` : 'running'}`;
  if (r.running.length > 0) return `${r.name} — waiting`;
  if (isRoutineFailing(r)) return `${r.name} — failed`;
  if (r.disabled) return `${r.name} — disabled`;
  if (r.paused || state.globallyPaused) return `${r.name} — paused`;
  return r.name;
}

function routineMenu(r: TrayRoutine, state: TrayState, opts: TrayFormatOptions): TrayMenuItem[] {
  const when = (at: number): string => formatWhen(at, state.now, opts);
  const items: TrayMenuItem[] = [];

  if (r.last) {
    items.push({ label: `Last: ${runLabel(r.last)} · ${when(r.last.at)}`, action: { kind: 'open-job', jobId: r.last.id } });
    if (r.last.status === 'skipped' && r.last.reason) items.push({ label: `Reason: ${clip(firstLine(r.last.reason), ERROR_MAX)}`, enabled: false });
  } else {
    items.push({ label: 'No backup yet', enabled: false });
  }
  if (r.failure) {
    if (r.failure.id !== r.last?.id) items.push({ label: `Failed: ${runLabel(r.failure)} · ${when(r.failure.at)}`, action: { kind: 'open-job', jobId: r.failure.id } });
    items.push({ label: `Error: ${clip(firstLine(r.failure.error ?? 'no message recorded'), ERROR_MAX)}`, action: { kind: 'open-job', jobId: r.failure.id } });
  }
  for (const j of r.running) items.push({ label: runningLabel(j, false), action: { kind: 'open-job', jobId: j.id } });

  if (r.disabled) items.push({ label: 'Not scheduled (disabled)', enabled: false });
  else if (state.globallyPaused) items.push({ label: 'Schedule paused (all schedules)', enabled: false });
  else if (r.paused) items.push({ label: 'Schedule paused', enabled: false });
  else {
    if (r.nextFull !== undefined) items.push({ label: `Next full: ${when(r.nextFull)}`, enabled: false });
    if (r.nextIncremental !== undefined) items.push({ label: `Next incremental: ${when(r.nextIncremental)}`, enabled: false });
    if (r.nextFull === undefined && r.nextIncremental === undefined) items.push({ label: 'No run scheduled', enabled: false });
  }

  // A second backup of a busy routine would only be recorded as skipped: offer it once it is free.
  const busy = r.running.length > 0;
  items.push(SEPARATOR);
  items.push({ label: 'Back up now (full)', enabled: !busy, action: { kind: 'backup', routine: r.name, type: 'full' } });
  items.push(
    r.hasFullBackup
      ? { label: 'Back up now (incremental)', enabled: !busy, action: { kind: 'backup', routine: r.name, type: 'incremental' } }
      : { label: 'Back up now (incremental) — needs a full backup first', enabled: false, action: { kind: 'backup', routine: r.name, type: 'incremental' } },
  );
  return items;
}

const TYPE_NAMES: Record<JobType, string> = {
  backup: 'backup',
  restore: 'restore',
  verify: 'verify',
  copy: 'copy',
  merge: 'merge',
  delete: 'delete',
  retention: 'retention',
};

/** "full backup", "restore", … */
function jobKind(j: TrayJob): string {
  return j.type === 'backup' && j.backupType ? `${j.backupType} backup` : TYPE_NAMES[j.type];
}

/** "nightly full backup 42%" */
function jobLabel(j: TrayJob): string {
  const what = j.routine !== undefined ? `${j.routine} ${jobKind(j)}` : capitalize(jobKind(j));
  return j.percent !== undefined ? `${what} ${j.percent}%` : what;
}

/** Top level: "nightly: full backup — 42%"; in a routine's submenu: "Running: full backup — 42%". */
function runningLabel(j: TrayJob, withRoutine: boolean): string {
  const kind = jobKind(j);
  const what = withRoutine ? (j.routine !== undefined ? `${j.routine}: ${kind}` : capitalize(kind)) : `${j.status === 'pending' ? 'Waiting' : 'Running'}: ${kind}`;
  if (j.status === 'pending') return withRoutine ? `${what} — waiting` : what;
  return j.percent !== undefined ? `${what} — ${j.percent}%` : what;
}

const STATUS_WORDS: Record<JobStatus, string> = {
  pending: 'waiting',
  running: 'running',
  success: 'succeeded',
  failure: 'failed',
  canceled: 'canceled',
  skipped: 'skipped',
};

/** "full backup failed", "incremental backup interrupted" */
function runLabel(j: TrayJob): string {
  const word = j.status === 'failure' && j.interrupted ? 'interrupted' : STATUS_WORDS[j.status];
  return `${jobKind(j)} ${word}`;
}

// ---- Refresh on events ---------------------------------------------------------------------

export type TrayEvent = { type: 'created' | 'started' | 'progress' | 'finished'; job: Job } | { type: 'schedule-changed' } | { type: 'config-changed' };

/**
 * Whether an event changes what the tray shows, given the state last rendered. Progress ticks
 * (many a second) count only when the job's whole percent differs from the one shown; every
 * other event (a job created, started or finished, the schedule or the config changed) does.
 */
export function trayNeedsRefresh(event: TrayEvent, shown: TrayState | undefined): boolean {
  if (!shown) return true;
  if (event.type !== 'progress') return true;
  const before = shown.running.find((j) => j.id === event.job.id);
  if (!before) return true;
  return before.status !== event.job.status || before.percent !== trayJob(event.job).percent;
}

/** The caller's job list with a job event folded in (the job replaced by id, or added). */
export function applyJobEvent(jobs: readonly Job[], event: TrayEvent): Job[] {
  if (!('job' in event)) return [...jobs];
  const i = jobs.findIndex((j) => j.id === event.job.id);
  if (i < 0) return [...jobs, event.job];
  const out = [...jobs];
  out[i] = event.job;
  return out;
}

// ---- Formatting ----------------------------------------------------------------------------

/** "02:00 (in 2 h)", "Mon 3 Mar 14:05 (3 d ago)": clock time in the zone, then relative time. */
export function formatWhen(at: number, now: number, opts: TrayFormatOptions = {}): string {
  if (opts.formatTime) return opts.formatTime(at, now);
  return `${clockTime(at, now, opts.timeZone)} (${relativeTime(at, now)})`;
}

/** "in 5 min", "2 h ago", "in 3 d"; under a minute: "in <1 min" / "just now". */
export function relativeTime(at: number, now: number): string {
  const diff = at - now;
  const a = Math.abs(diff);
  if (a < 60_000) return diff > 0 ? 'in <1 min' : 'just now';
  const m = Math.round(a / 60_000);
  const h = Math.round(a / 3_600_000);
  const text = m < 60 ? `${m} min` : h < 48 ? `${h} h` : `${Math.round(a / 86_400_000)} d`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

interface Parts {
  year: string;
  month: string;
  day: string;
  weekday: string;
  hour: string;
  minute: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(ms: number, timeZone: string | undefined): Parts {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    // en-GB with a 23-hour clock: the same text on every machine for the same zone.
    f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(key, f);
  }
  const out: Parts = { year: '', month: '', day: '', weekday: '', hour: '', minute: '' };
  for (const p of f.formatToParts(new Date(ms))) if (p.type in out) out[p.type as keyof Parts] = p.value;
  return out;
}

/** "14:05" today, "Tue 14:05" within six days, "3 Mar 14:05" otherwise, with the year when not this one. */
export function clockTime(at: number, now: number, timeZone?: string): string {
  const p = parts(at, timeZone);
  const n = parts(now, timeZone);
  const clock = `${p.hour}:${p.minute}`;
  if (p.year === n.year && p.month === n.month && p.day === n.day) return clock;
  if (Math.abs(at - now) < 6 * 86_400_000) return `${p.weekday} ${clock}`;
  return p.year === n.year ? `${p.day} ${p.month} ${clock}` : `${p.day} ${p.month} ${p.year} ${clock}`;
}
