/**
 * Reads an import file: a Tidemark profile, or a config file in the ABS v2 shape (an ABS config
 * file, or Tidemark's own config file). The result is a validated config plus what the file says
 * about its secrets; nothing is changed here (see import-plan.ts).
 *
 * Order of checks on a profile: syntax, envelope structure, authenticity (when encrypted: a
 * changed file is reported as changed, not as whatever the change broke), then the config.
 */
import { KEYCHAIN_PREFIX, plainDataIssues, SECTIONS, type Config, type ConfigIssue } from '../../../shared/schemas/config.js';
import { PROFILE_FORMAT, PROFILE_VERSION, ProfileEnvelopeSchema, type EncryptedSecrets, type ProfileScope } from '../../../shared/schemas/profile.js';
import { validateConfig } from '../config/config-service.js';
import { MASK, secretEntries } from '../config/secrets.js';
import { deleteAt, getAt, setAt } from './data-paths.js';
import { parseDocumentText, type TextFormat } from './document-text.js';
import { profileAad } from './export-profile.js';
import { ProfileError } from './profile-error.js';
import { describeSecret } from './secret-labels.js';
import { openWithPassphrase } from './secret-box.js';

export interface ParseProfileOptions {
  /** Opens a profile's encrypted secrets (and verifies the whole profile). */
  passphrase?: string;
  /** Import an encrypted profile without its secrets (and unverified) instead of asking for the passphrase. */
  skipEncryptedSecrets?: boolean;
}

export interface ParsedImport {
  /** A Tidemark profile, or a config file (ABS's, or Tidemark's own). */
  source: 'tidemark-profile' | 'config-file';
  format: TextFormat;
  scope: ProfileScope;
  exportedAt?: string;
  toolVersion?: string;
  /** True when an encrypted profile was opened: every byte that matters was authenticated. */
  verified: boolean;
  /** Validated; secrets listed in `omittedSecrets` are absent from it. */
  config: Config;
  /** Secrets the exported config had and the file does not carry. */
  omittedSecrets: string[][];
  warnings: ConfigIssue[];
}

/** Stands in for an absent secret while the config is validated; it satisfies every secret field. */
const PLACEHOLDER = 'omitted-secret';
const CONFIG_KEYS = [...Object.keys(SECTIONS), 'service', 'secret-agent', 'tidemark'];
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export async function parseProfile(text: string, opts: ParseProfileOptions = {}): Promise<ParsedImport> {
  const { format, doc } = parseDocumentText(text);
  const raw = doc as Record<string, unknown>;
  if (hasOwn(raw, 'format')) return parseEnvelope(raw, format, opts);
  if (CONFIG_KEYS.some((k) => hasOwn(raw, k))) return parseConfigFile(raw, format, opts);
  const keys = Object.keys(raw).slice(0, 5);
  throw ProfileError.at(
    'malformed',
    [],
    `this is neither a Tidemark profile (no 'format: ${PROFILE_FORMAT}') nor a config file (none of ${CONFIG_KEYS.join(', ')})${keys.length ? `; it has ${keys.join(', ')}` : ''}`,
  );
}

async function parseEnvelope(raw: Record<string, unknown>, format: TextFormat, opts: ParseProfileOptions): Promise<ParsedImport> {
  if (raw.format !== PROFILE_FORMAT) throw ProfileError.at('malformed', ['format'], `expected '${PROFILE_FORMAT}', found ${JSON.stringify(raw.format)}`);
  if (typeof raw.version === 'number' && Number.isInteger(raw.version) && raw.version > PROFILE_VERSION) {
    throw ProfileError.at('unsupported-version', ['version'], `this profile was written in format version ${raw.version}; this Tidemark reads version ${PROFILE_VERSION}: update Tidemark to import it`);
  }
  const env = ProfileEnvelopeSchema.safeParse(raw);
  if (!env.success) throw new ProfileError('malformed', env.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })));
  // The raw config, not zod's copy: a record drops a `__proto__` key, which must be reported instead.
  const dataIssues = plainDataIssues(raw.config, ['config']);
  if (dataIssues.length) throw new ProfileError('invalid', dataIssues);
  const config = structuredClone(raw.config) as Record<string, unknown>;

  const { secrets, scope } = env.data;
  const warnings: ConfigIssue[] = [];
  const omitted = secrets.omitted.map((p) => [...p]);
  let verified = false;
  if (secrets.mode === 'encrypted') {
    if (opts.passphrase !== undefined) {
      const values = await decryptSecrets(secrets, opts.passphrase, raw);
      verified = true;
      placeSecrets(config, secrets.paths, values);
    } else if (opts.skipEncryptedSecrets) {
      omitted.push(...secrets.paths.map((p) => [...p]));
      warnings.push({ path: ['secrets'], message: `the profile's ${secrets.paths.length} encrypted secret(s) are not imported, and without the passphrase the profile is not verified` });
    } else {
      throw ProfileError.at(
        'passphrase-required',
        ['secrets'],
        `the profile's secrets are encrypted (${secrets.paths.map(describeSecret).join(', ') || 'none, but the profile is authenticated'}): give the passphrase, or import without them`,
      );
    }
  } else if (opts.passphrase !== undefined) {
    warnings.push({ path: ['secrets'], message: 'the profile holds no encrypted secrets and is not authenticated: the passphrase was not used' });
  }

  const parsed = validateWithPlaceholders(config, omitted, ['config']);
  if (scope.kind === 'routines') {
    const inFile = Object.keys(parsed['backup-routines']).sort();
    const declared = [...new Set(scope.routines)].sort();
    if (inFile.join('\n') !== declared.join('\n')) {
      throw ProfileError.at('malformed', ['scope', 'routines'], `names ${declared.join(', ')} but the config holds the routines ${inFile.join(', ') || '(none)'}`);
    }
  }
  warnings.push(...secretWarnings(parsed), ...localPolicyWarnings(config));
  return {
    source: 'tidemark-profile',
    format,
    scope,
    exportedAt: env.data['exported-at'],
    toolVersion: env.data['tool-version'],
    verified,
    config: parsed,
    omittedSecrets: omitted,
    warnings,
  };
}

