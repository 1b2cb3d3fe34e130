import { z } from 'zod';
import { RoutineHooksSchema } from './hooks.js';
import { PartitionSpecSchema } from './backup-request.js';
import { StorageSchema } from './storage.js';
import { DesktopSettingsSchema } from './desktop.js';

/**
 * Tidemark's configuration in the shape of an ABS v2 config file (`dto.Config`): the same
 * sections and kebab-case field names, so an ABS config imports as it is and exports back into a
 * file ABS accepts. Fields ABS has and Tidemark does not act on are refused with a message rather
 * than silently ignored; Tidemark's own additions are marked as such.
 *
 * Objects are strict: an unknown field is an error naming it, so a typo never turns into a
 * silently ignored setting.
 */

/** A name used as a map key and, for routines, as a storage path segment. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Keys that name JavaScript's object machinery. As own keys of parsed JSON they are data, but
 * any code that looks an entry up with `obj[name]` would find Object.prototype's members instead
 * (and zod's records drop `__proto__` silently), so a config never uses them as names or fields.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const NameSchema = z
  .string()
  .regex(NAME_PATTERN, 'names start with a letter or digit and use only letters, digits, ".", "_" or "-" (at most 128)')
  .refine((n) => !RESERVED_KEYS.has(n), { message: 'this name is reserved (it names JavaScript object internals); choose another', abort: true });

/** Longest string anywhere in a config; the longest real field (a partition list) fits. */
export const MAX_CONFIG_STRING = 65_536;
/** Most items of one array or entries of one object anywhere in a config. */
export const MAX_CONFIG_ENTRIES = 10_000;
/** Deepest nesting below a section; real entries reach about 6 levels (a hook's env variable). */
export const MAX_CONFIG_DEPTH = 16;

/**
 * Issues that make a value unfit to be config data at all: anything but JSON data (plain
 * objects, arrays, strings, finite numbers, booleans, null), reserved keys, and sizes no config
 * has. Checked on the raw input, before the schemas, because zod's records drop a `__proto__` key
 * without a word and some fields (hook commands, storage paths) have no length limit of their own.
 */
export function plainDataIssues(value: unknown, path: Array<string | number> = []): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (v: unknown, at: Array<string | number>, depth: number): void => {
    if (issues.length >= 100) return;
    if (v === null || typeof v === 'boolean') return;
    if (typeof v === 'string') {
      if (v.length > MAX_CONFIG_STRING) issues.push({ path: at, message: `text of ${v.length} characters is too long (at most ${MAX_CONFIG_STRING})` });
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) issues.push({ path: at, message: `${String(v)} is not a finite number` });
      return;
    }
    if (typeof v !== 'object') {
      issues.push({ path: at, message: `a ${typeof v} is not config data (give text, a number, true/false, a list or an object)` });
      return;
    }
    if (depth > MAX_CONFIG_DEPTH) {
      issues.push({ path: at, message: `nested too deeply (more than ${MAX_CONFIG_DEPTH} levels): no config field holds this` });
      return;
    }
    if (Array.isArray(v)) {
      if (v.length > MAX_CONFIG_ENTRIES) issues.push({ path: at, message: `a list of ${v.length} items is too long (at most ${MAX_CONFIG_ENTRIES})` });
      else v.forEach((item: unknown, i) => walk(item, [...at, i], depth + 1));
      return;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const kind = Object.prototype.toString.call(v).slice(8, -1);
      issues.push({ path: at, message: kind === 'Object' ? 'must be a plain object (its prototype was replaced, e.g. by a __proto__ key)' : `a ${kind} is not config data (give text, a number, true/false, a list or an object)` });
      return;
    }
    const keys = Object.keys(v);
    if (keys.length > MAX_CONFIG_ENTRIES) {
      issues.push({ path: at, message: `an object with ${keys.length} entries is too large (at most ${MAX_CONFIG_ENTRIES})` });
      return;
    }
    for (const k of keys) {
      if (RESERVED_KEYS.has(k)) issues.push({ path: [...at, k], message: `'${k}' is reserved (it names JavaScript object internals) and cannot be a name or field in a config` });
      else if (k.length > 1024) issues.push({ path: [...at, `${k.slice(0, 32)}…`], message: `a key of ${k.length} characters is too long` });
      else walk((v as Record<string, unknown>)[k], [...at, k], depth + 1);
    }
  };
  walk(value, path, 0);
  return issues;
}

