/**
 * One refusal shape for every transport: a status in HTTP's terms (400 bad input, 404 unknown
 * name, 409 conflict, 502 a storage that cannot be reached), a message, and the fields it
 * concerns. The REST server answers it as its error body; the desktop app's IPC sends it as
 * data. Every error the core throws for bad input maps here, so neither transport answers a 500
 * for it.
 */
import type { ApiError } from '../../../shared/schemas/rest.js';
import { ConfigError, type ConfigErrorCode } from '../config/config-error.js';
import { CatalogNotFoundError, DeleteRefusedError } from '../catalog/catalog-service.js';
import { StorageUnavailableError } from '../service/abs-views.js';
import { ProfileError, type ProfileErrorCode } from '../profiles/index.js';

export type Path = Array<string | number>;

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ApiError['issues'] = [],
  ) {
    super(message);
  }

  static notFound(path: Path, message: string): ApiFailure {
    return new ApiFailure(404, message, [{ path, message }]);
  }

  static badRequest(path: Path, message: string): ApiFailure {
    return new ApiFailure(400, message, [{ path, message }]);
  }

  static conflict(path: Path, message: string): ApiFailure {
    return new ApiFailure(409, message, [{ path, message }]);
  }
}

const CONFIG_STATUS: Record<ConfigErrorCode, number> = { invalid: 400, secret: 400, 'not-found': 404, conflict: 409, 'in-use': 409, 'broken-file': 409 };

/** Refusals about the current config (a conflict, a secret it lacks, its state) are 409; about the request or file 400. */
const PROFILE_STATUS: Record<ProfileErrorCode, number> = {
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

/** Request fields the profile code names in its own spelling. */
const PROFILE_OPTION_FIELD: Record<string, string> = { secretValues: 'secret-values', allowMissingSecrets: 'allow-missing-secrets', allowPlaintextSecrets: 'allow-plaintext-secrets' };

/**
 * A ProfileError's issues with paths naming request fields: `passphrase` for the passphrase's
 * refusals, `text` (then the path inside the file) for what is wrong with the file, the config
 * entry's path for conflicts and missing secrets.
 */
function profileFailure(err: ProfileError): ApiFailure {
  const issues = err.issues.map((i) => {
    const head = String(i.path[0] ?? '');
    let path: Path;
    if (err.code === 'passphrase-required' || err.code === 'wrong-passphrase' || head === 'passphrase') path = ['passphrase'];
    else if (err.code === 'malformed' || err.code === 'tampered' || err.code === 'unsupported-version' || err.code === 'invalid') path = ['text', ...i.path];
    else if (PROFILE_OPTION_FIELD[head]) path = [PROFILE_OPTION_FIELD[head]!, ...i.path.slice(1)];
    else path = i.path;
    return { path, message: i.message };
  });
  return new ApiFailure(PROFILE_STATUS[err.code], err.message, issues);
}

/**
 * The refusal an error thrown by the core stands for, or undefined for a real fault. `at`
 * prefixes request-relative field paths (REST puts a body's fields under 'body').
 */
export function failureOf(err: unknown, at: Path = []): ApiFailure | undefined {
  if (err instanceof ApiFailure) return err;
  const prefixed = (issues: ApiError['issues']): ApiError['issues'] => issues.map((i) => ({ path: [...at, ...i.path], message: i.message }));
  if (err instanceof ConfigError) return new ApiFailure(CONFIG_STATUS[err.code], err.message, err.issues);
  if (err instanceof ProfileError) {
    const f = profileFailure(err);
    return new ApiFailure(f.status, f.message, prefixed(f.issues));
  }
  if (err instanceof StorageUnavailableError) return new ApiFailure(502, err.message);
  if (err instanceof CatalogNotFoundError) return new ApiFailure(404, err.message, prefixed([{ path: ['key'], message: err.message }]));
  if (err instanceof DeleteRefusedError) return new ApiFailure(409, err.message, prefixed([{ path: [err.message.startsWith('confirmation') ? 'confirmation' : 'key'], message: err.message }]));
  return undefined;
}
