/**
 * What importing a parsed file would do to the current config (preview), and doing it (apply).
 *
 * Modes:
 * - merge: entries of the file are added; entries only in the current config stay. An entry that
 *   exists in both and differs is `conflicting` and refuses the import, unless `overwrite` is
 *   given: then the file's version replaces the current one (`changed`). Equal entries are
 *   `unchanged`. The `service` and `tidemark` settings are one entry each.
 * - replace: the config becomes the file's; entries only in the current config are `removed`.
 *
 * Secrets: a secret the file does not carry (left out at export, or dropped with
 * `secrets: 'skip'`) is taken from `secretValues` when given, otherwise kept from the current
 * entry at the same place; when neither has it the import is refused for that field, unless
 * `allowMissingSecrets` (then the entry comes without it and the config's validation decides).
 *
 * `tidemark.plaintext-secrets` is this machine's policy: it is never taken from a file, and
 * `allowPlaintextSecrets` is the one way an import sets it.
 *
 * Apply goes through ConfigService.replace(): the whole result is validated and written
 * atomically, or nothing changes.
 */
import { SECTIONS, type Config, type ConfigIssue, type Section } from '../../../shared/schemas/config.js';
import { ConfigError } from '../config/config-error.js';
import type { ConfigService } from '../config/config-service.js';
import { secretEntries } from '../config/secrets.js';
import { deleteAt, diffPaths, getAt, setAt } from './data-paths.js';
import type { ParsedImport } from './parse-profile.js';
import { ProfileError } from './profile-error.js';
import { describeSecret } from './secret-labels.js';

export type ImportMode = 'merge' | 'replace';

export interface ImportOptions {
  mode: ImportMode;
  /** merge: entries that differ take the file's version instead of refusing the import. */
  overwrite?: boolean;
  /** 'skip' imports none of the file's secrets (each is then resolved as if left out). Default 'import'. */
  secrets?: 'import' | 'skip';
  /** Values for secrets the file does not carry, e.g. typed in by the user after a preview. */
  secretValues?: ReadonlyArray<{ path: readonly string[]; value: string }>;
  /** Import entries whose secrets cannot be resolved without them, instead of refusing. */
  allowMissingSecrets?: boolean;
  /** Set tidemark.plaintext-secrets, so secrets can be stored where no OS keychain exists. */
  allowPlaintextSecrets?: boolean;
}

export type EntryStatus = 'added' | 'changed' | 'unchanged' | 'conflicting' | 'removed';
/** The named sections, and 'settings' for the `service` and `tidemark` entries. */
export type PreviewSection = Section | 'settings';

export interface PreviewEntry {
  section: PreviewSection;
  name: string;
  status: EntryStatus;
  /** changed / conflicting: the fields that differ (dotted, relative to the entry). */
  fields?: string[];
}

/**
 * - included: the file gives it
 * - provided: from `secretValues`
 * - kept: the current entry's secret stays
 * - missing: nobody has it (refused unless allowMissingSecrets)
 */
export type SecretStatus = 'included' | 'provided' | 'kept' | 'missing';

export interface PreviewSecret {
  path: string[];
  status: SecretStatus;
}

export interface ImportPreview {
  source: ParsedImport['source'];
  mode: ImportMode;
  entries: PreviewEntry[];
  secrets: PreviewSecret[];
  warnings: ConfigIssue[];
  /** Why apply would refuse as things stand; empty when it would go ahead. */
  blocking: Array<ConfigIssue & { reason: 'conflict' | 'missing-secret' }>;
}

export interface ImportResult {
  preview: ImportPreview;
  config: Config;
}

type Doc = Record<string, unknown>;
type Entries = Record<string, unknown>;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const NAMED = Object.keys(SECTIONS) as Section[];

export function previewImport(current: Config, parsed: ParsedImport, opts: ImportOptions): ImportPreview {
  return plan(current, parsed, opts).preview;
}

