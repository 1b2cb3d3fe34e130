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
import { RecordHistoryError } from '../../catalog/history/examine.js';
import { RecordKeyError } from '../../catalog/history/record-key.js';
import type { RestApp, RestContext } from '../context.js';
import { HttpError } from '../errors.js';

const tags = ['Catalog'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };

/** A lookup the core refused: the field its message starts with, else the request as a whole. */
function lookupRefusal(err: unknown, at: Array<string | number>): never {
  if (!(err instanceof RecordHistoryError || err instanceof RecordKeyError)) throw err;
  const field = /^(key|digest|set|namespace|routine|key-type):/.exec(err.message)?.[1];
  if (/ has no backups/.test(err.message)) throw HttpError.notFound([...at, 'routine'], err.message);
  throw HttpError.badRequest(field ? [...at, field] : at, err.message);
}

export function catalogOperationRoutes(app: RestApp, { service }: RestContext): void {
  const config = service.config;

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
    async (req) => {
      const { 'use-index': useIndex, ...lookup } = req.body;
      config.get('backup-routines', lookup.routine);
      try {
        return (await service.examineRecord(lookup, useIndex !== undefined ? { useIndex } : {})).history;
      } catch (err) {
        return lookupRefusal(err, ['body']);
      }
    },
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
      const b = req.body;
      const routine = config.get('backup-routines', b.lookup.routine);
      const destination = b.destination ?? routine['source-cluster'];
      if (b.destination !== undefined) config.get('aerospike-clusters', b.destination);
      const backup = service.catalog.get(routine.storage, b.backup);
      if (!backup || backup.routine !== b.lookup.routine) throw HttpError.notFound(['body', 'backup'], `routine '${b.lookup.routine}' has no backup '${b.backup}' in storage '${routine.storage}'`);
      // The version must exist: restoring "nothing" is refused here, not as a failed job.
      let history;
      try {
        history = (await service.examineRecord({ ...b.lookup, namespace: backup.namespace })).history;
      } catch (err) {
        return lookupRefusal(err, ['body', 'lookup']);
      }
      if (!history.versions.some((v) => v.backup === backup.key)) throw HttpError.notFound(['body', 'backup'], `backup '${b.backup}' holds no version of this record`);
      const { job, done } = service.restoreRecordVersion({ lookup: b.lookup, backup: backup.key, destination, ...(b.namespace !== undefined ? { namespace: b.namespace } : {}) });
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
      const b = req.body;
      config.get('storage', b.storage);
      config.get('storage', b.to);
      const backup = service.catalog.find(b.key, b.storage);
      const { job, done } = service.copyBackup({ storage: b.storage, key: backup.key, to: b.to, ...(b['with-incrementals'] !== undefined ? { withIncrementals: b['with-incrementals'] } : {}) });
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
      const b = req.body;
      const routine = config.get('backup-routines', b.routine);
      if (b.to !== undefined) config.get('storage', b.to);
      const chain = service.catalog.list({ routine: b.routine, storage: routine.storage, kind: 'full', to: b.upto, limit: 1 });
      if (chain.backups.length === 0) throw HttpError.notFound(['body', 'upto'], `routine '${b.routine}' has no full backup at or before ${new Date(b.upto).toISOString()} in storage '${routine.storage}'`);
      const { job, done } = service.mergeBackups({ routine: b.routine, upto: b.upto, ...(b.to !== undefined ? { to: b.to } : {}) });
      return req.query.wait ? reply.code(200).send(await done) : reply.code(202).send(job);
    },
  );
}
