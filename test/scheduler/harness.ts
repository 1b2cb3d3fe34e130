import { ManualClock, type Clock } from '../../electron/core/service/clock.js';
import { MemoryScheduleState } from '../../electron/core/scheduler/memory-state.js';
import { Scheduler, type ScheduledRun, type SchedulerDeps, type SkippedRun } from '../../electron/core/scheduler/scheduler.js';

/** Wednesday 15 January 2025, 10:00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const utc = (iso: string): number => Date.parse(`${iso}Z`);

/**
 * Wall time that can jump ahead while timers stand still, as on a suspended machine: Node's timers
 * run on the monotonic clock, which stops during suspend, so after a sleep they fire late by the
 * wall clock. Timers live on a ManualClock; `advance` moves both, `sleep` moves only the wall.
 */
export class SleepingClock implements Clock {
  readonly timers: ManualClock;
  private asleep = 0;

  constructor(start: number) {
    this.timers = new ManualClock(start);
  }

  now(): number {
    return this.timers.now() + this.asleep;
  }

  setTimer(ms: number, fn: () => void): () => void {
    return this.timers.setTimer(ms, fn);
  }

  advance(ms: number): void {
    this.timers.advance(ms);
  }

  sleep(ms: number): void {
    this.asleep += ms;
  }
}

export interface Harness {
  scheduler: Scheduler;
  state: MemoryScheduleState;
  launches: ScheduledRun[];
  skips: SkippedRun[];
  errors: Array<{ message: string; routine: string }>;
  /** What hasFullBackup answers; change it between slots. */
  hasFull: { value: boolean };
  battery: { on: boolean };
  changes: { count: number };
}

export function harness(clock: Clock, overrides: Partial<SchedulerDeps> & { state?: MemoryScheduleState } = {}): Harness {
  const state = overrides.state ?? new MemoryScheduleState();
  const launches: ScheduledRun[] = [];
  const skips: SkippedRun[] = [];
  const errors: Array<{ message: string; routine: string }> = [];
  const hasFull = { value: true };
  const battery = { on: false };
  const changes = { count: 0 };
  const scheduler = new Scheduler({
    clock,
    state,
    power: { onBattery: () => battery.on },
    hasFullBackup: () => hasFull.value,
    launch: (run) => {
      launches.push(run);
    },
    skip: (run) => {
      skips.push(run);
    },
    onError: (err, routine) => {
      errors.push({ message: err.message, routine });
    },
    ...overrides,
  });
  scheduler.on('changed', () => changes.count++);
  return { scheduler, state, launches, skips, errors, hasFull, battery, changes };
}

/** Runs as compact strings, so a test reads like a timeline. */
export function runs(list: readonly ScheduledRun[]): string[] {
  return list.map((r) => `${r.routine} ${r.type} ${r.trigger} ${new Date(r.slotMs).toISOString().slice(0, 19)}`);
}

export function skipped(list: readonly SkippedRun[]): string[] {
  return list.map((r) => `${r.routine} ${r.type} ${r.trigger} ${new Date(r.slotMs).toISOString().slice(0, 19)}: ${r.reason}`);
}
