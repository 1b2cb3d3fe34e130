/**
 * Scheduled verification: routines with a `verify-cron` get their current restore chain checked
 * on that schedule. A slot missed while the app was closed is not caught up — verification
 * guards against silent damage over time, and the next slot does the same work.
 */
import { parseCron, type CronSchedule } from '../scheduler/cron.js';
import type { Clock } from './clock.js';

export interface VerifyRoutine {
  name: string;
  cron: string;
  timezone?: string;
}

export interface VerifyScheduleDeps {
  clock: Clock;
  verify(routine: string): Promise<unknown>;
  onError(err: Error, routine: string): void;
}

export class VerifySchedule {
  private timers = new Map<string, () => void>();
  private running = false;
  private routines: Array<{ def: VerifyRoutine; cron: CronSchedule }> = [];

  constructor(private readonly deps: VerifyScheduleDeps) {}

  /** Replaces the routine list; a bad cron throws before anything changes. */
  setRoutines(list: readonly VerifyRoutine[]): void {
    const parsed = list.map((def) => ({ def, cron: parseCron(def.cron, `backup-routines.${def.name}.verify-cron`, def.timezone ? { timezone: def.timezone } : {}) }));
    this.cancelAll();
    this.routines = parsed;
    if (this.running) for (const r of this.routines) this.arm(r);
  }

  start(): void {
    this.running = true;
    for (const r of this.routines) this.arm(r);
  }

  stop(): void {
    this.running = false;
    this.cancelAll();
  }

  next(routine: string): number | undefined {
    return this.routines.find((r) => r.def.name === routine)?.cron.next(this.deps.clock.now());
  }

  private arm(r: { def: VerifyRoutine; cron: CronSchedule }): void {
    const at = r.cron.next(this.deps.clock.now());
    if (at === undefined) return;
    this.timers.set(
      r.def.name,
      this.deps.clock.setTimer(at - this.deps.clock.now(), () => {
        this.deps.verify(r.def.name).catch((err: unknown) => this.deps.onError(err as Error, r.def.name));
        if (this.running) this.arm(r);
      }),
    );
  }

  private cancelAll(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }
}