/** `schema`, run only on input that passes plainDataIssues (types stay those of `schema`). */
function plainData<T extends z.ZodType>(schema: T) {
  return z
    .custom<z.input<T>>()
    .superRefine((v, ctx) => {
      for (const i of plainDataIssues(v)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    })
    .pipe(schema as unknown as z.ZodType<z.output<T>, z.input<T>>);
}

/** Longest delay Node's timers take; a larger one fires at once instead of never. */
const MAX_TIMER_MS = 2_147_483_647;
const timerMs = () => z.number().int().min(0).max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (about 24.8 days)`);

/** Values stored encrypted by the desktop app's OS keychain carry this prefix. */
export const KEYCHAIN_PREFIX = 'keychain:v1:';

const upper = (v: unknown): unknown => (typeof v === 'string' ? v.toUpperCase() : v);

export const SeedNodeSchema = z.strictObject({
  'host-name': z.string().min(1, 'give the host name or address of a node').max(253),
  port: z.number().int().min(1).max(65535).default(3000),
  'tls-name': z.string().min(1).optional(),
});

export const CredentialsSchema = z
  .strictObject({
    user: z.string().min(1).max(63).optional(),
    /** Plain text (or keychain-encrypted, see KEYCHAIN_PREFIX). Prefer password-path or password-env. */
    password: z.string().min(1).max(4096).optional(),
    /** A file holding the password; ABS's own key. */
    'password-path': z.string().min(1).max(4096).optional(),
    /** Tidemark: an environment variable holding the password. */
    'password-env': z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    'auth-mode': z.preprocess(upper, z.enum(['INTERNAL', 'EXTERNAL', 'EXTERNAL_INSECURE', 'PKI'])).optional(),
  })
  .superRefine((c, ctx) => {
    const sources = (['password', 'password-path', 'password-env'] as const).filter((k) => c[k] !== undefined);
    if (sources.length > 1) ctx.addIssue({ code: 'custom', path: [sources[1]!], message: `give one of password, password-path or password-env, not ${sources.join(' and ')}` });
    if (sources.length > 0 && c.user === undefined) ctx.addIssue({ code: 'custom', path: ['user'], message: 'a password needs a user' });
    if (c.user !== undefined && sources.length === 0) ctx.addIssue({ code: 'custom', path: ['password-path'], message: 'a user needs a password (password-path, password-env or password)' });
    if (c['auth-mode'] !== undefined && c['auth-mode'] !== 'INTERNAL') ctx.addIssue({ code: 'custom', path: ['auth-mode'], message: `auth mode ${c['auth-mode']} is not supported yet (only INTERNAL)` });
  });

export const AerospikeClusterSchema = z
  .strictObject({
    label: z.string().max(256).optional(),
    'seed-nodes': z.array(SeedNodeSchema).min(1, 'give at least one seed node').max(64),
    credentials: CredentialsSchema.optional(),
    /** Milliseconds. */
    'conn-timeout': z.number().int().min(1).max(600_000).optional(),
    /** Scans this cluster serves at once across all routines (ABS). */
    'max-parallel-scans': z.number().int().min(1).max(1024).optional(),
    'use-services-alternate': z.boolean().optional(),
    tls: z.unknown().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.tls !== undefined) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS connections are not supported yet' });
    if (c['use-services-alternate'] === true) ctx.addIssue({ code: 'custom', path: ['use-services-alternate'], message: 'services-alternate is not supported yet' });
  });

export const PolicyCompressionSchema = z.strictObject({
  mode: z.preprocess(upper, z.enum(['NONE', 'ZSTD'])).default('NONE'),
  level: z.number().int().min(-7).max(22).optional(),
});

export const PolicyEncryptionSchema = z
  .strictObject({
    mode: z.preprocess(upper, z.enum(['NONE', 'AES128', 'AES256'])).default('NONE'),
    'key-file': z.string().min(1).max(4096).optional(),
    'key-env': z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    'key-secret': z.string().optional(),
  })
  .superRefine((e, ctx) => {
    if (e['key-secret'] !== undefined) ctx.addIssue({ code: 'custom', path: ['key-secret'], message: 'Aerospike Secret Agent keys are not supported yet: use key-file or key-env' });
    const n = Number(e['key-file'] !== undefined) + Number(e['key-env'] !== undefined);
    if (e.mode !== 'NONE' && n !== 1) ctx.addIssue({ code: 'custom', path: ['key-file'], message: 'encryption needs exactly one of key-file or key-env' });
  });

/** ABS v3's retention: keep the newest `full` full backups and the incrementals of the newest `incremental` of them. */
export const RetentionSchema = z.strictObject({
  full: z.number().int().min(1, 'keep at least one full backup').max(100_000).optional(),
  incremental: z.number().int().min(0).max(100_000).optional(),
});

/** "30d", "12h", "90m", "2w" or milliseconds. */
const DURATION = /^(\d{1,9})(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const DurationSchema = z.union([z.number().int().min(1), z.string().regex(DURATION, 'a duration like 30d, 12h, 90m or 2w')]);
export type Duration = z.infer<typeof DurationSchema>;
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const m = DURATION.exec(d)!;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export const BackupPolicySchema = z
  .strictObject({
    parallel: z.number().int().min(1).max(256).optional(),
    'socket-timeout': timerMs().optional(),
    'total-timeout': timerMs().optional(),
    'max-retries': z.number().int().min(0).max(1000).optional(),
    /** Milliseconds. */
    'retry-delay': timerMs().optional(),
    'records-per-second': z.number().int().min(0).optional(),
    /** MiB per second written to storage (ABS's unit); 0 = unlimited. */
    bandwidth: z.number().int().min(0).optional(),
    /** MiB per file (ABS's unit); 0 = one file per worker. */
    'file-limit': z.number().int().min(0).max(1024 * 1024).optional(),
    'no-records': z.boolean().optional(),
    'no-indexes': z.boolean().optional(),
    'no-udfs': z.boolean().optional(),
    /** Only records last changed before the backup started (ABS). */
    sealed: z.boolean().optional(),
    /** ABS v2's clean-up rule; ABS v3 replaced it with retention. */
    'remove-files': z.enum(['KeepAll', 'RemoveAll', 'RemoveIncremental']).optional(),
    compression: PolicyCompressionSchema.optional(),
    encryption: PolicyEncryptionSchema.optional(),
    retention: RetentionSchema.optional(),
    /** Tidemark: also remove backups older than this (never the newest full backup). */
    'max-age': DurationSchema.optional(),
    /** Tidemark: stop after this many records. */
    'max-records': z.number().int().min(1).optional(),
    /** Tidemark: asbackup's compact output (bytes without base64 where possible). */
    compact: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    if (p['remove-files'] !== undefined && p['remove-files'] !== 'KeepAll' && p.retention !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['remove-files'], message: 'give either remove-files (ABS v2) or retention, not both' });
    }
  });

export const RoutineSchema = z
  .strictObject({
    'backup-policy': NameSchema,
    'source-cluster': NameSchema,
    storage: NameSchema,
    'interval-cron': z.string().min(1, 'give a cron expression for full backups').max(256),
    'incr-interval-cron': z.string().max(256).optional(),
    /** Empty: every namespace of the cluster (ABS). */
    namespaces: z.array(z.string().min(1).max(31)).max(64).default([]),
    'set-list': z.array(z.string().min(1).max(63)).max(1024).optional(),
    'bin-list': z.array(z.string().min(1).max(15)).max(1024).optional(),
    /** ABS: a comma-separated list of partition ids and ranges, e.g. "0-1023,2048". */
    'partition-list': z
      .string()
      .max(65536)
      .refine((s) => s.split(',').every((p) => PartitionSpecSchema.safeParse(p.trim()).success), 'a comma-separated list of partition ids (0-4095) and inclusive ranges like 0-1023')
      .optional(),
    'prefer-racks': z.array(z.number().int().min(0)).max(64).optional(),
    'secret-agent': z.string().optional(),
    /** Tidemark (ABS v3 has it too): a disabled routine keeps its backups but is not scheduled. */
    disabled: z.boolean().optional(),
    /** Tidemark: commands or webhooks on a job's start, success and failure. */
    hooks: RoutineHooksSchema.optional(),
    /** Tidemark: scheduled runs are skipped (and recorded so) while the machine runs on battery. */
    'skip-on-battery': z.boolean().optional(),
    /**
     * Tidemark: verify the routine's current restore chain (the newest full and its incrementals)
     * on this cron: every file's checksum and every record, results shown in the catalog.
     */
    'verify-cron': z.string().min(1).max(256).optional(),
    /** Tidemark: IANA time zone of the cron expressions; the machine's when absent. */
    timezone: z.string().min(1).max(64).optional(),
  })
  .superRefine((r, ctx) => {
    if (r['secret-agent'] !== undefined) ctx.addIssue({ code: 'custom', path: ['secret-agent'], message: 'Aerospike Secret Agent is not supported yet' });
    if (r['prefer-racks'] !== undefined && r['prefer-racks'].length > 0) ctx.addIssue({ code: 'custom', path: ['prefer-racks'], message: 'rack-aware reads are not supported yet' });
    if (r.timezone !== undefined && !isTimeZone(r.timezone)) ctx.addIssue({ code: 'custom', path: ['timezone'], message: `'${r.timezone}' is not an IANA time zone (e.g. Europe/Berlin, UTC)` });
  });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** ABS's `service` section: kept so an ABS file round-trips; Tidemark reads the HTTP port and log level. */
export const ServiceSchema = z.strictObject({
  http: z
    .strictObject({
      address: z.string().min(1).max(253).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      'context-path': z.string().max(256).optional(),
      timeout: timerMs().optional(),
      rate: z
        .strictObject({ tps: z.number().int().min(0).optional(), size: z.number().int().min(0).optional(), 'white-list': z.array(z.string().min(1).max(256)).max(1024).optional() })
        .optional(),
    })
    .optional(),
  logger: z
    .strictObject({
      level: z.preprocess(upper, z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR'])).optional(),
      format: z.preprocess(upper, z.enum(['PLAIN', 'JSON'])).optional(),
      'stdout-writer': z.boolean().optional(),
      'file-writer': z
        .strictObject({
          filename: z.string().min(1).max(4096).optional(),
          maxsize: z.number().int().min(0).optional(),
          maxage: z.number().int().min(0).optional(),
          maxbackups: z.number().int().min(0).optional(),
          compress: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
});

/** Tidemark's own settings; ABS ignores nothing here because ABS never sees it (export drops it). */
export const TidemarkSettingsSchema = z.strictObject({
  /** Write secrets given in plain text into this file as they are (off: refused). */
  'plaintext-secrets': z.boolean().optional(),
  /** Days of job history and events kept in the state database. */
  'history-days': z.number().int().min(1).max(36500).optional(),
  /** Days of log files kept. */
  'log-days': z.number().int().min(1).max(3650).optional(),
  /** REST API access; see ApiAccessSchema. */
  api: z.lazy(() => ApiAccessSchema).optional(),
  /** The desktop app's settings (tray, start at login, REST server, notifications). */
  desktop: DesktopSettingsSchema.optional(),
});

/**
 * Tidemark: who may use the localhost REST API. Only hashes are stored, so the config file holds
 * nothing that opens the API: the token itself is shown once and kept in the data folder's
 * `api-token` file (mode 0600), or comes from TIDEMARK_API_TOKEN.
 */
export const ApiAccessSchema = z.strictObject({
  /** Credentials required (default). Off is refused by the server on a non-loopback address. */
  auth: z.boolean().optional(),
  /** SHA-256 (hex) of the API token; a random 256-bit token needs no slow hash. Shown masked ("********" = unchanged). */
  'token-sha256': z.union([z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'), z.literal('********')]).optional(),
  /** HTTP basic auth as an alternative to the token: a user and a bcrypt hash of the password. */
  'basic-auth': z
    .strictObject({
      user: z.string().min(1).max(128).regex(/^[^:]+$/, 'a user name cannot contain ":"'),
      'password-bcrypt': z.union([z.string().regex(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/, 'must be a bcrypt hash'), z.literal('********')]),
    })
    .optional(),
  /** Browser origins allowed to call the API cross-origin (CORS); none unless listed. */
  'cors-origins': z.array(z.url({ protocol: /^https?$/ })).max(64).optional(),
});

const named = <T extends z.ZodType>(item: T) => plainData(z.record(NameSchema, item));

export const ConfigSchema = z.strictObject({
  'aerospike-clusters': named(AerospikeClusterSchema).default({}),
  storage: named(StorageSchema).default({}),
  'backup-policies': named(BackupPolicySchema).default({}),
  'backup-routines': named(RoutineSchema).default({}),
  'secret-agent': plainData(z.record(z.string(), z.unknown()))
    .optional()
    .refine((s) => s === undefined || Object.keys(s).length === 0, 'Aerospike Secret Agent is not supported yet'),
  service: plainData(ServiceSchema).optional(),
  tidemark: TidemarkSettingsSchema.optional(),
});

export type SeedNode = z.infer<typeof SeedNodeSchema>;
export type Credentials = z.infer<typeof CredentialsSchema>;
export type AerospikeClusterConfig = z.infer<typeof AerospikeClusterSchema>;
export type BackupPolicyConfig = z.infer<typeof BackupPolicySchema>;
export type RoutineConfig = z.infer<typeof RoutineSchema>;
export type RoutineConfigInput = z.input<typeof RoutineSchema>;
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** The sections holding named entries, and what one entry of each is called in messages. */
export const SECTIONS = {
  'aerospike-clusters': 'cluster',
  storage: 'storage',
  'backup-policies': 'policy',
  'backup-routines': 'routine',
} as const;
export type Section = keyof typeof SECTIONS;

export interface ConfigIssue {
  path: Array<string | number>;
  message: string;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Checks what a schema cannot: every routine's cluster, storage and policy exist. The lookups use
 * own properties only, so a name like `constructor` never resolves to Object.prototype's.
 */
export function checkReferences(c: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, r] of Object.entries(c['backup-routines'])) {
    const refs: Array<[keyof RoutineConfig, Section]> = [
      ['source-cluster', 'aerospike-clusters'],
      ['storage', 'storage'],
      ['backup-policy', 'backup-policies'],
    ];
    for (const [field, section] of refs) {
      const target = r[field] as string;
      if (!has(c[section], target)) {
        const known = Object.keys(c[section]);
        issues.push({ path: ['backup-routines', name, field], message: `${SECTIONS[section]} '${target}' is not defined (${known.length ? `defined: ${known.join(', ')}` : `no ${SECTIONS[section]} is defined yet`})` });
      }
    }
  }
  return issues;
}

/** Routines that name `name` in `section` (what stops it from being deleted). */
export function routinesUsing(c: Config, section: Exclude<Section, 'backup-routines'>, name: string): string[] {
  const field = section === 'aerospike-clusters' ? 'source-cluster' : section === 'storage' ? 'storage' : 'backup-policy';
  return Object.entries(c['backup-routines'])
    .filter(([, r]) => r[field] === name)
    .map(([n]) => n);
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`).join('; ');
}

export function zodIssues(err: z.ZodError, prefix: Array<string | number> = []): ConfigIssue[] {
  return err.issues.map((i) => ({ path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: i.message }));
}
