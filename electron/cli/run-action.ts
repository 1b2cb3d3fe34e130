/** What `tidemark run` does (run-command.ts defines its options). */
import type { Job } from '../../shared/schemas/job.js';
import { exitCodeOf, followJob } from './follow-job.js';
import { openService } from './service-open.js';
import { printJson, type ServiceCliOptions } from './service-options.js';

export type RunOptions = ServiceCliOptions & { incremental?: boolean; wait?: boolean; label?: string; delay?: number };

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

export async function runCommand(o: RunOptions, routine: string): Promise<number> {
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
}