export function applyImport(service: ConfigService, parsed: ParsedImport, opts: ImportOptions): ImportResult {
  const { preview, result } = plan(service.config, parsed, opts);
  if (preview.blocking.length) {
    const code = preview.blocking.some((b) => b.reason === 'conflict') ? 'conflict' : 'missing-secret';
    throw new ProfileError(
      code,
      preview.blocking.map(({ path, message }) => ({ path, message })),
    );
  }
  try {
    service.replace(result);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (err.code === 'secret') {
      throw new ProfileError(
        'plaintext-secrets',
        err.issues.map((i) => ({
          path: i.path,
          message:
            `${describeSecret(i.path.map(String))} would be stored in plain text, which this config does not allow (there is no OS keychain here). ` +
            "Import with allowPlaintextSecrets to allow it (sets tidemark.plaintext-secrets), or reference the secret in the file instead " +
            "(password-path or password-env; an S3 profile or the environment for S3 keys), or import with secrets: 'skip' where the current config already has it",
        })),
      );
    }
    throw new ProfileError(err.code === 'broken-file' ? 'broken-file' : 'invalid', err.issues);
  }
  return { preview, config: service.config };
}

function plan(current: Config, parsed: ParsedImport, opts: ImportOptions): { preview: ImportPreview; result: Doc } {
  const incoming = structuredClone(parsed.config) as unknown as Doc;
  const cur = current as unknown as Doc;
  const warnings: ConfigIssue[] = [...parsed.warnings];
  const blocking: ImportPreview['blocking'] = [];
  const secrets = resolveSecrets(incoming, cur, parsed, opts, warnings, blocking);

  const entries: PreviewEntry[] = [];
  const merge = opts.mode === 'merge';
  const result: Doc = merge ? structuredClone(cur) : {};
  for (const section of NAMED) {
    const inc = (incoming[section] ?? {}) as Entries;
    const now = (cur[section] ?? {}) as Entries;
    const out = (merge ? result[section] ?? {} : {}) as Entries;
    for (const name of Object.keys(inc)) {
      const status = compare(section, name, hasOwn(now, name) ? now[name] : undefined, inc[name], merge, opts, entries, blocking);
      if (status !== 'conflicting') out[name] = inc[name];
    }
    if (!merge) for (const name of Object.keys(now)) if (!hasOwn(inc, name)) entries.push({ section, name, status: 'removed' });
    result[section] = out;
  }
  planSettings(cur, incoming, parsed, opts, result, entries, blocking, warnings);
  return { preview: { source: parsed.source, mode: opts.mode, entries, secrets, warnings, blocking }, result };
}

function compare(
  section: PreviewSection,
  name: string,
  now: unknown,
  inc: unknown,
  merge: boolean,
  opts: ImportOptions,
  entries: PreviewEntry[],
  blocking: ImportPreview['blocking'],
): EntryStatus {
  if (now === undefined) {
    entries.push({ section, name, status: 'added' });
    return 'added';
  }
  const fields = diffPaths(now, inc);
  if (fields.length === 0) {
    entries.push({ section, name, status: 'unchanged' });
    return 'unchanged';
  }
  const status: EntryStatus = merge && !opts.overwrite ? 'conflicting' : 'changed';
  entries.push({ section, name, status, fields });
  if (status === 'conflicting') {
    const what = section === 'settings' ? `the ${name} settings` : `${SECTIONS[section]} '${name}'`;
    blocking.push({
      reason: 'conflict',
      path: section === 'settings' ? [name] : [section, name],
      message: `${what} differs from the current one (${fields.map((f) => f || '(value)').join(', ')}): import with overwrite to take the file's version, or rename it in the file`,
    });
  }
  return status;
}