function parseConfigFile(raw: Record<string, unknown>, format: TextFormat, opts: ParseProfileOptions): ParsedImport {
  const warnings: ConfigIssue[] = [];
  if (opts.passphrase !== undefined) warnings.push({ path: [], message: 'a config file has no encrypted secrets: the passphrase was not used' });
  const dataIssues = plainDataIssues(raw);
  if (dataIssues.length) throw new ProfileError('invalid', dataIssues);
  const parsed = validateWithPlaceholders(structuredClone(raw), [], []);
  warnings.push(...secretWarnings(parsed), ...localPolicyWarnings(raw));
  return { source: 'config-file', format, scope: { kind: 'full' }, verified: false, config: parsed, omittedSecrets: [], warnings };
}

async function decryptSecrets(secrets: EncryptedSecrets, passphrase: string, raw: Record<string, unknown>): Promise<string[]> {
  let aad: Buffer;
  try {
    aad = profileAad(raw);
  } catch (err) {
    throw ProfileError.at('malformed', [], `the profile holds a value with no JSON form: ${(err as Error).message}`);
  }
  const plain = await openWithPassphrase({ kdf: secrets.kdf, keyCheck: secrets['key-check'], iv: secrets.iv, tag: secrets.tag, ciphertext: secrets.ciphertext }, passphrase, aad);
  let values: unknown;
  try {
    values = JSON.parse(plain);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== secrets.paths.length || values.some((v) => typeof v !== 'string')) {
    throw ProfileError.at('malformed', ['secrets', 'ciphertext'], `the decrypted secrets are not ${secrets.paths.length} text value(s), one per path`);
  }
  return values as string[];
}

/** Puts decrypted values where they belong; each path must name a secret field of an entry in the file. */
function placeSecrets(config: Record<string, unknown>, paths: readonly string[][], values: readonly string[]): void {
  const issues: ConfigIssue[] = [];
  paths.forEach((p, i) => {
    if (getAt(config, p) !== undefined) issues.push({ path: ['secrets', 'paths', i], message: `${p.join('.')} is also given in the config` });
    else if (!setAt(config, p, values[i])) issues.push({ path: ['secrets', 'paths', i], message: `${p.join('.')} names no entry of the config` });
  });
  if (issues.length) throw new ProfileError('malformed', issues);
  checkSecretPaths(config, paths, ['secrets', 'paths']);
}

/** Each path must be a place the config keeps a secret, or the file is not what it claims. */
function checkSecretPaths(config: Record<string, unknown>, paths: readonly string[][], at: Array<string | number>): void {
  const slots = new Set(secretEntries(config).map((s) => JSON.stringify(s.path)));
  const issues = paths.flatMap((p, i) => (slots.has(JSON.stringify(p)) ? [] : [{ path: [...at, i], message: `${p.join('.')} is not a secret field` }]));
  if (issues.length) throw new ProfileError('malformed', issues);
}

/**
 * Validates a config whose omitted secrets are absent: a placeholder stands in for each (so a
 * cluster user without its left-out password validates) and is removed again from the result.
 */
function validateWithPlaceholders(config: Record<string, unknown>, omitted: readonly string[][], at: Array<string | number>): Config {
  const issues: ConfigIssue[] = [];
  omitted.forEach((p, i) => {
    if (getAt(config, p) !== undefined) issues.push({ path: ['secrets', 'omitted', i], message: `${p.join('.')} is said to be left out but the config gives it` });
    else if (!setAt(config, p, PLACEHOLDER)) issues.push({ path: ['secrets', 'omitted', i], message: `${p.join('.')} names no entry of the config` });
  });
  if (issues.length) throw new ProfileError('malformed', issues);
  checkSecretPaths(config, omitted, ['secrets', 'omitted']);

  const v = validateConfig(config);
  if (!v.ok) throw new ProfileError('invalid', v.issues.map((i) => ({ path: [...at, ...i.path], message: i.message })));
  const masked = secretEntries(v.config as unknown as Record<string, unknown>).filter((s) => s.value === MASK);
  if (masked.length) {
    throw new ProfileError(
      'invalid',
      masked.map((s) => ({ path: [...at, ...s.path], message: `'${MASK}' is a masked value, not a secret: this file was written from a masked view; give the real value or leave the field out` })),
    );
  }
  for (const p of omitted) deleteAt(v.config, p);
  return v.config;
}

function secretWarnings(config: Config): ConfigIssue[] {
  return secretEntries(config as unknown as Record<string, unknown>)
    .filter((s) => s.value.startsWith(KEYCHAIN_PREFIX))
    .map((s) => ({ path: s.path, message: `${describeSecret(s.path)} is sealed by an OS keychain: it opens only on the machine and account that wrote it` }));
}

function localPolicyWarnings(raw: Record<string, unknown>): ConfigIssue[] {
  const t = raw.tidemark;
  if (typeof t !== 'object' || t === null || !hasOwn(t, 'plaintext-secrets')) return [];
  return [{ path: ['tidemark', 'plaintext-secrets'], message: 'not imported: whether secrets may be stored in plain text is decided on this machine (import with allowPlaintextSecrets to allow it)' }];
}
