/**
 * Keeps the tray in step with the core, without Electron and without a timer: it reads the
 * state once, then folds each core event into it and re-renders only when the tray would show
 * something different (trayNeedsRefresh). Schedule and config events re-read the schedule and
 * the routines; a finished backup re-reads which routines have a full backup.
 */
import type { Job } from '../../../shared/schemas/job.js';
import type { TidemarkService } from '../../core/service/tidemark-service.js';
import { applyJobEvent, trayNeedsRefresh, trayStateFrom, type TrayState } from './tray-model.js';

/** Jobs the tray looks at besides the running ones: enough history for each routine's last result. */
const RECENT_JOBS = 500;

export interface TrayView {
  update(state: TrayState): void;
}

export class TrayController {
  private jobs: Job[];
  private shown: TrayState | undefined;
  private fulls: string[];
  private readonly off: () => void;

  constructor(
    private readonly service: TidemarkService,
    private readonly view: TrayView,
    private readonly now: () => number = () => service.clock.now(),
  ) {
    this.jobs = this.readJobs();
    this.fulls = this.readFulls();
    this.off = service.subscribe((e) => {
      if ('job' in e) {
        this.jobs = applyJobEvent(this.jobs, e);
        // Backups, deletes, retention, merges and copies change what the catalog holds (jobs refresh it as their last step).
        if (e.type === 'finished' && e.job.type !== 'restore' && e.job.type !== 'verify') this.fulls = this.readFulls();
      } else if (e.type === 'config-changed') this.fulls = this.readFulls();
      if (trayNeedsRefresh(e, this.shown)) this.render();
    });
    this.render();
  }

  state(): TrayState {
    return trayStateFrom({
      jobs: this.jobs,
      schedule: this.service.schedule(),
      routines: this.service.config.config['backup-routines'],
      now: this.now(),
      configProblem: this.service.config.problem?.message,
      fullBackups: this.fulls,
    });
  }

  /** Re-reads everything (after the machine woke up, when times in the menu went stale). */
  refresh(): void {
    this.jobs = this.readJobs();
    this.fulls = this.readFulls();
    this.render();
  }

  dispose(): void {
    this.off();
  }

  private render(): void {
    this.shown = this.state();
    this.view.update(this.shown);
  }

  private readJobs(): Job[] {
    const running = this.service.jobs.running();
    const recent = this.service.listJobs({ limit: RECENT_JOBS });
    return [...running, ...recent.filter((j) => !running.some((r) => r.id === j.id))];
  }

  private readFulls(): string[] {
    return Object.keys(this.service.config.config['backup-routines']).filter((r) => {
      try {
        return this.service.catalog.list({ routine: r, kind: 'full', limit: 1 }).total > 0;
      } catch {
        return false;
      }
    });
  }
}
