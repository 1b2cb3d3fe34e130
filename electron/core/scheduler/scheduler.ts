/**
 * Starts routines' full and incremental backups on their cron schedules, and catches up once
 * for whatever was missed while the app was closed or the machine asleep.
 *
 * Not node-schedule: it owns real timers, so it cannot run on an injected Clock (tests would have
 * to sleep and a resumed laptop could not be simulated), and it cannot parse Quartz's `?`, which
 * ABS configurations use in nearly every expression. croner only evaluates patterns (cron.ts);
 * every wait goes through the Clock.
 *
 * Meaning of the words below:
 * - A *slot* is an instant a cron expression matches. Each (routine, kind) slot is dealt with at
 *   most once: launched, skipped with a reason, or passed over while paused. ScheduleState's
 *   lastRun is the latest slot dealt with; since is when the routine was first scheduled.
 * - *Catch-up*: at start() (or wake(), or a timer firing long after its slot) every slot between
 *   max(lastRun, since) and now is owed, and they are paid with ONE run carrying the latest missed
 *   slot — a week away does not queue seven backups.
 * - Paused (one routine, or everything): slots pass without a launch and without a skip record,
 *   and resuming does not catch them up: a pause means "not now", not "later". The same holds for
 *   slots missed while the app was closed during a pause.
 * - A schedule that appears or changes while running (a new routine, an edited cron, a routine
 *   enabled again) owes nothing from before it existed.
 * - Whether a routine is already busy when its slot comes is for `launch` to decide.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../service/clock.js';
import { parseCron, type CronSchedule } from './cron.js';
import type { BackupKind, ScheduleState } from './schedule-state.js';

export type { BackupKind, ScheduleState } from './schedule-state.js';

export type RunTrigger = 'schedule' | 'catch-up';

export interface ScheduledRun {
  routine: string;
  type: BackupKind;
  trigger: RunTrigger;
  /** The slot the run is for (the latest missed one for a catch-up). */
  slotMs: number;
}

export interface SkippedRun extends ScheduledRun {
  reason: string;
}

/** Injected; the desktop app passes Electron's powerMonitor. */
export interface PowerSource {
  onBattery(): boolean;
}

export interface ScheduledRoutine {
  name: string;
  /** Full backups (ABS interval-cron). */
  intervalCron: string;
  /** Incremental backups (ABS incr-interval-cron); absent or empty: none. */
  incrIntervalCron?: string;
  disabled?: boolean;
  skipOnBattery?: boolean;
  /** IANA zone the crons are read in; absent: the machine's. */
  timezone?: string;
}

export interface SchedulerDeps {
  clock: Clock;
  state: ScheduleState;
  power?: PowerSource;
  hasFullBackup(routine: string): boolean | Promise<boolean>;
  launch(run: ScheduledRun): void | Promise<unknown>;
  skip(run: SkippedRun): void;
  onError?(err: Error, routine: string): void;
  /**
   * A timer that fires more than this long after its slot (the machine slept, the clock jumped)
   * is reported as a catch-up. Default DEFAULT_LATE_TOLERANCE_MS.
   */
  lateToleranceMs?: number;
}

export interface RoutineNextRuns {
  routine: string;
  /** Next full slot; absent when disabled or the schedule has ended. */
  full?: number;
  incremental?: number;
  paused: boolean;
  globallyPaused: boolean;
  disabled: boolean;
}

export const SKIP_REASONS = {
  noFullBackup: 'no full backup yet',
  onBattery: 'on battery power',
  fullAtSameSlot: 'a full backup runs for the same slot',
  fullCheckFailed: 'could not check for a full backup',
} as const;

export const DEFAULT_LATE_TOLERANCE_MS = 60_000;

type EvaluateMode = 'start' | 'wake' | 'timer';

interface Entry {
  def: ScheduledRoutine;
  full: CronSchedule;
  incremental: CronSchedule | undefined;
  cancelTimer?: () => void;
}

export class Scheduler extends EventEmitter<{ changed: [] }> {
  private entries = new Map<string, Entry>();
  private running = false;
  private readonly lateToleranceMs: number;

