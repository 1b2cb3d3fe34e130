/**
 * ABS restore endpoints: one backup by key (full or incremental), a routine to a point in time,
 * a job's status by ABS's numeric id, cancel, and the restore jobs with `from`, `to`, `status`.
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  AbsRestoreRequestSchema,
  AbsRestoreTimestampRequestSchema,
  ApiErrorSchema,
  JobIdParamsSchema,
  RestoreJobStatusSchema,
  RestoreJobsQuerySchema,
  RestoreJobsSchema,
} from '../../../../shared/schemas/rest.js';
import { absJobNumber, findJobByNumber, restoreJobStatus, restoreSpecFromAbs, restoreSpecFromTimestamp } from '../../service/abs-views.js';
import type { RestoreJobSpec } from '../../jobs/restore-job.js';
import { HttpError } from '../errors.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Restore'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };
const JobNumberSchema = z.number().int().describe('The restore job id (ABS int64)');

export function restoreRoutes(app: RestApp, { service }: RestContext): void {
  const start = (spec: RestoreJobSpec): number => absJobNumber(service.restore(spec).job.id);
  const configDir = (): string => dirname(service.config.path);

  for (const [kind, op] of [
    ['full', 'restoreFull'],
    ['incremental', 'restoreIncremental'],
  ] as const) {
    app.post(
      `/v1/restore/${kind}`,
      {
        schema: {
          tags,
          operationId: op,
          summary: `Restore one ${kind} backup (its key as backup-data-path) into a configured cluster.`,
          body: AbsRestoreRequestSchema,
          response: { 202: JobNumberSchema, ...errors },
        },
      },
      async (req, reply) => reply.code(202).send(start(restoreSpecFromAbs(service.config.config, configDir(), req.body))),
    );
  }

  app.post(
    '/v1/restore/timestamp',
    {
      schema: {
        tags,
        operationId: 'restoreTimestamp',
        summary: 'Restore a routine as of a point in time: the newest full backup at or before it, then its incrementals up to it.',
        body: AbsRestoreTimestampRequestSchema,
        response: { 202: JobNumberSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(202).send(start(restoreSpecFromTimestamp(service.config.config, req.body))),
  );

  const byNumber = (n: number) => {
    const job = findJobByNumber(service, n);
    if (!job) throw HttpError.notFound(['jobId'], `restore job ${n} is not known (it may be older than the kept history)`);
    return job;
  };

  app.get(
    '/v1/restore/status/:jobId',
    { schema: { tags, operationId: 'restoreStatus', summary: 'Status and statistics of a restore job.', params: JobIdParamsSchema, response: { 200: RestoreJobStatusSchema, ...errors } } },
    async (req) => restoreJobStatus(byNumber(req.params.jobId)),
  );

  app.post(
    '/v1/restore/cancel/:jobId',
    { schema: { tags, operationId: 'cancelRestore', summary: 'Cancel a running restore job.', params: JobIdParamsSchema, response: { 202: RestoreJobStatusSchema, ...errors } } },
    async (req, reply) => {
      const job = byNumber(req.params.jobId);
      return reply.code(202).send(restoreJobStatus(service.cancelJob(job.id) ?? job));
    },
  );

  app.get(
    '/v1/restore/jobs',
    {
      schema: {
        tags,
        operationId: 'retrieveRestoreJobs',
        summary: 'Restore jobs by id, filtered by creation time and status (comma list; a leading ! excludes; Running, Done, Failed, Canceled).',
        querystring: RestoreJobsQuerySchema,
        response: { 200: RestoreJobsSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const jobs = service.listJobs({ type: ['restore'], limit: 100_000, ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}), ...(q.status ? { status: q.status } : {}) });
      return Object.fromEntries(jobs.map((j) => [String(absJobNumber(j.id)), restoreJobStatus(j)]));
    },
  );
}
