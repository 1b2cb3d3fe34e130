/**
 * Profiles (Tidemark): the configuration, or chosen routines with what they use, exported as a
 * Tidemark profile (JSON or YAML; secrets left out, or encrypted with a passphrase) or as an ABS
 * config file; and a profile or config file imported — previewed first (added, changed,
 * unchanged, conflicting, removed), then merged or replacing the configuration, all or nothing.
 * Passphrases only travel in request bodies, which are never logged.
 */
import { ApiErrorSchema, ImportPreviewSchema, ImportResultSchema, ProfileExportRequestSchema, ProfileExportSchema, ProfileImportRequestSchema } from '../../../../shared/schemas/rest.js';
import { ProfileError, type ProfileErrorCode } from '../../profiles/index.js';
import type { RestApp, RestContext } from '../context.js';
import { HttpError } from '../errors.js';

const tags = ['Configuration'];
const errors = { 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema };

/** Refusals about the current config (a conflict, a secret it lacks, its state) are 409; about the request or file 400. */
const STATUS: Record<ProfileErrorCode, number> = {
  malformed: 400,
  'unsupported-version': 400,
  'passphrase-required': 400,
  'wrong-passphrase': 400,
  tampered: 400,
  invalid: 400,
  'bad-option': 400,
  'not-found': 404,
  conflict: 409,
  'missing-secret': 409,
  'plaintext-secrets': 409,
  'broken-file': 409,
};

/** Request fields the core names in its own spelling. */
const OPTION_FIELD: Record<string, string> = { secretValues: 'secret-values', allowMissingSecrets: 'allow-missing-secrets', allowPlaintextSecrets: 'allow-plaintext-secrets' };

/**
 * A ProfileError as an HTTP error whose issue paths name request fields: `passphrase` for the
 * passphrase's refusals, `text` (then the path inside the file) for what is wrong with the file,
 * the config entry's path for conflicts and missing secrets.
 */
function refusal(err: unknown): never {
  if (!(err instanceof ProfileError)) throw err;
  const issues = err.issues.map((i) => {
    const head = String(i.path[0] ?? '');
    let path: Array<string | number>;
    if (err.code === 'passphrase-required' || err.code === 'wrong-passphrase' || head === 'passphrase') path = ['passphrase'];
    else if (err.code === 'malformed' || err.code === 'tampered' || err.code === 'unsupported-version' || err.code === 'invalid') path = ['text', ...i.path];
    else if (OPTION_FIELD[head]) path = [OPTION_FIELD[head]!, ...i.path.slice(1)];
    else path = i.path;
    return { path, message: i.message };
  });
  throw new HttpError(STATUS[err.code], err.message, issues);
}

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
    async (req) => service.exportProfile(req.body).catch(refusal),
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
    async (req) => service.previewProfileImport(req.body).catch(refusal),
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
      const preview = await service.applyProfileImport(req.body).catch(refusal);
      return { preview, config: service.config.masked() };
    },
  );
}