  constructor(private readonly deps: SchedulerDeps) {
    super();
    const tolerance = deps.lateToleranceMs ?? DEFAULT_LATE_TOLERANCE_MS;
    if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError(`lateToleranceMs must be a non-negative number of milliseconds, got ${tolerance}`);
    this.lateToleranceMs = tolerance;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Replaces the routine list. Every cron is parsed first, so a bad one throws CronError and
   * leaves the current schedule untouched. Routines whose timing is unchanged keep their timers.
   */
  setRoutines(list: readonly ScheduledRoutine[]): void {
    const parsed = parseRoutines(list);
    const now = this.deps.clock.now();
    const previous = this.entries;
    const next = new Map<string, Entry>();
    const adopted: Array<{ entry: Entry; old: Entry | undefined }> = [];
    for (const entry of parsed) {
      const old = previous.get(entry.def.name);
      if (old && timingKey(old, 'full') === timingKey(entry, 'full') && timingKey(old, 'incremental') === timingKey(entry, 'incremental')) {
        old.def = entry.def;
        next.set(entry.def.name, old);
        continue;
      }
      old?.cancelTimer?.();
      next.set(entry.def.name, entry);
      adopted.push({ entry, old });
    }
    for (const [name, old] of previous) if (!next.has(name)) old.cancelTimer?.();
    this.entries = next;
    if (this.running) {
      for (const { entry, old } of adopted) {
        if (entry.def.disabled) continue;
        this.deps.state.ensureSince(entry.def.name, now);
        for (const kind of KINDS) if (timingKey(entry, kind) !== timingKey(old, kind)) this.passOver(entry, kind, now);
        this.arm(entry);
      }
    }
    this.emit('changed');
  }

  /** Catches up each routine once for what it missed, then follows the schedule. */
  start(): void {
    if (this.running) return this.wake();
    this.running = true;
    for (const entry of this.entries.values()) this.evaluate(entry, 'start');
    this.emit('changed');
  }

  /** The OS resumed from sleep: timers may be late or lost; re-evaluate everything like start(). */
  wake(): void {
    if (!this.running) return;
    for (const entry of this.entries.values()) this.evaluate(entry, 'wake');
    this.emit('changed');
  }

  stop(): void {
    for (const entry of this.entries.values()) {
      entry.cancelTimer?.();
      entry.cancelTimer = undefined;
    }
    this.running = false;
    this.emit('changed');
  }

  /** Pauses one routine, or everything when no routine is given; persisted in ScheduleState. */
  pause(routine?: string): void {
    if (routine === undefined) this.deps.state.setGloballyPaused(true);
    else this.deps.state.setPaused(this.known(routine, 'pause').def.name, true);
    this.emit('changed');
  }

  /**
   * Resumes one routine, or lifts the global pause. Nothing is caught up: slots that came while
   * paused were recorded as passed over when they came (or at start()/wake() if the app was closed
   * or asleep then), so they are not owed.
   */
  resume(routine?: string): void {
    if (routine === undefined) this.deps.state.setGloballyPaused(false);
    else this.deps.state.setPaused(this.known(routine, 'resume').def.name, false);
    this.emit('changed');
  }

  nextRuns(): RoutineNextRuns[] {
    const now = this.deps.clock.now();
    const globallyPaused = this.deps.state.isGloballyPaused();
    return [...this.entries.values()].map((entry) => {
      const disabled = entry.def.disabled === true;
      const row: RoutineNextRuns = { routine: entry.def.name, paused: this.deps.state.isPaused(entry.def.name), globallyPaused, disabled };
      if (!disabled) {
        const full = entry.full.next(now);
        const incremental = entry.incremental?.next(now);
        if (full !== undefined) row.full = full;
        if (incremental !== undefined) row.incremental = incremental;
      }
      return row;
    });
  }

  /** Deals with every slot owed at `now`, then arms the timer for the next one. */
  private evaluate(entry: Entry, mode: EvaluateMode): void {
    entry.cancelTimer?.();
    entry.cancelTimer = undefined;
    if (entry.def.disabled || !this.running) return;
    try {
      this.dealWithDueSlots(entry, this.deps.clock.now(), mode);
    } catch (err) {
      this.report(err, entry.def.name);
    }
    this.arm(entry);
  }

  private dealWithDueSlots(entry: Entry, now: number, mode: EvaluateMode): void {
    const name = entry.def.name;
    const state = this.deps.state;
    const since = state.ensureSince(name, now);
    const due: ScheduledRun[] = [];
    for (const type of KINDS) {
      const schedule = schedules(entry)[type];
      const slot = schedule?.latest(now);
      if (!schedule || slot === undefined) continue;
      const from = Math.max(state.getLastRun(name, type) ?? since, since);
      if (slot <= from) continue;
      const missedEarlier = (schedule.next(from) ?? slot) < slot;
      const late = now - slot > this.lateToleranceMs;
      const trigger: RunTrigger = mode === 'start' || missedEarlier || late ? 'catch-up' : 'schedule';
      due.push({ routine: name, type, trigger, slotMs: slot });
    }
    if (due.length === 0) return;
    // Claimed before anything can throw or re-enter, so no slot is ever run twice.
    for (const run of due) state.setLastRun(name, run.type, run.slotMs);
    if (this.isPaused(name)) return;
    if (entry.def.skipOnBattery && this.onBattery(name)) {
      for (const run of due) this.skip(run, SKIP_REASONS.onBattery);
      return;
    }
    const full = due.find((r) => r.type === 'full');
    const incremental = due.find((r) => r.type === 'incremental');
    if (full) this.launch(full);
    if (incremental) {
      // The full copies everything the incremental would, from the same moment.
      if (full) this.skip(incremental, SKIP_REASONS.fullAtSameSlot);
      else this.launchIncremental(entry, incremental);
    }
  }

  private launchIncremental(entry: Entry, run: ScheduledRun): void {
    let answer: boolean | Promise<boolean>;
    try {
      answer = this.deps.hasFullBackup(run.routine);
    } catch (err) {
      return this.fullCheckFailed(run, err);
    }
    if (typeof answer === 'boolean') return this.decideIncremental(run, answer);
    Promise.resolve(answer).then(
      (hasFull) => {
        // The world may have moved on while the catalog was asked.
        if (!this.running || this.entries.get(run.routine) !== entry || entry.def.disabled || this.isPaused(run.routine)) return;
        this.decideIncremental(run, hasFull);
      },
      (err: unknown) => this.fullCheckFailed(run, err),
    );
  }

  private decideIncremental(run: ScheduledRun, hasFull: boolean): void {
    if (hasFull) this.launch(run);
    else this.skip(run, SKIP_REASONS.noFullBackup);
  }

  private fullCheckFailed(run: ScheduledRun, err: unknown): void {
    this.report(err, run.routine);
    this.skip(run, `${SKIP_REASONS.fullCheckFailed}: ${errorOf(err).message}`);
  }

  private launch(run: ScheduledRun): void {
    try {
      const result = this.deps.launch(run);
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.report(err, run.routine));
    } catch (err) {
      this.report(err, run.routine);
    }
  }

