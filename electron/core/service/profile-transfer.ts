/**
 * Profiles for the service's transports (REST, IPC): export the running config, preview and apply
 * an import, with the options as the shared request schemas name them.
 *
 * The REST API's own access settings (`tidemark.api`: the token's hash, a basic-auth bcrypt hash)
 * belong to this machine, like `tidemark.plaintext-secrets`: an export leaves them out, and an
 * import keeps the current ones whatever the file says, so importing a profile can never lock
 * the API's users out (nor let a file choose the API's password).
 */
import type { Config } from '../../../shared/schemas/config.js';
import type { ProfileExport, ProfileExportRequest, ProfileImportRequest } from '../../../shared/schemas/rest.js';
import type { ConfigService } from '../config/config-service.js';
import { secretEntries } from '../config/secrets.js';
import { selectRoutines } from '../profiles/config-scope.js';
import { applyImport, exportAbsConfig, exportProfile, parseProfile, previewImport, ProfileError, type ImportOptions, type ImportPreview, type ParsedImport } from '../profiles/index.js';

/** The config without the machine's API access settings. */
function withoutApiAccess(config: Config): Config {
  if (!config.tidemark?.api) return config;
  const copy = structuredClone(config);
  delete copy.tidemark!.api;
  if (Object.keys(copy.tidemark!).length === 0) delete copy.tidemark;
  return copy;
}

const stamp = (d: Date): string => d.toISOString().slice(0, 19).replace(/[:T]/g, '-');

export async function exportConfigProfile(config: Config, req: ProfileExportRequest, now = new Date()): Promise<ProfileExport> {
  const source = withoutApiAccess(config);
  const format = req.format ?? 'json';
  const routines = req.routines ? { routines: req.routines } : {};
  if (format === 'abs') {
    if (req.passphrase !== undefined) throw ProfileError.at('bad-option', ['passphrase'], 'ABS config files cannot hold encrypted secrets: use format json or yaml');
    const r = exportAbsConfig(source, routines);
    // ABS files are written without secrets here (the API shows no secret in plain text).
    const scoped = req.routines ? selectRoutines(source, req.routines) : source;
    const omitted = secretEntries(scoped as unknown as Record<string, unknown>).map((s) => s.path);
    return { text: r.text, format, filename: `abs-config-${stamp(now)}.yaml`, warnings: r.warnings, secrets: { included: [], omitted } };
  }
  const r = await exportProfile(source, { format, ...routines, ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}), now });
  return { text: r.text, format, filename: `tidemark-profile-${stamp(now)}.${format}`, warnings: r.warnings, secrets: r.secrets };
}

function importOptions(req: ProfileImportRequest): ImportOptions {
  return {
    mode: req.mode ?? 'merge',
    ...(req.overwrite ? { overwrite: true } : {}),
    ...(req['skip-secrets'] ? { secrets: 'skip' as const } : {}),
    ...(req['secret-values'] ? { secretValues: req['secret-values'] } : {}),
    ...(req['allow-missing-secrets'] ? { allowMissingSecrets: true } : {}),
    ...(req['allow-plaintext-secrets'] ? { allowPlaintextSecrets: true } : {}),
  };
}

/** Parses the text and puts this machine's API access settings into it (see the file comment). */
async function parse(current: Config, req: ProfileImportRequest): Promise<ParsedImport> {
  const parsed = await parseProfile(req.text, { ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}), ...(req['skip-secrets'] ? { skipEncryptedSecrets: true } : {}) });
  const config = structuredClone(parsed.config);
  const api = current.tidemark?.api;
  if (config.tidemark) {
    delete config.tidemark.api;
    if (api) config.tidemark.api = structuredClone(api);
  } else if (api && (req.mode ?? 'merge') === 'replace') {
    config.tidemark = { api: structuredClone(api) };
  }
  return { ...parsed, config };
}

export async function previewProfileImport(current: Config, req: ProfileImportRequest): Promise<ImportPreview> {
  return previewImport(current, await parse(current, req), importOptions(req));
}

export async function applyProfileImport(config: ConfigService, req: ProfileImportRequest): Promise<ImportPreview> {
  return applyImport(config, await parse(config.config, req), importOptions(req)).preview;
}
