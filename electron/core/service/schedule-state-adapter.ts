/**
 * The scheduler's memory kept in the state database. The scheduler records slots it has dealt
 * with; whether a run then succeeded is the job history's business, so slots are stored as
 * "running" here and the history says the rest.
 */
import type { BackupKind, ScheduleState } from '../scheduler/schedule-state.js';
import type { ScheduleStore } from '../state/schedule-store.js';

export class DatabaseScheduleState implements ScheduleState {
  constructor(private readonly store: ScheduleStore) {}

  getLastRun(routine: string, type: BackupKind): number | undefined {
    return this.store.getLastRun(routine, type)?.at;
  }
  setLastRun(routine: string, type: BackupKind, ms: number): void {
    this.store.setLastRun(routine, type, ms, 'running');
  }
  getSince(routine: string): number | undefined {
    return this.store.getSince(routine);
  }
  ensureSince(routine: string, ms: number): number {
    return this.store.ensureSince(routine, ms);
  }
  isPaused(routine: string): boolean {
    return this.store.isPaused(routine);
  }
  setPaused(routine: string, p: boolean): void {
    this.store.setPaused(routine, p);
  }
  isGloballyPaused(): boolean {
    return this.store.isGloballyPaused();
  }
  setGloballyPaused(p: boolean): void {
    this.store.setGloballyPaused(p);
  }
}
