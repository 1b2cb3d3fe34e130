/**
 * Profiles (Tidemark): the configuration, or chosen routines with what they use, exported as a
 * Tidemark profile (JSON or YAML; secrets left out, or encrypted with a passphrase) or as an ABS
 * config file; and a profile or config file imported — previewed first (added, changed,
 * unchanged, conflicting, removed), then merged or replacing the configuration, all or nothing.
 * Passphrases only travel in request bodies, which are never logged. A ProfileError becomes a
 * 400/404/409 naming the request field (see failureOf).
 */
import { ApiErrorSchema, ImportPreviewSchema, ImportResultSchema, ProfileExportRequestSchema, ProfileExportSchema, ProfileImportRequestSchema } from '../../../../shared/schemas/rest.js';
import type { RestApp, RestContext } from '../context.js';

const tags = ['Configuration'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };

export function profileRoutes(app: RestApp, { service }: RestContext): void {
  app.post(
    '/v1/profiles/export',
    {
      schema: {
        tags,
        operationId: 'exportProfile',
        summary: 'The configuration (or chosen routines and what they use) as a Tidemark profile or an ABS config file; secrets are left out unless a passphrase encrypts them.',
        body: ProfileExportRequestSchema,
        response: { 200: ProfileExportSchema, ...errors },
      },
    },
    async (req) => service.exportProfile(req.body),
  );

  app.post(
    '/v1/profiles/import/preview',
    {
      schema: {
        tags,
        operationId: 'previewProfileImport',
        summary: 'What importing a profile or config file would change, and what would refuse it (`blocking`); nothing is changed.',
        body: ProfileImportRequestSchema,
        response: { 200: ImportPreviewSchema, ...errors },
      },
    },
    async (req) => service.previewProfileImport(req.body),
  );

  app.post(
    '/v1/profiles/import',
    {
      schema: {
        tags,
        operationId: 'importProfile',
        summary: 'Import a profile or config file (merge or replace): the whole result is validated and written, or nothing changes (409 on conflicts without overwrite, or missing secrets). The API\'s own access settings are always kept.',
        body: ProfileImportRequestSchema,
        response: { 200: ImportResultSchema, ...errors },
      },
    },
    async (req) => {
      const preview = await service.applyProfileImport(req.body);
      return { preview, config: service.config.masked() };
    },
  );
}
