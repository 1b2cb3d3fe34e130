/**
 * "Test connection" and "Test storage" (Tidemark): a configured cluster or storage, or an entry
 * about to be saved (sent as the body; masked secrets stand for the named entry's). An
 * unreachable cluster or unwritable storage is an answer, `{ ok: false, error }`, not an HTTP
 * error; a body that is no valid entry is a 400 and an unknown name without a body a 404.
 *
 * The paths are per name (`/v1/config/clusters/{name}/test`): a fixed `/v1/config/clusters/test`
 * would take the place of ABS's "add cluster 'test'".
 */
import { z } from 'zod';
import { AerospikeClusterSchema } from '../../../../shared/schemas/config.js';
import { ApiErrorSchema, ClusterTestResultSchema, RoutineParamsSchema, StorageTestResultSchema } from '../../../../shared/schemas/rest.js';
import { StorageSchema } from '../../../../shared/schemas/storage.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Configuration'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema };

export function connectionTestRoutes(app: RestApp, { service }: RestContext): void {
  app.post(
    '/v1/config/clusters/:name/test',
    {
      schema: {
        tags,
        operationId: 'testCluster',
        summary: 'Test connection: connect to the cluster (the configured one, or the entry in the body) and list its namespaces and sets with object counts, and the server build.',
        params: RoutineParamsSchema,
        body: AerospikeClusterSchema.nullish(),
        response: { 200: ClusterTestResultSchema, ...errors },
      },
    },
    async (req) => {
      if (req.body == null) return service.testCluster({ name: req.params.name });
      const known = Object.prototype.hasOwnProperty.call(service.config.config['aerospike-clusters'], req.params.name);
      return service.testCluster({ entry: req.body, ...(known ? { name: req.params.name } : {}) });
    },
  );

  app.post(
    '/v1/config/storage/:name/test',
    {
      schema: {
        tags,
        operationId: 'testStorage',
        summary: 'Test storage: write a probe object under .tidemark-probe/ in the storage (the configured one, or the entry in the body), read it back, delete it, and time each step.',
        params: RoutineParamsSchema,
        body: (StorageSchema as z.ZodType<z.infer<typeof StorageSchema>>).nullish(),
        response: { 200: StorageTestResultSchema, ...errors },
      },
    },
    async (req) => {
      if (req.body == null) return service.testStorage({ name: req.params.name });
      const known = Object.prototype.hasOwnProperty.call(service.config.config.storage, req.params.name);
      return service.testStorage({ entry: req.body, ...(known ? { name: req.params.name } : {}) });
    },
  );
}
