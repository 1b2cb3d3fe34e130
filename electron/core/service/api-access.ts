/**
 * Credentials of the localhost REST API: a bearer token (default) or HTTP basic auth.
 *
 * The config holds only hashes (`tidemark.api`): the token is 256 random bits, so SHA-256 is
 * enough; a basic-auth password is chosen by a person, so it gets bcrypt. The token itself is
 * written once to `<data folder>/api-token` (mode 0600) for the user and the desktop app to read,
 * and `TIDEMARK_API_TOKEN`, when set, replaces it entirely. Nothing here ever logs a credential.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { Config } from '../../../shared/schemas/config.js';
import type { ConfigService } from '../config/config-service.js';
import { MASK } from '../config/secrets.js';

export const TOKEN_ENV = 'TIDEMARK_API_TOKEN';
export const TOKEN_FILE = 'api-token';

type ApiAccess = NonNullable<NonNullable<Config['tidemark']>['api']>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function sameHash(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export function apiAccess(config: Config): ApiAccess {
  return config.tidemark?.api ?? {};
}

/** Writes `api` into the tidemark section; the rest of the config is kept as it is. */
function saveApiAccess(config: ConfigService, patch: Partial<ApiAccess>): void {
  const current = config.config;
  const api: Record<string, unknown> = { ...apiAccess(current), ...patch };
  for (const k of Object.keys(api)) if (api[k] === undefined) delete api[k];
  config.replace({ ...current, tidemark: { ...current.tidemark, api } });
}

export interface TokenState {
  /** The token in the clear: generated now, from the environment, or read from the token file (for the sign-in URL). */
  token?: string;
  source: 'environment' | 'generated' | 'file' | 'config-only';
  /** Where the token is kept for the user to read. */
  file: string;
}

function writeTokenFile(file: string, token: string): void {
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file.
  chmodSync(file, 0o600);
}

function newToken(): string {
  return `tm_${randomBytes(32).toString('base64url')}`;
}

/**
 * Makes sure the API has a token: the environment's, else the one whose hash the config holds,
 * else a new one (its hash saved in the config, the token in the 0600 file).
 */
export function ensureApiToken(config: ConfigService, dataDir: string, env: NodeJS.ProcessEnv = process.env): TokenState {
  const file = join(dataDir, TOKEN_FILE);
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv) return { token: fromEnv, source: 'environment', file };
  const stored = apiAccess(config.config)['token-sha256'];
  if (stored) {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(file, 'utf8').trim();
    } catch {
      onDisk = undefined;
    }
    return onDisk && sameHash(sha256Hex(onDisk), stored) ? { token: onDisk, source: 'file', file } : { source: 'config-only', file };
  }
  return { token: rotateApiToken(config, dataDir), source: 'generated', file };
}

/** A new token replaces the old one at once; returns it (the only time it is shown). */
export function rotateApiToken(config: ConfigService, dataDir: string): string {
  const token = newToken();
  saveApiAccess(config, { 'token-sha256': sha256Hex(token) });
  writeTokenFile(join(dataDir, TOKEN_FILE), token);
  return token;
}

/** Sets (or with `undefined` removes) the HTTP basic auth alternative. */
export function setBasicAuth(config: ConfigService, credentials: { user: string; password: string } | undefined): void {
  saveApiAccess(config, {
    'basic-auth': credentials ? { user: credentials.user, 'password-bcrypt': bcrypt.hashSync(credentials.password, 10) } : undefined,
  });
}

export type CredentialCheck = { ok: true; via: 'token' | 'basic' | 'none' } | { ok: false; reason: string };

/**
 * Checks an Authorization header. `Bearer <token>` against the environment's token or the
 * config's hash; `Basic …` against the configured user and bcrypt hash.
 */
export function checkAuthorization(config: Config, header: string | undefined, env: NodeJS.ProcessEnv = process.env): CredentialCheck {
  const access = apiAccess(config);
  if (access.auth === false) return { ok: true, via: 'none' };
  if (!header) return { ok: false, reason: 'credentials required: send "Authorization: Bearer <token>" (the token is in the data folder\'s api-token file) or HTTP basic auth' };
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (/^bearer$/i.test(scheme ?? '') && value) {
    const fromEnv = env[TOKEN_ENV];
    const expected = fromEnv ? sha256Hex(fromEnv) : access['token-sha256'];
    if (expected && sameHash(sha256Hex(value), expected)) return { ok: true, via: 'token' };
    return { ok: false, reason: 'the API token is not valid' };
  }
  if (/^basic$/i.test(scheme ?? '') && value) {
    const basic = access['basic-auth'];
    if (!basic) return { ok: false, reason: 'HTTP basic auth is not set up for this API' };
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, reason: 'malformed basic credentials' };
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Compare the password even for a wrong user, so timing does not tell which users exist.
    let passwordOk = false;
    try {
      passwordOk = bcrypt.compareSync(password, basic['password-bcrypt']);
    } catch {
      // A hash that is no bcrypt hash (hand-edited file) matches nothing.
    }
    if (user === basic.user && passwordOk) return { ok: true, via: 'basic' };
    return { ok: false, reason: 'user or password is not valid' };
  }
  return { ok: false, reason: 'unsupported Authorization scheme: use Bearer or Basic' };
}

/**
 * ABS's `PUT /v1/config` replaces the whole file, and an ABS client knows nothing of Tidemark's
 * API settings: keep them when the new document does not say anything about them, so such a
 * client cannot lock every user out by accident.
 */
export function keepApiAccess(current: Config, doc: unknown): unknown {
  const api = current.tidemark?.api;
  if (!api || typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const d = doc as Record<string, unknown>;
  const tidemark = d.tidemark;
  if (tidemark !== undefined && (typeof tidemark !== 'object' || tidemark === null || Array.isArray(tidemark))) return doc;
  const t = (tidemark ?? {}) as Record<string, unknown>;
  if (t.api === undefined) return { ...d, tidemark: { ...t, api } };
  return { ...d, tidemark: { ...t, api: unmaskApiHashes(t.api, api) } };
}

/** Masked hashes (as GET /v1/config shows them) stand for the ones already set. */
function unmaskApiHashes(given: unknown, current: ApiAccess): unknown {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return given;
  const out: Record<string, unknown> = { ...(given as Record<string, unknown>) };
  if (out['token-sha256'] === MASK) out['token-sha256'] = current['token-sha256'];
  const basic = out['basic-auth'];
  if (typeof basic === 'object' && basic !== null && !Array.isArray(basic) && (basic as Record<string, unknown>)['password-bcrypt'] === MASK) {
    out['basic-auth'] = { ...basic, 'password-bcrypt': current['basic-auth']?.['password-bcrypt'] };
  }
  return out;
}
