/**
 * The setup forms as data: each form's flat text fields, how they become a config entry, and
 * where each issue goes. The entry is checked with the same shared zod schema the core uses (plus
 * the core's cron parser), so a message appears next to its field before anything is sent; the
 * core's own refusals are mapped onto the same fields.
 */
import { AerospikeClusterSchema, BackupPolicySchema, NameSchema, RoutineSchema, type Section } from '../../../../shared/schemas/config.js';
import { StorageSchema } from '../../../../shared/schemas/storage.js';
import { validateCron } from '../../../../electron/core/scheduler/cron.js';
import type { SectionEntry, SectionInput } from '../../api/transport.js';

type Path = ReadonlyArray<string | number | symbol>;
export type Values = Record<string, string | boolean>;
export type Errors = Record<string, string>;

export interface FormModel<S extends Section> {
  section: S;
  /** Singular, for messages: "cluster". */
  what: string;
  empty: Values;
  fromEntry(entry: SectionEntry[S]): Values;
  /** The entry the values describe, and problems found while reading the text (bad port, …). */
  toEntry(v: Values): { entry: SectionInput[S]; errors: Errors };
  /** The form field an issue path (relative to the entry) belongs to. */
  fieldOf(path: Path): string;
  schema: { safeParse(x: unknown): { success: true } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } } };
  /** Checks beyond the schema (cron expressions). */
  extra?(entry: SectionInput[S], v: Values): Errors;
}

const str = (v: Values, k: string): string => {
  const x = v[k];
  return typeof x === 'string' ? x.trim() : '';
};
const bool = (v: Values, k: string): boolean => v[k] === true;
const list = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A whole number, or the message for its field; empty text is "not given". */
function int(v: Values, k: string, errors: Errors): number | undefined {
  const s = str(v, k);
  if (s === '') return undefined;
  if (!/^-?\d+$/.test(s)) {
    errors[k] = 'enter a whole number';
    return undefined;
  }
  return Number(s);
}

function opt<T>(key: string, value: T | undefined | '' | false): Record<string, T> {
  return value === undefined || value === '' || value === false ? {} : { [key]: value as T };
}

export const clusterForm: FormModel<'aerospike-clusters'> = {
  section: 'aerospike-clusters',
  what: 'cluster',
  empty: { name: '', seeds: '', user: '', passwordSource: 'password-env', passwordRef: '', maxParallelScans: '', label: '' },
  fromEntry: (c) => {
    const source = c.credentials?.password !== undefined ? 'password' : c.credentials?.['password-path'] !== undefined ? 'password-path' : 'password-env';
    return {
      name: '',
      seeds: c['seed-nodes'].map((s) => `${s['host-name']}:${s.port}`).join(', '),
      user: c.credentials?.user ?? '',
      passwordSource: source,
      // A stored password comes masked; sent back unchanged, the core keeps the one it has.
      passwordRef: c.credentials?.[source] ?? '',
      maxParallelScans: c['max-parallel-scans'] !== undefined ? String(c['max-parallel-scans']) : '',
      label: c.label ?? '',
    };
  },
  toEntry: (v) => {
    const errors: Errors = {};
    const seeds = list(str(v, 'seeds')).map((s) => {
      const m = /^(.*?)(?::(\d+))?$/.exec(s)!;
      if (/:/.test(m[1]!) && !m[1]!.startsWith('[')) errors.seeds = `"${s}" is not host:port`;
      return { 'host-name': m[1]!, port: m[2] !== undefined ? Number(m[2]) : 3000 };
    });
    const user = str(v, 'user');
    const source = str(v, 'passwordSource') || 'password-env';
    // A typed password is taken as typed: spaces may be part of it.
    const ref = source === 'password' && typeof v.passwordRef === 'string' ? v.passwordRef : str(v, 'passwordRef');
    const credentials = user || ref ? { ...opt('user', user), ...opt(source, ref) } : undefined;
    const max = int(v, 'maxParallelScans', errors);
    return { entry: { 'seed-nodes': seeds, ...(credentials ? { credentials } : {}), ...opt('max-parallel-scans', max), ...opt('label', str(v, 'label')) }, errors };
  },
  fieldOf: (p) => {
    const a = p[0];
    if (a === 'seed-nodes') return 'seeds';
    if (a === 'credentials') return p[1] === 'user' ? 'user' : p[1] === undefined ? 'passwordSource' : 'passwordRef';
    if (a === 'max-parallel-scans') return 'maxParallelScans';
    if (a === 'label') return 'label';
    return 'seeds';
  },
  schema: AerospikeClusterSchema,
};

