/**
 * Tidemark's jobs and schedule: every job type with Backrest-style selectors (type, routine,
 * status, from/to), one job by id, cancel by id, next scheduled runs, pause and resume.
 */
import { JobSchema } from '../../../../shared/schemas/job.js';
import { ApiErrorSchema, JobListSchema, JobLogSchema, JobParamsSchema, JobsQuerySchema, PauseQuerySchema, ScheduleSchema } from '../../../../shared/schemas/rest.js';
import { HttpError } from '../errors.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Jobs'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema };

export function jobRoutes(app: RestApp, { service }: RestContext): void {
  app.get(
    '/v1/jobs',
    {
      schema: {
        tags,
        operationId: 'listJobs',
        summary: 'Jobs of every type, newest first. type: comma list; status: comma list, a leading ! excludes; from/to: creation time (Unix ms).',
        querystring: JobsQuerySchema,
        response: { 200: JobListSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      return service.listJobs({
        ...(q.type && q.type.length ? { type: q.type } : {}),
        ...(q.routine !== undefined ? { routine: q.routine } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        limit: q.limit ?? 1000,
      });
    },
  );

  const job = (id: string) => {
    const j = service.getJob(id);
    if (!j) throw HttpError.notFound(['id'], `job ${id} is not known`);
    return j;
  };

  app.get('/v1/jobs/:id', { schema: { tags, operationId: 'getJob', summary: 'One job: status, progress, statistics, details, hooks.', params: JobParamsSchema, response: { 200: JobSchema, ...errors } } }, async (req) => job(req.params.id));

  app.get(
    '/v1/jobs/:id/log',
    { schema: { tags, operationId: 'getJobLog', summary: 'The log lines of one job, oldest first (secrets redacted).', params: JobParamsSchema, response: { 200: JobLogSchema, ...errors } } },
    async (req) => {
      const lines = service.jobLog(req.params.id);
      if (!lines) throw HttpError.notFound(['id'], `job ${req.params.id} is not known`);
      return { lines };
    },
  );

  app.post(
    '/v1/jobs/:id/cancel',
    { schema: { tags, operationId: 'cancelJob', summary: 'Cancel a pending or running job (a cancelled backup removes what it wrote).', params: JobParamsSchema, response: { 202: JobSchema, ...errors } } },
    async (req, reply) => {
      job(req.params.id);
      return reply.code(202).send(service.cancelJob(req.params.id) ?? job(req.params.id));
    },
  );

  app.get('/v1/schedule', { schema: { tags, operationId: 'getSchedule', summary: 'Next scheduled full and incremental run of each routine (Unix ms).', response: { 200: ScheduleSchema } } }, async () => service.schedule());

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/v1/schedule/${action}`,
      {
        schema: {
          tags,
          operationId: `${action}Schedule`,
          summary: `${action === 'pause' ? 'Pause' : 'Resume'} scheduled runs of one routine (?routine=) or of all.`,
          querystring: PauseQuerySchema,
          response: { 200: ScheduleSchema, ...errors },
        },
      },
      async (req) => {
        service[action](req.query.routine);
        return service.schedule();
      },
    );
  }
}
