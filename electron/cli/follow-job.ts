/** Running a job of the service core to its end from a CLI command. */
import type { Job } from '../../shared/schemas/job.js';
import type { TidemarkService } from '../core/service/tidemark-service.js';
import { ProgressView } from './progress-view.js';

/** Exit codes a script can tell apart. */
export function exitCodeOf(job: Job): number {
  switch (job.status) {
    case 'success':
      return 0;
    case 'canceled':
      return 130;
    case 'skipped':
      return 3;
    default:
      return 1;
  }
}

/**
 * Starts a job and waits for it in this process (the job runs here), with live progress on
 * stderr when asked; Ctrl-C or SIGTERM cancels it cleanly. The job id goes to stderr first, so
 * another shell can `tidemark cancel` it.
 */
export async function followJob(service: TidemarkService, start: () => { job: Job; done: Promise<Job> }, o: { what: (job: Job) => string; progress: boolean }): Promise<Job> {
  let started: Job | undefined;
  const onSignal = (): void => {
    if (started) service.cancelJob(started.id);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { job, done } = start();
    started = job;
    process.stderr.write(`job ${job.id}: ${o.what(job)}\n`);
    const view = o.progress ? new ProgressView(process.stderr, job.type) : undefined;
    const off = view
      ? service.subscribe((e) => {
          if ('job' in e && e.job.id === job.id && e.type === 'progress' && e.job.progress) view.update(e.job.progress);
        })
      : undefined;
    const final = await done;
    off?.();
    view?.finish();
    return final;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
