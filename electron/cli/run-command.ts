/**
 * `tidemark run ROUTINE`: a configured routine's backup, as a job of the service core — recorded
 * in the history, seen by a `tidemark serve` on the same config, subject to the same overlap rule
 * and hooks, cancellable with `tidemark cancel` from another shell. The job runs in this process,
 * so the command stays until it ends; Ctrl-C cancels it cleanly.
 */
import { Command } from 'commander';
import type { Job } from '../../shared/schemas/job.js';
import { int } from './option-parsers.js';
import { ProgressView } from './progress-view.js';
import { action, addServiceOptions, openService, printJson, type ServiceCliOptions } from './service-options.js';

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

export function summary(job: Job): string {
  const s = job.stats ?? {};
  const took = job['started-at'] !== undefined && job['finished-at'] !== undefined ? ` in ${((job['finished-at'] - job['started-at']) / 1000).toFixed(1)} s` : '';
  switch (job.status) {
    case 'success':
      return `${job['backup-type'] ?? ''} backup of '${job.routine}' done${took}: ${s.records ?? 0} records, ${s.files ?? 0} files, ${s.bytes ?? 0} bytes${Array.isArray(job.details?.keys) ? `\n${(job.details.keys as string[]).map((k) => `  ${k}`).join('\n')}` : ''}`;
    case 'skipped':
      return `skipped: ${job.reason ?? ''}`;
    default:
      return `${job.status}: ${job.error ?? ''}`;
  }
}

export function registerRunCommand(program: Command): void {
  addServiceOptions(
    program
      .command('run')
      .argument('<routine>', 'a configured routine')
      .description('Back up a configured routine now, as a job in the history')
      .option('--incremental', 'an incremental backup (changes since the routine\'s previous backup)')
      .option('--wait', 'show live progress until the backup ends')
      .option('--label <text>', 'a label shown with this backup everywhere')
      .option('--delay <ms>', 'start after this many milliseconds', int('--delay', 0)),
  ).action(
    action('run', async (o: ServiceCliOptions & { incremental?: boolean; wait?: boolean; label?: string; delay?: number }, routine: string) => {
      const service = await openService(o);
      const onSignal = (): void => {
        if (started) service.cancelJob(started.id);
      };
      let started: Job | undefined;
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const { job, done } = service.triggerBackup(routine, {
          type: o.incremental ? 'incremental' : 'full',
          ...(o.label !== undefined ? { label: o.label } : {}),
          ...(o.delay ? { delayMs: o.delay } : {}),
        });
        started = job;
        process.stderr.write(`job ${job.id}: ${job['backup-type']} backup of '${routine}'${o.delay ? ` starts in ${o.delay} ms` : ''}\n`);
        const view = o.wait && !o.json ? new ProgressView(process.stderr, 'backup') : undefined;
        const off = view
          ? service.subscribe((e) => {
              if ('job' in e && e.job.id === job.id && e.type === 'progress' && e.job.progress) view.update(e.job.progress);
            })
          : undefined;
        const final = await done;
        off?.();
        view?.finish();
        if (o.json) printJson(final);
        else process.stdout.write(`${summary(final)}\n`);
        return exitCodeOf(final);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await service.close();
      }
    }),
  );
}