const EMPTY_STORAGE: Values = {
  name: '',
  kind: 'local',
  path: '',
  bucket: '',
  s3Path: '',
  region: '',
  endpoint: '',
  pathStyle: false,
  credentials: 'default',
  profile: '',
  accessKeyId: '',
  secretAccessKey: '',
  sessionToken: '',
};

/** The form field of each S3 setting. */
const S3_FIELDS: Record<string, string> = {
  bucket: 'bucket',
  path: 's3Path',
  's3-region': 'region',
  's3-endpoint-override': 'endpoint',
  's3-force-path-style': 'pathStyle',
  's3-credentials-source': 'credentials',
  's3-profile': 'profile',
  's3-access-key-id': 'accessKeyId',
  's3-secret-access-key': 'secretAccessKey',
  's3-session-token': 'sessionToken',
};

export const storageForm: FormModel<'storage'> = {
  section: 'storage',
  what: 'storage',
  empty: { ...EMPTY_STORAGE },
  fromEntry: (s) => {
    const s3 = s['s3-storage'];
    if (!s3) return { ...EMPTY_STORAGE, path: s['local-storage']?.path ?? '' };
    // Keys and the session token come masked; sent back unchanged, the core keeps what it has.
    const credentials = s3['s3-credentials-source'] ?? (s3['s3-access-key-id'] !== undefined ? 'static' : s3['s3-profile'] !== undefined ? 'profile' : 'default');
    return {
      ...EMPTY_STORAGE,
      kind: 's3',
      bucket: s3.bucket,
      s3Path: s3.path ?? '',
      region: s3['s3-region'] ?? '',
      endpoint: s3['s3-endpoint-override'] ?? '',
      pathStyle: s3['s3-force-path-style'] ?? false,
      credentials,
      profile: s3['s3-profile'] ?? '',
      accessKeyId: s3['s3-access-key-id'] ?? '',
      secretAccessKey: s3['s3-secret-access-key'] ?? '',
      sessionToken: s3['s3-session-token'] ?? '',
    };
  },
  toEntry: (v) => {
    if (str(v, 'kind') !== 's3') return { entry: { 'local-storage': { path: str(v, 'path') } }, errors: {} };
    // Only the chosen source's fields go in: keys left in a hidden field would conflict with it.
    const source = str(v, 'credentials') || 'default';
    const errors: Errors = {};
    if (source === 'static' && !str(v, 'accessKeyId')) errors.accessKeyId = 'give the access key ID';
    if (source === 'static' && !str(v, 'secretAccessKey')) errors.secretAccessKey = 'give the secret access key';
    if (source === 'profile' && !str(v, 'profile')) errors.profile = 'give the profile name';
    return {
      entry: {
        's3-storage': {
          bucket: str(v, 'bucket'),
          ...opt('path', str(v, 's3Path')),
          ...opt('s3-region', str(v, 'region')),
          ...opt('s3-endpoint-override', str(v, 'endpoint')),
          ...opt('s3-force-path-style', bool(v, 'pathStyle')),
          ...(source === 'default' ? {} : { 's3-credentials-source': source as 'env' | 'profile' | 'static' }),
          ...(source === 'profile' ? opt('s3-profile', str(v, 'profile')) : {}),
          ...(source === 'static'
            ? { ...opt('s3-access-key-id', str(v, 'accessKeyId')), ...opt('s3-secret-access-key', str(v, 'secretAccessKey')), ...opt('s3-session-token', str(v, 'sessionToken')) }
            : {}),
        },
      },
      errors,
    };
  },
  fieldOf: (p) => {
    const [a, b] = p;
    if (a === 'local-storage') return 'path';
    if (a === 's3-storage') return S3_FIELDS[String(b)] ?? 'bucket';
    return 'kind';
  },
  schema: StorageSchema,
};

