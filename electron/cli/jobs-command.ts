/** `tidemark jobs` (the history, any process's jobs) and `tidemark cancel`. */
import { Command, InvalidArgumentError } from 'commander';
import { JobTypeSchema, parseStatusFilter, type Job, type JobQuery, type JobType } from '../../shared/schemas/job.js';
import { collect, int, parseTime } from './option-parsers.js';
import { action, addServiceOptions, formatTime, openService, printJson, table, type ServiceCliOptions } from './service-options.js';

function statusOption(v: string): string {
  try {
    parseStatusFilter(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return v;
}

function describeJob(j: Job): string {
  if (j.error) return j.error;
  if (j.reason) return j.reason;
  if (j.status === 'running' && j.progress) return `${j.progress['percentage-done']}% (${j.progress['done-records']}/${j.progress['total-records']} records)`;
  const s = j.stats ?? {};
  if (j.type === 'backup' && j.status === 'success') return `${s.records ?? 0} records, ${s.bytes ?? 0} bytes${j.label ? `, label '${j.label}'` : ''}`;
  if (j.type === 'restore' && j.status === 'success') return `${s['inserted-records'] ?? 0} inserted, ${s['existed-records'] ?? 0} existed, ${s['fresher-records'] ?? 0} fresher`;
  return '';
}

export function registerJobsCommands(program: Command): void {
  addServiceOptions(
    program
      .command('jobs')
      .description('Job history of every process on this config: backups, restores, retention, …')
      .option('--status <list>', 'comma list of statuses; a leading ! excludes (running, success, failure, canceled, skipped, pending)', statusOption)
      .option('--routine <name>', 'only this routine')
      .option('--type <type>', 'only these job types (repeat or comma-separate)', collect)
      .option('--from <ms|ISO>', 'created at or after', parseTime('--from'))
      .option('--to <ms|ISO>', 'created at or before', parseTime('--to'))
      .option('--limit <n>', 'at most this many, newest first', int('--limit', 1), 50),
  ).action(
    action('jobs', async (o: ServiceCliOptions & { status?: string; routine?: string; type?: string[]; from?: number; to?: number; limit: number }) => {
      const types = o.type?.map((t) => {
        const r = JobTypeSchema.safeParse(t);
        if (!r.success) throw new Error(`--type: '${t}' is not one of ${JobTypeSchema.options.join(', ')}`);
        return r.data as JobType;
      });
      const q: JobQuery = {
        limit: o.limit,
        ...(o.status ? { status: o.status } : {}),
        ...(o.routine ? { routine: o.routine } : {}),
        ...(types ? { type: types } : {}),
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
      };
      const service = await openService(o);
      try {
        const jobs = service.listJobs(q);
        if (o.json) printJson(jobs);
        else if (jobs.length === 0) process.stdout.write('no jobs match\n');
        else
          process.stdout.write(
            table([
              ['ID', 'CREATED', 'TYPE', 'ROUTINE', 'TRIGGER', 'STATUS', 'DETAILS'],
              ...jobs.map((j) => [j.id, formatTime(j['created-at']), j.type === 'backup' ? `${j['backup-type'] ?? ''} backup`.trim() : j.type, j.routine ?? '-', j.trigger, j.interrupted ? 'failure (interrupted)' : j.status, describeJob(j)]),
            ]),
          );
        return 0;
      } finally {
        await service.close();
      }
    }),
  );

  addServiceOptions(
    program
      .command('cancel')
      .argument('[job]', 'job id')
      .option('--routine <name>', 'cancel every running backup of this routine')
      .description('Cancel a running or pending job (in this or another process); a cancelled backup removes what it wrote'),
  ).action(
    action('cancel', async (o: ServiceCliOptions & { routine?: string }, id?: string) => {
      if ((id === undefined) === (o.routine === undefined)) throw new Error('give a job id or --routine, not both');
      const service = await openService(o);
      try {
        const jobs = id !== undefined ? [service.cancelJob(id)].filter((j): j is Job => j !== undefined) : service.cancelRoutine(o.routine!);
        if (id !== undefined && jobs.length === 0) throw new Error(`no job ${id}`);
        const active = jobs.filter((j) => j.status === 'running' || j.status === 'pending');
        if (o.json) printJson(jobs);
        else if (active.length === 0) process.stdout.write(id !== undefined ? `job ${id} is not running (${jobs[0]!.status})\n` : `no running backup of '${o.routine}'\n`);
        else for (const j of active) process.stdout.write(`cancel requested: job ${j.id} (${j.type}${j.routine ? ` of '${j.routine}'` : ''})\n`);
        return 0;
      } finally {
        await service.close();
      }
    }),
  );
}
