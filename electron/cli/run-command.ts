/**
 * `tidemark run ROUTINE`: a configured routine's backup, as a job of the service core — recorded
 * in the history, seen by a `tidemark serve` on the same config, subject to the same overlap rule
 * and hooks, cancellable with `tidemark cancel` from another shell. The job runs in this process,
 * so the command stays until it ends; Ctrl-C cancels it cleanly.
 */
import { Command } from 'commander';
import type { Job } from '../../shared/schemas/job.js';
import { int } from './option-parsers.js';
import { exitCodeOf, followJob } from './follow-job.js';
import { action, addServiceOptions, openService, printJson, type ServiceCliOptions } from './service-options.js';

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
      try {
        const final = await followJob(
          service,
          () =>
            service.triggerBackup(routine, {
              type: o.incremental ? 'incremental' : 'full',
              ...(o.label !== undefined ? { label: o.label } : {}),
              ...(o.delay ? { delayMs: o.delay } : {}),
            }),
          { what: (job) => `${job['backup-type']} backup of '${routine}'${o.delay ? ` starts in ${o.delay} ms` : ''}`, progress: o.wait === true && !o.json },
        );
        if (o.json) printJson(final);
        else process.stdout.write(`${summary(final)}\n`);
        return exitCodeOf(final);
      } finally {
        await service.close();
      }
    }),
  );
}