export const policyForm: FormModel<'backup-policies'> = {
  section: 'backup-policies',
  what: 'policy',
  empty: { name: '', parallel: '', compression: 'NONE', encryption: 'NONE', keyFile: '', keyEnv: '', retentionFull: '', retentionIncremental: '', maxAge: '', sealed: false, recordsPerSecond: '' },
  fromEntry: (p) => ({
    name: '',
    parallel: p.parallel !== undefined ? String(p.parallel) : '',
    compression: p.compression?.mode ?? 'NONE',
    encryption: p.encryption?.mode ?? 'NONE',
    keyFile: p.encryption?.['key-file'] ?? '',
    keyEnv: p.encryption?.['key-env'] ?? '',
    retentionFull: p.retention?.full !== undefined ? String(p.retention.full) : '',
    retentionIncremental: p.retention?.incremental !== undefined ? String(p.retention.incremental) : '',
    maxAge: p['max-age'] !== undefined ? String(p['max-age']) : '',
    sealed: p.sealed ?? false,
    recordsPerSecond: p['records-per-second'] !== undefined ? String(p['records-per-second']) : '',
  }),
  toEntry: (v) => {
    const errors: Errors = {};
    const full = int(v, 'retentionFull', errors);
    const incremental = int(v, 'retentionIncremental', errors);
    const mode = str(v, 'encryption') || 'NONE';
    const entry: SectionInput['backup-policies'] = {
      ...opt('parallel', int(v, 'parallel', errors)),
      ...(str(v, 'compression') === 'ZSTD' ? { compression: { mode: 'ZSTD' } } : {}),
      ...(mode !== 'NONE' ? { encryption: { mode: mode as 'AES128' | 'AES256', ...opt('key-file', str(v, 'keyFile')), ...opt('key-env', str(v, 'keyEnv')) } } : {}),
      ...(full !== undefined || incremental !== undefined ? { retention: { ...opt('full', full), ...(incremental !== undefined ? { incremental } : {}) } } : {}),
      ...opt('max-age', str(v, 'maxAge')),
      ...opt('sealed', bool(v, 'sealed')),
      ...opt('records-per-second', int(v, 'recordsPerSecond', errors)),
    };
    return { entry, errors };
  },
  fieldOf: (p) => {
    const [a, b] = p;
    const map: Record<string, string> = { parallel: 'parallel', compression: 'compression', 'max-age': 'maxAge', sealed: 'sealed', 'records-per-second': 'recordsPerSecond' };
    if (a === 'encryption') return b === 'key-env' ? 'keyEnv' : b === 'mode' ? 'encryption' : 'keyFile';
    if (a === 'retention') return b === 'incremental' ? 'retentionIncremental' : 'retentionFull';
    return map[String(a)] ?? 'parallel';
  },
  schema: BackupPolicySchema,
};

