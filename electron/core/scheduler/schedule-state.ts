/**
 * What the scheduler remembers between runs of the app. The desktop app keeps it in SQLite
 * (routine_schedule, schedule_runs); tests use MemoryScheduleState.
 */
export type BackupKind = 'full' | 'incremental';

export interface ScheduleState {
  /**
   * The latest slot the scheduler has dealt with for this routine and kind: launched, skipped
   * (battery, no full yet, full at the same time) or passed over while paused. Slots at or before
   * it are never caught up.
   */
  getLastRun(routine: string, type: BackupKind): number | undefined;
  setLastRun(routine: string, type: BackupKind, ms: number): void;
  /** When the routine was first scheduled; nothing before it is ever owed. */
  getSince(routine: string): number | undefined;
  /** Records `ms` as the first time the routine was scheduled unless one is recorded; returns the recorded one. */
  ensureSince(routine: string, ms: number): number;
  isPaused(routine: string): boolean;
  setPaused(routine: string, p: boolean): void;
  isGloballyPaused(): boolean;
  setGloballyPaused(p: boolean): void;
}
