/** What `tidemark jobs` and `tidemark cancel` do (jobs-command.ts defines their options). */
import { JobTypeSchema, type Job, type JobQuery, type JobType } from '../../shared/schemas/job.js';
import { openService } from './service-open.js';
import { formatTime, printJson, table, type ServiceCliOptions } from './service-options.js';

export type JobsOptions = ServiceCliOptions & { status?: string; routine?: string; type?: string[]; from?: number; to?: number; limit: number };
export type CancelOptions = ServiceCliOptions & { routine?: string };

function describeJob(j: Job): string {
  if (j.error) return j.error;
  if (j.reason) return j.reason;
  if (j.status === 'running' && j.progress) return `${j.progress['percentage-done']}% (${j.progress['done-records']}/${j.progress['total-records']} records)`;
  const s = j.stats ?? {};
  if (j.type === 'backup' && j.status === 'success') return `${s.records ?? 0} records, ${s.bytes ?? 0} bytes${j.label ? `, label '${j.label}'` : ''}`;
  if (j.type === 'restore' && j.status === 'success') return `${s['inserted-records'] ?? 0} inserted, ${s['existed-records'] ?? 0} existed, ${s['fresher-records'] ?? 0} fresher`;
  return '';
}

export async function jobsCommand(o: JobsOptions): Promise<number> {
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
}

export async function cancelCommand(o: CancelOptions, id?: string): Promise<number> {
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
}
