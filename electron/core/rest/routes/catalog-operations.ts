/**
 * Catalog operations beyond ABS (Tidemark): record history — one record's versions across a
 * routine's backups, newest first, and the backups without it — and restoring one version; a
 * backup copied to another storage; a routine's full backup and incrementals merged into a new
 * full backup. Copy, merge and restore-version are jobs (202, or 200 when it ended with
 * `?wait=true`); every name and key is checked before a job starts, so bad input is a 400/404
 * naming the field, never a failed job.
 */
import { JobSchema } from '../../../../shared/schemas/job.js';
import { RecordHistorySchema } from '../../../../shared/schemas/record-history.js';
import { ApiErrorSchema, CopyRequestSchema, ExamineRequestSchema, MergeRequestSchema, RestoreVersionRequestSchema, WaitQuerySchema } from '../../../../shared/schemas/rest.js';
import { catalogOperations } from '../../api/core-api.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Catalog'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };

export function catalogOperationRoutes(app: RestApp, { service }: RestContext): void {
  const ops = catalogOperations(service);

  app.post(
    '/v1/catalog/examine',
    {
      schema: {
        tags,
        operationId: 'catalogExamine',
        summary: 'Record history: every version of one record (by set + user key, or digest) in a routine\'s backups, newest first, and the backups without it.',
        body: ExamineRequestSchema,
        response: { 200: RecordHistorySchema, ...errors },
      },
    },
    async (req) => ops.examineRecord(req.body, ['body']),
  );

  app.post(
    '/v1/catalog/examine/restore',
    {
      schema: {
        tags,
        operationId: 'catalogRestoreVersion',
        summary: 'Write one version of a record, as a backup holds it, into a cluster (the routine\'s source cluster by default), as a restore job; ?wait=true answers when it ends.',
        body: RestoreVersionRequestSchema,
        querystring: WaitQuerySchema,
        response: { 200: JobSchema, 202: JobSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { job, done } = await ops.restoreRecordVersion(req.body, ['body']);
      return req.query.wait ? reply.code(200).send(await done) : reply.code(202).send(job);
    },
  );

  app.post(
    '/v1/catalog/copy',
    {
      schema: {
        tags,
        operationId: 'catalogCopy',
        summary: 'Copy a backup (a full one with its incrementals unless with-incrementals is false, or one incremental) to another storage, as a job; ?wait=true answers when it ends.',
        body: CopyRequestSchema,
        querystring: WaitQuerySchema,
        response: { 200: JobSchema, 202: JobSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { job, done } = ops.copyBackup(req.body);
      return req.query.wait ? reply.code(200).send(await done) : reply.code(202).send(job);
    },
  );

  app.post(
    '/v1/catalog/merge',
    {
      schema: {
        tags,
        operationId: 'catalogMerge',
        summary: 'Fold a routine\'s newest full backup at or before `upto` and its incrementals up to `upto` into a new full backup (in `to`, default the routine\'s storage), as a job; ?wait=true answers when it ends.',
        body: MergeRequestSchema,
        querystring: WaitQuerySchema,
        response: { 200: JobSchema, 202: JobSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { job, done } = ops.mergeBackups(req.body, ['body']);
      return req.query.wait ? reply.code(200).send(await done) : reply.code(202).send(job);
    },
  );
}