  private skip(run: ScheduledRun, reason: string): void {
    try {
      this.deps.skip({ ...run, reason });
    } catch (err) {
      this.report(err, run.routine);
    }
  }

  /** Marks the latest slot at or before `now` as dealt with, without running it. */
  private passOver(entry: Entry, kind: BackupKind, now: number): void {
    const name = entry.def.name;
    const slot = schedules(entry)[kind]?.latest(now);
    if (slot === undefined) return;
    const since = this.deps.state.ensureSince(name, now);
    const from = Math.max(this.deps.state.getLastRun(name, kind) ?? since, since);
    if (slot > from) this.deps.state.setLastRun(name, kind, slot);
  }

  private arm(entry: Entry): void {
    // A launch or skip callback may have replaced the routines or stopped the scheduler meanwhile.
    if (!this.running || entry.def.disabled || this.entries.get(entry.def.name) !== entry) return;
    const now = this.deps.clock.now();
    const next = earliest(entry.full.next(now), entry.incremental?.next(now));
    if (next === undefined) return;
    entry.cancelTimer = this.deps.clock.setTimer(next - now, () => {
      entry.cancelTimer = undefined;
      if (this.entries.get(entry.def.name) !== entry) return;
      this.evaluate(entry, 'timer');
      try {
        this.emit('changed');
      } catch (err) {
        // A throwing listener must not take the timer loop down with it.
        this.report(err, entry.def.name);
      }
    });
  }

  private isPaused(routine: string): boolean {
    return this.deps.state.isGloballyPaused() || this.deps.state.isPaused(routine);
  }

  private onBattery(routine: string): boolean {
    try {
      return this.deps.power?.onBattery() === true;
    } catch (err) {
      this.report(err, routine);
      return false;
    }
  }

  private known(routine: string, action: string): Entry {
    const entry = this.entries.get(routine);
    if (!entry) throw new Error(`${action}: there is no routine named ${JSON.stringify(routine)}`);
    return entry;
  }

  private report(err: unknown, routine: string): void {
    try {
      this.deps.onError?.(errorOf(err), routine);
    } catch {
      // The error reporter failing leaves nowhere else to report to; scheduling goes on.
    }
  }
}

const KINDS: readonly BackupKind[] = ['full', 'incremental'];

function schedules(entry: Entry): Record<BackupKind, CronSchedule | undefined> {
  return { full: entry.full, incremental: entry.incremental };
}

/** What decides when a kind fires; equal keys mean its timer can stay as it is. */
function timingKey(entry: Entry | undefined, kind: BackupKind): string | undefined {
  const schedule = entry && !entry.def.disabled ? schedules(entry)[kind] : undefined;
  return schedule && `${schedule.expression}\u0000${schedule.timezone ?? ''}`;
}

function parseRoutines(list: readonly ScheduledRoutine[]): Entry[] {
  if (!Array.isArray(list)) throw new TypeError('setRoutines: expected an array of routines');
  const seen = new Set<string>();
  return list.map((def, i) => {
    if (typeof def?.name !== 'string' || def.name.trim() === '') throw new TypeError(`setRoutines: routine ${i} has no name`);
    if (seen.has(def.name)) throw new Error(`setRoutines: the routine name ${JSON.stringify(def.name)} appears more than once`);
    seen.add(def.name);
    const opts = def.timezone !== undefined ? { timezone: def.timezone } : {};
    const path = `backup-routines.${def.name}`;
    const full = parseCron(def.intervalCron, `${path}.interval-cron`, opts);
    const incr = def.incrIntervalCron?.trim() ? parseCron(def.incrIntervalCron, `${path}.incr-interval-cron`, opts) : undefined;
    return { def: { ...def }, full, incremental: incr };
  });
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function errorOf(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
