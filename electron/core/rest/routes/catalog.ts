/**
 * The backup catalog (Tidemark): every backup of every storage with its verification state,
 * a routine's timeline with the restore chain to a time, a backup verified as a job, and delete
 * in two steps — a plan naming everything that would go and a confirmation hash, then the delete
 * with that hash — so nothing is removed by a single careless request.
 */
import { z } from 'zod';
import { BackupKindSchema, CatalogPageSchema, DeletePlanSchema, RefreshResultSchema, TimelineSchema } from '../../../../shared/schemas/catalog.js';
import { NameSchema } from '../../../../shared/schemas/config.js';
import { JobSchema } from '../../../../shared/schemas/job.js';
import { ApiErrorSchema, RoutineParamsSchema, WaitQuerySchema } from '../../../../shared/schemas/rest.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Catalog'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };
const ms = (what: string) => z.string().regex(/^\d{1,15}$/, `${what} must be a whole number of milliseconds`).transform(Number);
const count = (what: string, min: number) => z.string().regex(/^\d{1,6}$/, `${what} must be a whole number`).transform(Number).pipe(z.number().int().min(min).max(100_000));
const boolText = z.enum(['true', 'false']).transform((v) => v === 'true');

const BackupsQuerySchema = z.strictObject({
  storage: NameSchema.optional(),
  routine: NameSchema.optional(),
  namespace: z.string().min(1).max(31).optional(),
  kind: BackupKindSchema.optional(),
  from: ms('from').optional(),
  to: ms('to').optional(),
  limit: count('limit', 1).optional(),
  offset: count('offset', 0).optional(),
  /** Re-read the storages' metadata first (new files written by another tool). */
  refresh: boolText.optional(),
});

const TimelineQuerySchema = z.strictObject({ namespace: z.string().min(1).max(31).optional(), time: ms('time').optional(), storage: NameSchema.optional() });
const BackupRefSchema = z.strictObject({ storage: NameSchema, key: z.string().min(1).max(4096) });
const DeleteBodySchema = z.strictObject({ storage: NameSchema, key: z.string().min(1).max(4096), confirmation: z.string().min(1).max(64) });

export function catalogRoutes(app: RestApp, { service }: RestContext): void {
  const catalog = service.catalog;
  const storageExists = (name: string | undefined): void => {
    if (name !== undefined) service.config.get('storage', name);
  };

  app.get('/v1/catalog/backups', { schema: { tags, operationId: 'catalogBackups', summary: 'Backups of every storage, newest first, paged.', querystring: BackupsQuerySchema, response: { 200: CatalogPageSchema, ...errors } } }, async (req) => {
    const { refresh, ...q } = req.query;
    storageExists(q.storage);
    if (refresh) {
      if (q.storage !== undefined) await catalog.refresh(q.storage);
      else await catalog.refreshAll();
    }
    return catalog.list(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)));
  });

  app.post(
    '/v1/catalog/refresh',
    { schema: { tags, operationId: 'catalogRefresh', summary: 'Re-read the metadata of one storage (?storage=) or all.', querystring: z.strictObject({ storage: NameSchema.optional() }), response: { 200: z.array(z.union([RefreshResultSchema, z.object({ storage: z.string(), error: z.string() })])), ...errors } } },
    async (req) => {
      storageExists(req.query.storage);
      return req.query.storage !== undefined ? [await catalog.refresh(req.query.storage)] : catalog.refreshAll();
    },
  );

  app.get(
    '/v1/catalog/timeline/:name',
    { schema: { tags, operationId: 'catalogTimeline', summary: 'A routine\'s restore points and failed runs; with ?time= the chain a restore to that time applies.', params: RoutineParamsSchema, querystring: TimelineQuerySchema, response: { 200: TimelineSchema, ...errors } } },
    async (req) => {
      service.config.get('backup-routines', req.params.name);
      storageExists(req.query.storage);
      const q = req.query;
      return catalog.timeline(req.params.name, { ...(q.namespace !== undefined ? { namespace: q.namespace } : {}), ...(q.time !== undefined ? { atMs: q.time } : {}), ...(q.storage !== undefined ? { storage: q.storage } : {}) });
    },
  );

  app.post(
    '/v1/catalog/verify',
    { schema: { tags, operationId: 'catalogVerify', summary: 'Verify a backup (sizes, checksums, every record) as a job; ?wait=true answers when it ends.', body: BackupRefSchema, querystring: WaitQuerySchema, response: { 200: JobSchema, 202: JobSchema, ...errors } } },
    async (req, reply) => {
      storageExists(req.body.storage);
      const { job, done } = catalog.verify(req.body.storage, req.body.key);
      return req.query.wait ? reply.code(200).send(await done) : reply.code(202).send(job);
    },
  );

  app.post(
    '/v1/catalog/delete-plan',
    { schema: { tags, operationId: 'catalogDeletePlan', summary: 'What deleting a backup removes (a full backup takes its incrementals) and the confirmation the delete needs.', body: BackupRefSchema, response: { 200: DeletePlanSchema, ...errors } } },
    async (req) => {
      storageExists(req.body.storage);
      return catalog.planDelete(req.body.storage, req.body.key);
    },
  );

  app.post(
    '/v1/catalog/delete',
    { schema: { tags, operationId: 'catalogDelete', summary: 'Delete what the plan listed, as a job; refused (409) without its confirmation, when the list changed, or while a job uses it.', body: DeleteBodySchema, querystring: WaitQuerySchema, response: { 200: JobSchema, 202: JobSchema, ...errors } } },
    async (req, reply) => {
      storageExists(req.body.storage);
      const { job, done } = await catalog.delete(req.body.storage, req.body.key, req.body.confirmation);
      return req.query.wait ? reply.code(200).send(await done) : reply.code(202).send(job);
    },
  );
}
