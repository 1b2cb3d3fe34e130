/**
 * ABS backup endpoints: on-demand full and incremental triggers (`?delay=`, plus Tidemark's
 * `?wait=true` and `?label=`), the deprecated schedule alias, cancel per routine, the running
 * backups' progress, and the full and incremental lists (all routines or one, `from`/`to`).
 */
import { z } from 'zod';
import { JobSchema } from '../../../../shared/schemas/job.js';
import {
  ApiErrorSchema,
  BackupListSchema,
  BackupsByRoutineSchema,
  CurrentBackupsSchema,
  RoutineParamsSchema,
  TimeRangeQuerySchema,
  TriggerQuerySchema,
} from '../../../../shared/schemas/rest.js';
import { backupsByRoutine } from '../../service/abs-views.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Backup'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema };
type Kind = 'full' | 'incremental';

export function backupRoutes(app: RestApp, { service }: RestContext): void {
  const trigger = (kind: Kind, operationId: string, extra: { deprecated?: boolean; summary: string }) =>
    ({
      schema: {
        tags,
        operationId,
        ...extra,
        description: 'Starts a backup of the routine now (or after `delay` ms), whatever its schedule. Answers 202 with the job at once, or with `wait=true` 200 with the job once it has ended. A run that finds the routine already backing up is recorded as skipped.',
        params: RoutineParamsSchema,
        querystring: TriggerQuerySchema,
        response: { 200: JobSchema, 202: JobSchema, ...errors },
      },
    }) as const;

  const run = async (name: string, type: Kind, q: z.infer<typeof TriggerQuerySchema>) => {
    const { job, done } = service.triggerBackup(name, { type, ...(q.delay ? { delayMs: q.delay } : {}), ...(q.label !== undefined ? { label: q.label } : {}) });
    return q.wait ? { status: 200 as const, job: await done } : { status: 202 as const, job };
  };

  for (const [kind, op] of [
    ['full', 'Full'],
    ['incremental', 'Incremental'],
  ] as const) {
    app.post(`/v1/backups/${kind}/:name`, trigger(kind, `trigger${op}Backup`, { summary: `Trigger an on-demand ${kind} backup.` }), async (req, reply) => {
      const r = await run(req.params.name, kind, req.query);
      return reply.code(r.status).send(r.job);
    });

    app.get(
      `/v1/backups/${kind}`,
      { schema: { tags, operationId: `get${op}Backups`, summary: `Get available ${kind} backups of every routine.`, querystring: TimeRangeQuerySchema, response: { 200: BackupsByRoutineSchema, ...errors } } },
      async (req) => backupsByRoutine(service, kind, req.query),
    );

    app.get(
      `/v1/backups/${kind}/:name`,
      {
        schema: {
          tags,
          operationId: `Get${op}BackupsForRoutine`,
          summary: `Get available ${kind} backups of a routine.`,
          params: RoutineParamsSchema,
          querystring: TimeRangeQuerySchema,
          response: { 200: BackupListSchema, ...errors },
        },
      },
      async (req) => (await backupsByRoutine(service, kind, req.query, req.params.name))[req.params.name] ?? [],
    );
  }

  app.post('/v1/backups/schedule/:name', trigger('full', 'ScheduleFullBackup', { summary: 'Trigger a full backup (deprecated: use /v1/backups/full/{name}).', deprecated: true }), async (req, reply) => {
    const r = await run(req.params.name, 'full', req.query);
    return reply.code(r.status).send(r.job);
  });

  app.post(
    '/v1/backups/cancel/:name',
    {
      schema: {
        tags,
        operationId: 'cancelCurrentBackup',
        summary: 'Cancel the running full and incremental backups of a routine; what they wrote is removed.',
        params: RoutineParamsSchema,
        response: { 202: z.object({ canceled: z.array(JobSchema) }), ...errors },
      },
    },
    async (req, reply) => reply.code(202).send({ canceled: service.cancelRoutine(req.params.name) }),
  );

  app.get(
    '/v1/backups/currentBackup/:name',
    {
      schema: {
        tags,
        operationId: 'getCurrentBackup',
        summary: 'Progress of the routine\'s running backups.',
        params: RoutineParamsSchema,
        response: { 200: CurrentBackupsSchema, ...errors },
      },
    },
    async (req) => service.currentBackups(req.params.name),
  );
}
