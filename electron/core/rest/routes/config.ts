/**
 * ABS configuration endpoints: the whole config (read with secrets masked, replace, apply from
 * the file) and create/read/update/delete of clusters, storage, policies and routines, plus
 * Tidemark's routine enable/disable. Every change goes through the ConfigService, which checks
 * the whole resulting document and writes it atomically, or changes nothing.
 */
import { z } from 'zod';
import {
  AerospikeClusterSchema,
  BackupPolicySchema,
  ConfigSchema,
  RoutineSchema,
  type Section,
} from '../../../../shared/schemas/config.js';
import { ApiErrorSchema, RoutineParamsSchema } from '../../../../shared/schemas/rest.js';
import { StorageSchema } from '../../../../shared/schemas/storage.js';
import { ConfigError } from '../../config/config-error.js';
import { keepApiAccess } from '../../service/api-access.js';
import { desktopSettings, updateDesktopSettings } from '../../service/desktop-settings.js';
import { DesktopSettingsUpdateSchema, DesktopSettingsViewSchema } from '../../../../shared/schemas/desktop.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Configuration'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };

/** URL segment → config section, entry schema and ABS operation names. */
const GROUPS = [
  { segment: 'clusters', section: 'aerospike-clusters', schema: AerospikeClusterSchema, what: 'cluster', ops: ['readAllClusters', 'readCluster', 'addCluster', 'updateCluster', 'deleteCluster'] },
  { segment: 'storage', section: 'storage', schema: StorageSchema, what: 'storage', ops: ['ReadAllStorage', 'readStorage', 'addStorage', 'updateStorage', 'deleteStorage'] },
  { segment: 'policies', section: 'backup-policies', schema: BackupPolicySchema, what: 'policy', ops: ['ReadPolicies', 'readPolicy', 'addPolicy', 'updatePolicy', 'deletePolicy'] },
  { segment: 'routines', section: 'backup-routines', schema: RoutineSchema, what: 'routine', ops: ['ReadRoutines', 'readRoutine', 'addRoutine', 'updateRoutine', 'deleteRoutine'] },
] as const;

export function configRoutes(app: RestApp, { service }: RestContext): void {
  const config = service.config;
  const masked = (section: Section, name: string): unknown => (config.masked()[section] as Record<string, unknown>)[name];

  app.get('/v1/config', { schema: { tags, operationId: 'readConfig', summary: 'The configuration, secrets masked.', response: { 200: ConfigSchema } } }, async () => config.masked());

  app.put(
    '/v1/config',
    {
      schema: {
        tags,
        operationId: 'updateConfig',
        summary: 'Replace the whole configuration. Masked secrets stand for the values already set; Tidemark\'s API access settings are kept when the document has none.',
        body: ConfigSchema,
        response: { 200: ConfigSchema, ...errors },
      },
    },
    async (req) => {
      config.replace(keepApiAccess(config.config, req.body));
      return config.masked();
    },
  );

  app.post(
    '/v1/config/apply',
    { schema: { tags, operationId: 'applyConfig', summary: 'Re-read the config file and reschedule; a file that does not validate is kept and reported.', response: { 200: ConfigSchema, ...errors } } },
    async () => {
      const problem = service.reloadConfig();
      if (problem) throw new ConfigError('invalid', problem.issues.length ? problem.issues : [{ path: [], message: problem.message }]);
      return config.masked();
    },
  );

  app.get('/v1/config/desktop', { schema: { tags, operationId: 'readDesktopSettings', summary: 'The desktop app\'s settings (tray, start at login, REST server and its port, notifications), defaults filled in.', response: { 200: DesktopSettingsViewSchema } } }, async () =>
    desktopSettings(config.config),
  );
  app.patch(
    '/v1/config/desktop',
    { schema: { tags, operationId: 'updateDesktopSettings', summary: 'Change some of the desktop app\'s settings; `rest-port` is the config\'s service.http.port.', body: DesktopSettingsUpdateSchema, response: { 200: DesktopSettingsViewSchema, ...errors } } },
    async (req) => updateDesktopSettings(config, req.body),
  );

  for (const g of GROUPS) {
    const base = `/v1/config/${g.segment}`;
    const Entry = g.schema as z.ZodType;
    const params = z.strictObject({ name: z.string().min(1).max(1024) });
    app.get(base, { schema: { tags, operationId: g.ops[0], summary: `Every ${g.what}.`, response: { 200: z.record(z.string(), Entry) } } }, async () => config.masked()[g.section]);
    app.get(`${base}/:name`, { schema: { tags, operationId: g.ops[1], summary: `One ${g.what}.`, params, response: { 200: Entry, ...errors } } }, async (req) => {
      config.get(g.section, req.params.name);
      return masked(g.section, req.params.name);
    });
    app.post(`${base}/:name`, { schema: { tags, operationId: g.ops[2], summary: `Add a ${g.what} (409 if the name is taken).`, params, body: Entry, response: { 201: Entry, ...errors } } }, async (req, reply) => {
      config.put(g.section, req.params.name, req.body, 'create');
      return reply.code(201).send(masked(g.section, req.params.name));
    });
    app.put(`${base}/:name`, { schema: { tags, operationId: g.ops[3], summary: `Change a ${g.what} (404 if it does not exist).`, params, body: Entry, response: { 200: Entry, ...errors } } }, async (req) => {
      config.put(g.section, req.params.name, req.body, 'update');
      return masked(g.section, req.params.name);
    });
    app.delete(`${base}/:name`, { schema: { tags, operationId: g.ops[4], summary: `Delete a ${g.what} (409 while a routine uses it).`, params, response: { 204: z.null().describe('No content'), ...errors } } }, async (req, reply) => {
      config.remove(g.section, req.params.name);
      return reply.code(204).send(null);
    });
  }

  for (const [action, disabled] of [
    ['enable', false],
    ['disable', true],
  ] as const) {
    app.put(
      `/v1/config/routines/:name/${action}`,
      {
        schema: {
          tags,
          operationId: `${action}Routine`,
          summary: `${action === 'enable' ? 'Schedule' : 'Stop scheduling'} a routine (its backups are kept).`,
          params: RoutineParamsSchema,
          response: { 200: RoutineSchema, ...errors },
        },
      },
      async (req) => {
        config.setRoutineDisabled(req.params.name, disabled);
        return masked('backup-routines', req.params.name) as z.infer<typeof RoutineSchema>;
      },
    );
  }
}