/** `service` is one entry; `tidemark` is one entry apart from plaintext-secrets, which stays local. */
function planSettings(
  cur: Doc,
  incoming: Doc,
  parsed: ParsedImport,
  opts: ImportOptions,
  result: Doc,
  entries: PreviewEntry[],
  blocking: ImportPreview['blocking'],
  warnings: ConfigIssue[],
): void {
  const merge = opts.mode === 'merge';
  for (const key of ['service', 'tidemark'] as const) {
    const now = settingsOf(cur, key);
    const inc = settingsOf(incoming, key);
    let next = merge ? now : undefined;
    if (inc !== undefined) {
      const status = compare('settings', key, now, inc, merge, opts, entries, blocking);
      if (status !== 'conflicting') next = inc;
    } else if (!merge && now !== undefined) {
      entries.push({ section: 'settings', name: key, status: 'removed' });
    }
    if (next === undefined) delete result[key];
    else result[key] = next;
  }
  const localPolicy = (cur.tidemark as Doc | undefined)?.['plaintext-secrets'];
  const plaintext = opts.allowPlaintextSecrets ? true : localPolicy;
  if (plaintext !== undefined) result.tidemark = { ...((result.tidemark as Doc | undefined) ?? {}), 'plaintext-secrets': plaintext };
  if (opts.allowPlaintextSecrets && localPolicy !== true) {
    warnings.push({ path: ['tidemark', 'plaintext-secrets'], message: 'set to true: secrets are written into the config file in plain text where no OS keychain exists' });
  }
  if (parsed.scope.kind === 'routines' && !merge) {
    warnings.push({ path: [], message: `the file holds only the routines ${parsed.scope.routines.join(', ')} and what they use: replace removes everything else` });
  }
}

/** A settings section without the machine-local policy; undefined when nothing is left. */
function settingsOf(doc: Doc, key: 'service' | 'tidemark'): Doc | undefined {
  const v = doc[key] as Doc | undefined;
  if (v === undefined) return undefined;
  if (key === 'service') return v;
  const copy = { ...v };
  delete copy['plaintext-secrets'];
  return Object.keys(copy).length ? copy : undefined;
}

/** Fills in, in `incoming`, every secret the file does not carry, and says where each came from. */
function resolveSecrets(
  incoming: Doc,
  cur: Doc,
  parsed: ParsedImport,
  opts: ImportOptions,
  warnings: ConfigIssue[],
  blocking: ImportPreview['blocking'],
): PreviewSecret[] {
  const out: PreviewSecret[] = [];
  const absent: string[][] = parsed.omittedSecrets.map((p) => [...p]);
  for (const s of secretEntries(incoming)) {
    if (opts.secrets === 'skip') {
      deleteAt(incoming, s.path);
      absent.push(s.path);
    } else {
      out.push({ path: s.path, status: 'included' });
      if (parsed.source === 'config-file') warnings.push({ path: s.path, message: `${describeSecret(s.path)} is given in plain text by the file` });
    }
  }
  const key = (p: readonly string[]): string => JSON.stringify(p);
  const absentKeys = new Set(absent.map(key));
  const provided = new Map<string, string>();
  for (const [i, s] of (opts.secretValues ?? []).entries()) {
    if (!absentKeys.has(key(s.path))) {
      throw ProfileError.at('bad-option', ['secretValues', i], `${s.path.join('.')} is not a secret this import is missing (missing: ${absent.map((p) => p.join('.')).join(', ') || 'none'})`);
    }
    if (s.value === '') throw ProfileError.at('bad-option', ['secretValues', i], `the value for ${s.path.join('.')} is empty`);
    provided.set(key(s.path), s.value);
  }
  for (const p of absent) {
    const given = provided.get(key(p));
    const existing = getAt(cur, p);
    if (given !== undefined) {
      setAt(incoming, p, given);
      out.push({ path: p, status: 'provided' });
    } else if (typeof existing === 'string') {
      setAt(incoming, p, existing);
      out.push({ path: p, status: 'kept' });
      warnings.push({ path: p, message: `secret not included: ${describeSecret(p)} stays the current one` });
    } else {
      out.push({ path: p, status: 'missing' });
      if (opts.allowMissingSecrets) {
        warnings.push({ path: p, message: `secret not included: ${describeSecret(p)} is imported without it` });
      } else {
        blocking.push({ reason: 'missing-secret', path: p, message: `secret not included: ${describeSecret(p)} is needed and the current config has none: give it (secretValues), or import with allowMissingSecrets` });
      }
    }
  }
  return out;
}
