import type { BackupKind, ScheduleState } from './schedule-state.js';

/** ScheduleState kept in memory: for tests, and for a scheduler whose memory may end with the process. */
export class MemoryScheduleState implements ScheduleState {
  private readonly lastRuns = new Map<string, number>();
  private readonly since = new Map<string, number>();
  private readonly paused = new Set<string>();
  private globallyPaused = false;

  getLastRun(routine: string, type: BackupKind): number | undefined {
    return this.lastRuns.get(key(routine, type));
  }

  setLastRun(routine: string, type: BackupKind, ms: number): void {
    this.lastRuns.set(key(routine, type), ms);
  }

  getSince(routine: string): number | undefined {
    return this.since.get(routine);
  }

  ensureSince(routine: string, ms: number): number {
    const known = this.since.get(routine);
    if (known !== undefined) return known;
    this.since.set(routine, ms);
    return ms;
  }

  isPaused(routine: string): boolean {
    return this.paused.has(routine);
  }

  setPaused(routine: string, p: boolean): void {
    if (p) this.paused.add(routine);
    else this.paused.delete(routine);
  }

  isGloballyPaused(): boolean {
    return this.globallyPaused;
  }

  setGloballyPaused(p: boolean): void {
    this.globallyPaused = p;
  }
}

// A routine name may contain any character, so the kind goes first where it cannot be confused.
function key(routine: string, type: BackupKind): string {
  return `${type}:${routine}`;
}