export const routineForm: FormModel<'backup-routines'> = {
  section: 'backup-routines',
  what: 'routine',
  empty: { name: '', cluster: '', storage: '', policy: '', cron: '0 0 2 * * ?', incrCron: '', namespaces: '', setList: '', binList: '', timezone: '', disabled: false, skipOnBattery: false },
  fromEntry: (r) => ({
    name: '',
    cluster: r['source-cluster'],
    storage: r.storage,
    policy: r['backup-policy'],
    cron: r['interval-cron'],
    incrCron: r['incr-interval-cron'] ?? '',
    namespaces: r.namespaces.join(', '),
    setList: (r['set-list'] ?? []).join(', '),
    binList: (r['bin-list'] ?? []).join(', '),
    timezone: r.timezone ?? '',
    disabled: r.disabled ?? false,
    skipOnBattery: r['skip-on-battery'] ?? false,
  }),
  toEntry: (v) => ({
    entry: {
      'source-cluster': str(v, 'cluster'),
      storage: str(v, 'storage'),
      'backup-policy': str(v, 'policy'),
      'interval-cron': str(v, 'cron'),
      ...opt('incr-interval-cron', str(v, 'incrCron')),
      namespaces: list(str(v, 'namespaces')),
      ...(list(str(v, 'setList')).length ? { 'set-list': list(str(v, 'setList')) } : {}),
      ...(list(str(v, 'binList')).length ? { 'bin-list': list(str(v, 'binList')) } : {}),
      ...opt('timezone', str(v, 'timezone')),
      ...opt('disabled', bool(v, 'disabled')),
      ...opt('skip-on-battery', bool(v, 'skipOnBattery')),
    },
    errors: {},
  }),
  fieldOf: (p) => {
    const map: Record<string, string> = {
      'source-cluster': 'cluster',
      storage: 'storage',
      'backup-policy': 'policy',
      'interval-cron': 'cron',
      'incr-interval-cron': 'incrCron',
      namespaces: 'namespaces',
      'set-list': 'setList',
      'bin-list': 'binList',
      timezone: 'timezone',
      disabled: 'disabled',
      'skip-on-battery': 'skipOnBattery',
    };
    return map[String(p[0])] ?? 'cron';
  },
  schema: RoutineSchema,
  extra: (e) => {
    const errors: Errors = {};
    // A bad time zone is the timezone field's problem; the expressions are then read in local time.
    const tz = e.timezone && cronProblem('@daily', { timezone: e.timezone }) === undefined ? { timezone: e.timezone } : {};
    const full = e['interval-cron'] ? cronProblem(e['interval-cron'], tz) : undefined;
    if (full) errors.cron = full;
    const incr = e['incr-interval-cron'] ? cronProblem(e['incr-interval-cron'], tz) : undefined;
    if (incr) errors.incrCron = incr;
    return errors;
  },
};

/** The core's cron message without the field name and the long list of accepted forms. */
export function cronProblem(expr: string, o: { timezone?: string } = {}): string | undefined {
  let m: string | undefined;
  try {
    m = validateCron(expr, 'cron', o);
  } catch (err) {
    m = err instanceof Error ? err.message : String(err);
  }
  if (m === undefined) return undefined;
  return m.replace(/^cron "[^"]*" is not a valid cron schedule: /, '').replace(/\. Accepted forms:[\s\S]*$/, '');
}

/** First message per field: the name, the text fields, the schema, then extra checks. */
export function validate<S extends Section>(form: FormModel<S>, v: Values, o: { taken?: readonly string[]; editing?: boolean } = {}): { entry: SectionInput[S]; errors: Errors } {
  const errors: Errors = {};
  const name = str(v, 'name');
  if (!o.editing) {
    const n = NameSchema.safeParse(name);
    if (name === '') errors.name = `give the ${form.what} a name`;
    else if (!n.success) errors.name = n.error.issues[0]?.message ?? 'not a valid name';
    else if (o.taken?.includes(name)) errors.name = `a ${form.what} named '${name}' exists already`;
  }
  const { entry, errors: textErrors } = form.toEntry(v);
  for (const [k, m] of Object.entries(textErrors)) errors[k] ??= m;
  const r = form.schema.safeParse(entry);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const field = form.fieldOf(issue.path as Path);
      errors[field] ??= issue.message;
    }
  }
  for (const [k, m] of Object.entries(form.extra?.(entry, v) ?? {})) errors[k] ??= m;
  return { entry, errors };
}

/**
 * The core's refusal on the form's fields. Paths arrive as `body.<field>…` (schema checks),
 * `params.name`, or `<section>.<name>.<field>…` (the config service's checks).
 */
export function serverErrors<S extends Section>(form: FormModel<S>, issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }>, name: string, fallback: string): Errors {
  const errors: Errors = {};
  for (const i of issues) {
    let p: ReadonlyArray<string | number> = i.path;
    if (p[0] === 'params') {
      errors.name ??= i.message;
      continue;
    }
    if (p[0] === 'body') p = p.slice(1);
    const at = p.findIndex((x, k) => x === name && k > 0 && p[k - 1] === form.section);
    if (at >= 0) p = p.slice(at + 1);
    else if (p[0] === form.section) p = p.slice(1);
    errors[p.length ? form.fieldOf(p) : '_form'] ??= i.message;
  }
  if (Object.keys(errors).length === 0) errors._form = fallback;
  return errors;
}
